"""``parceldesk address check``: verify one ship-to address against offline data.

Register with ``app.add_typer(address_cmds.app, name="address")``.  Exit code 0 when the
verdict has no error finding, 1 when it has (warnings alone do not fail), so the
command can be used in scripts.
"""

from __future__ import annotations

from typing import Annotated

import orjson
import typer

from parceldesk.domain.errors import InvalidValue
from parceldesk.domain.orders import Address
from parceldesk.entrypoints.cli.common import JsonOption, console

app = typer.Typer(
    help="Ship-to address checks (postcode vs state/city, units, PO boxes).",
    no_args_is_help=True,
)


@app.callback()
def _address() -> None:
    """Ship-to address checks (keeps ``check`` a subcommand even on its own)."""


_STYLE = {"error": "red", "warning": "yellow", "info": "cyan"}


@app.command("check")
def check_cmd(
    country: Annotated[str, typer.Option("--country", help="ISO 3166 alpha-2, e.g. US, BR.")],
    line1: Annotated[str, typer.Option("--line1", help="Street line.")] = "",
    line2: Annotated[str, typer.Option("--line2", help="Unit, building, district.")] = "",
    city: Annotated[str, typer.Option("--city")] = "",
    state: Annotated[str, typer.Option("--state", help="State / province / region.")] = "",
    postal_code: Annotated[str, typer.Option("--zip", "--postal-code")] = "",
    as_json: JsonOption = False,
) -> None:
    """Normalise and sanity-check one address; print its findings."""
    from parceldesk.adapters.address import OfflineAddressVerifier

    try:
        address = Address(line1, line2, city, state, postal_code, country.strip().upper())
    except InvalidValue as exc:
        raise typer.BadParameter(str(exc), param_hint="--country") from exc
    verdict = OfflineAddressVerifier().verify(address)
    if as_json:
        print(orjson.dumps(verdict.to_dict()).decode())
    else:
        console.print(verdict.display, highlight=False)
        for f in verdict.findings:
            style = _STYLE[f.severity]
            console.print(
                f"[{style}]{f.severity:7}[/{style}] {f.code} ({f.field}): {f.message}",
                highlight=False,
                soft_wrap=True,
            )
        status = "[green]ok[/green]" if verdict.ok else "[red]problems found[/red]"
        console.print(
            f"{status}; checks: {', '.join(verdict.checks_run) or 'none'}"
            + (
                f"; unavailable: {', '.join(verdict.checks_unavailable)}"
                if verdict.checks_unavailable
                else ""
            ),
            highlight=False,
            soft_wrap=True,
        )
    if not verdict.ok:
        raise typer.Exit(1)
