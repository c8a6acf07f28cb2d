"""trunks and their subports (trunk, trunk-details)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 13:50:00
"""
import sqlalchemy as sa
from alembic import op  # noqa: I001

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'trunks',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('project_id', sa.String(length=255), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('description', sa.String(length=255), nullable=False),
        sa.Column('revision_number', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.String(length=20), nullable=False),
        sa.Column('updated_at', sa.String(length=20), nullable=False),
        sa.Column('port_id', sa.String(length=36), nullable=False),
        sa.Column('admin_state_up', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(['port_id'], ['ports.id'], name=op.f('fk_trunks_port_id_ports')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_trunks')),
        sa.UniqueConstraint('port_id', name=op.f('uq_trunks_port_id')))
    op.create_index(op.f('ix_trunks_project_id'), 'trunks', ['project_id'])
    op.create_table(
        'trunk_subports',
        sa.Column('port_id', sa.String(length=36), nullable=False),
        sa.Column('trunk_id', sa.String(length=36), nullable=False),
        sa.Column('segmentation_type', sa.String(length=32), nullable=False),
        sa.Column('segmentation_id', sa.Integer(), nullable=True),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['port_id'], ['ports.id'],
                                name=op.f('fk_trunk_subports_port_id_ports')),
        sa.ForeignKeyConstraint(['trunk_id'], ['trunks.id'], ondelete='CASCADE',
                                name=op.f('fk_trunk_subports_trunk_id_trunks')),
        sa.PrimaryKeyConstraint('port_id', name=op.f('pk_trunk_subports')),
        sa.UniqueConstraint('trunk_id', 'segmentation_type', 'segmentation_id',
                            name=op.f('uq_trunk_subports_segmentation')))
    op.create_index(op.f('ix_trunk_subports_trunk_id'), 'trunk_subports', ['trunk_id'])


def downgrade() -> None:
    op.drop_table('trunk_subports')
    op.drop_table('trunks')
