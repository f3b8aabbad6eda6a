"""API tokens: who may call the REST API, and which stores they may see.

Only the SHA-256 of a token is stored. Tokens are 32 random bytes
(``secrets.token_urlsafe``), so a fast hash is enough: there is nothing to brute-force,
unlike a password, and the lookup must stay cheap because it runs on every request.
``stores`` is a JSON list of store names, or SQL NULL for "every store". A token is
never deleted, only revoked, so the timeline's actors stay explainable.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from parceldesk.adapters.db.tables import Base
from parceldesk.adapters.db.types import UTCDateTime

__all__ = ["ApiToken"]


class ApiToken(Base):
    __tablename__ = "api_tokens"
    __table_args__ = (
        CheckConstraint("length(token_sha256) = 64", name="sha256_hex"),
        CheckConstraint("length(user_name) > 0", name="user_named"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_name: Mapped[str] = mapped_column(String(120))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    #: Store names this token may see; NULL means all stores.
    stores: Mapped[list[str] | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
