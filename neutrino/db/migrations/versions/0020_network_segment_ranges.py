"""network segment ranges (network-segment-range)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 13:50:00
"""
import sqlalchemy as sa
from alembic import op  # noqa: I001

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

TABLE = 'network_segment_ranges'


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('project_id', sa.String(length=255), nullable=True),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('description', sa.String(length=255), nullable=False),
        sa.Column('revision_number', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.String(length=20), nullable=False),
        sa.Column('updated_at', sa.String(length=20), nullable=False),
        sa.Column('is_default', sa.Boolean(), nullable=False),
        sa.Column('shared', sa.Boolean(), nullable=False),
        sa.Column('network_type', sa.String(length=32), nullable=False),
        sa.Column('physical_network', sa.String(length=64), nullable=True),
        sa.Column('minimum', sa.Integer(), nullable=False),
        sa.Column('maximum', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{TABLE}')))
    op.create_index(op.f(f'ix_{TABLE}_project_id'), TABLE, ['project_id'])


def downgrade() -> None:
    op.drop_table(TABLE)
