"""shipments keep the fingerprints of their stored raw events

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 04:30:00

``shipments.event_fingerprints``: 16-byte digests of the raw events stored for the
parcel, back to back (``services.event_fingerprints``). Empty for every existing parcel:
it fills as pushes arrive, and an empty one only means the next push's events are built
and deduplicated by key, as they were before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("shipments") as batch:
        batch.add_column(sa.Column("event_fingerprints", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("shipments") as batch:
        batch.drop_column("event_fingerprints")
