"""17TRACK API v2.2: status mapping, webhook/pull parsers, ``sign`` check and client."""

from parceldesk.adapters.tracking.seventeen_track.parser import parse_gettrackinfo, parse_webhook
from parceldesk.adapters.tracking.seventeen_track.signature import verify

__all__ = ["parse_gettrackinfo", "parse_webhook", "verify"]
