"""Fingerprints of the raw events stored for a parcel, kept with the parcel.

A full-history push (17TRACK, AfterShip) repeats every event the parcel already has.
Recognising a raw event again by a digest of its bytes costs a tenth of building it, so
ingestion reads the parcel's fingerprints before building a push's events
(``tracking_records.StagedUpdate``) and builds only what it has not seen.

A fingerprint is only ever added in the transaction that stored its event, or that found
the event stored already (events are never deleted), so a known fingerprint always means
"this event is stored". Fingerprints are a shortcut, not the record: a lost or missing one
only means an event is built again and deduplicated by its key, as before. Hence the
cap: a parcel keeps its latest ``MAX_KEPT``.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["FINGERPRINT_BYTES", "MAX_KEPT", "NONE_KNOWN", "known", "merged"]

#: 128-bit digests: a new event taken for a stored one needs a collision among one
#: parcel's few dozen fingerprints (about 2**-120)
FINGERPRINT_BYTES = 16
MAX_KEPT = 64
#: what a parcel without stored fingerprints (or a build that skips nothing) knows
NONE_KNOWN: frozenset[bytes] = frozenset()


def known(blob: bytes | None) -> frozenset[bytes]:
    """The fingerprints in a stored blob (``FINGERPRINT_BYTES`` each, back to back)."""
    if not blob:
        return NONE_KNOWN
    size = FINGERPRINT_BYTES
    return frozenset([blob[i : i + size] for i in range(0, len(blob), size)])


def merged(blob: bytes | None, new: Iterable[bytes]) -> bytes | None:
    """``blob`` with the fingerprints of ``new`` it lacks appended (the oldest dropped
    beyond ``MAX_KEPT``), or ``None`` when nothing is added."""
    have = set(known(blob))
    added: list[bytes] = []
    for fp in new:
        if fp not in have and len(fp) == FINGERPRINT_BYTES:
            have.add(fp)
            added.append(fp)
    if not added:
        return None
    out = (blob or b"") + b"".join(added)
    return out[-MAX_KEPT * FINGERPRINT_BYTES :]
