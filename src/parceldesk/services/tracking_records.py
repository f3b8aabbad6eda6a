"""What every tracking source (17TRACK, AfterShip, carrier APIs, event files) is parsed
into before ingestion. Providers differ in shape; from here on there is one code path.

Parsers live in ``adapters/tracking/<provider>``; they are pure (bytes in, records out)
and map provider codes to the canonical taxonomy through a table per provider, using the
text classifier only when the provider gave no usable code.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from parceldesk.domain.taxonomy import ExceptionReason, Status
from parceldesk.domain.tracking import TrackingEvent

__all__ = ["LinkedLeg", "PayloadError", "StagedUpdate", "TrackingUpdate", "events_update"]


class PayloadError(ValueError):
    """A body that cannot be understood: the message says where and why (goes to dead letters)."""


@dataclass(frozen=True, slots=True)
class LinkedLeg:
    """Another parcel number the provider revealed for the same parcel (e.g. the USPS
    last-mile number of a YunExpress parcel)."""

    tracking_number: str
    carrier: str = ""
    role: str = "last_mile"  # the revealed number's role: last_mile | first_mile


@dataclass(frozen=True, slots=True)
class TrackingUpdate:
    """Everything one provider message says about one tracking number."""

    source: str  # 17track | aftership | events_csv | karrio:<carrier>
    tracking_number: str
    carrier: str = ""  # provider's carrier slug or code, as text
    events: tuple[TrackingEvent, ...] = ()
    carrier_edd: datetime | None = None
    #: when the provider made that estimate (AfterShip ``ts``; 17TRACK: the newest scan
    #: it had seen): a later message may carry an older estimate
    edd_as_of: datetime | None = None
    provider_status: Status | None = None
    provider_reason: ExceptionReason | None = None
    linked: tuple[LinkedLeg, ...] = ()
    #: provider's own message id (AfterShip ``event_id``) when it has one
    message_id: str | None = None
    #: the provider stopped tracking this number (17TRACK ``TRACKING_STOPPED``)
    stopped: bool = False
    extra: dict[str, str] = field(default_factory=dict)
    #: fingerprints of the raw events this message carried, built or skipped (see
    #: ``StagedUpdate``); empty for sources that resend nothing
    fingerprints: tuple[bytes, ...] = ()
    #: events left unbuilt because their fingerprint was known (duplicates)
    skipped: int = 0

    def build(self, known: Container[bytes]) -> TrackingUpdate:
        """An update that is built already is its own :class:`StagedUpdate`."""
        return self


class StagedUpdate(Protocol):
    """One number's update with its events not built yet.

    17TRACK and AfterShip resend a parcel's whole history on every push, and building an
    event (its time resolved, its text classified, its dedup key hashed) costs ten times
    more than recognising the raw event again. ``build`` builds only the raw events whose
    fingerprint (a digest of the raw event as received) is not in ``known`` -- the
    fingerprints of events already stored for this parcel -- and counts the others as
    ``skipped``. Every problem that makes the message unusable is raised before
    ``build`` (by the parse that made this), never by it."""

    @property
    def tracking_number(self) -> str: ...

    def build(self, known: Container[bytes]) -> TrackingUpdate: ...


_new_object = object.__new__
_set_slot = object.__setattr__  # how a frozen dataclass sets its own fields


def events_update(
    source: str,
    tracking_number: str,
    carrier: str,
    events: tuple[TrackingEvent, ...],
    linked: tuple[LinkedLeg, ...],
) -> TrackingUpdate:
    """``TrackingUpdate(source, tracking_number, carrier, events, linked=linked)`` -- every
    other field at its default -- at half the cost: the events CSV reader makes one per
    row (a million for a big file) and the frozen dataclass's ``__init__`` sets its eleven
    fields through ``object.__setattr__`` one by one."""
    update: TrackingUpdate = _new_object(TrackingUpdate)
    _set_slot(update, "source", source)
    _set_slot(update, "tracking_number", tracking_number)
    _set_slot(update, "carrier", carrier)
    _set_slot(update, "events", events)
    _set_slot(update, "carrier_edd", None)
    _set_slot(update, "edd_as_of", None)
    _set_slot(update, "provider_status", None)
    _set_slot(update, "provider_reason", None)
    _set_slot(update, "linked", linked)
    _set_slot(update, "message_id", None)
    _set_slot(update, "stopped", False)
    _set_slot(update, "extra", {})
    _set_slot(update, "fingerprints", ())
    _set_slot(update, "skipped", 0)
    return update
