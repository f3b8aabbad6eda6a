"""AfterShip webhook authenticity: the ``aftership-hmac-sha256`` header.

"The signature is a base64-encoded HMAC generated using sha256 algorithm with webhook
request body and webhook secret of your account"
(https://www.aftership.com/docs/tracking/webhook/webhook-signature). The HMAC must be
computed over the raw bytes as received; the comparison is constant-time so response
timing does not leak how much of a forged signature was right.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

__all__ = ["HEADER", "sign", "verify"]

HEADER = "aftership-hmac-sha256"


def sign(body: bytes, secret: str) -> str:
    """The header value AfterShip would send for ``body`` (used by tests and tools)."""
    digest = hmac.new(secret.encode("utf-8"), bytes(body), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify(body: bytes, header_value: str | None, secret: str) -> bool:
    """True when ``header_value`` authenticates ``body``; a missing header or secret is False."""
    if not header_value or not secret:
        return False
    given = header_value.strip().encode("utf-8", "replace")
    return hmac.compare_digest(given, sign(body, secret).encode("ascii"))
