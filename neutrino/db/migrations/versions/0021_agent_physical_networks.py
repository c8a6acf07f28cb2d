"""the physical networks of agents (agent-physical-networks)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 14:00:00
"""
import json

import sqlalchemy as sa
from alembic import op  # noqa: I001

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

TABLE = 'agent_physical_networks'
# What names a physical network in an agent's configurations (as
# neutrino/services/agents/physnets.py reads them; copied, as a migration must not
# change when the code does).
MAPPINGS = ('bridge_mappings', 'interface_mappings', 'device_mappings')


def _names(configurations: str | None) -> list[str]:
    try:
        conf = json.loads(configurations or '{}')
    except ValueError:
        return []
    if not isinstance(conf, dict):
        return []
    names = {k for key in MAPPINGS if isinstance(conf.get(key), dict) for k in conf[key]}
    if isinstance(conf.get('physical_networks'), list):
        names.update(n for n in conf['physical_networks'] if isinstance(n, str))
    return sorted(n for n in names if isinstance(n, str) and 0 < len(n) <= 64)


def upgrade() -> None:
    table = op.create_table(
        TABLE,
        sa.Column('agent_id', sa.String(length=36), nullable=False),
        sa.Column('physical_network', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], ondelete='CASCADE',
                                name=op.f(f'fk_{TABLE}_agent_id_agents')),
        sa.PrimaryKeyConstraint('agent_id', 'physical_network', name=op.f(f'pk_{TABLE}')))
    op.create_index(op.f(f'ix_{TABLE}_physical_network'), TABLE, ['physical_network'])
    agents = sa.table('agents', sa.column('id', sa.String), sa.column('configurations', sa.Text))
    rows = [{'agent_id': agent_id, 'physical_network': name}
            for agent_id, conf in op.get_bind().execute(sa.select(agents.c.id,
                                                                  agents.c.configurations))
            for name in _names(conf)]
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    op.drop_table(TABLE)
