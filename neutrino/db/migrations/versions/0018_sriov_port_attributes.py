"""ports: propagate_uplink_status and numa_affinity_policy (services/sriov)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 13:40:00
"""
import sqlalchemy as sa
from alembic import op  # noqa: I001

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Ports made before read back the defaults (false, null), as in Neutron.
    op.add_column('ports', sa.Column('propagate_uplink_status', sa.Boolean(), nullable=False,
                                     server_default=sa.false()))
    op.add_column('ports', sa.Column('numa_affinity_policy', sa.String(length=16),
                                     nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ports') as batch:
        batch.drop_column('numa_affinity_policy')
        batch.drop_column('propagate_uplink_status')
