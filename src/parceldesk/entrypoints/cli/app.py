"""The ``parceldesk`` command. Thin: parse options, call a service, render the result.

Errors the user can act on (bad file, bad value, unreachable database) print one line
and exit non-zero; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from parceldesk import __version__
from parceldesk.adapters.importers.tables import FileRejected
from parceldesk.domain.errors import DomainError
from parceldesk.entrypoints.cli import (
    address_cmds,
    case_cmds,
    claims_cmds,
    demo_cmd,
    disputes_cmds,
    evidence_cmds,
    import_cmds,
    refresh_cmds,
    rules_cmds,
    scan_cmds,
    shipments_cmds,
    sim_cmds,
    token_cmds,
    tracking_cmds,
)
from parceldesk.entrypoints.cli.common import DbOption, app_for, console, err_console

app = typer.Typer(
    name="parceldesk",
    help="Detect, confirm, evidence and claim lost, stuck and damaged parcels.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(import_cmds.app, name="import")
app.add_typer(shipments_cmds.app, name="shipments")
app.add_typer(refresh_cmds.app, name="track")
app.command("ingest")(tracking_cmds.ingest_cmd)
app.command("serve")(tracking_cmds.serve_cmd)
app.command("demo")(demo_cmd.demo_cmd)
app.command("scan")(scan_cmds.scan_cmd)
app.add_typer(sim_cmds.app, name="sim")
app.add_typer(case_cmds.app, name="cases")
app.add_typer(address_cmds.app, name="address")
app.add_typer(rules_cmds.app, name="rules")
app.add_typer(token_cmds.app, name="tokens")
app.add_typer(evidence_cmds.app, name="evidence")
app.add_typer(claims_cmds.app, name="claims")
app.add_typer(disputes_cmds.app, name="disputes")
shipments_cmds.app.command("unmatched")(tracking_cmds.unmatched_cmd)

_state = {"debug": False}


def _version(value: bool) -> None:
    if value:
        console.print(f"parceldesk {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    _state["debug"] = debug


@app.command("init")
def init_cmd(db: DbOption = None) -> None:
    """Create the database or migrate it to the newest schema."""
    with app_for(db) as pd:
        console.print(f"database ready: {pd.engine.url.render_as_string(hide_password=True)}")


def main() -> None:
    debug = "--debug" in sys.argv
    try:
        code = app(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(130)
    except Exception as exc:
        if debug:
            raise
        sys.exit(_report(exc))


def _report(exc: Exception) -> int:
    import click

    # typer >= 0.29 vendors click (typer._click): its BadParameter is not click's.
    usage = (click.exceptions.UsageError, typer.BadParameter)
    if isinstance(exc, usage):
        exc.show()
        return 2
    if isinstance(exc, click.exceptions.ClickException):
        exc.show()
        return exc.exit_code
    if isinstance(exc, FileRejected | DomainError | ValueError):
        err_console.print(f"error: {exc}", highlight=False, markup=False)
        return 1
    if isinstance(exc, OperationalError):
        err_console.print(f"error: database unavailable: {exc.orig}", highlight=False, markup=False)
        return 3
    if isinstance(exc, SQLAlchemyError):
        err_console.print(f"error: database error: {exc}", highlight=False, markup=False)
        return 3
    err_console.print(
        f"error: {type(exc).__name__}: {exc} (run with --debug for details)", markup=False
    )
    return 1
