"""packet logs (logging)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 03:20:00
"""
import sqlalchemy as sa
from alembic import op  # noqa: I001

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'logs',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('project_id', sa.String(length=255), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('description', sa.String(length=255), nullable=False),
        sa.Column('revision_number', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.String(length=20), nullable=False),
        sa.Column('updated_at', sa.String(length=20), nullable=False),
        sa.Column('resource_type', sa.String(length=255), nullable=False),
        sa.Column('resource_id', sa.String(length=36), nullable=True),
        sa.Column('target_id', sa.String(length=36), nullable=True),
        sa.Column('event', sa.String(length=255), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_logs')))
    op.create_index(op.f('ix_logs_project_id'), 'logs', ['project_id'])
    op.create_index(op.f('ix_logs_resource_id'), 'logs', ['resource_id'])
    op.create_index(op.f('ix_logs_target_id'), 'logs', ['target_id'])


def downgrade() -> None:
    op.drop_table('logs')
