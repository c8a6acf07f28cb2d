"""classifications and classification groups; DSCP marking rules naming a group

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 06:10:00
"""
import sqlalchemy as sa
from alembic import op  # noqa: I001

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def _standard(name: str, *columns: sa.Column) -> None:
    op.create_table(
        name,
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('project_id', sa.String(length=255), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('description', sa.String(length=255), nullable=False),
        sa.Column('revision_number', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.String(length=20), nullable=False),
        sa.Column('updated_at', sa.String(length=20), nullable=False),
        sa.Column('shared', sa.Boolean(), nullable=False),
        *columns,
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{name}')))
    op.create_index(op.f(f'ix_{name}_project_id'), name, ['project_id'])


def upgrade() -> None:
    _standard('classifications',
              sa.Column('c_type', sa.String(length=16), nullable=False),
              sa.Column('negated', sa.Boolean(), nullable=False),
              sa.Column('definition', sa.Text(), nullable=False))
    _standard('classification_groups',
              sa.Column('operator', sa.String(length=3), nullable=False))
    op.create_table(
        'classification_group_classifications',
        sa.Column('group_id', sa.String(length=36), nullable=False),
        sa.Column('classification_id', sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(['group_id'], ['classification_groups.id'], ondelete='CASCADE',
                                name=op.f('fk_classification_group_classifications_group_id_'
                                          'classification_groups')),
        sa.ForeignKeyConstraint(['classification_id'], ['classifications.id'],
                                name=op.f('fk_classification_group_classifications_'
                                          'classification_id_classifications')),
        sa.PrimaryKeyConstraint('group_id', 'classification_id',
                                name=op.f('pk_classification_group_classifications')))
    op.create_index(op.f('ix_classification_group_classifications_classification_id'),
                    'classification_group_classifications', ['classification_id'])
    op.create_table(
        'classification_group_groups',
        sa.Column('group_id', sa.String(length=36), nullable=False),
        sa.Column('member_group_id', sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(['group_id'], ['classification_groups.id'], ondelete='CASCADE',
                                name=op.f('fk_classification_group_groups_group_id_'
                                          'classification_groups')),
        sa.ForeignKeyConstraint(['member_group_id'], ['classification_groups.id'],
                                name=op.f('fk_classification_group_groups_member_group_id_'
                                          'classification_groups')),
        sa.PrimaryKeyConstraint('group_id', 'member_group_id',
                                name=op.f('pk_classification_group_groups')))
    op.create_index(op.f('ix_classification_group_groups_member_group_id'),
                    'classification_group_groups', ['member_group_id'])
    with op.batch_alter_table('qos_dscp_marking_rules') as batch:
        batch.add_column(sa.Column('classification_group_id', sa.String(length=36),
                                   nullable=True))
        batch.add_column(sa.Column('classification_priority', sa.Integer(), nullable=False,
                                   server_default='0'))
        batch.create_index(op.f('ix_qos_dscp_marking_rules_classification_group_id'),
                           ['classification_group_id'])


def downgrade() -> None:
    with op.batch_alter_table('qos_dscp_marking_rules') as batch:
        batch.drop_index(op.f('ix_qos_dscp_marking_rules_classification_group_id'))
        batch.drop_column('classification_priority')
        batch.drop_column('classification_group_id')
    op.drop_table('classification_group_groups')
    op.drop_table('classification_group_classifications')
    op.drop_table('classification_groups')
    op.drop_table('classifications')
