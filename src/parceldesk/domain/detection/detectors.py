"""The detectors: pure functions from a parcel's state at an instant to an exception.

Each returns ``None`` when its exception does not hold, so a scan can both open new
exceptions and close the ones that stopped holding (the parcel moved, was delivered...).
Explanations are written for a support agent, with the numbers that justify the call.

Reasons (``ExceptionReason``) per kind: a carrier exception keeps the carrier's reason; a
suspected loss and a delivered-not-received report are *lost* (that is the claim they
lead to); not picked up is *other* (no carrier reason exists for it); overdue is
*delayed*; returned keeps the carrier's cause when it gave one (refused, address issue,
customs) and is *returned_to_sender* otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from parceldesk.domain.detection.dwell import DwellModel, LossAssessment, group_path, stage_of
from parceldesk.domain.detection.types import (
    BuyerReport,
    DetectedException,
    ExceptionKind,
    ShipmentSnapshot,
)
from parceldesk.domain.taxonomy import ExceptionReason, Node, Status

__all__ = [
    "DetectionConfig",
    "carrier_exception",
    "delivered_not_received",
    "detect",
    "loss_assessment",
    "not_picked_up",
    "overdue",
    "picked_up",
    "returned",
    "suspected_lost",
]

R = ExceptionReason
K = ExceptionKind


@dataclass(frozen=True, slots=True)
class DetectionConfig:
    #: flag ``suspected_lost`` at this loss probability: chosen on the evaluation
    #: (``parceldesk sim evaluate`` sweeps thresholds; see ``sim/evaluate.py``)
    loss_threshold: float = 0.5
    #: flag ``not_picked_up`` when this share of labels as old never got a scan
    pickup_threshold: float = 0.5
    #: parcels with no tracking at all: flag this long after the ship date
    untracked_days: float = 5.0


_DECLARED = {
    R.LOST: "the carrier declared the parcel lost",
    R.DAMAGED: "the carrier reported the parcel damaged",
    R.CUSTOMS_HOLD: "held by customs",
    R.ADDRESS_ISSUE: "delivery failed: the carrier reports an address problem",
    R.REFUSED: "the recipient refused the parcel",
    R.RECIPIENT_UNAVAILABLE: "delivery attempted, recipient not available",
    R.DELAYED: "the carrier reported a delay",
    R.OTHER: "the carrier reported an exception",
}
_RETURN_CAUSES = frozenset({R.REFUSED, R.ADDRESS_ISSUE, R.CUSTOMS_HOLD, R.DAMAGED})
_NO_LOSS_CHECK = frozenset({Status.DELIVERED, Status.RETURNED, Status.RETURNING, Status.PENDING})


def _when(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _duration(hours: float) -> str:
    return f"{hours:.0f} hours" if hours < 36 else f"{hours / 24:.1f} days"


_PLACES = {
    Node.LABEL_CREATED: "at label creation",
    Node.FIRST_MILE_PICKUP: "after pickup",
    Node.ORIGIN_FACILITY: "at the origin facility",
    Node.EXPORT_CUSTOMS: "at export customs",
    Node.LINEHAUL_DEPARTED: "after the linehaul departure",
    Node.DESTINATION_ARRIVAL: "after arrival in the destination country",
    Node.IMPORT_CUSTOMS: "at import customs",
    Node.CUSTOMS_RELEASED: "after customs release",
    Node.LAST_MILE_HANDOVER: "at the handover to the last-mile carrier",
    Node.LAST_MILE_FACILITY: "at a last-mile facility",
    Node.OUT_FOR_DELIVERY: "out for delivery",
    Node.PICKUP_POINT: "at the pickup point",
    Node.DELIVERED: "at delivery",
    Node.RETURNED: "back at the sender",
}


def _place(node: Node | None) -> str:
    """Where the parcel is, as a phrase ("at import customs", "out for delivery")."""
    return _PLACES[node] if node is not None else "at an unknown step"


def _silent_hours(s: ShipmentSnapshot, as_of: datetime) -> float | None:
    if s.last_event_at is None:
        return None
    return max(0.0, (as_of - s.last_event_at).total_seconds() / 3600.0)


def _declared_lost(s: ShipmentSnapshot) -> bool:
    return s.status is Status.EXCEPTION and s.reason is R.LOST


def picked_up(s: ShipmentSnapshot) -> bool:
    """True once a carrier scanned the parcel (a label alone is not a scan)."""
    return s.scanned or s.status not in (Status.PENDING, Status.INFO_RECEIVED)


def carrier_exception(s: ShipmentSnapshot, as_of: datetime) -> DetectedException | None:
    """The provider reported a problem (lost, damaged, customs, address, refused...)."""
    if s.status not in (Status.EXCEPTION, Status.FAILED_ATTEMPT):
        return None
    if s.reason is R.RETURNED_TO_SENDER:
        return None  # heading back: the ``returned`` kind
    reason = s.reason or R.OTHER
    text = _DECLARED[reason]
    if s.last_event_at is not None:
        text += f" on {_when(s.last_event_at)}"
        text += f" {_place(s.node)}" if s.node is not None else ""
    silent = _silent_hours(s, as_of)
    if silent is not None and silent >= 24:
        text += f"; no news since ({_duration(silent)})"
    return DetectedException(s.shipment_id, K.CARRIER_EXCEPTION, reason, text, s.node, silent)


def returned(s: ShipmentSnapshot, as_of: datetime) -> DetectedException | None:
    """The parcel is heading back to the sender, or is back."""
    if s.status not in (Status.RETURNING, Status.RETURNED):
        return None
    reason = s.reason if s.reason in _RETURN_CAUSES else R.RETURNED_TO_SENDER
    since = f" since {_when(s.last_event_at)}" if s.last_event_at else ""
    if s.status is Status.RETURNED:
        text = "returned to the sender" + (
            f" on {_when(s.last_event_at)}" if s.last_event_at else ""
        )
    else:
        text = "heading back to the sender" + since
    if reason is not R.RETURNED_TO_SENDER:
        text += f" ({_DECLARED[reason]})"
    silent = None if s.status is Status.RETURNED else _silent_hours(s, as_of)  # it arrived
    return DetectedException(s.shipment_id, K.RETURNED, reason, text, s.node, silent)


_ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=4096)
def _end_of_day_everywhere(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(12), UTC)


def overdue(s: ShipmentSnapshot, as_of: datetime) -> DetectedException | None:
    """Past the promised date or the carrier's estimate and not delivered, still moving.

    A date has passed once it has ended everywhere (12:00 UTC the next day, the end of
    the day at UTC-12): the buyer's time zone is not known for certain.
    """
    promised = s.promised_date
    deadline = _end_of_day_everywhere(promised) if promised is not None else None
    past_promise = deadline is not None and as_of > deadline
    past_edd = s.carrier_edd is not None and as_of > s.carrier_edd + _ONE_DAY
    if not (past_promise or past_edd):  # the common case, first: nothing is late
        return None
    if not picked_up(s) or s.status in _NO_LOSS_CHECK or _declared_lost(s):
        return None
    late: list[str] = []
    if past_promise and promised is not None and deadline is not None:
        days = (as_of - deadline).total_seconds() / 86400 + 0.5
        late.append(f"promised by {promised.isoformat()} ({days:.1f} days late)")
    if past_edd and s.carrier_edd is not None:
        late.append(f"past the carrier's estimate of {s.carrier_edd.date().isoformat()}")
    text = "; ".join(late)
    if s.last_event_at is not None:
        text += f"; last scan {_when(s.last_event_at)} {_place(s.node)}"
    return DetectedException(
        s.shipment_id, K.OVERDUE, R.DELAYED, text, s.node, _silent_hours(s, as_of)
    )


def delivered_not_received(
    s: ShipmentSnapshot, reports: Sequence[BuyerReport], as_of: datetime
) -> DetectedException | None:
    """The carrier says delivered; the buyer, after that, says it never arrived."""
    if s.status is not Status.DELIVERED or s.delivered_at is None:
        return None
    delivered = s.delivered_at
    relevant = [
        r for r in reports
        if r.tracking_number == s.tracking_number and delivered <= r.reported_at <= as_of
    ]  # fmt: skip
    if not relevant:
        return None
    first = min(relevant, key=lambda r: r.reported_at)
    text = (
        f"the carrier shows delivered on {_when(delivered)}; the buyer reported it not "
        f"received on {_when(first.reported_at)}"
    )
    if first.note:
        text += f": {first.note!r}"
    return DetectedException(
        s.shipment_id, K.DELIVERED_NOT_RECEIVED, R.LOST, text, Node.DELIVERED,
        _silent_hours(s, as_of),
    )  # fmt: skip


def loss_assessment(
    s: ShipmentSnapshot, as_of: datetime, model: DwellModel, at_least: float | None = None
) -> LossAssessment | None:
    """How likely the silent parcel is lost, given what is normal for its group and
    stage; None where the question does not apply (delivered, returning, declared lost)
    or, with ``at_least``, where the answer is clearly below that."""
    status = s.status
    if s.last_event_at is None or status in _NO_LOSS_CHECK or _declared_lost(s):
        return None
    stage = stage_of(status, s.node)  # StrEnum members are their values
    if stage is None:
        return None
    path = group_path(s.carrier, s.channel, s.destination_country)
    return model.assess(path, stage, s.last_event_at.timestamp(), as_of.timestamp(), at_least)


def _loss_text(a: LossAssessment, where: str, verb: str, outcome: str) -> str:
    return (
        f"no scan for {_duration(a.silent_hours)} {where}; 95 % of {a.described_as} "
        f"{verb} within {_duration(a.normal_hours)}; {100 * a.probability:.0f} % of parcels "
        f"silent this long here were never {outcome}"
    )


def suspected_lost(
    s: ShipmentSnapshot, assessment: LossAssessment | None, threshold: float
) -> DetectedException | None:
    """Silent too long at its current node for its channel, node and weekday."""
    if assessment is None or not picked_up(s) or assessment.probability < threshold:
        return None
    where = _place(s.node)
    if s.status in (Status.EXCEPTION, Status.FAILED_ATTEMPT) and s.reason is not None:
        where += f" (after: {_DECLARED[s.reason]})"
    text = _loss_text(assessment, where, "leave this node", "delivered")
    return DetectedException(
        s.shipment_id, K.SUSPECTED_LOST, R.LOST, text, s.node, assessment.silent_hours,
        assessment.probability,
    )  # fmt: skip


def not_picked_up(
    s: ShipmentSnapshot,
    assessment: LossAssessment | None,
    as_of: datetime,
    config: DetectionConfig,
) -> DetectedException | None:
    """A label exists but no carrier ever scanned the parcel."""
    if picked_up(s) or s.status in (Status.DELIVERED, Status.RETURNED, Status.RETURNING):
        return None
    if assessment is not None:
        if assessment.probability < config.pickup_threshold:
            return None
        text = _loss_text(
            assessment, "since the label was created", "get a first scan", "picked up"
        )
        return DetectedException(
            s.shipment_id, K.NOT_PICKED_UP, R.OTHER, text, Node.LABEL_CREATED,
            assessment.silent_hours, assessment.probability,
        )  # fmt: skip
    if s.last_event_at is not None or s.ship_date is None:
        return None
    shipped = datetime.combine(s.ship_date, time(0), UTC)
    days = (as_of - shipped).total_seconds() / 86400
    if days < config.untracked_days:
        return None
    text = (
        f"shipped on {s.ship_date.isoformat()} per the order, but no tracking information "
        f"at all after {days:.1f} days (wrong number, or never handed to the carrier)"
    )
    return DetectedException(s.shipment_id, K.NOT_PICKED_UP, R.OTHER, text, None, None)


_CARRIER_STATUSES = frozenset({Status.EXCEPTION, Status.FAILED_ATTEMPT})
_RETURN_STATUSES = frozenset({Status.RETURNING, Status.RETURNED})


def detect(
    s: ShipmentSnapshot,
    as_of: datetime,
    model: DwellModel,
    config: DetectionConfig,
    reports: Sequence[BuyerReport] = (),
    *,
    assess_all: bool = True,
) -> tuple[list[DetectedException], LossAssessment | None]:
    """Every exception that holds for ``s`` at ``as_of``, and its loss assessment.

    Runs once per parcel per scan, so it only calls the detectors whose status
    condition holds (each detector still checks its own conditions). Without
    ``assess_all`` the assessment is None for parcels clearly below both thresholds."""
    status = s.status
    lowest = min(config.loss_threshold, config.pickup_threshold)
    assessment = loss_assessment(s, as_of, model, None if assess_all else lowest)
    found = [
        carrier_exception(s, as_of) if status in _CARRIER_STATUSES else None,
        returned(s, as_of) if status in _RETURN_STATUSES else None,
        overdue(s, as_of) if s.promised_date or s.carrier_edd else None,
        delivered_not_received(s, reports, as_of) if reports else None,
    ]
    if assessment is not None and assessment.probability >= lowest:
        found.append(suspected_lost(s, assessment, config.loss_threshold))
        found.append(not_picked_up(s, assessment, as_of, config))
    elif status is Status.PENDING:
        found.append(not_picked_up(s, None, as_of, config))
    return [e for e in found if e is not None], assessment
