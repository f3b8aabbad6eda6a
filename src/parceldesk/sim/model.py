"""The simulator's records: events, shipments with their ground truth, backlog episodes.

Kept apart from the lifecycle logic so that renderers (``sim.payloads``) and the writer
depend on plain data, not on the walk that produced it.
"""

from __future__ import annotations

from dataclasses import dataclass

from parceldesk.sim.lanes import Channel
from parceldesk.sim.places import Place

__all__ = ["OUTCOMES", "Backlog", "Shipment", "SimEvent"]

OUTCOMES = (
    "delivered",
    "lost",
    "damaged",
    "returned",
    "delivered_not_received",
    "never_picked_up",
)


@dataclass(slots=True)
class SimEvent:
    """One event as the carrier reported it (the provider renderings derive from it)."""

    ts: int
    kind: str
    leg: int  # 0: the tracking number's carrier; 1: the last-mile carrier
    place: Place
    text: str
    family: str


@dataclass(frozen=True, slots=True)
class Backlog:
    """An airline/linehaul backlog: departures of ``channel`` wait longer in a date range."""

    channel: str
    start: int
    end: int
    extra_hours: float


@dataclass(slots=True)
class Shipment:
    """A simulated parcel: its full event history and what really happened to it.

    ``events`` may extend past the world's end; renderers drop what is not yet visible.
    """

    number: str
    channel: Channel
    lm_carrier: str
    lm_number: str
    dest: Place
    events: list[SimEvent]
    outcome: str
    lost_at_node: str
    last_real_scan: int | None
    delivered_at: int | None
    outcome_at: int
