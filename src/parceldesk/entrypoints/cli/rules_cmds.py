"""``parceldesk rules show|check``: what the claim and marketplace rules say, and whether
a seller's overrides file is valid before it is relied on."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.table import Table

from parceldesk.adapters.rules_loader import check_overrides, load_rulebook
from parceldesk.config import Settings
from parceldesk.domain.rules import ClaimRule, PlatformStep, Window
from parceldesk.entrypoints.cli.common import JsonOption, console, err_console

__all__ = ["app"]

app = typer.Typer(help="Carrier claim windows and marketplace deadlines.", no_args_is_help=True)

Overrides = Annotated[
    Path | None,
    typer.Option(
        "--overrides", envvar="PARCELDESK_RULES_OVERRIDES",
        help="The seller's overrides file (default: PARCELDESK_RULES_OVERRIDES).",
    ),
]  # fmt: skip


def _w(window: Window | None) -> str:
    return str(window) if window is not None else "-"


def _rule_json(r: ClaimRule) -> dict[str, object]:
    return {
        "carrier": r.carrier, "service": r.service, "scope": r.scope.value,
        "claim_type": r.claim_type.value, "earliest": _w(r.earliest), "latest": _w(r.latest),
        "claimable": r.claimable, "who_may_file": list(r.who_may_file),
        "required_documents": list(r.required_documents),
        "default_liability": (
            f"{r.default_liability.amount.amount} {r.default_liability.amount.currency} "
            f"({r.default_liability.basis})" if r.default_liability else None
        ),
        "insurance_max": (
            f"{r.insurance_max.amount} {r.insurance_max.currency}" if r.insurance_max else None
        ),
        "processing": r.processing, "submit_via": r.submit_via, "confidence": r.confidence.value,
        "verified_on": r.verified_on.isoformat(), "sources": list(r.sources), "notes": r.notes,
        "store": r.store, "channel": r.channel, "origin": r.origin,
        "overridden": list(r.overridden),
    }  # fmt: skip


def _step_json(s: PlatformStep) -> dict[str, object]:
    return {
        "platform": s.platform, "market": s.market, "step": s.step, "window": _w(s.window),
        "auto_outcome": s.auto_outcome, "confidence": s.confidence.value,
        "verified_on": s.verified_on.isoformat(), "sources": list(s.sources), "notes": s.notes,
        "store": s.store, "origin": s.origin, "overridden": list(s.overridden),
    }  # fmt: skip


@app.command("show")
def show_cmd(
    name: Annotated[
        str | None, typer.Argument(help="A carrier (usps) or platform (shopee); default all.")
    ] = None,
    overrides: Overrides = None,
    as_json: JsonOption = False,
) -> None:
    """The rules in force (shipped + overrides), with source and confidence."""
    book = load_rulebook(overrides or Settings().rules_overrides)
    wanted = name.lower() if name else None
    rules = [r for r in book.all_claim_rules if wanted in (None, r.carrier)]
    steps = [s for s in book.all_platform_steps if wanted in (None, s.platform)]
    if wanted and not rules and not steps:
        raise typer.BadParameter(f"no carrier or platform named {name!r} in the rules")
    if as_json:
        for r in rules:
            print(orjson.dumps({"type": "claim_rule", **_rule_json(r)}).decode())
        for s in steps:
            print(orjson.dumps({"type": "platform_step", **_step_json(s)}).decode())
        return
    if rules:
        table = Table(title=f"carrier claim rules (version {book.version})")
        for col in ("carrier / service", "scope", "claim", "no sooner than", "no later than",
                    "insurance max", "conf.", "checked", "source"):  # fmt: skip
            table.add_column(col, overflow="fold")
        for r in rules:
            scoped = "".join(f" [{k}={v}]" for k, v in (("store", r.store),
                                                         ("channel", r.channel)) if v)  # fmt: skip
            table.add_row(
                f"{r.carrier}/{r.service}{scoped}", r.scope.value, r.claim_type.value,
                _w(r.earliest) if r.claimable else "not claimable", _w(r.latest),
                f"{r.insurance_max.amount} {r.insurance_max.currency}" if r.insurance_max else "-",
                r.confidence.value, r.verified_on.isoformat(), r.sources[0],
            )  # fmt: skip
        console.print(table)
    if steps:
        table = Table(title="marketplace steps")
        for col in ("platform / market", "step", "window", "if missed", "conf.", "source"):
            table.add_column(col, overflow="fold")
        for s in steps:
            table.add_row(
                f"{s.platform}/{s.market}" + (f" [store={s.store}]" if s.store else ""), s.step,
                _w(s.window), s.auto_outcome or "-", s.confidence.value, s.sources[0],
            )  # fmt: skip
        console.print(table)


@app.command("check")
def check_cmd(
    path: Annotated[Path, typer.Argument(help="Overrides file to validate.")],
) -> None:
    """Validate an overrides file against the shipped rules; every problem is listed."""
    problems = check_overrides(path)
    if problems:
        for problem in problems:
            err_console.print(problem, markup=False, highlight=False)
        raise typer.Exit(1)
    console.print(f"{path}: valid", highlight=False)
