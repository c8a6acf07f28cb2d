"""``/v2.0/qos/rule-types``: the rule types the loaded QoS drivers support
(qos-rule-type-details, qos-rule-type-filter).

The one driver is Neutrino's Open vSwitch agent. A list answers the types every
driver supports (with ``all_supported=true``: any driver; with ``all_rules=true``:
every type the API knows); a type's details name each driver and the values it
takes for each parameter, which only admins may read (as in Neutron)."""
from __future__ import annotations

from typing import Any

from neutrino import exceptions as exc
from neutrino.context import Context
from neutrino.core.listing import ListQuery, page_in_memory
from neutrino.db.engine import Database
from neutrino.definitions.kinds import Boolean, Integer, OneOf
from neutrino.services.qos.definitions import RULE_TYPES

DRIVER = "openvswitch"
# What the driver supports, by rule type: every attribute of the type.
SUPPORTED = {DRIVER: tuple(RULE_TYPES)}


def parameters(rule_type: str) -> list[dict]:
    """The parameters of a rule type and the values a driver takes, as Neutron shows them."""
    out = []
    for attr in RULE_TYPES[rule_type]:
        if isinstance(attr.kind, OneOf):
            out.append({"parameter_name": attr.name, "parameter_type": "choices",
                        "parameter_values": list(attr.kind.values)})
        elif isinstance(attr.kind, Integer):
            out.append({"parameter_name": attr.name, "parameter_type": "range",
                        "parameter_values": {"start": attr.kind.minimum,
                                             "end": attr.kind.maximum}})
    return out


def _flag(name: str, values: list | None) -> bool:
    if not values:
        return False
    try:
        return Boolean().convert(values[-1])
    except ValueError as err:
        raise exc.HTTPBadRequest(f"Invalid input for {name}. Reason: {err}.") from None


class RuleTypePlugin:
    @staticmethod
    def not_found(id: str, **_: Any) -> exc.NeutronException:
        return exc.QosRuleTypeNotFound(id=id)

    def __init__(self, db: Database, conf: Any, registry: Any = None) -> None:
        self.conf = conf

    def list(self, ctx: Context, query: ListQuery) -> list[dict]:
        filters = dict(query.filters)
        all_rules, all_supported = filters.pop("all_rules", None), filters.pop("all_supported", None)
        rules_flag, supported_flag = _flag("all_rules", all_rules), _flag("all_supported",
                                                                           all_supported)
        if rules_flag and supported_flag:
            raise exc.HTTPBadRequest("all_rules and all_supported cannot be used together")
        if rules_flag:
            types = list(RULE_TYPES)
        elif supported_flag:
            types = [t for t in RULE_TYPES if any(t in s for s in SUPPORTED.values())]
        else:
            types = [t for t in RULE_TYPES if all(t in s for s in SUPPORTED.values())]
        items = [{"type": t} for t in types]
        for key, values in filters.items():
            items = [i for i in items if i.get(key) in values]
        return page_in_memory(items, query, "type")

    def get(self, ctx: Context, id: str, fields: list[str] | None = None) -> dict:
        if not ctx.is_admin:
            # Which drivers run and what they take is the cloud's inside (Neutron: admins).
            raise exc.PolicyNotAuthorized(action="get_rule_type")
        if id not in RULE_TYPES:
            raise self.not_found(id)
        return {"type": id, "drivers": [
            {"name": name, "supported_parameters": parameters(id)}
            for name, types in SUPPORTED.items() if id in types]}
