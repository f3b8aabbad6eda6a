"""``parceldesk evidence ...``: add files to a case's locker, list them, verify them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from parceldesk.domain.evidence import EvidenceKind, PhotoSubject
from parceldesk.entrypoints.cli.common import DbOption, console, err_console, parse_instant
from parceldesk.entrypoints.cli.locker_common import AsOf, desks

__all__ = ["app"]

app = typer.Typer(help="The evidence locker: files attached to a case.", no_args_is_help=True)
CaseId = Annotated[int, typer.Argument(help="Case number.")]


@app.command("add")
def add_cmd(
    case_id: CaseId,
    file: Annotated[Path, typer.Argument(help="The file to attach.", dir_okay=False)],
    kind: Annotated[EvidenceKind, typer.Option("--kind", help="What the file is.")],
    subject: Annotated[
        PhotoSubject | None, typer.Option("--subject", help="What a photo or video shows.")
    ] = None,
    note: Annotated[str, typer.Option("--note")] = "",
    captured_at: Annotated[
        str | None, typer.Option("--captured-at", help="When it was taken (ISO 8601).")
    ] = None,
    as_of: AsOf = None,
    db: DbOption = None,
) -> None:
    """Check a file (type from content, size, name) and attach it to a case."""
    if not file.is_file():
        raise typer.BadParameter(f"{file} is not a readable file")
    with desks(db, as_of) as d, file.open("rb") as stream:
        item = d.evidence.add(
            case_id, kind, file.name, stream, subject=subject, note=note,
            captured_at=parse_instant(captured_at),
        )  # fmt: skip
    console.print(
        f"case #{case_id}: {item.kind} {item.display_name} added "
        f"({item.media_type}, {item.size} bytes, sha256 {item.sha256})",
        highlight=False,
    )


@app.command("list")
def list_cmd(case_id: CaseId, as_of: AsOf = None, db: DbOption = None) -> None:
    """Every item in a case's locker, oldest first."""
    with desks(db, as_of) as d:
        items = d.evidence.items(case_id)
    table = Table(title=f"evidence of case #{case_id}")
    for col in ("#", "kind", "name", "type", "bytes", "added", "by", "sha256"):
        table.add_column(col, overflow="fold")
    for i in items:
        kind = f"{i.kind} ({i.subject})" if i.subject else str(i.kind)
        table.add_row(str(i.id), kind, i.display_name, i.media_type, str(i.size),
                      f"{i.added_at:%Y-%m-%d %H:%M}", i.added_by, i.sha256)  # fmt: skip
    console.print(table)
    if not items:
        console.print("no evidence yet")


@app.command("render")
def render_cmd(case_id: CaseId, as_of: AsOf = None, db: DbOption = None) -> None:
    """Render captured tracking snapshots and proof of value as PDF/PNG now."""
    with desks(db, as_of) as d:
        count = d.evidence.render(case_id)
    console.print(f"case #{case_id}: {count} document(s) rendered", highlight=False)


@app.command("verify")
def verify_cmd(case_id: CaseId, db: DbOption = None) -> None:
    """Re-hash every file and check the timeline's hash chain; exit 1 on any problem."""
    with desks(db, None) as d:
        verdict = d.evidence.verify(case_id)
    for b in verdict.breaks:
        err_console.print(f"timeline entry #{b.seq}: {b.problem}", highlight=False, markup=False)
    for f in verdict.findings:
        err_console.print(f.problem, highlight=False, markup=False)
    if verdict.ok:
        console.print(
            f"case #{case_id}: OK -- {verdict.items} item(s), {verdict.files} file(s) re-hashed, "
            f"{verdict.entries} timeline entries chained; head {verdict.head}",
            highlight=False,
        )
        return
    err_console.print(
        f"case #{case_id}: TAMPERING OR DAMAGE DETECTED -- "
        f"{len(verdict.breaks)} chain break(s), {len(verdict.findings)} other problem(s)",
        highlight=False, markup=False,
    )  # fmt: skip
    raise typer.Exit(1)
