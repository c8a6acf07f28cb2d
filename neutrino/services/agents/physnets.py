"""``physical_networks`` of agents (alias ``agent-physical-networks``, ours): the
physical networks an agent reaches, one sorted list of names whatever the backend.

Agents report them in backend-specific shapes inside ``configurations``: the keys
of ``bridge_mappings`` (Open vSwitch, Linux bridge: physnet -> bridge),
``interface_mappings`` (Linux bridge, macvtap: physnet -> interface) and
``device_mappings`` (SR-IOV: physnet -> [PFs]), and the ``physical_networks`` a
pseudo-agent declares (pseudo.py). ``configurations`` is shown unchanged; the
normalised names are derived whenever an agent's configurations are written
(registration, pseudo-agent create) and kept in ``agent_physical_networks``, so
that a list filters on them in SQL: ``?physical_networks=a&physical_networks=b``
answers the agents that reach *any* of the names given (as every repeated
filter in Neutron means "any of"); docs/api.md "Agents".
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Select, delete, exists, insert, select

from neutrino.core.extenders import AttributeExtender
from neutrino.core.listing import Filter
from neutrino.services.agents.models import AgentPhysicalNetwork

ALIAS = "agent-physical-networks"
TABLE = AgentPhysicalNetwork.__table__
MAPPINGS = ("bridge_mappings", "interface_mappings", "device_mappings")
MAX_NAME = 64  # as provider:physical_network


def physical_networks(configurations: Any) -> list[str]:
    """The physical networks named in an agent's reported ``configurations``, sorted.
    What is not a mapping (or a list of names) is not a physnet: agents report
    what they like, and a malformed report must not fail its heartbeat."""
    if not isinstance(configurations, dict):
        return []
    names = {name for key in MAPPINGS if isinstance(configurations.get(key), dict)
             for name in configurations[key]}
    declared = configurations.get("physical_networks")
    if isinstance(declared, list):
        names.update(n for n in declared if isinstance(n, str))
    return sorted(n for n in names if isinstance(n, str) and 0 < len(n) <= MAX_NAME)


def store(conn: Connection, agent_id: str, configurations: Any) -> None:
    """Derive the agent's physical networks from ``configurations`` (in the
    transaction writing them)."""
    conn.execute(delete(TABLE).where(TABLE.c.agent_id == agent_id))
    names = physical_networks(configurations)
    if names:
        conn.execute(insert(TABLE), [{"agent_id": agent_id, "physical_network": n}
                                     for n in names])


class AgentPhysicalNetworks(AttributeExtender):
    """Renders and filters ``physical_networks`` (read-only: it follows the
    configurations)."""

    collection = "agents"
    alias = ALIAS
    attributes = ("physical_networks",)

    def load(self, conn: Connection, ids_query: Select, items: list[dict]) -> None:
        found: dict[str, list[str]] = {}
        for agent_id, name in conn.execute(
                select(TABLE.c.agent_id, TABLE.c.physical_network)
                .where(TABLE.c.agent_id.in_(ids_query))
                .order_by(TABLE.c.agent_id, TABLE.c.physical_network)):
            found.setdefault(agent_id, []).append(name)
        self.values(items, "physical_networks", found, [])

    def filters(self) -> dict[str, Filter]:
        agents = self.table

        def reaching_any(stmt: Select, values: list) -> Select:
            return stmt.where(exists(select(TABLE.c.agent_id).where(
                TABLE.c.agent_id == agents.c.id, TABLE.c.physical_network.in_(values))))
        return {"physical_networks": reaching_any}
