"""``parceldesk scan``: run every detector as of an instant and show the open exceptions."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import orjson
import typer

from parceldesk.domain.detection.types import BuyerReport
from parceldesk.entrypoints.cli.common import (
    DbOption,
    JsonOption,
    app_for,
    console,
    parse_instant,
)
from parceldesk.services.case_sync import sync_cases
from parceldesk.services.ports import OpenException
from parceldesk.services.scan import run_scan

__all__ = ["read_reports", "scan_cmd"]


def read_reports(path: Path) -> list[BuyerReport]:
    """Buyers' "not received" reports: CSV with tracking_number, reported_at (ISO 8601
    with an offset) and an optional note."""
    if not path.is_file():
        raise typer.BadParameter(f"{path}: no such file")
    out: list[BuyerReport] = []
    with path.open(newline="", encoding="utf-8-sig") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            number = (row.get("tracking_number") or "").replace(" ", "").upper()
            when = parse_instant((row.get("reported_at") or "").strip() or None)
            if not number or when is None:
                raise typer.BadParameter(
                    f"{path.name}: row {line}: tracking_number and reported_at are required"
                )
            out.append(BuyerReport(number, when, (row.get("note") or "").strip()))
    return out


def _json(row: OpenException) -> str:
    return orjson.dumps(
        {
            "tracking_number": row.tracking_number,
            "kind": row.kind.value,
            "reason": row.reason.value,
            "first_detected_at": row.first_detected_at.isoformat(),
            "loss_probability": (
                None if row.loss_probability is None else round(row.loss_probability, 4)
            ),
            "node": row.node.value if row.node else None,
            "silent_hours": None if row.silent_hours is None else round(row.silent_hours, 1),
            "explanation": row.explanation,
        }
    ).decode()


def scan_cmd(
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Instant to scan as of (ISO 8601, with offset); default now."),
    ] = None,
    reports: Annotated[
        Path | None,
        typer.Option(
            "--reports", help="CSV of buyers' not-received reports: tracking_number, reported_at."
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Rows in the table.")] = 50,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Run all detectors; open, refresh and close exceptions; list the open ones."""
    instant = parse_instant(as_of)
    buyer_reports = read_reports(reports) if reports is not None else None
    with app_for(db, as_of=instant) as pd:
        report = run_scan(pd.uow_factory(), as_of=pd.clock.now(), reports=buyer_reports)
        cases = sync_cases(pd.uow_factory(), env=pd.case_env, as_of=pd.clock.now())
        with pd.uow_factory() as uow:
            rows = uow.exceptions.listing(limit=None if as_json else limit)
    if as_json:
        for row in rows:
            print(_json(row))
        return
    kinds = ", ".join(f"{k} {n}" for k, n in report.open_by_kind.items()) or "none"
    console.print(
        f"scan as of {report.as_of.isoformat()}: {report.shipments} parcels; opened "
        f"{report.opened}, refreshed {report.refreshed}, closed {report.closed}; open: {kinds}",
        highlight=False,
    )
    for row in rows:
        silent = "-" if row.silent_hours is None else f"{row.silent_hours / 24:.1f} d silent"
        p = "" if row.loss_probability is None else f", p(lost) {row.loss_probability:.2f}"
        node = row.node.value if row.node else "-"
        console.print(
            f"[bold]{row.tracking_number}[/]  {row.kind.value} ({row.reason.value})  {node}  "
            f"{silent}{p}",
            highlight=False,
        )
        console.print(f"    {row.explanation}", highlight=False, markup=False)
    console.print(
        f"cases: opened {cases.opened}, escalated {cases.escalated}, closed {cases.closed}, "
        f"reopened {cases.reopened}; {cases.open_cases} open; reminders {cases.reminders}, "
        f"missed deadlines {cases.missed} (parceldesk cases list)",
        highlight=False,
    )
    if report.open > len(rows):
        console.print(f"... {report.open - len(rows)} more (--limit, or --json for all)")
