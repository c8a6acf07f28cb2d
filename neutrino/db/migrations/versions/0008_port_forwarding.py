"""port forwardings of floating IPs

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 23:55:00
"""
import sqlalchemy as sa
from alembic import op  # noqa: I001

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'port_forwardings',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('project_id', sa.String(length=255), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('description', sa.String(length=255), nullable=False),
        sa.Column('revision_number', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.String(length=20), nullable=False),
        sa.Column('updated_at', sa.String(length=20), nullable=False),
        sa.Column('floatingip_id', sa.String(length=36), nullable=False),
        sa.Column('internal_port_id', sa.String(length=36), nullable=False),
        sa.Column('internal_ip_address', sa.String(length=64), nullable=False),
        sa.Column('protocol', sa.String(length=40), nullable=False),
        sa.Column('internal_port_start', sa.Integer(), nullable=False),
        sa.Column('internal_port_end', sa.Integer(), nullable=False),
        sa.Column('external_port_start', sa.Integer(), nullable=False),
        sa.Column('external_port_end', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['floatingip_id'], ['floatingips.id'],
                                name=op.f('fk_port_forwardings_floatingip_id_floatingips')),
        sa.ForeignKeyConstraint(['internal_port_id'], ['ports.id'],
                                name=op.f('fk_port_forwardings_internal_port_id_ports')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_port_forwardings')),
        sa.UniqueConstraint('floatingip_id', 'protocol', 'external_port_start',
                            name=op.f('uq_port_forwardings_external')),
        sa.UniqueConstraint('internal_port_id', 'internal_ip_address', 'protocol',
                            'internal_port_start',
                            name=op.f('uq_port_forwardings_internal')))
    op.create_index(op.f('ix_port_forwardings_project_id'), 'port_forwardings', ['project_id'])
    op.create_index(op.f('ix_port_forwardings_floatingip_id'), 'port_forwardings',
                    ['floatingip_id'])
    op.create_index(op.f('ix_port_forwardings_internal_port_id'), 'port_forwardings',
                    ['internal_port_id'])


def downgrade() -> None:
    op.drop_table('port_forwardings')
