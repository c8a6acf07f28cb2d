"""flavors, service profiles and their association

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 00:10:00
"""
import sqlalchemy as sa
from alembic import op  # noqa: I001

revision = '0009'
down_revision = '0008'
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
        sa.Column('long_description', sa.String(length=1024), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table('flavors', *_standard(),
                    sa.Column('service_type', sa.String(length=255), nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_flavors')))
    op.create_index(op.f('ix_flavors_project_id'), 'flavors', ['project_id'])
    op.create_table('service_profiles', *_standard(),
                    sa.Column('driver', sa.String(length=1024), nullable=False),
                    sa.Column('metainfo', sa.String(length=4096), nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_profiles')))
    op.create_index(op.f('ix_service_profiles_project_id'), 'service_profiles', ['project_id'])
    op.create_table(
        'flavor_service_profiles',
        sa.Column('flavor_id', sa.String(length=36), nullable=False),
        sa.Column('service_profile_id', sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(['flavor_id'], ['flavors.id'], ondelete='CASCADE',
                                name=op.f('fk_flavor_service_profiles_flavor_id_flavors')),
        sa.ForeignKeyConstraint(['service_profile_id'], ['service_profiles.id'],
                                name=op.f('fk_flavor_service_profiles_service_profile_id_'
                                          'service_profiles')),
        sa.PrimaryKeyConstraint('flavor_id', 'service_profile_id',
                                name=op.f('pk_flavor_service_profiles')))
    op.create_index(op.f('ix_flavor_service_profiles_service_profile_id'),
                    'flavor_service_profiles', ['service_profile_id'])


def downgrade() -> None:
    op.drop_table('flavor_service_profiles')
    op.drop_table('service_profiles')
    op.drop_table('flavors')
