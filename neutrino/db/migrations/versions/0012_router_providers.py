"""which provider serves each router

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 02:10:00
"""
import sqlalchemy as sa
from alembic import op  # noqa: I001

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'router_providers',
        sa.Column('router_id', sa.String(length=36), nullable=False),
        sa.Column('provider', sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(['router_id'], ['routers.id'], ondelete='CASCADE',
                                name=op.f('fk_router_providers_router_id_routers')),
        sa.PrimaryKeyConstraint('router_id', name=op.f('pk_router_providers')))


def downgrade() -> None:
    op.drop_table('router_providers')
