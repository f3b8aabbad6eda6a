"""raw payload bodies carry an encoding tag (plain or LZ4)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 01:40:00

Data only: ``inbound_payloads.body`` stays a binary column; from here on it holds
``types.encode_body`` of the received bytes (a tag byte, then the bytes or their LZ4
block). Rows stored before get the plain tag, so every body reads back unchanged.
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PAYLOADS = sa.table(
    "inbound_payloads", sa.column("id", sa.Integer), sa.column("body", sa.LargeBinary)
)
_CHUNK = 1000


def _rewrite(change: Callable[[bytes], bytes]) -> None:
    conn = op.get_bind()
    last = 0
    while True:
        rows = conn.execute(
            sa.select(_PAYLOADS.c.id, _PAYLOADS.c.body)
            .where(_PAYLOADS.c.id > last)
            .order_by(_PAYLOADS.c.id)
            .limit(_CHUNK)
        ).all()
        if not rows:
            return
        conn.execute(
            _PAYLOADS.update()
            .where(_PAYLOADS.c.id == sa.bindparam("pk"))
            .values(body=sa.bindparam("new")),
            [{"pk": pk, "new": change(bytes(body))} for pk, body in rows],
        )
        last = rows[-1][0]


def upgrade() -> None:
    _rewrite(lambda body: b"\x00" + body)


def downgrade() -> None:
    from parceldesk.adapters.db.types import decode_body

    _rewrite(decode_body)
