"""The webhook sources parceldesk accepts: which header carries the signature, how it
is verified and how a body is parsed. The HTTP layer stays provider-agnostic."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from parceldesk.adapters.tracking.aftership import parser as aftership_parser
from parceldesk.adapters.tracking.aftership import signature as aftership_signature
from parceldesk.adapters.tracking.seventeen_track import parser as seventeen_parser
from parceldesk.adapters.tracking.seventeen_track import signature as seventeen_signature
from parceldesk.services.tracking_records import StagedUpdate, TrackingUpdate

__all__ = ["WEBHOOK_SOURCES", "WebhookSource", "parse_ndjson_line"]


@dataclass(frozen=True)
class WebhookSource:
    name: str
    signature_header: str
    verify: Callable[[bytes, str | None, str], bool]
    parse: Callable[[bytes], list[TrackingUpdate]]
    #: ``parse`` leaving events unbuilt until their stored fingerprints are known (bulk
    #: files: ``bulk_ingest.ingest_message_lines``)
    stage: Callable[[bytes], Sequence[StagedUpdate]]


def _aftership(body: bytes) -> list[TrackingUpdate]:
    return [aftership_parser.parse_webhook(body)]


WEBHOOK_SOURCES: dict[str, WebhookSource] = {
    "17track": WebhookSource(
        "17track",
        "sign",
        seventeen_signature.verify,
        seventeen_parser.parse_webhook,
        seventeen_parser.stage_webhook,
    ),
    "aftership": WebhookSource(
        "aftership", "aftership-hmac-sha256", aftership_signature.verify, _aftership, _aftership
    ),
}


def parse_ndjson_line(source: str, line: bytes) -> list[TrackingUpdate]:
    """A webhook body as it was received, one per NDJSON line (files from the providers'
    exports or our simulator)."""
    return WEBHOOK_SOURCES[source].parse(line)
