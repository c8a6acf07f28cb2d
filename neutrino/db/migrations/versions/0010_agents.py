"""agents

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 01:50:00
"""
import sqlalchemy as sa
from alembic import op  # noqa: I001

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'agents',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('agent_type', sa.String(length=255), nullable=False),
        sa.Column('binary', sa.String(length=255), nullable=False),
        sa.Column('topic', sa.String(length=255), nullable=False),
        sa.Column('host', sa.String(length=255), nullable=False),
        sa.Column('admin_state_up', sa.Boolean(), nullable=False),
        sa.Column('description', sa.String(length=255), nullable=True),
        sa.Column('availability_zone', sa.String(length=255), nullable=True),
        sa.Column('configurations', sa.Text(), nullable=False),
        sa.Column('created_at', sa.String(length=20), nullable=False),
        sa.Column('started_at', sa.String(length=20), nullable=False),
        sa.Column('heartbeat_timestamp', sa.String(length=20), nullable=False),
        sa.Column('resources_synced', sa.Boolean(), nullable=True),
        sa.Column('journaled_alive', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_agents')),
        sa.UniqueConstraint('agent_type', 'host', name=op.f('uq_agents_agent_type_host')))
    op.create_index(op.f('ix_agents_host'), 'agents', ['host'])


def downgrade() -> None:
    op.drop_table('agents')
