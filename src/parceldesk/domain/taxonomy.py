"""The canonical tracking taxonomy every provider is normalised into.

Three independent axes, deliberately kept apart (see docs/adr/0002-canonical-taxonomy.md):

* ``Status``   -- where the parcel is in its life, as a buyer would understand it
                  (AfterShip tags / 17TRACK main statuses / karrio ``TrackingStatus``).
* ``Node``     -- the physical step of a cross-border chain the last scan happened at.
                  Dwell times are learned per node, so nodes must be fine-grained where
                  parcels actually stall (customs, linehaul, last-mile facility).
* ``ExceptionReason`` -- why something went wrong (AfterShip ``Exception_0xx`` subtags /
                  17TRACK ``Exception_*`` sub-statuses / karrio ``TrackingIncidentReason``).
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["TERMINAL_STATUSES", "ExceptionReason", "Node", "Status", "node_rank", "status_rank"]


class Status(StrEnum):
    PENDING = "pending"
    INFO_RECEIVED = "info_received"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    READY_FOR_PICKUP = "ready_for_pickup"
    FAILED_ATTEMPT = "failed_attempt"
    DELIVERED = "delivered"
    EXCEPTION = "exception"
    RETURNING = "returning"
    RETURNED = "returned"
    EXPIRED = "expired"


class Node(StrEnum):
    LABEL_CREATED = "label_created"
    FIRST_MILE_PICKUP = "first_mile_pickup"
    ORIGIN_FACILITY = "origin_facility"
    EXPORT_CUSTOMS = "export_customs"
    LINEHAUL_DEPARTED = "linehaul_departed"
    DESTINATION_ARRIVAL = "destination_arrival"
    IMPORT_CUSTOMS = "import_customs"
    CUSTOMS_RELEASED = "customs_released"
    LAST_MILE_HANDOVER = "last_mile_handover"
    LAST_MILE_FACILITY = "last_mile_facility"
    OUT_FOR_DELIVERY = "out_for_delivery"
    PICKUP_POINT = "pickup_point"
    DELIVERED = "delivered"
    RETURNED = "returned"


class ExceptionReason(StrEnum):
    LOST = "lost"
    DAMAGED = "damaged"
    CUSTOMS_HOLD = "customs_hold"
    ADDRESS_ISSUE = "address_issue"
    REFUSED = "refused"
    RECIPIENT_UNAVAILABLE = "recipient_unavailable"
    RETURNED_TO_SENDER = "returned_to_sender"
    DELAYED = "delayed"
    OTHER = "other"


#: Statuses after which no further movement is expected.
TERMINAL_STATUSES: frozenset[Status] = frozenset({Status.DELIVERED, Status.RETURNED})

# Progress order of nodes along a chain; used to break ties between events that share
# a timestamp (providers often stamp several scans with the same minute).
_NODE_ORDER: tuple[Node, ...] = tuple(Node)
_STATUS_ORDER: tuple[Status, ...] = (
    Status.PENDING,
    Status.EXPIRED,
    Status.INFO_RECEIVED,
    Status.IN_TRANSIT,
    Status.EXCEPTION,
    Status.FAILED_ATTEMPT,
    Status.READY_FOR_PICKUP,
    Status.OUT_FOR_DELIVERY,
    Status.DELIVERED,
    Status.RETURNING,
    Status.RETURNED,
)


def node_rank(node: Node | None) -> int:
    """Position of ``node`` along the chain (-1 when unknown)."""
    return -1 if node is None else _NODE_ORDER.index(node)


def status_rank(status: Status) -> int:
    """Position of ``status`` in a parcel's normal life, for same-instant tie-breaks."""
    return _STATUS_ORDER.index(status)
