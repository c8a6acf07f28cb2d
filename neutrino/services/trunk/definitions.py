"""trunk and trunk-details: ``/v2.0/trunks`` (a parent port and its subports, with
the member actions add_subports, remove_subports and get_subports) and a trunk
parent's ``trunk_details`` on ports (docs/trunks.md)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from neutrino.definitions.base import (
    REQUIRED,
    Attribute,
    Extension,
    MemberAction,
    Operation,
    Resource,
)
from neutrino.definitions.common import ID, NAME, OWNED
from neutrino.definitions.core import ADMIN_STATE_UP
from neutrino.definitions.kinds import AnyDict, Integer, ListOf, Nullable, Object, OneOf, Uuid

# vlan: tagged frames on the parent's VIF; inherit: vlan, with the id of the subport's
# VLAN network; mac: untagged, told apart by the subport's own MAC (port behind port).
SEGMENTATION_TYPES = ("vlan", "inherit", "mac")
STATUSES = ("ACTIVE", "DOWN", "BUILD", "DEGRADED", "ERROR")
VLAN_IDS = (1, 4094)

SUB_PORT = Object({
    "port_id": (Uuid(), True),
    "segmentation_type": (OneOf(SEGMENTATION_TYPES), False),
    "segmentation_id": (Nullable(Integer()), False),
})


@dataclass(frozen=True)
class SubPorts(ListOf):
    """A list of subports as neutron-lib's ``type:subports`` validator takes it: each
    port once, each (segmentation_type, segmentation_id) once (a 400 otherwise)."""

    item: Any = SUB_PORT

    def convert(self, value: Any) -> list:
        out = super().convert(value)
        ports: set[str] = set()
        segmentations: set[tuple] = set()
        for sub in out:
            if sub["port_id"] in ports:
                raise ValueError(f"Non unique UUID for subport: '{sub['port_id']}'")
            ports.add(sub["port_id"])
            kind, seg_id = sub.get("segmentation_type"), sub.get("segmentation_id")
            if (kind is None and seg_id is not None) or (kind == "vlan" and seg_id is None):
                raise ValueError(f"Invalid subport details '{sub}': missing segmentation "
                                 f"information. Must specify both segmentation_id and "
                                 f"segmentation_type")
            if kind == "mac" and seg_id is not None:
                raise ValueError(f"Invalid subport details '{sub}': a subport of "
                                 f"segmentation_type mac has no segmentation_id")
            if kind == "vlan":
                if not VLAN_IDS[0] <= seg_id <= VLAN_IDS[1]:
                    raise ValueError(f"Invalid segmentation_id {seg_id} for subport "
                                     f"'{sub['port_id']}': a VLAN id is {VLAN_IDS[0]} to "
                                     f"{VLAN_IDS[1]}")
                if (kind, seg_id) in segmentations:
                    raise ValueError(f"Segmentation ID '{seg_id}' for '{sub['port_id']}' is "
                                     f"not unique")
                segmentations.add((kind, seg_id))
        return out


SUB_PORTS = SubPorts()
SUB_PORTS_BODY = Object({"sub_ports": (SUB_PORTS, True)})

TRUNK = Resource(
    name="trunk", collection="trunks",
    attributes=(
        ID, NAME, *OWNED, ADMIN_STATE_UP,
        Attribute("port_id", Uuid(), "The parent port.", default=REQUIRED, post=True,
                  filter=True, sort=True, references="ports"),
        Attribute("status", OneOf(STATUSES), "ACTIVE, DOWN, BUILD, DEGRADED or ERROR: what "
                  "the parent's host reports (DOWN while the parent is unbound).",
                  filter=True, sort=True),
        Attribute("sub_ports", SUB_PORTS, "The subports: port_id, segmentation_type (vlan, "
                  "inherit on create, mac) and segmentation_id (null for mac).",
                  default=[], post=True),
    ),
    member_actions=(
        MemberAction("add_subports", request=SUB_PORTS_BODY, response=AnyDict(),
                     summary="Add subports to a trunk (answers the whole trunk)"),
        MemberAction("remove_subports", request=SUB_PORTS_BODY, response=AnyDict(),
                     summary="Remove subports from a trunk (answers the whole trunk)"),
        MemberAction("get_subports", request=None, response=SUB_PORTS_BODY, method="get",
                     summary="List a trunk's subports"),
    ),
)

_REPORT = {"type": "object", "required": ["trunks"], "properties": {"trunks": {
    "type": "object", "additionalProperties": {"type": "string", "enum": list(STATUSES)}}}}
TRUNK_EXT = Extension(
    alias="trunk", name="Trunk Extension", description="Provides support for trunk ports",
    updated="2016-01-01T10:00:00-00:00", resources=(TRUNK,), requires=("binding",),
    operations=(Operation(
        "post", "/feed/v1/hosts/{host}/trunks",
        "Report the status of the trunks whose parent port is bound to the host (agents; "
        "admin or service role, loopback only under noauth)", request=_REPORT,
        response=_REPORT),))

TRUNK_DETAILS_EXT = Extension(
    alias="trunk-details", name="Trunk port details", description="Expose trunk port details",
    updated="2016-01-01T10:00:00-00:00", requires=("trunk",),
    extends={"ports": (Attribute(
        "trunk_details", AnyDict(), "On a trunk's parent port only: trunk_id and sub_ports "
        "(port_id, segmentation_type, segmentation_id, mac_address)."),)})

EXTENSIONS = [TRUNK_EXT, TRUNK_DETAILS_EXT]
