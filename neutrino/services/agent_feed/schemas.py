"""The feed's calls as /openapi.json documents them (docs/agent-feed.md)."""
from __future__ import annotations

from neutrino.definitions.base import Operation

_OBJECT = {"type": "object"}
_LIST = {"type": "array", "items": _OBJECT}
DOCUMENT = {"type": "object", "properties": {
    "networks": _LIST, "ports": _LIST, "subnets": _LIST, "security_groups": _LIST,
    "security_group_members": {"type": "object", "additionalProperties": {
        "type": "array", "items": {"type": "string"}}},
    "tunnel_endpoints": {"type": "object", "additionalProperties": {"type": "string"}},
    "dhcp_networks": {"type": "array", "items": {"type": "string"}}, "logs": _LIST,
    "routers": _LIST, "floatingips": _LIST, "trunks": _LIST,
    # Routers with an interface on a network the host carries: east-west routing.
    "distributed_routers": {"type": "array", "items": {"type": "object", "properties": {
        "id": {"type": "string"}, "admin_state_up": {"type": "boolean"},
        "interfaces": {"type": "array", "items": {"type": "object", "properties": {
            "port_id": {"type": "string"}, "network_id": {"type": "string"},
            "mac_address": {"type": "string"},
            "fixed_ips": {"type": "array", "items": {"type": "object", "properties": {
                "subnet_id": {"type": "string"}, "ip_address": {"type": "string"}}}}}}}}}}}}
CHANGE = {"type": "object", "properties": {
    "seq": {"type": ["integer", "null"]},
    "resource_type": {"type": "string", "enum": [
        "network", "subnet", "port", "security_group", "security_group_rule",
        "security_group_members", "tunnel_endpoint", "dhcp_network", "log", "router",
        "floatingip", "distributed_router", "qos_policy", "classification_group",
        "classification", "trunk"]},
    "resource_id": {"type": "string"},
    "operation": {"type": "string", "enum": ["create", "update", "delete"]},
    "revision_number": {"type": "integer"},
    "body": _OBJECT}}
STATE = {"type": "object", "required": ["cursor", "state"],
         "properties": {"cursor": {"type": "string"}, "state": DOCUMENT}}
WATCH = {"type": "object", "required": ["cursor", "changes"],
         "properties": {"cursor": {"type": "string"}, "changes": {"type": "array", "items": CHANGE}}}

OPERATIONS = (
    Operation("get", "/feed/v1/hosts/{host}/state",
              "A host's whole desired state and the cursor to watch it from (agents: admin or "
              "service role; loopback only under noauth)", response=STATE),
    Operation("get", "/feed/v1/hosts/{host}/watch",
              "Long-poll the changes of a host's state after a cursor, in commit order; 410 "
              "ResyncRequired when the cursor cannot be served", response=WATCH,
              query=(("cursor", {"type": "string", "minLength": 1}, True,
                      "The cursor of the last state or watch answer"),
                     ("timeout", {"type": "number", "minimum": 0, "maximum": 60}, False,
                      "Seconds to wait for a change (default 30)"))),
)
