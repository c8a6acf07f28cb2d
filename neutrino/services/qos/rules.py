"""QoS rules, one plugin per rule type, under their policy
(``/v2.0/qos/policies/{id}/<type>_rules``) and, for some types, without it
(``/v2.0/qos/alias_<type>_rules/{id}``, qos-rules-alias).

Rules have no standard attributes: a rule's change counts as a change of its
policy (revision, events, journal row). Each write locks the policy's row, so the
checks below see every other rule of the policy:

- one rule per type and direction (409), for DSCP marking one per classification
  group (and one naming none; docs/classifications.md); a minimum packet rate rule of direction
  ``any`` excludes ``egress`` and ``ingress`` ones and the other way round
  (409 QoSRulesConflict);
- a minimum bandwidth above the same direction's bandwidth limit (409
  QoSRuleParameterConflict), either way round;
- a rule the spec says Placement backs (minimum bandwidth and minimum packet rate)
  is not created, changed or deleted while a compute port uses the policy (501:
  its allocation would be wrong).
"""
from __future__ import annotations

import uuid
from typing import Any, ClassVar

from sqlalchemy import Connection, Select, Table, delete, insert, select, update

from neutrino import exceptions as exc
from neutrino.context import Context
from neutrino.core.resource import ResourcePlugin
from neutrino.services.qos import policies
from neutrino.services.qos.policies import NETWORK_BINDINGS, PORT_BINDINGS, PORTS, RULE_TABLES

PLACEMENT_BACKED = ("minimum_bandwidth", "minimum_packet_rate")
# Neutron's class names, as its duplicate-rule error names them.
CLASS_NAMES = {"bandwidth_limit": "QosBandwidthLimitRule", "dscp_marking": "QosDscpMarkingRule",
               "minimum_bandwidth": "QosMinimumBandwidthRule",
               "minimum_packet_rate": "QosMinimumPacketRateRule",
               "packet_rate_limit": "QosPacketRateLimitRule"}


def _used_by_compute_port(conn: Connection, policy_id: str) -> bool:
    """A port of a VM uses the policy: its own, or its network's when it has none."""
    own = select(PORT_BINDINGS.c.port_id).join(PORTS, PORTS.c.id == PORT_BINDINGS.c.port_id).where(
        PORT_BINDINGS.c.policy_id == policy_id, PORTS.c.device_owner.like("compute:%"))
    inherited = (select(PORTS.c.id)
                 .join(NETWORK_BINDINGS, NETWORK_BINDINGS.c.network_id == PORTS.c.network_id)
                 .where(NETWORK_BINDINGS.c.policy_id == policy_id,
                        PORTS.c.device_owner.like("compute:%"),
                        PORTS.c.id.not_in(select(PORT_BINDINGS.c.port_id))))
    return conn.execute(own.union(inherited).limit(1)).first() is not None


class RulePlugin(ResourcePlugin):
    """The rules of one type (``rule_type``, table ``table``)."""

    rule_type: ClassVar[str]
    table: ClassVar[Table]
    not_found = exc.QosRuleNotFound
    column_names: ClassVar[dict[str, str]] = {}  # no project of its own: the policy's
    handles = frozenset({"tenant_id"})
    alias: ClassVar[bool] = False

    def visible_clause(self, ctx: Context):
        if not self.alias:
            return None  # listed and shown under a policy the caller may see
        visible = policies.visible_policies(ctx)
        if visible is None:
            return None
        return self.table.c.qos_policy_id.in_(select(policies.POLICIES.c.id).where(visible))

    @staticmethod
    def revision_of(item: dict) -> int:
        return 0

    @staticmethod
    def check_revision(current: dict, if_revision: int | None) -> None:
        """No revision of its own to constrain."""

    def bump(self, conn: Connection, id: str) -> None:
        """Counted on the policy (``_policy_changed``)."""

    def load(self, conn: Connection, ids_query: Select, rows: list,
             fields: frozenset[str] | None) -> list[dict]:
        items = [self.columns_of_row(row._asdict()) for row in rows]
        if self.alias and items:
            owners = dict(conn.execute(select(policies.POLICIES.c.id, policies.POLICIES.c.project_id)
                                       .where(policies.POLICIES.c.id.in_(
                                           {r.qos_policy_id for r in rows}))).all())
            for item, row in zip(items, rows):
                item["tenant_id"] = owners.get(row.qos_policy_id)
        return items

    # ---- writes ----------------------------------------------------------------
    def _policy_plugin(self) -> policies.QosPolicyPlugin:
        return self.registry.plugin(policies.RBAC_TYPE.collection)

    def _policy_changed(self, conn: Connection, ctx: Context, policy_id: str) -> None:
        self._policy_plugin().touch(conn, ctx, [policy_id])

    def insert(self, conn: Connection, ctx: Context, body: dict) -> str:
        policy_id = body["qos_policy_id"]
        self._check(conn, policy_id, body, None)
        rule_id = str(uuid.uuid4())
        conn.execute(insert(self.table).values(
            **{**self.column_values(body, "post"), "id": rule_id, "qos_policy_id": policy_id}))
        self._policy_changed(conn, ctx, policy_id)
        return rule_id

    def apply_update(self, conn: Connection, ctx: Context, original: dict, body: dict) -> None:
        policy_id = self._stored_policy(conn, original["id"])
        self._check(conn, policy_id, {**original, **body}, original["id"])
        values = self.column_values(body, "put")
        if values:
            conn.execute(update(self.table).where(self.table.c.id == original["id"])
                         .values(**values))
        self._policy_changed(conn, ctx, policy_id)

    def remove(self, conn: Connection, ctx: Context, original: dict) -> None:
        policy_id = self._stored_policy(conn, original["id"])
        self._policy_plugin().lock(conn, policy_id)
        self._refuse_if_placement_backed(conn, policy_id)
        conn.execute(delete(self.table).where(self.table.c.id == original["id"]))
        self._policy_changed(conn, ctx, policy_id)

    def _stored_policy(self, conn: Connection, rule_id: str) -> str:
        return conn.scalar(select(self.table.c.qos_policy_id).where(self.table.c.id == rule_id))

    def _refuse_if_placement_backed(self, conn: Connection, policy_id: str) -> None:
        if self.rule_type in PLACEMENT_BACKED and _used_by_compute_port(conn, policy_id):
            raise NotImplementedError("Cannot update QoS policies/rules backed by resources "
                                      "tracked in Placement")

    def _check(self, conn: Connection, policy_id: str, rule: dict, own_id: str | None) -> None:
        self._policy_plugin().lock(conn, policy_id)
        self._refuse_if_placement_backed(conn, policy_id)
        table = self.table
        others = select(table).where(table.c.qos_policy_id == policy_id)
        if own_id is not None:
            others = others.where(table.c.id != own_id)
        direction = rule.get("direction")
        if direction is None:  # dscp_marking: one per policy and classification group
            group = rule.get("classification_group_id")
            column = table.c.classification_group_id
            if conn.execute(others.where(column.is_(None) if group is None else column == group)
                            .limit(1)).first():
                if group is None:
                    self._duplicate(policy_id, ["qos_policy_id"], [policy_id])
                self._duplicate(policy_id, ["qos_policy_id", "classification_group_id"],
                                [policy_id, group])
        else:
            if conn.execute(others.where(table.c.direction == direction).limit(1)).first():
                self._duplicate(policy_id, ["qos_policy_id", "direction"], [policy_id, direction])
            if self.rule_type == "minimum_packet_rate":
                clash = others.where(table.c.direction != direction) if direction == "any" \
                    else others.where(table.c.direction == "any")
                row = conn.execute(clash.limit(1)).first()
                if row is not None:
                    raise exc.QoSRulesConflict(new_rule_type=self.rule_type, rule_id=row.id,
                                               policy_id=policy_id)
        self._check_min_below_max(conn, policy_id, rule)

    def _duplicate(self, policy_id: str, attributes: list[str], values: list[Any]) -> None:
        raise exc.NeutronDbObjectDuplicateEntry(object_type=CLASS_NAMES[self.rule_type],
                                                attributes=attributes, values=values)

    def _check_min_below_max(self, conn: Connection, policy_id: str, rule: dict) -> None:
        limits, minimums = RULE_TABLES["bandwidth_limit"], RULE_TABLES["minimum_bandwidth"]
        if self.rule_type == "minimum_bandwidth":
            row = conn.execute(select(limits.c.max_kbps).where(
                limits.c.qos_policy_id == policy_id, limits.c.direction == rule["direction"],
                limits.c.max_kbps < rule["min_kbps"]).limit(1)).first()
            if row is not None:
                raise exc.QoSRuleParameterConflict(rule_value=rule["min_kbps"], policy_id=policy_id,
                                                   existing_rule="bandwidth_limit",
                                                   existing_value=row.max_kbps)
        elif self.rule_type == "bandwidth_limit":
            row = conn.execute(select(minimums.c.min_kbps).where(
                minimums.c.qos_policy_id == policy_id, minimums.c.direction == rule["direction"],
                minimums.c.min_kbps > rule["max_kbps"]).limit(1)).first()
            if row is not None:
                raise exc.QoSRuleParameterConflict(rule_value=rule["max_kbps"], policy_id=policy_id,
                                                   existing_rule="minimum_bandwidth",
                                                   existing_value=row.min_kbps)


def plugin_for(rule_type: str, alias: bool = False) -> type[RulePlugin]:
    """The plugin class of one rule type (under its policy, or the alias path)."""
    name = "".join(p.title() for p in rule_type.split("_")) + ("AliasRulePlugin" if alias
                                                                else "RulePlugin")
    return type(name, (RulePlugin,), {"rule_type": rule_type, "table": RULE_TABLES[rule_type],
                                      "alias": alias, "__module__": __name__})

