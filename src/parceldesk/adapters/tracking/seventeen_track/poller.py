"""17TRACK as a :class:`~parceldesk.services.tracking_refresh.TrackingPoller`: pull
``/gettrackinfo`` for parcels whose pushes we may have missed.

17TRACK answers only for numbers registered with the account (``register``); a number
it does not know comes back in ``rejected`` with an error code and message. Rejections
are reported (as a :class:`PollError` that still carries every update that did arrive)
but the numbers count as answered: asking again in a minute would get the same answer.
A carrier given as 17TRACK's numeric key (what a 17TRACK push stores) is passed along;
any other carrier text is not, 17TRACK then uses the carrier the number was registered
with. Transport errors, HTTP errors and bad keys raise :class:`SeventeenTrackError`
from the client, after its own retries. Each response body (one per 40 numbers) is
returned untouched for storage as a raw payload, with the numbers it answered.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from parceldesk.adapters.tracking.seventeen_track.client import SeventeenTrackClient
from parceldesk.services.tracking_refresh import PolledResponse, PollError

__all__ = ["SOURCE", "SeventeenTrackPoller"]

#: ``inbound_payloads.source`` of pulled responses (pushes are ``17track``)
SOURCE = "17track:gettrackinfo"

_SHOWN = 5


class SeventeenTrackPoller:
    def __init__(self, client: SeventeenTrackClient) -> None:
        self._client = client

    def fetch(self, items: Sequence[tuple[str, str]]) -> list[PolledResponse]:
        payload: list[dict[str, Any]] = []
        for number, carrier in items:
            entry: dict[str, Any] = {"number": number}
            if carrier.strip().isdigit():
                entry["carrier"] = int(carrier)
            payload.append(entry)
        result = self._client.gettrackinfo(payload)
        responses = [
            PolledResponse(
                SOURCE, r.body, r.updates, orjson.dumps({"asked": list(r.asked)}).decode()
            )
            for r in result.responses
        ]
        if result.rejected:
            shown = "; ".join(
                f"{r.number}: {r.code if r.code is not None else '?'} {r.message}".strip()
                for r in result.rejected[:_SHOWN]
            )
            more = len(result.rejected) - _SHOWN
            tail = f" (and {more} more)" if more > 0 else ""
            raise PollError(
                f"17track rejected {len(result.rejected)} numbers: {shown}{tail}",
                responses=responses,
            )
        return responses
