"""quotas: per-project limits

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-26 09:00:00.000000
"""
import sqlalchemy as sa
from alembic import op  # noqa: I001

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('quotas',
    sa.Column('project_id', sa.String(length=255), nullable=False),
    sa.Column('resource', sa.String(length=255), nullable=False),
    sa.Column('limit', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('project_id', 'resource', name=op.f('pk_quotas'))
    )


def downgrade() -> None:
    op.drop_table('quotas')
