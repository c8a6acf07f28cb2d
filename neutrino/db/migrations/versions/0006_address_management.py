"""address scopes, subnet pools and their prefixes; subnets indexed by pool

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 23:00:00

Whether a scope or a pool is shared lives in rbac_policies, as for networks.
"""
import sqlalchemy as sa
from alembic import op  # noqa: I001

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def _standard() -> list[sa.Column]:
    return [
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('project_id', sa.String(length=255), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('description', sa.String(length=255), nullable=False),
        sa.Column('revision_number', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.String(length=20), nullable=False),
        sa.Column('updated_at', sa.String(length=20), nullable=False),
    ]


def upgrade() -> None:
    op.create_table('address_scopes', *_standard(),
                    sa.Column('ip_version', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_address_scopes')))
    op.create_index(op.f('ix_address_scopes_project_id'), 'address_scopes', ['project_id'])
    op.create_table(
        'subnetpools', *_standard(),
        sa.Column('ip_version', sa.Integer(), nullable=False),
        sa.Column('default_prefixlen', sa.Integer(), nullable=False),
        sa.Column('min_prefixlen', sa.Integer(), nullable=False),
        sa.Column('max_prefixlen', sa.Integer(), nullable=False),
        sa.Column('default_quota', sa.Integer(), nullable=True),
        sa.Column('address_scope_id', sa.String(length=36), nullable=True),
        sa.Column('is_default', sa.Boolean(), nullable=False),
        sa.Column('default_for_version', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['address_scope_id'], ['address_scopes.id'],
                                name=op.f('fk_subnetpools_address_scope_id_address_scopes')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_subnetpools')),
        sa.UniqueConstraint('default_for_version', name=op.f('uq_subnetpools_default_for_version')))
    op.create_index(op.f('ix_subnetpools_project_id'), 'subnetpools', ['project_id'])
    op.create_index(op.f('ix_subnetpools_address_scope_id'), 'subnetpools', ['address_scope_id'])
    op.create_table(
        'subnetpool_prefixes',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('subnetpool_id', sa.String(length=36), nullable=False),
        sa.Column('cidr', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['subnetpool_id'], ['subnetpools.id'], ondelete='CASCADE',
                                name=op.f('fk_subnetpool_prefixes_subnetpool_id_subnetpools')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_subnetpool_prefixes')))
    op.create_index(op.f('ix_subnetpool_prefixes_subnetpool_id'), 'subnetpool_prefixes',
                    ['subnetpool_id'])
    op.create_index(op.f('ix_subnets_subnetpool_id'), 'subnets', ['subnetpool_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_subnets_subnetpool_id'), table_name='subnets')
    op.drop_table('subnetpool_prefixes')
    op.drop_table('subnetpools')
    op.drop_table('address_scopes')
