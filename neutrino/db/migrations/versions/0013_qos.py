"""QoS policies, rules by type, and their bindings to ports, networks and floating IPs

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 02:00:00
"""
import sqlalchemy as sa
from alembic import op  # noqa: I001

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

RULES = {
    'bandwidth_limit': [('max_kbps', 0), ('max_burst_kbps', 0), ('direction', 1)],
    'dscp_marking': [('dscp_mark', 0)],
    'minimum_bandwidth': [('min_kbps', 0), ('direction', 1)],
    'minimum_packet_rate': [('min_kpps', 0), ('direction', 1)],
    'packet_rate_limit': [('max_kpps', 0), ('max_burst_kpps', 0), ('direction', 1)],
}
BINDINGS = (('qos_port_policy_bindings', 'port_id', 'ports'),
            ('qos_network_policy_bindings', 'network_id', 'networks'),
            ('qos_fip_policy_bindings', 'fip_id', 'floatingips'))


def upgrade() -> None:
    op.create_table(
        'qos_policies',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('project_id', sa.String(length=255), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('description', sa.String(length=255), nullable=False),
        sa.Column('revision_number', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.String(length=20), nullable=False),
        sa.Column('updated_at', sa.String(length=20), nullable=False),
        sa.Column('is_default', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_qos_policies')))
    op.create_index(op.f('ix_qos_policies_project_id'), 'qos_policies', ['project_id'])
    for rule_type, columns in RULES.items():
        table = f'qos_{rule_type}_rules'
        op.create_table(
            table,
            sa.Column('id', sa.String(length=36), nullable=False),
            sa.Column('qos_policy_id', sa.String(length=36), nullable=False),
            *[sa.Column(name, sa.String(length=16) if text else sa.Integer(), nullable=False)
              for name, text in columns],
            sa.ForeignKeyConstraint(['qos_policy_id'], ['qos_policies.id'], ondelete='CASCADE',
                                    name=op.f(f'fk_{table}_qos_policy_id_qos_policies')),
            sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')))
        op.create_index(op.f(f'ix_{table}_qos_policy_id'), table, ['qos_policy_id'])
    for table, key, target in BINDINGS:
        op.create_table(
            table,
            sa.Column(key, sa.String(length=36), nullable=False),
            sa.Column('policy_id', sa.String(length=36), nullable=False),
            sa.ForeignKeyConstraint([key], [f'{target}.id'], ondelete='CASCADE',
                                    name=op.f(f'fk_{table}_{key}_{target}')),
            sa.ForeignKeyConstraint(['policy_id'], ['qos_policies.id'],
                                    name=op.f(f'fk_{table}_policy_id_qos_policies')),
            sa.PrimaryKeyConstraint(key, name=op.f(f'pk_{table}')))
        op.create_index(op.f(f'ix_{table}_policy_id'), table, ['policy_id'])


def downgrade() -> None:
    for table, _key, _target in BINDINGS:
        op.drop_table(table)
    for rule_type in RULES:
        op.drop_table(f'qos_{rule_type}_rules')
    op.drop_table('qos_policies')
