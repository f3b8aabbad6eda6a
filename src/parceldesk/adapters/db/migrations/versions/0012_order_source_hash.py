"""orders remember the hash of the file rows they were last imported from

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 15:00:00

``orders.source_hash`` (ADR 0011): a re-import finds an order stored from the very same
rows, read by the same rules, and skips them without reading them. Existing orders start
with NULL: their first re-import reads them as before and fills it in.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # ADD COLUMN (nullable, no default) rewrites nothing on either engine
    op.add_column("orders", sa.Column("source_hash", sa.String(32), nullable=True))


def downgrade() -> None:
    op.drop_column("orders", "source_hash")  # SQLite >= 3.35 drops a column in place
