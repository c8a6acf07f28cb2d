"""The security groups of ports: which groups a new or updated port gets, the
rules that tie them to port security, storing them, listing them and filtering
ports by them. Called from the port plugin at fixed points."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Select, delete, exists, insert, select

from neutrino import exceptions as exc
from neutrino.context import Context
from neutrino.core.listing import Filter
from neutrino.core.security_groups import BINDINGS, GROUPS, SecurityGroupPlugin
from neutrino.db.models.port import Port

PORTS = Port.__table__
INSERT_BINDINGS = insert(BINDINGS)  # built once, for the port create path
# Ports the service itself owns (DHCP, router interfaces, ...) are trusted: no groups.
TRUSTED_OWNER_PREFIX = "network:"


def is_trusted(device_owner: str) -> bool:
    return device_owner.startswith(TRUSTED_OWNER_PREFIX)


class PortSecurityGroups:
    def __init__(self, groups: SecurityGroupPlugin) -> None:
        self.groups = groups
        self._with_default: set[str] = set()  # projects known to have their default group

    def filters(self) -> dict[str, Filter]:
        """List filters: ``security_groups=<id>`` (repeat for any of several)."""
        def by_group(stmt: Select, values: list[str]) -> Select:
            return stmt.where(exists().where(BINDINGS.c.port_id == PORTS.c.id,
                                             BINDINGS.c.security_group_id.in_(values)))
        return {"security_groups": by_group}

    def prepare(self, ctx: Context, bodies: list[dict]) -> None:
        """Before the ports' transaction: make sure each project has its default group
        (in a transaction of its own, like any group creation). Projects seen with one
        are remembered: should an admin delete it, ``on_create`` makes it again."""
        for project in sorted({b.get("project_id") or ctx.project_id for b in bodies} - {None}):
            if project not in self._with_default:
                self.groups.ensure_default(ctx, project)
                if len(self._with_default) >= 100_000:
                    self._with_default.clear()
                self._with_default.add(project)

    @staticmethod
    def statement(ids: Any) -> Select:
        """(port id, group id) of the ports ``ids`` names (a subquery or a parameter)."""
        return (select(BINDINGS.c.port_id, BINDINGS.c.security_group_id)
                .where(BINDINGS.c.port_id.in_(ids))
                .order_by(BINDINGS.c.port_id, BINDINGS.c.security_group_id))

    @classmethod
    def load(cls, conn: Connection, ids_query: Select) -> dict[str, list[str]]:
        """Group ids by port id, for the ports ``ids_query`` selects (one query)."""
        out: dict[str, list[str]] = {}
        for port_id, group_id in conn.execute(cls.statement(ids_query)).all():
            out.setdefault(port_id, []).append(group_id)
        return out

    def on_create(self, conn: Connection, ctx: Context, port_id: str, body: dict,
                  port_security: bool) -> list[str]:
        """Store the groups of a new port: the ones asked for, else the project's default.
        Returns them as the port shows them."""
        if is_trusted(body.get("device_owner", "")):
            return []
        requested = body.get("security_groups")
        if not port_security:
            if requested:
                raise exc.PortSecurityAndIPRequiredForSecurityGroups()
            return []
        project_id = body.get("project_id") or ctx.project_id
        if requested is None:
            group_ids = [self.groups.default_in(conn, ctx, project_id)]
        else:
            group_ids = self._owned(conn, project_id, requested)
        self._store(conn, port_id, group_ids)
        return sorted(set(group_ids))

    def on_update(self, conn: Connection, original: dict, body: dict) -> None:
        """Replace the groups when asked; refuse port security off while groups remain."""
        port_security = body.get("port_security_enabled", original["port_security_enabled"])
        if "security_groups" in body:
            requested = body["security_groups"] or []
            if is_trusted(body.get("device_owner", original["device_owner"])):
                requested = []
            if requested and not port_security:
                raise exc.PortSecurityAndIPRequiredForSecurityGroups()
            group_ids = self._owned(conn, original["project_id"], requested)
            if set(group_ids) != set(original["security_groups"]):
                conn.execute(delete(BINDINGS).where(BINDINGS.c.port_id == original["id"]))
                self._store(conn, original["id"], group_ids)
        elif not port_security and original["security_groups"]:
            raise exc.PortSecurityPortHasSecurityGroup()

    @staticmethod
    def _owned(conn: Connection, project_id: str, requested: list[str]) -> list[str]:
        """The requested groups (the API refuses one twice); every one must belong to the
        port's project, and they must be all stateful or all stateless."""
        wanted = list(dict.fromkeys(requested))
        if not wanted:
            return []
        found = dict(conn.execute(select(GROUPS.c.id, GROUPS.c.stateful).where(
            GROUPS.c.id.in_(wanted), GROUPS.c.project_id == project_id)).all())
        missing = [g for g in wanted if g not in found]
        if missing:
            raise exc.SecurityGroupNotFound(id=", ".join(missing))
        if len(set(found.values())) > 1:
            # Connection tracking is on or off for a port as a whole (as Neutron).
            raise exc.SecurityGroupConflict(reason="Cannot apply both stateful and stateless "
                                            "security groups on the same port at the same time")
        return wanted

    @staticmethod
    def _store(conn: Connection, port_id: str, group_ids: list[str]) -> None:
        if group_ids:
            conn.execute(INSERT_BINDINGS, [{"port_id": port_id, "security_group_id": g}
                                            for g in group_ids])
