"""Generated documents: content checked by extracting the PDF text, determinism, fonts."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pypdf
import pytest
from PIL import Image

from parceldesk.adapters.documents.fonts import FontSet, discover_fonts
from parceldesk.adapters.documents.render import PdfRenderer
from parceldesk.domain.claim_documents import (
    ActionEntry,
    ClaimLetterInput,
    ClaimLimit,
    CommunicationEntry,
    DisputeStatementInput,
    Party,
    ProofOfValueInput,
    SnapshotInput,
    TimelineEntry,
)
from parceldesk.domain.money import Money
from parceldesk.domain.orders import OrderLine
from parceldesk.domain.rules import ClaimType
from parceldesk.domain.taxonomy import Status

CN, BR, TH = (timezone(timedelta(hours=h)) for h in (8, -3, 7))
CAPTURED = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
EVENTS = (
    TimelineEntry(
        datetime(2026, 3, 1, 10, 5, tzinfo=CN), "快件已揽收", "Shenzhen", Status.IN_TRANSIT
    ),
    TimelineEntry(
        datetime(2026, 3, 5, 9, 0, tzinfo=BR),
        "Objeto recebido pelos Correios do Brasil",
        "Curitiba - PR",
        Status.IN_TRANSIT,
    ),
    TimelineEntry(datetime(2026, 3, 9, 9, 0, tzinfo=TH), "พัสดุถึงศูนย์", "Bangkok", Status.EXCEPTION),
)
SNAPSHOT = SnapshotInput(
    "LX123456789CN",
    "yunexpress",
    CAPTURED,
    EVENTS,
    payload_sha256=("a" * 64, "b" * 64),
    service="YunExpress Standard",
    current_status=Status.EXCEPTION,
    case_ref="C-42",
)


def usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


LINES = (
    OrderLine("SKU-1", "Bluetooth speaker", 2, usd("45.00"), usd("12.00")),
    OrderLine("SKU-2", "USB cable", 1, usd("9.99"), usd("1.10")),
)
SELLER = Party("Acme Trading Ltd", ("1 Harbour Road", "Shenzhen", "CN"), "claims@acme.test")
BUYER = Party("Jane Doe", ("5 Main St", "Austin TX 78701", "US"))
LATIN_ONLY = FontSet(discover_fonts().regular, discover_fonts().bold, ())


def text_of(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    return " ".join(text.split())


def letter(**changes: object) -> ClaimLetterInput:
    base = {
        "case_ref": "C-42",
        "tracking_number": "9400109104250532908587",
        "carrier": "usps",
        "claim_type": ClaimType.LOST,
        "claimant": SELLER,
        "sender": SELLER,
        "recipient": BUYER,
        "contents": LINES,
        "claimed_value": usd("99.99"),
        "description": "No scan since 5 March; the buyer confirmed non-receipt. {{ 7*7 }}",
        "prepared_at": CAPTURED,
        "service": "Ground Advantage",
        "ship_date": date(2026, 3, 1),
        "declared_value": usd("99.99"),
        "limit": ClaimLimit(usd("100.00"), "insured / declared value"),
        "order_id": "1001",
        "timeline": EVENTS,
        "enclosures": ("tracking-snapshot.pdf", "invoice.pdf"),
    }
    base.update(changes)
    return ClaimLetterInput(**base)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def renderer() -> PdfRenderer:
    return PdfRenderer()


def test_tracking_snapshot_pdf_shows_timeline_capture_time_and_hashes(
    renderer: PdfRenderer,
) -> None:
    doc = renderer.tracking_snapshot_pdf(SNAPSHOT)
    assert doc.media_type == "application/pdf" and doc.data.startswith(b"%PDF-")
    assert doc.filename == "tracking-snapshot-LX123456789CN.pdf"
    text = flat(text_of(doc.data))
    for expected in (
        "LX123456789CN",
        "yunexpress",
        "YunExpress Standard",
        "Captured at 2026-03-20 12:00:00 UTC",
        "2026-03-05 09:00 UTC-03:00",
        "Objeto recebido pelos Correios do Brasil",
        "Curitiba - PR",
        "a" * 64,
        "b" * 64,
        SNAPSHOT.timeline_sha256,
    ):
        assert expected in text, expected
    # Same input, same bytes: a regenerated snapshot can be compared with the filed one.
    assert renderer.tracking_snapshot_pdf(SNAPSHOT).data == doc.data


def test_non_latin_descriptions_render_or_are_reported(renderer: PdfRenderer) -> None:
    doc = renderer.tracking_snapshot_pdf(SNAPSHOT)
    text = text_of(doc.data)
    if "快件已揽收" in text and "ศูนย์" in text:
        assert doc.notes == ()
    else:  # no CJK/Thai font on this machine: shown as '?' and said so
        assert doc.notes and "could not be shown" in doc.notes[0]


def test_missing_glyphs_become_question_marks_with_a_note() -> None:
    doc = PdfRenderer(fonts=LATIN_ONLY).tracking_snapshot_pdf(SNAPSHOT)
    text = text_of(doc.data)
    assert "Objeto recebido pelos Correios do Brasil" in text  # Portuguese is covered
    assert "?????" in text and "快" not in text
    assert len(doc.notes) == 1
    assert "Thai" in doc.notes[0] and "Chinese" in doc.notes[0]


def test_core_font_fallback_when_no_truetype_font_is_installed() -> None:
    doc = PdfRenderer(fonts=FontSet(None, None)).claim_letter_pdf(letter())
    text = flat(text_of(doc.data))
    assert "9400109104250532908587" in text and "Claimed value 99.99 USD" in text
    assert doc.notes  # the Chinese/Thai timeline events could not be shown


def test_tracking_snapshot_png_is_an_image_stamped_with_capture_and_hashes(
    renderer: PdfRenderer,
) -> None:
    doc = renderer.tracking_snapshot_png(SNAPSHOT)
    assert doc.media_type == "image/png" and doc.filename.endswith(".png")
    with Image.open(io.BytesIO(doc.data)) as img:
        assert img.format == "PNG" and img.width > 800 and img.height > 1000
        meta = img.text  # type: ignore[attr-defined]
    assert meta["CaptureTime"] == "2026-03-20T12:00:00+00:00"
    assert meta["TimelineSHA256"] == SNAPSHOT.timeline_sha256
    assert meta["PayloadSHA256"] == f"{'a' * 64} {'b' * 64}"


def test_proof_of_value_lists_items_prices_costs_and_totals(renderer: PdfRenderer) -> None:
    proof = ProofOfValueInput(
        "1001",
        "Acme",
        "USD",
        LINES,
        CAPTURED,
        order_date=datetime(2026, 2, 27, 15, 30, tzinfo=CN),
        platform="shopify",
        shipping=usd("5.00"),
        costs=(("Postage paid", usd("7.20")),),
    )
    text = flat(text_of(renderer.proof_of_value_pdf(proof).data))
    for expected in (
        "Bluetooth speaker SKU-1 2 45.00 USD 90.00 USD 12.00 USD 24.00 USD",
        "USB cable SKU-2 1 9.99 USD 9.99 USD 1.10 USD 1.10 USD",
        "Goods total (price) 99.99 USD",
        "Order total 104.99 USD",
        "Goods total (cost) 25.10 USD",
        "Postage paid 7.20 USD",
        "2026-02-27 15:30 UTC+08:00",
    ):
        assert expected in text, expected


def test_claim_letter_has_the_fields_carriers_ask_for(renderer: PdfRenderer) -> None:
    doc = renderer.claim_letter_pdf(letter())
    text = flat(text_of(doc.data))
    for expected in (
        "Claim for lost shipment 9400109104250532908587",
        "Tracking number 9400109104250532908587",
        "Carrier usps",
        "Service Ground Advantage",
        "Ship date 2026-03-01",
        "Delivery date not delivered",
        "Declared value 99.99 USD",
        "Claimed value 99.99 USD",
        "Sender Acme Trading Ltd 1 Harbour Road Shenzhen CN",
        "Recipient Jane Doe 5 Main St Austin TX 78701 US",
        "Bluetooth speaker SKU-1 2 45.00 USD 90.00 USD",
        "No scan since 5 March",
        "{{ 7*7 }}",  # user text is data, never evaluated as a template
        "3 tracking event(s) from 2026-03-01 10:05 UTC+08:00 to 2026-03-09 09:00 UTC+07:00",
        "tracking-snapshot.pdf",
    ):
        assert expected in text, expected
    assert "exceeds the carrier's limit" not in text
    assert renderer.claim_letter_pdf(letter()).data == doc.data


def test_claim_letter_says_when_claim_exceeds_carrier_limit(renderer: PdfRenderer) -> None:
    over = letter(
        claim_type=ClaimType.DAMAGED,
        delivery_date=date(2026, 3, 10),
        claimed_value=usd("250.00"),
        limit=ClaimLimit(usd("100.00"), "carrier default liability: no declared value"),
    )
    text = flat(text_of(renderer.claim_letter_pdf(over).data))
    assert "Claim for damaged shipment" in text and "Delivery date 2026-03-10" in text
    assert (
        "The claimed value of 250.00 USD exceeds the carrier's limit of 100.00 USD "
        "(carrier default liability: no declared value)"
    ) in text
    assert "which was delivered damaged" in renderer.claim_letter_text(over)


def _statement(**changes: object) -> DisputeStatementInput:
    base = {
        "platform": "shopee",
        "dispute_id": "D-77",
        "dispute_type": "item_not_received",
        "order_id": "1001",
        "tracking_number": "LX123456789CN",
        "carrier": "yunexpress",
        "prepared_at": CAPTURED,
        "seller_name": "Acme Trading Ltd",
        "market": "BR",
        "opened_at": datetime(2026, 3, 18, 8, 0, tzinfo=BR),
        "ship_date": date(2026, 3, 1),
        "timeline": EVENTS,
        "communications": (
            CommunicationEntry(
                datetime(2026, 3, 18, 9, 0, tzinfo=BR),
                "phone",
                "outbound",
                "YunExpress support",
                "Trace requested",
                agent_id="YE-3141",
            ),
        ),
        "seller_actions": (ActionEntry(datetime(2026, 3, 19, 9, 0, tzinfo=CN), "Opened trace"),),
        "enclosures": ("01-tracking_snapshot.pdf",),
    }
    base.update(changes)
    return DisputeStatementInput(**base)  # type: ignore[arg-type]


def test_dispute_statement_without_delivery_states_the_facts(renderer: PdfRenderer) -> None:
    doc = renderer.dispute_statement_text(_statement())
    assert doc.media_type == "text/plain"
    text = doc.data.decode("utf-8")
    assert text.startswith("Response to shopee (BR) dispute D-77\n")
    assert "1. The order was shipped on 2026-03-01 with yunexpress" in text
    assert "2. The carrier has not recorded a delivery." in text
    assert 'reads: "พัสดุถึงศูนย์" (Bangkok)' in text
    assert "outbound phone to YunExpress support (agent ID YE-3141): Trace requested" in text
    assert "2026-03-19 09:00 UTC+08:00: Opened trace" in text
    assert "proof of delivery" not in text
    pdf_text = flat(text_of(renderer.dispute_statement_pdf(_statement()).data))
    assert "Response to shopee (BR) dispute D-77" in pdf_text
    assert "The carrier has not recorded a delivery" in pdf_text


def test_dispute_statement_with_delivery_and_without_proof(renderer: PdfRenderer) -> None:
    delivered = (
        *EVENTS,
        TimelineEntry(
            datetime(2026, 3, 12, 14, 0, tzinfo=BR), "Objeto entregue", "Curitiba", Status.DELIVERED
        ),
    )
    at = datetime(2026, 3, 12, 14, 0, tzinfo=BR)
    text = renderer.dispute_statement_text(
        _statement(timeline=delivered, delivered_at=at)
    ).data.decode()
    assert "recorded the parcel as delivered on 2026-03-12 14:00 UTC-03:00" in text
    assert "has provided no proof of delivery" in text
    proof = renderer.dispute_statement_text(
        _statement(timeline=delivered, delivered_at=at, delivery_proof="signature of J. Doe")
    ).data.decode()
    assert "Proof of delivery: signature of J. Doe." in proof
