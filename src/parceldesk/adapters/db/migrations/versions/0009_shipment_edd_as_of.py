"""shipments remember when the carrier's estimate was made

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 05:10:00

``shipments.carrier_edd_as_of``: when the provider stated ``carrier_edd`` (AfterShip's
``ts``, 17TRACK's latest event). A message delivered late with an older estimate no longer
replaces a newer one. Empty for existing parcels: the next estimate with a date wins.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import parceldesk.adapters.db.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("shipments") as batch:
        batch.add_column(
            sa.Column(
                "carrier_edd_as_of",
                parceldesk.adapters.db.types.UTCDateTime(timezone=True),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("shipments") as batch:
        batch.drop_column("carrier_edd_as_of")
