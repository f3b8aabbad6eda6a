"""Renders the generated evidence documents (``DocumentRenderer`` port).

* tracking snapshot: the timeline as PDF, and the same pages as one PNG (pypdfium2
  rasterises the PDF, so both always show the same thing), stamped with the capture
  time, the timeline hash and the SHA-256 of every raw payload it was built from;
* proof of value: order lines with prices, costs, shipping and totals;
* claim letter: the fields carriers ask for, in English, with a notice when the claimed
  value exceeds the carrier's liability or insurance limit;
* dispute statement: a factual statement, as text and as PDF.

Prose is drafted from Jinja2 templates in a ``SandboxedEnvironment`` (templates may one
day be edited by users) with ``StrictUndefined`` so a missing fact fails loudly instead of
printing an empty string.  Output is plain text, so autoescape is on only for HTML/XML
template names.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pypdfium2 as pdfium  # type: ignore[import-untyped]
from babel.numbers import format_currency
from jinja2 import FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import SandboxedEnvironment
from PIL import Image, PngImagePlugin

from parceldesk.adapters.documents.fonts import FontSet
from parceldesk.adapters.documents.pdf import DocumentPdf
from parceldesk.domain.claim_documents import (
    ClaimLetterInput,
    DisputeStatementInput,
    ProofOfValueInput,
    SnapshotInput,
    TimelineEntry,
)
from parceldesk.domain.money import Money
from parceldesk.services.document_ports import RenderedDocument

__all__ = ["PdfRenderer", "fmt_money", "fmt_when"]

_TEMPLATES = Path(__file__).with_name("templates")
#: a claim letter lists at most this many events; the snapshot has them all
LETTER_EVENTS = 12


def fmt_money(money: Money | None) -> str:
    if money is None:
        return "-"
    return str(format_currency(money.amount, money.currency, format="#,##0.00 ¤¤", locale="en_US"))


def fmt_when(value: datetime | None) -> str:
    """Time as the carrier reported it, with its offset (never silently converted)."""
    if value is None:
        return "-"
    offset = value.strftime("%z")
    return f"{value:%Y-%m-%d %H:%M} UTC{offset[:3]}:{offset[3:]}"


def fmt_day(value: date | None) -> str:
    return "-" if value is None else value.isoformat()


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html", "htm", "xml"), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(money=fmt_money, when=fmt_when, day=fmt_day)
    return env


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def _slug(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", value).strip("-") or "document"


def _event_rows(events: tuple[TimelineEntry, ...]) -> list[list[str]]:
    return [
        [fmt_when(e.occurred_at), e.location, e.description, str(e.status or "")] for e in events
    ]


class PdfRenderer:
    """``DocumentRenderer`` with fpdf2 (PDF), pypdfium2 (PNG) and Jinja2 (text)."""

    def __init__(self, fonts: FontSet | None = None, png_scale: float = 1.5) -> None:
        self.fonts = fonts
        self.png_scale = png_scale
        self.env = _environment()

    # ------------------------------------------------------------ tracking snapshot

    def _snapshot(self, snap: SnapshotInput) -> DocumentPdf:
        stamp = f"Tracking snapshot {snap.tracking_number} · captured {_utc(snap.captured_at)}"
        doc = DocumentPdf(
            f"Tracking snapshot: {snap.tracking_number}", snap.captured_at, stamp, self.fonts
        )
        events = snap.ordered_events
        doc.fields(
            [
                ("Tracking number", snap.tracking_number),
                ("Carrier", snap.carrier),
                ("Service", snap.service),
                ("Current status", str(snap.current_status or "")),
                ("Case", snap.case_ref),
                ("Captured at", _utc(snap.captured_at)),
                ("Events", str(len(events))),
                ("Timeline SHA-256", snap.timeline_sha256),
            ]
        )
        doc.heading("Timeline (oldest first)")
        if events:
            doc.table(
                ["Time", "Location", "Description", "Status"], _event_rows(events), (30, 25, 65, 17)
            )
        else:
            doc.paragraph("The carrier has reported no events.")
        doc.heading("Raw payloads (SHA-256)")
        doc.paragraph("\n".join(snap.payload_sha256) or "none recorded", size=8)
        return doc

    def tracking_snapshot_pdf(self, snapshot: SnapshotInput) -> RenderedDocument:
        doc = self._snapshot(snapshot)
        name = f"tracking-snapshot-{_slug(snapshot.tracking_number)}.pdf"
        return RenderedDocument(name, "application/pdf", doc.output(), doc.notes)

    def tracking_snapshot_png(self, snapshot: SnapshotInput) -> RenderedDocument:
        pdf = self.tracking_snapshot_pdf(snapshot)
        pages = []
        document = pdfium.PdfDocument(pdf.data)
        try:
            for page in document:
                pages.append(page.render(scale=self.png_scale).to_pil().convert("RGB"))
                page.close()
        finally:
            document.close()
        width = max(p.width for p in pages)
        sheet = Image.new("RGB", (width, sum(p.height for p in pages)), "white")
        top = 0
        for page_image in pages:
            sheet.paste(page_image, (0, top))
            top += page_image.height
        info = PngImagePlugin.PngInfo()
        info.add_itxt("Title", f"Tracking snapshot {snapshot.tracking_number}")
        info.add_itxt("CaptureTime", snapshot.captured_at.isoformat())
        info.add_itxt("TimelineSHA256", snapshot.timeline_sha256)
        info.add_itxt("PayloadSHA256", " ".join(snapshot.payload_sha256))
        out = io.BytesIO()
        sheet.save(out, format="PNG", pnginfo=info, optimize=True)
        name = pdf.filename.removesuffix(".pdf") + ".png"
        return RenderedDocument(name, "image/png", out.getvalue(), pdf.notes)

    # ------------------------------------------------------------ proof of value

    def proof_of_value_pdf(self, proof: ProofOfValueInput) -> RenderedDocument:
        stamp = f"Proof of value, order {proof.order_id} · captured {_utc(proof.captured_at)}"
        doc = DocumentPdf(
            f"Proof of value: order {proof.order_id}", proof.captured_at, stamp, self.fonts
        )
        doc.fields(
            [
                ("Order", proof.order_id),
                ("Store", proof.store),
                ("Platform", proof.platform),
                ("Order date", fmt_when(proof.order_date)),
                ("Currency", proof.currency),
                ("Case", proof.case_ref),
                ("Captured at", _utc(proof.captured_at)),
            ]
        )
        rows = [
            [
                line.name,
                line.sku,
                str(line.quantity),
                fmt_money(line.unit_price),
                fmt_money(line.unit_price * line.quantity if line.unit_price else None),
                fmt_money(line.unit_cost),
                fmt_money(line.unit_cost * line.quantity if line.unit_cost else None),
            ]
            for line in proof.lines
        ]
        doc.heading("Items")
        doc.table(
            ["Item", "SKU", "Qty", "Unit price", "Line total", "Unit cost", "Line cost"],
            rows,
            (50, 22, 9, 24, 24, 24, 24),
            align=("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        )
        totals = [("Goods total (price)", fmt_money(proof.goods_total))]
        totals.append(("Shipping charged", fmt_money(proof.shipping)))
        totals.append(("Order total", fmt_money(proof.order_total)))
        totals.append(("Goods total (cost)", fmt_money(proof.cost_total)))
        totals += [(label, fmt_money(amount)) for label, amount in proof.costs]
        doc.heading("Totals")
        doc.fields(totals, label_width=60)
        name = f"proof-of-value-{_slug(proof.order_id)}.pdf"
        return RenderedDocument(name, "application/pdf", doc.output(), doc.notes)

    # ------------------------------------------------------------ claim letter

    def claim_letter_text(self, letter: ClaimLetterInput) -> str:
        text = self.env.get_template("claim_letter.txt.j2").render(
            letter=letter, carrier_name=letter.carrier.upper(), over_limit=letter.over_limit
        )
        return _tidy(text)

    def claim_letter_pdf(self, letter: ClaimLetterInput) -> RenderedDocument:
        kind = str(letter.claim_type).replace("_", " ")
        stamp = f"Claim {letter.case_ref} · {letter.tracking_number} · {_utc(letter.prepared_at)}"
        doc = DocumentPdf(
            f"Claim for {kind} shipment {letter.tracking_number}",
            letter.prepared_at,
            stamp,
            self.fonts,
        )
        limit = letter.limit
        doc.fields(
            [
                ("Date", letter.prepared_at.date().isoformat()),
                ("Our reference", letter.case_ref),
                ("Tracking number", letter.tracking_number),
                ("Carrier", letter.carrier),
                ("Service", letter.service),
                ("Claim type", kind),
                ("Order number", letter.order_id),
                ("Ship date", fmt_day(letter.ship_date)),
                ("Delivery date", fmt_day(letter.delivery_date) if letter.delivery_date else
                 "not delivered" if letter.claim_type == "lost" else "-"),
                ("Declared value", fmt_money(letter.declared_value)),
                ("Claimed value", fmt_money(letter.claimed_value)),
                ("Carrier limit", f"{fmt_money(limit.amount)} ({limit.basis})" if limit else
                 "not known"),
            ]
        )  # fmt: skip
        if letter.over_limit:
            assert limit is not None
            doc.notice(
                f"The claimed value of {fmt_money(letter.claimed_value)} exceeds the carrier's "
                f"limit of {fmt_money(limit.amount)} ({limit.basis}). The carrier is not "
                f"expected to pay more than {fmt_money(limit.amount)}."
            )
        doc.heading("Sender and recipient")
        doc.fields(
            [
                ("Sender", "\n".join((letter.sender.name, *letter.sender.address))),
                ("Recipient", "\n".join((letter.recipient.name, *letter.recipient.address))),
                ("Claimant", "\n".join(p for p in (letter.claimant.name, letter.claimant.email,
                                                    letter.claimant.phone) if p)),
            ]
        )  # fmt: skip
        doc.heading("Contents")
        doc.table(
            ["Item", "SKU", "Qty", "Unit value", "Total"],
            [
                [
                    line.name,
                    line.sku,
                    str(line.quantity),
                    fmt_money(line.unit_price),
                    fmt_money(line.unit_price * line.quantity if line.unit_price else None),
                ]
                for line in letter.contents
            ],
            (75, 30, 12, 30, 30),
            align=("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT"),
        )
        doc.heading("Letter")
        doc.paragraph(self.claim_letter_text(letter))
        doc.heading("Timeline summary")
        events = tuple(sorted(letter.timeline, key=lambda e: e.occurred_at.timestamp()))
        if events:
            shown = events[-LETTER_EVENTS:]
            doc.paragraph(
                f"{len(events)} tracking event(s) from {fmt_when(events[0].occurred_at)} to "
                f"{fmt_when(events[-1].occurred_at)}; last status: {events[-1].status or '-'}."
                + (f" The {len(shown)} most recent are listed." if len(shown) < len(events) else "")
            )
            doc.table(["Time", "Location", "Description", "Status"], _event_rows(shown),
                      (30, 25, 65, 17))  # fmt: skip
        else:
            doc.paragraph("The carrier has reported no tracking events.")
        name = f"claim-letter-{_slug(letter.case_ref or letter.tracking_number)}.pdf"
        return RenderedDocument(name, "application/pdf", doc.output(), doc.notes)

    # ------------------------------------------------------------ dispute statement

    def _statement(self, s: DisputeStatementInput) -> str:
        events = tuple(sorted(s.timeline, key=lambda e: e.occurred_at.timestamp()))
        delivered = [e for e in events if e.status == "delivered"]
        text = self.env.get_template("dispute_statement.txt.j2").render(
            s=s,
            events=events,
            last_event=events[-1] if events else None,
            delivery_event=delivered[-1] if delivered else None,
        )
        return _tidy(text)

    def dispute_statement_text(self, statement: DisputeStatementInput) -> RenderedDocument:
        name = f"dispute-statement-{_slug(statement.dispute_id)}.txt"
        return RenderedDocument(name, "text/plain", self._statement(statement).encode("utf-8"))

    def dispute_statement_pdf(self, statement: DisputeStatementInput) -> RenderedDocument:
        text = self._statement(statement)
        title, _, body = text.partition("\n")
        stamp = f"Dispute {statement.dispute_id} · {_utc(statement.prepared_at)}"
        doc = DocumentPdf(title, statement.prepared_at, stamp, self.fonts)
        for block in body.strip().split("\n\n"):
            first, _, rest = block.partition("\n")
            if rest and not first.startswith(("-", "1.")) and len(first) < 40:
                doc.heading(first, level=3)
                doc.paragraph(rest)
            else:
                doc.paragraph(block)
        name = f"dispute-statement-{_slug(statement.dispute_id)}.pdf"
        return RenderedDocument(name, "application/pdf", doc.output(), doc.notes)
