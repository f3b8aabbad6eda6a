"""What every tracking parser needs and no provider owns: tolerant JSON access, ISO time
parsing with carrier-local resolution, the code -> taxonomy decision, linked numbers.

Why shared: 17TRACK, AfterShip and the events CSV disagree on shapes but not on the hard
parts. A naive local time must become an aware instant from where the scan happened; a
provider code that says "customs" must become *export* customs on the origin side; a
text such as "Handed over to USPS 9400 1000 ..." reveals the last-mile number whoever
relays it. Provider packages import this module (and ``timezones``), never each other.

Everything here is pure and deterministic. Text classification is memoised because
providers resend whole histories: the same scan text is seen on every push.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from enum import Enum
from functools import lru_cache
from typing import Any, NamedTuple

import orjson
import xxhash

from parceldesk.adapters.tracking.timezones import US_STATES, country_code, zone_for
from parceldesk.domain.classifier import Classification, classify
from parceldesk.domain.taxonomy import ExceptionReason, Node, Status
from parceldesk.services.tracking_records import LinkedLeg, PayloadError

__all__ = [
    "Mapped",
    "NodeRule",
    "Notes",
    "as_dict",
    "as_list",
    "as_text",
    "carrier_slug",
    "classify_text",
    "decide",
    "find_linked",
    "load_json",
    "local_time",
    "merge_linked",
    "parse_edd",
    "parse_iso",
    "raw_fingerprint",
    "scan_side",
    "split_location",
    "to_fixed",
]

# --------------------------------------------------------------------------- JSON access


def load_json(body: bytes, what: str) -> Any:
    """Decode a provider body; anything that is not JSON is a :class:`PayloadError`."""
    if not isinstance(body, bytes | bytearray | memoryview):
        raise PayloadError(f"{what}: body must be bytes, got {type(body).__name__}")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise PayloadError(f"{what}: body is not valid JSON ({exc})") from exc


_digest = xxhash.xxh3_128_digest
_dumps = orjson.dumps


def raw_fingerprint(source: str, raw: dict[str, Any]) -> bytes:
    """Digest of one raw event exactly as the provider sent it (as JSON re-serialised
    from what ``load_json`` read: equal input, equal bytes), tagged by source.

    Every field of the event is in it, so an equal fingerprint means the same raw event,
    hence the same dedup key (``services.event_fingerprints``). XXH3-128, not a
    cryptographic hash: a third of the cost (0.3 against 1.1 us an event, and a push
    carries every event of its history); see ADR 0007 for why that is safe here."""
    return _digest(_dumps((source, raw)))


def as_dict(value: object) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty dict (providers send ``null``s)."""
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def as_text(value: object) -> str:
    """A string field, stripped; numbers (17TRACK carrier keys) become text; else ""."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""


# --------------------------------------------------------------------------- times

_YEARS = range(1970, 2201)  # outside this a date is garbage, and datetime math may overflow


def parse_iso(value: object) -> datetime | None:
    """An ISO 8601 date-time (naive or aware), or ``None`` when it is not one."""
    if not isinstance(value, str) or not 10 <= len(value) <= 40:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.year in _YEARS else None


def split_location(location: str) -> tuple[str, str]:
    """(country, state) read from a location string such as ``LOS ANGELES, CA, US`` or
    ``Edison, NJ, 08817, USA`` when a provider gives no structured address."""
    parts = [p.strip() for p in location.split(",") if p.strip()]
    if not parts or not country_code(parts[-1]):
        return "", ""
    if len(parts) == 2 and parts[-1].upper() in US_STATES:
        return "", ""  # "Los Angeles, CA": a state, or Canada? Too ambiguous to guess.
    rest = [p for p in parts[:-1] if not any(c.isdigit() for c in p)]
    state = rest[-1] if len(rest) >= 2 else ""
    return parts[-1], state


def to_fixed(moment: datetime) -> datetime:
    """Same instant, tz replaced by its fixed UTC offset (stable, tzdata-independent)."""
    offset = moment.utcoffset() or timedelta(0)
    return moment.astimezone(timezone(offset)) if moment.tzinfo is not UTC else moment


def local_time(
    naive: datetime, country: str, state: str = "", city: str = ""
) -> tuple[datetime, bool]:
    """Make a carrier-local ``naive`` time aware from where the scan happened.

    Returns ``(aware, assumed_utc)``; ``assumed_utc`` is True when the place is unknown.
    Wall-clock times that fall in a DST gap or fold take the first (pre-transition)
    reading, which is what carriers' systems usually print.
    """
    zone: tzinfo | None = zone_for(country, state, city) if country else None
    if zone is None:
        return naive.replace(tzinfo=UTC), True
    return to_fixed(naive.replace(tzinfo=zone)), False


def parse_edd(value: object, zone: tzinfo | None) -> datetime | None:
    """An estimated delivery date/time; dates and naive times are local to ``zone``."""
    moment = parse_iso(value)  # a bare date ("2026-08-10") parses as its midnight
    if moment is None:
        return None
    if moment.tzinfo is None:
        return to_fixed(moment.replace(tzinfo=zone or UTC))
    return moment


class Notes:
    """Per-update counters that end up in ``TrackingUpdate.extra`` (as text)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.values: dict[str, str] = {}

    def count(self, key: str) -> None:
        self.counts[key] += 1

    def extra(self) -> dict[str, str]:
        out = dict(self.values)
        out.update((k, str(v)) for k, v in self.counts.items())
        return dict(sorted(out.items()))


# --------------------------------------------------------------------------- taxonomy


class NodeRule(Enum):
    """How a provider code's node combines with where the scan was and what it says.

    Provider codes are coarse where parcels stall: "Arrival scan" does not say whether it
    is the origin sort centre or the last-mile hub, "customs clearance started" does not
    say which side of the border.
    """

    FIXED = "fixed"  # the mapped node; None means "no claim" (text classifier may fill)
    CLASSIFY = "classify"  # the classifier's node wins when it has one, else the default
    CUSTOMS = "customs"  # export_customs on the origin side, else the mapped node
    ORIGIN_SIDE = "origin_side"  # mapped node unless the scan is on the destination side
    DEST_SIDE = "dest_side"  # mapped node unless the scan is on the origin side


class Mapped(NamedTuple):
    """One row of a provider mapping table."""

    status: Status
    node: Node | None = None
    reason: ExceptionReason | None = None
    rule: NodeRule = NodeRule.FIXED


_GENERIC_REASONS = frozenset({None, ExceptionReason.OTHER, ExceptionReason.DELAYED})
_REASONED = frozenset({Status.EXCEPTION, Status.FAILED_ATTEMPT, Status.RETURNING, Status.RETURNED})
_WRONG_SIDE = frozenset({(NodeRule.ORIGIN_SIDE, "destination"), (NodeRule.DEST_SIDE, "origin")})
_SAME_REGION = {"HK": "CN", "MO": "CN"}  # Hong Kong/Macau airports are China's export side


@lru_cache(maxsize=1 << 16)
def classify_text(description: str, location: str) -> Classification:
    """:func:`classify`, memoised (the same texts arrive on every push of a history).

    Texts that differ only in their digits ("handed over to USPS 9400 1000 ...", a
    parcel's own number in every one) share a second memo: no classifier pattern names a
    digit (``tests/unit/test_classifier.py`` checks), and every digit becoming ``0`` keeps
    lengths and word boundaries, so the classification is the same; a miss costs
    100-200 us (39 rules, thousands of alternatives)."""
    zero = _DIGITS_TO_ZERO
    return _classify_shape(description.translate(zero), location.translate(zero))


_DIGITS_TO_ZERO = str.maketrans("123456789", "000000000")


@lru_cache(maxsize=1 << 14)
def _classify_shape(description: str, location: str) -> Classification:
    return classify(description, location)


def scan_side(event_country: str, origin: str, destination: str) -> str | None:
    """ "origin" / "destination" when a scan's country says which side of the border it
    is on; ``None`` for domestic parcels, transit countries or missing data."""
    e = _SAME_REGION.get(c := country_code(event_country), c)
    o = _SAME_REGION.get(c := country_code(origin), c)
    d = _SAME_REGION.get(c := country_code(destination), c)
    if not e or o == d:
        return None
    if e == o:
        return "origin"
    if e == d:
        return "destination"
    return None


def decide(
    mapped: Mapped | None, description: str, location: str, side: str | None
) -> tuple[Status, Node | None, ExceptionReason | None]:
    """(status, node, reason) of one scan: provider code first, text classifier second.

    The classifier fills what the code leaves open -- a node where the code has none, a
    specific reason where the code's is generic ("Exception_Delayed" + "Held by customs"
    -> customs_hold) -- but only when it agrees with the code's status. No code and no
    understood text gives ``in_transit``, the least committal status for a scan.
    """
    if mapped is None:
        cls = classify_text(description, location)
        return cls.status or Status.IN_TRANSIT, cls.node, cls.reason
    status, node, reason, rule = mapped
    generic = reason in _GENERIC_REASONS and status in _REASONED
    if node is not None and rule is NodeRule.FIXED and not generic:
        return status, node, reason
    cls = classify_text(description, location)
    agrees = cls.status is status
    if rule is NodeRule.CUSTOMS:
        if side == "origin" or (side is None and cls.node is Node.EXPORT_CUSTOMS):
            node = Node.EXPORT_CUSTOMS
    elif rule is NodeRule.CLASSIFY:
        node = (cls.node if agrees else None) or node
    elif (rule, side) in _WRONG_SIDE:
        node = cls.node if agrees else None
    elif node is None and agrees:
        node = cls.node
    if generic and agrees and cls.reason is not None:
        reason = cls.reason
        node = node or cls.node
    return status, node, reason


# --------------------------------------------------------------------------- linked legs

_USPS = re.compile(r"(?<![0-9])((?:9400|9200|9300|9405|9500)(?: ?[0-9]){18})(?![0-9])")
_UPS = re.compile(r"(?<![0-9A-Za-z])(1Z(?: ?[0-9A-Z]){16})(?![0-9A-Za-z])")
_DIGITS = re.compile(r"(?<![0-9])([0-9]{20}|[0-9]{15}|[0-9]{12})(?![0-9])")
_FEDEX = re.compile(r"fedex|federal express", re.IGNORECASE)
_HANDOVER = re.compile(
    r"last[ -]?mile|hand(?:ed)?[ -]?over|transferred to|尾程|转单", re.IGNORECASE
)
_AFTER_LABEL = re.compile(
    r"(?:tracking|waybill|转单)\s*(?:number|no\.?|num|#|号)?\s*[:：#]?\s*"
    r"([A-Z0-9][A-Z0-9-]{6,33}[A-Z0-9])(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_CARRIER_NAMES = {
    "usps": "usps",
    "united states postal service": "usps",
    "ups": "ups",
    "united parcel service": "ups",
    "fedex": "fedex",
    "federal express": "fedex",
}
_CHEAP_HINT = re.compile(r"[0-9]{4}|1Z")


def carrier_slug(name: str) -> str:
    """Our slug for the carriers whose numbers we recognise by shape ("" otherwise)."""
    return _CARRIER_NAMES.get(" ".join(name.split()).casefold(), "")


def _shape_carrier(number: str) -> str:
    if number.startswith("1Z") and len(number) == 18:
        return "ups"
    if len(number) == 22 and number[:4] in {"9400", "9200", "9300", "9405", "9500"}:
        return "usps"
    return ""


@lru_cache(maxsize=1 << 14)
def _may_reveal(text: str) -> bool:
    """Whether a text could hold a number at all; memoised: scan texts repeat on every
    push and across parcels, and most reveal nothing."""
    return _CHEAP_HINT.search(text) is not None


def find_linked(text: str, own_number: str = "") -> list[LinkedLeg]:
    """Last-mile numbers a scan text reveals ("handed over to USPS 9400 1000 ...").

    Recognised by shape: USPS IMpb 22 digits (9400/9200/9300/9405/9500, spaces allowed),
    UPS ``1Z`` + 16; FedEx 12/15/20 digits only with "FedEx" within 40 characters (bare
    digit runs are too often phone numbers or postcodes); any other token only right
    after "tracking number" in a text about a handover / last mile.
    """
    if not text or not _may_reveal(text):
        return []
    own = own_number.replace(" ", "").upper()
    found: list[tuple[int, str, str]] = []
    taken: list[tuple[int, int]] = []
    for pattern, slug in ((_USPS, "usps"), (_UPS, "ups")):
        for m in pattern.finditer(text):
            found.append((m.start(), m.group(1).replace(" ", ""), slug))
            taken.append(m.span())
    for m in _DIGITS.finditer(text):
        a, b = m.span()
        if any(a < y and x < b for x, y in taken):
            continue
        if _FEDEX.search(text, max(0, a - 40), b + 40):
            found.append((a, m.group(1), "fedex"))
            taken.append((a, b))
    if _HANDOVER.search(text):
        for m in _AFTER_LABEL.finditer(text):
            a, b = m.span(1)
            token = m.group(1).upper()
            if any(a < y and x < b for x, y in taken) or sum(c.isdigit() for c in token) < 4:
                continue
            found.append((a, token, _shape_carrier(token)))
    legs: list[LinkedLeg] = []
    seen = {own} if own else set()
    for _, number, slug in sorted(found):
        if number not in seen:
            seen.add(number)
            legs.append(LinkedLeg(number, slug, "last_mile"))
    return legs


def merge_linked(legs: Iterable[LinkedLeg], own_number: str) -> tuple[LinkedLeg, ...]:
    """One leg per number (first seen wins, but a later one may supply the carrier)."""
    own = own_number.replace(" ", "").upper()
    out: dict[str, LinkedLeg] = {}
    for leg in legs:
        key = leg.tracking_number.replace(" ", "").upper()
        if not key or key == own:
            continue
        if key not in out:
            out[key] = LinkedLeg(key, leg.carrier, leg.role)
        elif not out[key].carrier and leg.carrier:
            out[key] = LinkedLeg(key, leg.carrier, out[key].role)
    return tuple(out.values())
