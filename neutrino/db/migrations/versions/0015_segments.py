"""segments as a resource, subnets on segments, inactive port bindings

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 06:10:00
"""
import sqlalchemy as sa
from alembic import op  # noqa: I001

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('network_segments') as batch:
        batch.add_column(sa.Column('project_id', sa.String(length=255), nullable=False,
                                   server_default=''))
        batch.add_column(sa.Column('name', sa.String(length=255), nullable=True))
        batch.add_column(sa.Column('description', sa.String(length=255), nullable=True))
        batch.add_column(sa.Column('revision_number', sa.Integer(), nullable=False,
                                   server_default='0'))
        batch.add_column(sa.Column('created_at', sa.String(length=20), nullable=False,
                                   server_default=''))
        batch.add_column(sa.Column('updated_at', sa.String(length=20), nullable=False,
                                   server_default=''))
    with op.batch_alter_table('subnets') as batch:
        batch.add_column(sa.Column('segment_id', sa.String(length=36), nullable=True))
        batch.create_index(op.f('ix_subnets_segment_id'), ['segment_id'])
    with op.batch_alter_table('ports') as batch:
        batch.add_column(sa.Column('binding_segment_id', sa.String(length=36), nullable=True))
        batch.create_index(op.f('ix_ports_binding_segment_id'), ['binding_segment_id'])
    op.create_table(
        'port_inactive_bindings',
        sa.Column('port_id', sa.String(length=36), nullable=False),
        sa.Column('host', sa.String(length=255), nullable=False),
        sa.Column('vnic_type', sa.String(length=64), nullable=False),
        sa.Column('profile', sa.Text(), nullable=False),
        sa.Column('vif_type', sa.String(length=64), nullable=False),
        sa.Column('vif_details', sa.Text(), nullable=False),
        sa.Column('segment_id', sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(['port_id'], ['ports.id'], ondelete='CASCADE',
                                name=op.f('fk_port_inactive_bindings_port_id_ports')),
        sa.PrimaryKeyConstraint('port_id', 'host', name=op.f('pk_port_inactive_bindings')))


def downgrade() -> None:
    op.drop_table('port_inactive_bindings')
    with op.batch_alter_table('ports') as batch:
        batch.drop_index(op.f('ix_ports_binding_segment_id'))
        batch.drop_column('binding_segment_id')
    with op.batch_alter_table('subnets') as batch:
        batch.drop_index(op.f('ix_subnets_segment_id'))
        batch.drop_column('segment_id')
    with op.batch_alter_table('network_segments') as batch:
        for column in ('updated_at', 'created_at', 'revision_number', 'description', 'name',
                       'project_id'):
            batch.drop_column(column)
