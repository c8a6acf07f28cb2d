"""routers, their ports and routes, floating IPs

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 23:50:00

``routers.host`` is the node a router is scheduled to (NULL until the routing
data plane schedules routers); a router's addresses are those of its ports
(``router_ports``).
"""
import sqlalchemy as sa
from alembic import op  # noqa: I001

revision = '0007'
down_revision = '0006'
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
    op.create_table(
        'routers', *_standard(),
        sa.Column('admin_state_up', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('gw_port_id', sa.String(length=36), nullable=True),
        sa.Column('enable_snat', sa.Boolean(), nullable=False),
        sa.Column('ha', sa.Boolean(), nullable=False),
        sa.Column('distributed', sa.Boolean(), nullable=False),
        sa.Column('flavor_id', sa.String(length=36), nullable=True),
        sa.Column('availability_zone_hints', sa.Text(), nullable=False),
        sa.Column('host', sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(['gw_port_id'], ['ports.id'],
                                name=op.f('fk_routers_gw_port_id_ports')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_routers')))
    op.create_index(op.f('ix_routers_project_id'), 'routers', ['project_id'])
    op.create_index(op.f('ix_routers_host'), 'routers', ['host'])
    op.create_table(
        'router_ports',
        sa.Column('port_id', sa.String(length=36), nullable=False),
        sa.Column('router_id', sa.String(length=36), nullable=False),
        sa.Column('port_type', sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(['port_id'], ['ports.id'], ondelete='CASCADE',
                                name=op.f('fk_router_ports_port_id_ports')),
        sa.ForeignKeyConstraint(['router_id'], ['routers.id'], ondelete='CASCADE',
                                name=op.f('fk_router_ports_router_id_routers')),
        sa.PrimaryKeyConstraint('port_id', name=op.f('pk_router_ports')))
    op.create_index(op.f('ix_router_ports_router_id'), 'router_ports', ['router_id'])
    op.create_table(
        'router_routes',
        sa.Column('router_id', sa.String(length=36), nullable=False),
        sa.Column('destination', sa.String(length=64), nullable=False),
        sa.Column('nexthop', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['router_id'], ['routers.id'], ondelete='CASCADE',
                                name=op.f('fk_router_routes_router_id_routers')),
        sa.PrimaryKeyConstraint('router_id', 'destination', 'nexthop',
                                name=op.f('pk_router_routes')))
    op.create_table(
        'floatingips', *_standard(),
        sa.Column('floating_network_id', sa.String(length=36), nullable=False),
        sa.Column('floating_port_id', sa.String(length=36), nullable=False),
        sa.Column('floating_ip_address', sa.String(length=64), nullable=False),
        sa.Column('fixed_port_id', sa.String(length=36), nullable=True),
        sa.Column('fixed_ip_address', sa.String(length=64), nullable=True),
        sa.Column('router_id', sa.String(length=36), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('dns_name', sa.String(length=255), nullable=False),
        sa.Column('dns_domain', sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(['floating_network_id'], ['networks.id'],
                                name=op.f('fk_floatingips_floating_network_id_networks')),
        sa.ForeignKeyConstraint(['floating_port_id'], ['ports.id'],
                                name=op.f('fk_floatingips_floating_port_id_ports')),
        sa.ForeignKeyConstraint(['fixed_port_id'], ['ports.id'],
                                name=op.f('fk_floatingips_fixed_port_id_ports')),
        sa.ForeignKeyConstraint(['router_id'], ['routers.id'],
                                name=op.f('fk_floatingips_router_id_routers')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_floatingips')),
        sa.UniqueConstraint('floating_port_id', name=op.f('uq_floatingips_floating_port_id')),
        sa.UniqueConstraint('fixed_port_id', 'fixed_ip_address',
                            name=op.f('uq_floatingips_fixed_port_id_fixed_ip_address')))
    op.create_index(op.f('ix_floatingips_project_id'), 'floatingips', ['project_id'])
    op.create_index(op.f('ix_floatingips_floating_network_id'), 'floatingips',
                    ['floating_network_id'])
    op.create_index(op.f('ix_floatingips_fixed_port_id'), 'floatingips', ['fixed_port_id'])
    op.create_index(op.f('ix_floatingips_router_id'), 'floatingips', ['router_id'])


def downgrade() -> None:
    op.drop_table('floatingips')
    op.drop_table('router_routes')
    op.drop_table('router_ports')
    op.drop_table('routers')
