"""``parceldesk claims ...``: prepare a claim package, record its submission and outcome."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from parceldesk.domain.claims import Claim, ClaimStatus, recovered
from parceldesk.domain.rules import ClaimType
from parceldesk.entrypoints.cli.common import DbOption, console, parse_instant
from parceldesk.entrypoints.cli.locker_common import AsOf, Desks, desks, parse_money

__all__ = ["app", "print_case_claims"]

app = typer.Typer(help="Carrier claims: package, submission, decision, payment.",
                  no_args_is_help=True)  # fmt: skip
CaseId = Annotated[int, typer.Argument(help="Case number.")]


def _money(value: object) -> str:
    return "-" if value is None else str(value)


@app.command("prepare")
def prepare_cmd(
    case_id: CaseId,
    out: Annotated[Path | None, typer.Option("--out", help="ZIP to write.")] = None,
    claim_type: Annotated[ClaimType | None, typer.Option("--type", help="Claim type.")] = None,
    amount: Annotated[
        str | None, typer.Option("--amount", help="Claimed value, e.g. '49.90 USD'.")
    ] = None,
    description: Annotated[str, typer.Option("--description")] = "",
    as_of: AsOf = None,
    db: DbOption = None,
) -> None:
    """Build the claim package: letter PDF, every evidence file, checklist, manifest."""
    path = out or Path.cwd() / f"case-{case_id}-claim.zip"
    with desks(db, as_of) as d:
        p = d.claims.prepare(
            case_id, path, claim_type=claim_type, amount=parse_money(amount, None),
            description=description,
        )  # fmt: skip
    console.print(f"claim #{p.claim_id} (draft): {p.party} {p.claim_type} claim for "
                  f"{p.claimed}; rule {p.rule}", highlight=False)  # fmt: skip
    if p.limit is None:
        console.print("carrier limit: not known from the rules file", highlight=False)
    else:
        console.print(f"carrier limit: {p.limit.amount} ({p.limit.basis})", highlight=False)
    if p.over_limit:
        console.print(
            f"[yellow]the claimed {p.claimed} exceeds what the carrier pays "
            f"({p.limit.amount if p.limit else '-'}); the letter says so[/]", highlight=False
        )  # fmt: skip
    for item in p.checklist.items:
        mark = "present" if item.present else "MISSING"
        console.print(f"  [{mark}] {item.label}", highlight=False, markup=False)
    files = p.manifest["files"]
    assert isinstance(files, list)
    console.print(f"chain head printed on the letter: {p.head_hash}", highlight=False)
    console.print(f"wrote {p.path} ({len(files)} files + manifest.json)", highlight=False)


@app.command("file")
def file_cmd(
    case_id: CaseId,
    channel: Annotated[str, typer.Option("--channel", help="web, email, phone, portal ...")],
    number: Annotated[str, typer.Option("--number", help="The carrier's claim/case number.")],
    receipt: Annotated[Path, typer.Option("--receipt", help="Submission receipt file.")],
    as_of: AsOf = None,
    db: DbOption = None,
) -> None:
    """Record that the claim was submitted (the case moves to claim_filed)."""
    if not receipt.is_file():
        raise typer.BadParameter(f"{receipt} is not a readable file")
    with desks(db, as_of) as d, receipt.open("rb") as stream:
        claim = d.claims.file(case_id, channel=channel, number=number,
                              receipt_name=receipt.name, receipt=stream)  # fmt: skip
    console.print(f"claim #{claim.id}: submitted via {claim.channel} as {claim.number}; "
                  f"case #{case_id} claim_filed", highlight=False)  # fmt: skip


@app.command("update")
def update_cmd(
    claim_id: Annotated[int, typer.Argument(help="Claim number (claims list).")],
    status: Annotated[ClaimStatus | None, typer.Option("--status")] = None,
    approved: Annotated[str | None, typer.Option("--approved", help="Approved amount.")] = None,
    paid: Annotated[str | None, typer.Option("--paid", help="Amount that arrived.")] = None,
    follow_up: Annotated[str | None, typer.Option("--follow-up", help="ISO 8601.")] = None,
    appeal_by: Annotated[
        str | None, typer.Option("--appeal-by", help="Appeal deadline from the decision.")
    ] = None,
    as_of: AsOf = None,
    db: DbOption = None,
) -> None:
    """Record the carrier's answer: status, approved and paid amounts, dates."""
    with desks(db, as_of) as d:
        current = next((c for c, _ in d.claims.listing(limit=10_000) if c.id == claim_id), None)
        currency = current.claimed.currency if current else None
        claim = d.claims.update(
            claim_id, status=status, approved=parse_money(approved, currency),
            paid=parse_money(paid, currency), follow_up_at=parse_instant(follow_up),
            appeal_deadline=parse_instant(appeal_by),
        )  # fmt: skip
    console.print(f"claim #{claim_id}: {claim.status}; approved {_money(claim.approved)}, "
                  f"paid {_money(claim.paid)}", highlight=False)  # fmt: skip


def _table(rows: list[tuple[Claim, str]], title: str) -> Table:
    table = Table(title=title)
    for col in ("#", "case", "parcel", "against", "type", "status", "claimed", "approved",
                "paid", "number", "follow-up", "appeal by"):  # fmt: skip
        table.add_column(col, overflow="fold")
    for c, number in rows:
        table.add_row(
            str(c.id), str(c.case_id), number, c.party, c.claim_type, c.status, str(c.claimed),
            _money(c.approved), _money(c.paid), c.number or "-",
            f"{c.follow_up_at:%Y-%m-%d}" if c.follow_up_at else "-",
            f"{c.appeal_deadline:%Y-%m-%d}" if c.appeal_deadline else "-",
        )  # fmt: skip
    return table


@app.command("list")
def list_cmd(
    open_only: Annotated[bool, typer.Option("--open", help="Only undecided/unpaid.")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 100,
    db: DbOption = None,
) -> None:
    """Claims, nearest follow-up first."""
    with desks(db, None) as d:
        rows = d.claims.listing(open_only=open_only, limit=limit)
    console.print(_table(rows, "claims"))
    if not rows:
        console.print("no claims")


def print_case_claims(d: Desks, case_id: int) -> None:
    """The claims section of ``cases show``: each claim and the money recovered."""
    claims = d.claims.for_case(case_id)
    if not claims:
        return
    console.print(_table([(c, "") for c in claims], f"claims of case #{case_id}"))
    money = recovered(claims)
    total = ", ".join(str(m) for m in money.values()) or "nothing yet"
    console.print(f"recovered: {total}", highlight=False)
