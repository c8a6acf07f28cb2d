"""Logs (``/v2.0/log/logs``) and the resource types they may be of
(``/v2.0/log/loggable-resources``).

Which types may be logged is the server's ``[network_log] resource_types``: the
types the data plane logs (``security_group`` by the agent's security-group
flows; ``snat`` by the router namespaces' SNAT). A log of any other type
is refused (400 InvalidLogResourceType), as Neutron refuses a type no loaded
driver supports. Each type's request is then checked as Neutron's validators do;
only ``name``, ``description`` and ``enabled`` change afterwards.
"""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, Select, delete, insert, select

from neutrino import exceptions as exc
from neutrino.context import Context
from neutrino.core.listing import ListQuery, page_in_memory
from neutrino.core.resource import ResourcePlugin
from neutrino.db.models.security_group import SecurityGroupPortBinding
from neutrino.services.logging import definitions
from neutrino.services.logging import exceptions as log_exc
from neutrino.services.logging.models import Log

LOGS = Log.__table__
MEMBERS = SecurityGroupPortBinding.__table__
# What the Open vSwitch agent's security-group logging can filter: ports it plugs.
LOGGABLE_VIF_TYPES = frozenset({"ovs"})
LOGGABLE_VNIC_TYPES = frozenset({"normal"})
SNAT_DISABLED_EVENTS = ("ACCEPT", "DROP")  # SNAT has no accept/drop decision


def supported_types(conf: Any) -> list[str]:
    """The loggable resource types, in the order the configuration names them."""
    return list(dict.fromkeys(conf.network_log.resource_types))


class LogPlugin(ResourcePlugin):
    table = LOGS
    not_found = log_exc.LogResourceNotFound

    def load(self, conn: Connection, ids_query: Select, rows: list,
             fields: frozenset[str] | None) -> list[dict]:
        tags = self.load_tags(conn, ids_query)
        return [{**self.standard_fields(row, tags), **self.columns_of_row(row._asdict())}
                for row in rows]

    def insert(self, conn: Connection, ctx: Context, body: dict) -> str:
        resource_type = body["resource_type"]
        if resource_type not in supported_types(self.conf):
            raise log_exc.InvalidLogResourceType(resource_type=resource_type)
        if resource_type == definitions.SECURITY_GROUP:
            self._check_security_group_log(conn, ctx, body)
        elif resource_type == definitions.SNAT:
            self._check_snat_log(conn, ctx, body)
        log_id = str(uuid.uuid4())
        conn.execute(insert(LOGS).values(**self.new_row(ctx, body, log_id)))
        return log_id

    def apply_update(self, conn: Connection, ctx: Context, original: dict, body: dict) -> None:
        self.update_columns(conn, original, body)

    # ---- what each type needs ------------------------------------------------------
    def _check_security_group_log(self, conn: Connection, ctx: Context, body: dict) -> None:
        group_id, port_id = body.get("resource_id"), body.get("target_id")
        if group_id is not None:
            try:
                self.registry.plugin("security-groups").get_in(conn, ctx, group_id, ["id"])
            except exc.NotFound:
                raise log_exc.ResourceNotFound(resource_id=group_id) from None
        if port_id is not None:
            try:
                port = self.registry.plugin("ports").get_in(conn, ctx, port_id)
            except exc.NotFound:
                raise log_exc.TargetResourceNotFound(target_id=port_id) from None
            # Only a port bound by a driver that filters it can have its packets logged.
            if port.get("binding:vif_type") not in LOGGABLE_VIF_TYPES or \
                    (port.get("binding:vnic_type") or "normal") not in LOGGABLE_VNIC_TYPES:
                raise log_exc.LoggingTypeNotSupported(log_type=definitions.SECURITY_GROUP,
                                                      port_id=port_id)
        if group_id is not None and port_id is not None and not conn.execute(
                select(MEMBERS.c.port_id).where(MEMBERS.c.port_id == port_id,
                                                MEMBERS.c.security_group_id == group_id)
        ).first():
            raise log_exc.InvalidResourceConstraint(
                resource=definitions.SECURITY_GROUP, resource_id=group_id,
                target_resource="port", target_id=port_id)

    def _check_snat_log(self, conn: Connection, ctx: Context, body: dict) -> None:
        router_id = body.get("resource_id")
        if router_id is None:
            raise log_exc.ResourceIdNotSpecified(resource_type=definitions.SNAT)
        if body.get("event", "ALL") in SNAT_DISABLED_EVENTS:
            raise log_exc.EventsDisabled(events=list(SNAT_DISABLED_EVENTS),
                                         resource_type=definitions.SNAT)
        if body.get("target_id") is not None:
            raise log_exc.TargetIdNotUsed(resource_type=definitions.SNAT)
        try:
            router = self.registry.plugin("routers").get_in(conn, ctx, router_id)
        except exc.NotFound:
            raise log_exc.ResourceNotFound(resource_id=router_id) from None
        gateway = router.get("external_gateway_info")
        if gateway and gateway.get("enable_snat") is False:
            raise log_exc.RouterNotEnabledSnat(resource_id=router_id)
        if not gateway:
            raise log_exc.RouterGatewayNotSet(resource_id=router_id)

    # ---- logs go with what they log ------------------------------------------------
    def delete_for(self, conn: Connection, ctx: Context, column: str, object_id: str,
                   resource_types: tuple[str, ...]) -> None:
        """Delete (journaled and announced as deletes) the logs whose ``column``
        (resource_id or target_id) names a deleted object of one of the types."""
        ids = list(conn.scalars(select(LOGS.c.id).where(
            LOGS.c[column] == object_id, LOGS.c.resource_type.in_(resource_types))))
        if not ids:
            return
        gone = self.load_ids(conn, ids)
        conn.execute(delete(LOGS).where(LOGS.c.id.in_(ids)))
        self.deleted_with(conn, ctx, gone)


class LoggableResourcePlugin:
    """The resource types logs may be of: ``[network_log] resource_types``."""

    @staticmethod
    def not_found(id: str, **_: Any) -> exc.NeutronException:
        return exc.HTTPNotFound(f"Loggable resource {id} could not be found.")

    def __init__(self, db: Any, conf: Any, registry: Any = None) -> None:
        self.conf = conf

    def list(self, ctx: Context, query: ListQuery) -> list[dict]:
        items = [{"type": t} for t in supported_types(self.conf)]
        for key, values in query.filters.items():
            items = [i for i in items if i.get(key) in values]
        return page_in_memory(items, query, "type")

    def get(self, ctx: Context, id: str, fields: list[str] | None = None) -> dict:
        if id not in supported_types(self.conf):
            raise self.not_found(id)
        return {"type": id}
