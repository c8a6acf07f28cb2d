"""rbac policies; networks.router_external becomes access_as_external policies

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-26 09:00:00

Networks that were external get a wildcard access_as_external policy owned by
the network's project, then the column goes: the policies are the only record
of whether a network is shared or external.
"""
import uuid

import sqlalchemy as sa
from alembic import op  # noqa: I001

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

NETWORKS = sa.table('networks', sa.column('id', sa.String), sa.column('project_id', sa.String),
                    sa.column('router_external', sa.Boolean))
POLICIES = sa.table('rbac_policies', sa.column('id', sa.String),
                    sa.column('project_id', sa.String), sa.column('object_type', sa.String),
                    sa.column('object_id', sa.String), sa.column('action', sa.String),
                    sa.column('target_project', sa.String))


def upgrade() -> None:
    op.create_table('rbac_policies',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=255), nullable=False),
    sa.Column('object_type', sa.String(length=64), nullable=False),
    sa.Column('object_id', sa.String(length=36), nullable=False),
    sa.Column('action', sa.String(length=255), nullable=False),
    sa.Column('target_project', sa.String(length=255), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rbac_policies')),
    sa.UniqueConstraint('object_type', 'object_id', 'action', 'target_project',
                        name=op.f('uq_rbac_policies_object_type_object_id_action_target_project'))
    )
    with op.batch_alter_table('rbac_policies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rbac_policies_project_id'), ['project_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_rbac_policies_target_project'), ['target_project'],
                              unique=False)

    conn = op.get_bind()
    external = conn.execute(sa.select(NETWORKS.c.id, NETWORKS.c.project_id)
                            .where(NETWORKS.c.router_external == sa.true())).all()
    if external:
        conn.execute(POLICIES.insert(), [
            {'id': str(uuid.uuid4()), 'project_id': project_id, 'object_type': 'network',
             'object_id': net_id, 'action': 'access_as_external', 'target_project': '*'}
            for net_id, project_id in external])
    with op.batch_alter_table('networks', schema=None) as batch_op:
        batch_op.drop_column('router_external')


def downgrade() -> None:
    with op.batch_alter_table('networks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('router_external', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    conn = op.get_bind()
    external = sa.select(POLICIES.c.object_id).where(
        POLICIES.c.object_type == 'network', POLICIES.c.action == 'access_as_external')
    conn.execute(NETWORKS.update().where(NETWORKS.c.id.in_(external))
                 .values(router_external=True))
    with op.batch_alter_table('rbac_policies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rbac_policies_target_project'))
        batch_op.drop_index(batch_op.f('ix_rbac_policies_project_id'))
    op.drop_table('rbac_policies')
