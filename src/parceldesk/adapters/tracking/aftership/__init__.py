"""AfterShip Tracking: tag/subtag mapping, webhook parser and HMAC signature check."""

from parceldesk.adapters.tracking.aftership.parser import parse_webhook
from parceldesk.adapters.tracking.aftership.signature import verify

__all__ = ["parse_webhook", "verify"]
