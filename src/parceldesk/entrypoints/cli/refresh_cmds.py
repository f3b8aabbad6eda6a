"""``parceldesk track refresh``: poll stale active parcels from 17TRACK or the carriers.

Credentials come only from the environment, never from options or defaults:

* 17TRACK: ``PARCELDESK_SEVENTEEN_TRACK_API_KEY`` (the account's ``17token``).
* karrio (``pip install 'parceldesk[carriers]'``): per carrier, all of
  ``PARCELDESK_USPS_CLIENT_ID``/``_SECRET``, ``PARCELDESK_UPS_CLIENT_ID``/``_SECRET``,
  ``PARCELDESK_FEDEX_TRACK_API_KEY``/``PARCELDESK_FEDEX_TRACK_SECRET_KEY``,
  ``PARCELDESK_DHL_API_KEY``; ``PARCELDESK_KARRIO_TEST_MODE=1`` uses the sandboxes.
  Carriers without credentials are skipped (their parcels are not selected).

Exit status: 0 when every batch was polled (some numbers may still have been rejected:
see the warnings), 1 when a batch failed, 2 on missing configuration.
"""

from __future__ import annotations

import os
import re
from contextlib import ExitStack
from datetime import timedelta
from enum import StrEnum
from typing import Annotated

import typer

from parceldesk.adapters.db.unit_of_work import SqlUnitOfWork
from parceldesk.entrypoints.cli.common import (
    DbOption,
    JsonOption,
    app_for,
    console,
    err_console,
    parse_instant,
)
from parceldesk.services.tracking_refresh import (
    RefreshReport,
    TrackingPoller,
    refresh_active,
)

__all__ = ["Provider", "app", "parse_duration", "refresh_cmd"]

app = typer.Typer(help="Keep tracking fresh: poll providers and carriers.", no_args_is_help=True)

SEVENTEEN_TRACK_KEY_ENV = "PARCELDESK_SEVENTEEN_TRACK_API_KEY"
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([wdhms])", re.IGNORECASE)
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


class Provider(StrEnum):
    SEVENTEEN_TRACK = "17track"
    KARRIO = "karrio"


def parse_duration(text: str) -> timedelta:
    """``6h``, ``90m``, ``1d12h``, ``2w``: a positive duration."""
    compact = "".join(text.split())
    parts = list(_DURATION.finditer(compact))
    if not parts or "".join(p.group(0) for p in parts) != compact:
        raise typer.BadParameter(f"{text!r} is not a duration such as 6h, 90m or 1d12h")
    total = sum(
        (timedelta(**{_UNITS[p.group(2).lower()]: float(p.group(1))}) for p in parts),
        timedelta(0),
    )
    if total <= timedelta(0):
        raise typer.BadParameter("the duration must be positive")
    return total


def _fail(message: str, code: int = 2) -> typer.Exit:
    err_console.print(f"error: {message}", highlight=False, markup=False)
    return typer.Exit(code)


def _seventeen_track(stack: ExitStack) -> tuple[TrackingPoller, list[str] | None]:
    from parceldesk.adapters.tracking.seventeen_track.client import SeventeenTrackClient
    from parceldesk.adapters.tracking.seventeen_track.poller import SeventeenTrackPoller

    key = os.environ.get(SEVENTEEN_TRACK_KEY_ENV, "").strip()
    if not key:
        raise _fail(f"{SEVENTEEN_TRACK_KEY_ENV} is not set (the 17TRACK API key)")
    client = stack.enter_context(SeventeenTrackClient(key))
    return SeventeenTrackPoller(client), None


def _karrio() -> tuple[TrackingPoller, list[str] | None]:
    from parceldesk.adapters.tracking.karrio_carriers.poller import (
        CARRIER_ENV,
        KarrioNotInstalled,
        KarrioPoller,
        settings_from_env,
    )

    try:
        settings = settings_from_env(os.environ)
    except ValueError as exc:
        raise _fail(f"karrio credentials incomplete: {exc}") from exc
    if not settings:
        names = ", ".join(v for fields in CARRIER_ENV.values() for v in fields.values())
        raise _fail(f"no carrier credentials set; set the variables of at least one of: {names}")
    try:
        poller = KarrioPoller.from_settings(settings)
    except KarrioNotInstalled as exc:
        raise _fail(str(exc)) from exc
    return poller, poller.carrier_filter()


def refresh_cmd(
    provider: Annotated[Provider, typer.Argument(help="Where to poll: 17track or karrio.")],
    stale_after: Annotated[
        str,
        typer.Option(
            "--stale-after",
            help="Poll parcels neither refreshed nor scanned within this long (6h, 90m, 1d).",
        ),
    ] = "6h",
    limit: Annotated[
        int, typer.Option("--limit", min=1, help="At most this many parcels per run.")
    ] = 200,
    carrier: Annotated[
        list[str] | None,
        typer.Option("--carrier", help="Only parcels of this carrier (repeatable)."),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Pretend it is this instant (ISO 8601 with offset)."),
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Poll active parcels (not delivered or returned) whose tracking went stale."""
    stale = parse_duration(stale_after)
    instant = parse_instant(as_of)
    with ExitStack() as stack:
        if provider is Provider.SEVENTEEN_TRACK:
            source, supported = _seventeen_track(stack)
        else:
            source, supported = _karrio()
        carriers = _carriers(carrier, supported)
        pd = stack.enter_context(app_for(db, as_of=instant))
        engine = pd.engine
        report = refresh_active(
            lambda: SqlUnitOfWork(engine),
            source,
            pd.clock,
            stale_after=stale,
            limit=limit,
            carriers=carriers,
        )
    _print(provider, report, as_json)
    if not report.ok:
        raise typer.Exit(1)


def _carriers(chosen: list[str] | None, supported: list[str] | None) -> list[str] | None:
    if not chosen:
        return supported
    wanted = [c.strip().casefold() for c in chosen if c.strip()]
    if supported is None:
        return wanted
    allowed = set(supported)
    skipped = [c for c in wanted if c not in allowed]
    if skipped:
        err_console.print(
            f"warning: no karrio gateway configured for {', '.join(skipped)}", markup=False
        )
    return [c for c in wanted if c in allowed]


def _print(provider: Provider, report: RefreshReport, as_json: bool) -> None:
    t = report.ingest
    if as_json:
        import orjson

        print(
            orjson.dumps(
                {
                    "provider": provider.value, "selected": report.selected,
                    "batches": report.batches, "batches_failed": report.batches_failed,
                    "batches_partial": report.batches_partial, "updates": report.updates,
                    "answered": report.answered, "payloads_new": report.payloads_new,
                    "events_new": t.events_new,
                    "events_duplicate": t.events_duplicate,
                    "shipments_created": t.shipments_created, "links_made": t.links_made,
                    "errors": report.errors,
                }
            ).decode()
        )  # fmt: skip
        return
    for line in report.errors[:20]:
        level = "warning" if report.ok else "error"
        err_console.print(f"{level}: {line}", highlight=False, markup=False)
    if len(report.errors) > 20:
        err_console.print(f"... and {len(report.errors) - 20} more", markup=False)
    console.print(
        f"{provider.value}: {report.selected} parcels due, {report.batches} batches "
        f"({report.batches_failed} failed, {report.batches_partial} partial); updates "
        f"{report.updates}; responses kept {report.payloads_new}; events new {t.events_new}, "
        f"duplicate {t.events_duplicate}; parcels linked {t.links_made}",
        highlight=False,
    )


app.command("refresh")(refresh_cmd)
