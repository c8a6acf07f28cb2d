"""the QoS policy of a router's external gateway (qos-gateway-ip)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 06:20:00
"""
import sqlalchemy as sa
from alembic import op  # noqa: I001

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

TABLE = 'qos_router_gw_policy_bindings'


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column('router_id', sa.String(length=36), nullable=False),
        sa.Column('policy_id', sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(['router_id'], ['routers.id'], ondelete='CASCADE',
                                name=op.f(f'fk_{TABLE}_router_id_routers')),
        sa.ForeignKeyConstraint(['policy_id'], ['qos_policies.id'],
                                name=op.f(f'fk_{TABLE}_policy_id_qos_policies')),
        sa.PrimaryKeyConstraint('router_id', name=op.f(f'pk_{TABLE}')))
    op.create_index(op.f(f'ix_{TABLE}_policy_id'), TABLE, ['policy_id'])


def downgrade() -> None:
    op.drop_table(TABLE)
