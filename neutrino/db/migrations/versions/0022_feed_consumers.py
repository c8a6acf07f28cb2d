"""where each host's feed watcher last asked from (driver-health: the feed's lag)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 15:00:00
"""
import sqlalchemy as sa
from alembic import op  # noqa: I001

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

TABLE = 'feed_consumers'


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column('host', sa.String(length=255), nullable=False),
        sa.Column('seq', sa.BigInteger(), nullable=False),
        sa.Column('polled_at', sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint('host', name=op.f(f'pk_{TABLE}')))


def downgrade() -> None:
    op.drop_table(TABLE)
