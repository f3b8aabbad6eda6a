"""Builds the evidence, claim and dispute desks for the CLI from the app's settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from parceldesk.adapters.documents.packager import ZipPackager
from parceldesk.adapters.documents.render import PdfRenderer
from parceldesk.adapters.storage.uploads import CheckedIntake
from parceldesk.bootstrap import App
from parceldesk.domain.errors import InvalidValue
from parceldesk.domain.money import Money, parse_amount
from parceldesk.entrypoints.cli.common import app_for, parse_instant
from parceldesk.services.claims import ClaimDesk
from parceldesk.services.disputes import DisputeDesk
from parceldesk.services.evidence import EvidenceDesk

__all__ = ["AsOf", "Desks", "desks", "parse_money"]

AsOf = Annotated[
    str | None, typer.Option("--as-of", help="Act as of this instant (ISO 8601 with offset).")
]


class Desks:
    def __init__(self, pd: App) -> None:
        store = pd.blob_store
        renderer = PdfRenderer()
        intake = CheckedIntake(store)
        packager = ZipPackager(store)
        common = (pd.uow_factory, pd.case_env, pd.clock, pd.user)
        self.app = pd
        self.evidence = EvidenceDesk(*common, store, intake, renderer)
        self.claims = ClaimDesk(*common, store, intake, renderer, packager)
        self.disputes = DisputeDesk(*common, store, renderer, packager)


@contextmanager
def desks(db: str | None, as_of: str | None) -> Iterator[Desks]:
    with app_for(db, as_of=parse_instant(as_of)) as pd:
        yield Desks(pd)


def parse_money(text: str | None, default_currency: str | None) -> Money | None:
    """``49.90`` (in ``default_currency``) or ``49.90 USD``."""
    if text is None:
        return None
    parts = text.split()
    if len(parts) == 2:
        return Money(parse_amount(parts[0]), parts[1].upper())
    if len(parts) == 1 and default_currency:
        return Money(parse_amount(parts[0]), default_currency)
    raise InvalidValue(f"{text!r}: give an amount and a currency, e.g. '49.90 USD'")
