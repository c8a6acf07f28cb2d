"""/v2.0/agents: the agent records, as Neutron shows them.

Agents write their own records (``registration.py``); through the API an admin
reads them, changes ``admin_state_up`` / ``description`` and deletes them (a
deleted agent's record comes back with its next heartbeat). The only records an
admin creates are pseudo-agents (``pseudo.py``, alias pseudo-agents). Agents have
no project, no revision and no tags.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Select, delete, func

from neutrino import exceptions as exc
from neutrino.context import Context
from neutrino.core.resource import ResourcePlugin
from neutrino.db import journal
from neutrino.services.agents import liveness, pseudo
from neutrino.services.agents.models import Agent

AGENTS = Agent.__table__
TIMESTAMPS = ("created_at", "started_at", "heartbeat_timestamp")


class AgentNotFound(exc.NotFound):
    message = "Agent {id} could not be found."


class AgentPlugin(ResourcePlugin):
    table = AGENTS
    not_found = AgentNotFound
    column_names: dict[str, str] = {}
    json_columns = frozenset({"configurations"})
    handles = frozenset({"alive"})

    def __init__(self, db: Any, conf: Any, registry: Any = None) -> None:
        super().__init__(db, conf, registry)
        self.filters["alive"] = self._alive_filter
        self.filters["agent_type"] = self._agent_type_filter

    @staticmethod
    def _agent_type_filter(stmt: Select, values: list) -> Select:
        """Case-insensitive, as Neutron answers on its reference database (MySQL's
        default collation): Tempest asks for ``agent_type=DHCP Agent``."""
        return stmt.where(func.lower(AGENTS.c.agent_type).in_([str(v).lower() for v in values]))

    def _alive_filter(self, stmt: Select, values: list) -> Select:
        if len(set(values)) > 1:
            return stmt
        alive = liveness.alive_clause(AGENTS, self.conf)
        return stmt.where(alive if values[0] else ~alive)

    def visible_clause(self, ctx: Context):
        return None  # policy keeps agents to admins

    def load(self, conn: Connection, ids_query: Select, rows: list,
             fields: frozenset[str] | None) -> list[dict]:
        since = liveness.alive_since(self.conf)
        out = []
        for row in rows:
            item = self.columns_of_table_row(row)
            item["alive"] = (item["agent_type"] == pseudo.AGENT_TYPE
                             or item["heartbeat_timestamp"] > since)
            for key in TIMESTAMPS:
                item[key] = liveness.rendered(item[key])
            out.append(item)
        return out

    @staticmethod
    def revision_of(item: dict) -> int:
        return 0

    @staticmethod
    def check_revision(current: dict, if_revision: int | None) -> None:
        """Agents have no revision to constrain."""

    def bump(self, conn: Connection, id: str) -> None:
        """Agents have no revision number or updated_at."""

    def journal(self, conn: Connection, operation: str, items: list[dict]) -> None:
        journal.record(conn, [journal.Change(self.resource, item["id"], operation, 0, item)
                              for item in items])

    def insert(self, conn: Connection, ctx: Context, body: dict) -> str:
        """Agents register themselves (through /feed/v1/agents); the API creates only
        pseudo-agents."""
        return pseudo.insert_pseudo_agent(conn, body)

    def apply_update(self, conn: Connection, ctx: Context, original: dict, body: dict) -> None:
        self.update_columns(conn, original, body)

    def remove(self, conn: Connection, ctx: Context, original: dict) -> None:
        conn.execute(delete(AGENTS).where(AGENTS.c.id == original["id"]))

