"""17TRACK webhook authenticity: the ``sign`` header.

17TRACK signs a push as the lower-case hex SHA-256 of ``<raw body>/<security key>``
(a plain digest of the body, a ``/`` and the key -- not an HMAC). The help centre only
says "header ``sign`` (SHA-256)" (https://help.17track.net/hc/en-us/articles/37470032453529);
the exact construction is confirmed by two independent public implementations: a Node
client that computes ``sha256(String(rawBody) + '/' + key)`` as hex and compares with
``timingSafeEqual``, and a Rust actix handler that hashes ``payload + "/" + secret`` and
compares with the ``sign`` header (both in docs/tracking-sources.md). The key is the
account's API security key (the ``17token`` value).

The digest must be computed over the bytes exactly as received: re-serialising the JSON
changes whitespace and key order and breaks the signature.
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["sign", "verify"]


def sign(body: bytes, secret: str) -> str:
    """The ``sign`` header 17TRACK would send for ``body`` (used by tests and the simulator)."""
    return hashlib.sha256(bytes(body) + b"/" + secret.encode("utf-8")).hexdigest()


def verify(body: bytes, sign_header: str | None, secret: str) -> bool:
    """True when ``sign_header`` authenticates ``body``; a missing header or key is False."""
    if not sign_header or not secret:
        return False
    given = sign_header.strip().lower().encode("utf-8", "replace")
    return hmac.compare_digest(given, sign(body, secret).encode("ascii"))
