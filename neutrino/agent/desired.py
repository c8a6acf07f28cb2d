"""Desired state of the data plane, as plain typed data in the API's shapes.

The agent's only input. ``from_api`` reads the dictionaries the Neutron API
returns (networks with provider attributes or ``segments``, ports with
``binding:host_id``, subnets, security groups with their rules) so the agent
feed's state document (docs/agent-feed.md) can be handed over as is: it is
``to_json``'s shape plus the feed's own keys.

Ports are all the ports of the networks the host carries, bound or not (DHCP
serves leases to unbound ports too); forwarding only looks at bound ones.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

NETWORK_TYPES = ("flat", "vlan", "vxlan", "geneve")
TUNNEL_TYPES = ("vxlan", "geneve")
# binding:vif_type of ports handed to a VM as a PCI device (SR-IOV VF or PF).
PASSTHROUGH_VIF_TYPES = ("hw_veb", "hostdev_physical")


class DesiredStateError(ValueError):
    """The desired state is inconsistent (unknown network type, missing segment id...)."""


@dataclass(frozen=True)
class Network:
    """A network as one segment: how its traffic leaves the host."""

    id: str
    network_type: str
    segmentation_id: int | None = None
    physical_network: str | None = None
    vlan_transparent: bool = False
    mtu: int | None = None  # the API's ``mtu``; DHCP hands it to VMs (option 26)
    # The address scopes of its IPv4 and IPv6 subnets (their pools'): routers route
    # unchanged between ports of one scope (docs/agent.md "Address scopes").
    ipv4_address_scope: str | None = None
    ipv6_address_scope: str | None = None

    def __post_init__(self) -> None:
        if self.network_type not in NETWORK_TYPES:
            raise DesiredStateError(f"network {self.id}: unsupported type {self.network_type!r}")
        if self.network_type != "flat" and self.segmentation_id is None:
            raise DesiredStateError(f"network {self.id}: {self.network_type} needs a segment id")
        if self.network_type in ("flat", "vlan") and not self.physical_network:
            raise DesiredStateError(f"network {self.id}: {self.network_type} needs a physnet")

    @property
    def is_tunnelled(self) -> bool:
        return self.network_type in TUNNEL_TYPES


@dataclass(frozen=True)
class Port:
    """A port bound to a host; on its own host it is found on br-int by iface-id."""

    id: str
    network_id: str
    mac_address: str
    host: str
    fixed_ips: tuple[str, ...] = ()
    admin_state_up: bool = True
    # (subnet id, ip address) of each fixed IP, in the API's order.
    allocations: tuple[tuple[str, str], ...] = ()
    device_owner: str = ""
    security_groups: tuple[str, ...] = ()
    port_security_enabled: bool = True
    # (ip address or CIDR, mac address) of each allowed address pair.
    allowed_address_pairs: tuple[tuple[str, str], ...] = ()
    # (opt_name, opt_value, ip_version) of each extra DHCP option.
    extra_dhcp_opts: tuple[tuple[str, str, int], ...] = ()
    dns_name: str = ""
    # The owning project: a log naming neither a group nor a port covers its ports.
    project_id: str = ""
    # The port's own QoS policy, and its network's (which applies when it has none).
    qos_policy_id: str | None = None
    qos_network_policy_id: str | None = None
    # binding:vif_type: a VF or PF passed through (hw_veb, hostdev_physical) is the SR-IOV
    # agent's, never plugged into br-int.
    vif_type: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "mac_address", self.mac_address.lower())

    @property
    def is_bound(self) -> bool:
        return bool(self.host)

    @property
    def is_passthrough(self) -> bool:
        """Bound as an SR-IOV device (the NIC Switch agent's), not as an OVS port."""
        return self.vif_type in PASSTHROUGH_VIF_TYPES

    @property
    def effective_qos_policy_id(self) -> str | None:
        return self.qos_policy_id or self.qos_network_policy_id


@dataclass(frozen=True)
class Subnet:
    """What DHCP and routing need to know of a subnet."""

    id: str
    network_id: str
    ip_version: int
    cidr: str
    gateway_ip: str | None = None
    enable_dhcp: bool = True
    dns_nameservers: tuple[str, ...] = ()
    host_routes: tuple[tuple[str, str], ...] = ()  # (destination, nexthop)
    ipv6_address_mode: str | None = None
    ipv6_ra_mode: str | None = None


@dataclass(frozen=True)
class SecurityGroupRule:
    """One rule as the API shows it (``protocol`` by name or number, or None for any)."""

    id: str
    direction: str  # ingress | egress
    ethertype: str  # IPv4 | IPv6
    protocol: str | None = None
    port_range_min: int | None = None
    port_range_max: int | None = None
    remote_ip_prefix: str | None = None
    remote_group_id: str | None = None


@dataclass(frozen=True)
class SecurityGroup:
    id: str
    stateful: bool = True
    rules: tuple[SecurityGroupRule, ...] = ()


@dataclass(frozen=True)
class PortForwarding:
    """One forwarding of a floating IP: ``external`` ports to ``internal`` ones (ranges
    as (first, last), the same length, mapped one to one)."""

    id: str
    protocol: str  # tcp | udp
    internal_ip_address: str
    external: tuple[int, int]
    internal: tuple[int, int]


@dataclass(frozen=True)
class FloatingIp:
    """A floating IP of a router placed on this host."""

    id: str
    floating_ip_address: str
    router_id: str | None = None
    fixed_ip_address: str | None = None
    port_id: str | None = None
    status: str = "DOWN"
    port_forwardings: tuple[PortForwarding, ...] = ()


@dataclass(frozen=True)
class Router:
    """A router placed on this host: its ports are among ``DesiredState.ports`` (bound
    here), their subnets among ``subnets``."""

    id: str
    admin_state_up: bool = True
    enable_snat: bool = True
    gw_port_id: str | None = None
    external_network_id: str | None = None
    interfaces: tuple[str, ...] = ()  # interface port ids
    routes: tuple[tuple[str, str], ...] = ()  # (destination, nexthop)


@dataclass(frozen=True)
class RouterInterface:
    """One interface of a router: its port's network, MAC and (subnet id, address) pairs,
    the addresses being the router's gateway on those subnets."""

    port_id: str
    network_id: str
    mac_address: str
    fixed_ips: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "mac_address", self.mac_address.lower())


@dataclass(frozen=True)
class DistributedRouter:
    """A router with an interface on a network this host carries, wherever it is placed:
    what east-west routing in br-int needs (docs/agent.md, "East-west routing")."""

    id: str
    admin_state_up: bool = True
    interfaces: tuple[RouterInterface, ...] = ()


@dataclass(frozen=True)
class Log:
    """An enabled packet log (the logging API's ``log``): which packets get a record.
    ``security_group``: ``resource_id`` a group (None: every group), ``target_id`` a
    port (None: every port of the project's groups); ``snat``: ``resource_id`` the
    router whose SNAT'd connections are recorded."""

    id: str
    project_id: str
    event: str = "ALL"  # ACCEPT, DROP or ALL
    resource_id: str | None = None
    target_id: str | None = None
    resource_type: str = "security_group"


@dataclass(frozen=True)
class QosRule:
    """One rule of a QoS policy as the API renders it in the policy's ``rules``: its
    ``type`` and the type's fields (``max_kbps``, ``dscp_mark``, ...)."""

    id: str
    type: str
    direction: str = "egress"
    max_kbps: int = 0
    max_burst_kbps: int = 0
    max_kpps: int = 0
    max_burst_kpps: int = 0
    min_kbps: int = 0
    dscp_mark: int = 0
    classification_group_id: str | None = None
    classification_priority: int = 0


@dataclass(frozen=True)
class QosPolicy:
    id: str
    rules: tuple[QosRule, ...] = ()


@dataclass(frozen=True)
class ClassificationGroup:
    """A classification group, frozen: its operator and members (ids)."""

    id: str
    operator: str = "AND"
    classifications: tuple[str, ...] = ()
    classification_groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class Classification:
    """One classification: its type, whether negated, and its type's fields."""

    id: str
    type: str
    negated: bool = False
    definition: Mapping[str, Any] = field(default_factory=dict)


SEGMENTATION_TYPES = ("vlan", "inherit", "mac")


@dataclass(frozen=True)
class SubPort:
    """One subport of a trunk: its port, and how its frames are told apart on the
    parent's VIF (an 802.1Q tag, or for ``mac`` its port's own MAC, untagged)."""

    port_id: str
    segmentation_type: str = "vlan"
    segmentation_id: int | None = None


@dataclass(frozen=True)
class Trunk:
    """A trunk whose parent port is bound to this host (its subports' ports are among
    ``DesiredState.ports``, bound here too); ``status`` as the API shows it now."""

    id: str
    port_id: str
    admin_state_up: bool = True
    status: str = "DOWN"
    sub_ports: tuple[SubPort, ...] = ()


@dataclass(frozen=True)
class DesiredState:
    """Everything one host needs: networks, ports (all hosts) and tunnel endpoints."""

    networks: tuple[Network, ...] = ()
    ports: tuple[Port, ...] = ()
    # host name -> tunnel endpoint IP, as the agents API reports them.
    tunnel_endpoints: Mapping[str, str] = field(default_factory=dict)
    subnets: tuple[Subnet, ...] = ()
    # The groups of this host's ports, and the groups their rules name as remote.
    security_groups: tuple[SecurityGroup, ...] = ()
    # group id -> addresses of its member ports on any host (fixed IPs and
    # allowed address pairs): what a remote_group_id rule matches.
    security_group_members: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Networks whose DHCP this host serves (its DHCP port is among ``ports``).
    dhcp_networks: tuple[str, ...] = ()
    # Routers placed on this host and their floating IPs (and port forwardings).
    routers: tuple[Router, ...] = ()
    floatingips: tuple[FloatingIp, ...] = ()
    # Routers with an interface on a network of this host's ports (placed anywhere);
    # their other networks' ports and subnets are among ``ports`` and ``subnets``.
    distributed_routers: tuple[DistributedRouter, ...] = ()
    # Enabled packet logs (every one of the cloud's: few, and an agent tells which of
    # its ports and routers each one covers).
    logs: tuple[Log, ...] = ()
    # QoS in effect on this host's ports, and what their DSCP marking rules classify by.
    qos_policies: tuple[QosPolicy, ...] = ()
    classification_groups: tuple[ClassificationGroup, ...] = ()
    classifications: tuple[Classification, ...] = ()
    # Trunks whose parent port is bound to this host (docs/agent.md, "Trunks").
    trunks: tuple[Trunk, ...] = ()

    def network_map(self) -> dict[str, Network]:
        return {net.id: net for net in self.networks}

    @classmethod
    def from_api(cls, networks: Iterable[Mapping[str, Any]], ports: Iterable[Mapping[str, Any]],
                 tunnel_endpoints: Mapping[str, str] | None = None, *,
                 subnets: Iterable[Mapping[str, Any]] = (),
                 security_groups: Iterable[Mapping[str, Any]] = (),
                 security_group_members: Mapping[str, Iterable[str]] | None = None,
                 dhcp_networks: Iterable[str] = (),
                 routers: Iterable[Mapping[str, Any]] = (),
                 floatingips: Iterable[Mapping[str, Any]] = (),
                 distributed_routers: Iterable[Mapping[str, Any]] = (),
                 logs: Iterable[Mapping[str, Any]] = (),
                 qos_policies: Iterable[Mapping[str, Any]] = (),
                 classification_groups: Iterable[Mapping[str, Any]] = (),
                 classifications: Iterable[Mapping[str, Any]] = (),
                 trunks: Iterable[Mapping[str, Any]] = ()) -> DesiredState:
        """Build from API resource bodies (``GET /v2.0/networks``, ``/v2.0/ports``, ...)."""
        return cls(
            networks=tuple(network_from_api(body) for body in networks),
            ports=tuple(port_from_api(body) for body in ports),
            tunnel_endpoints=dict(tunnel_endpoints or {}),
            subnets=tuple(subnet_from_api(body) for body in subnets),
            security_groups=tuple(security_group_from_api(body) for body in security_groups),
            security_group_members={k: tuple(v) for k, v in
                                    (security_group_members or {}).items()},
            dhcp_networks=tuple(dhcp_networks),
            routers=tuple(router_from_api(body) for body in routers),
            floatingips=tuple(floatingip_from_api(body) for body in floatingips),
            distributed_routers=tuple(distributed_router_from_api(body)
                                      for body in distributed_routers),
            logs=tuple(log_from_api(body) for body in logs if body.get("enabled", True)),
            qos_policies=tuple(qos_policy_from_api(body) for body in qos_policies),
            classification_groups=tuple(ClassificationGroup(
                id=b["id"], operator=(b.get("operator") or "AND").upper(),
                classifications=tuple(b.get("classifications") or ()),
                classification_groups=tuple(b.get("classification_groups") or ()))
                for b in classification_groups),
            classifications=tuple(Classification(
                id=b["id"], type=b["type"], negated=bool(b.get("negated")),
                definition=dict(b.get("definition") or {})) for b in classifications),
            trunks=tuple(trunk_from_api(body) for body in trunks),
        )

    @classmethod
    def from_json(cls, text: str) -> DesiredState:
        data = json.loads(text)
        return cls.from_api(data.get("networks", ()), data.get("ports", ()),
                            data.get("tunnel_endpoints"), subnets=data.get("subnets", ()),
                            security_groups=data.get("security_groups", ()),
                            security_group_members=data.get("security_group_members"),
                            dhcp_networks=data.get("dhcp_networks", ()),
                            routers=data.get("routers", ()), floatingips=data.get("floatingips", ()),
                            distributed_routers=data.get("distributed_routers", ()),
                            logs=data.get("logs", ()), qos_policies=data.get("qos_policies", ()),
                            classification_groups=data.get("classification_groups", ()),
                            classifications=data.get("classifications", ()),
                            trunks=data.get("trunks", ()))

    @classmethod
    def from_file(cls, path: str | Path) -> DesiredState:
        return cls.from_json(Path(path).read_text())


def network_from_api(body: Mapping[str, Any]) -> Network:
    # Multi-segment networks: the first segment is the one this agent uses.
    segment = body["segments"][0] if body.get("segments") else body
    seg_id = segment.get("provider:segmentation_id")
    return Network(
        id=body["id"],
        network_type=segment.get("provider:network_type") or "",
        segmentation_id=int(seg_id) if seg_id is not None else None,
        physical_network=segment.get("provider:physical_network"),
        vlan_transparent=bool(body.get("vlan_transparent")),
        mtu=int(body["mtu"]) if body.get("mtu") is not None else None,
        ipv4_address_scope=body.get("ipv4_address_scope"),
        ipv6_address_scope=body.get("ipv6_address_scope"),
    )


def port_from_api(body: Mapping[str, Any]) -> Port:
    fixed = body.get("fixed_ips", ())
    return Port(
        id=body["id"],
        network_id=body["network_id"],
        mac_address=body["mac_address"],
        host=body.get("binding:host_id") or "",
        fixed_ips=tuple(ip["ip_address"] for ip in fixed),
        admin_state_up=bool(body.get("admin_state_up", True)),
        allocations=tuple((ip["subnet_id"], ip["ip_address"]) for ip in fixed if ip.get("subnet_id")),
        device_owner=body.get("device_owner") or "",
        security_groups=tuple(body.get("security_groups") or ()),
        port_security_enabled=bool(body.get("port_security_enabled", True)),
        allowed_address_pairs=tuple(
            (pair["ip_address"], (pair.get("mac_address") or body["mac_address"]).lower())
            for pair in body.get("allowed_address_pairs") or ()),
        extra_dhcp_opts=tuple((opt["opt_name"], str(opt["opt_value"]), int(opt.get("ip_version") or 4))
                              for opt in body.get("extra_dhcp_opts") or ()),
        dns_name=body.get("dns_name") or "",
        project_id=body.get("project_id") or "",
        qos_policy_id=body.get("qos_policy_id"),
        qos_network_policy_id=body.get("qos_network_policy_id"),
        vif_type=body.get("binding:vif_type") or "",
    )


def trunk_from_api(body: Mapping[str, Any]) -> Trunk:
    """A trunk's API body (``GET /v2.0/trunks``); subports in segmentation order."""
    subports = (SubPort(port_id=sub["port_id"],
                        segmentation_type=sub.get("segmentation_type") or "vlan",
                        segmentation_id=(int(sub["segmentation_id"])
                                         if sub.get("segmentation_id") is not None else None))
                for sub in body.get("sub_ports") or ())
    return Trunk(id=body["id"], port_id=body["port_id"],
                 admin_state_up=bool(body.get("admin_state_up", True)),
                 status=body.get("status") or "DOWN",
                 sub_ports=tuple(sorted(subports, key=lambda s: s.port_id)))


def trunk_to_api(trunk: Trunk) -> dict[str, Any]:
    return {"id": trunk.id, "port_id": trunk.port_id, "admin_state_up": trunk.admin_state_up,
            "status": trunk.status,
            "sub_ports": [dict(sub.__dict__) for sub in trunk.sub_ports]}


_RULE_FIELDS = tuple(f for f in QosRule.__dataclass_fields__ if f not in ("id", "type"))


def qos_policy_from_api(body: Mapping[str, Any]) -> QosPolicy:
    return QosPolicy(id=body["id"], rules=tuple(sorted((QosRule(
        id=rule["id"], type=rule["type"],
        **{f: rule[f] for f in _RULE_FIELDS if rule.get(f) is not None})
        for rule in body.get("rules") or ()), key=lambda r: r.id)))


def qos_policy_to_api(policy: QosPolicy) -> dict[str, Any]:
    return {"id": policy.id, "rules": [dict(rule.__dict__) for rule in policy.rules]}


def subnet_from_api(body: Mapping[str, Any]) -> Subnet:
    return Subnet(
        id=body["id"], network_id=body["network_id"], ip_version=int(body["ip_version"]),
        cidr=body["cidr"], gateway_ip=body.get("gateway_ip"),
        enable_dhcp=bool(body.get("enable_dhcp", True)),
        dns_nameservers=tuple(body.get("dns_nameservers") or ()),
        host_routes=tuple((r["destination"], r["nexthop"]) for r in body.get("host_routes") or ()),
        ipv6_address_mode=body.get("ipv6_address_mode"),
        ipv6_ra_mode=body.get("ipv6_ra_mode"),
    )


def _port_range(value: Any, single: Any) -> tuple[int, int]:
    if value:  # "80:90" or "80"
        first, _, last = str(value).partition(":")
        return int(first), int(last or first)
    return int(single), int(single)


def router_from_api(body: Mapping[str, Any]) -> Router:
    """A router as the feed's document holds it: the API body plus ``gw_port`` and
    ``_interfaces`` (port bodies, or ids as ``to_json`` writes them)."""
    gateway = body.get("gw_port")
    info = body.get("external_gateway_info") or {}
    return Router(
        id=body["id"], admin_state_up=bool(body.get("admin_state_up", True)),
        enable_snat=bool(info.get("enable_snat", True)) if info else False,
        gw_port_id=(gateway["id"] if isinstance(gateway, Mapping) else gateway) or None,
        external_network_id=info.get("network_id"),
        interfaces=tuple(p["id"] if isinstance(p, Mapping) else p
                         for p in body.get("_interfaces") or ()),
        routes=tuple((r["destination"], r["nexthop"]) for r in body.get("routes") or ()))


def distributed_router_from_api(body: Mapping[str, Any]) -> DistributedRouter:
    """The feed's ``distributed_routers`` entry (docs/agent-feed.md)."""
    return DistributedRouter(
        id=body["id"], admin_state_up=bool(body.get("admin_state_up", True)),
        interfaces=tuple(RouterInterface(
            port_id=i["port_id"], network_id=i["network_id"], mac_address=i["mac_address"],
            fixed_ips=tuple((ip["subnet_id"], ip["ip_address"]) for ip in i.get("fixed_ips") or ()))
            for i in body.get("interfaces") or ()))


def distributed_router_to_api(router: DistributedRouter) -> dict[str, Any]:
    return {"id": router.id, "admin_state_up": router.admin_state_up,
            "interfaces": [{"port_id": i.port_id, "network_id": i.network_id,
                            "mac_address": i.mac_address,
                            "fixed_ips": [{"subnet_id": s, "ip_address": a} for s, a in i.fixed_ips]}
                           for i in router.interfaces]}


def floatingip_from_api(body: Mapping[str, Any]) -> FloatingIp:
    return FloatingIp(
        id=body["id"], floating_ip_address=body["floating_ip_address"],
        router_id=body.get("router_id"), fixed_ip_address=body.get("fixed_ip_address"),
        port_id=body.get("port_id"), status=body.get("status") or "DOWN",
        port_forwardings=tuple(sorted((PortForwarding(
            id=pf.get("id") or "", protocol=pf["protocol"],
            internal_ip_address=pf["internal_ip_address"],
            external=_port_range(pf.get("external_port_range"), pf.get("external_port")),
            internal=_port_range(pf.get("internal_port_range"), pf.get("internal_port")))
            for pf in body.get("port_forwardings") or ()), key=lambda pf: (pf.protocol, pf.external))))


def router_to_api(router: Router) -> dict[str, Any]:
    info = ({"network_id": router.external_network_id, "enable_snat": router.enable_snat}
            if router.external_network_id or router.gw_port_id else None)
    return {"id": router.id, "admin_state_up": router.admin_state_up,
            "external_gateway_info": info, "gw_port": router.gw_port_id,
            "_interfaces": list(router.interfaces),
            "routes": [{"destination": d, "nexthop": n} for d, n in router.routes]}


def floatingip_to_api(fip: FloatingIp) -> dict[str, Any]:
    return {"id": fip.id, "floating_ip_address": fip.floating_ip_address, "router_id": fip.router_id,
            "fixed_ip_address": fip.fixed_ip_address, "port_id": fip.port_id, "status": fip.status,
            "port_forwardings": [
                {"id": pf.id, "protocol": pf.protocol, "internal_ip_address": pf.internal_ip_address,
                 "external_port_range": f"{pf.external[0]}:{pf.external[1]}",
                 "internal_port_range": f"{pf.internal[0]}:{pf.internal[1]}"}
                for pf in fip.port_forwardings]}


def rule_from_api(body: Mapping[str, Any]) -> SecurityGroupRule:
    return SecurityGroupRule(
        id=body["id"], direction=body["direction"], ethertype=body.get("ethertype") or "IPv4",
        protocol=None if body.get("protocol") is None else str(body["protocol"]),
        port_range_min=body.get("port_range_min"), port_range_max=body.get("port_range_max"),
        remote_ip_prefix=body.get("remote_ip_prefix"), remote_group_id=body.get("remote_group_id"),
    )


def security_group_from_api(body: Mapping[str, Any]) -> SecurityGroup:
    return SecurityGroup(
        id=body["id"], stateful=bool(body.get("stateful", True)),
        rules=tuple(rule_from_api(rule) for rule in body.get("security_group_rules") or ()),
    )


def network_to_api(net: Network) -> dict[str, Any]:
    return {"id": net.id, "provider:network_type": net.network_type,
            "provider:segmentation_id": net.segmentation_id,
            "provider:physical_network": net.physical_network,
            "vlan_transparent": net.vlan_transparent, "mtu": net.mtu,
            "ipv4_address_scope": net.ipv4_address_scope,
            "ipv6_address_scope": net.ipv6_address_scope}


def port_to_api(port: Port) -> dict[str, Any]:
    subnets = dict((ip, subnet) for subnet, ip in port.allocations)
    return {"id": port.id, "network_id": port.network_id, "mac_address": port.mac_address,
            "binding:host_id": port.host, "admin_state_up": port.admin_state_up,
            "fixed_ips": [{"ip_address": ip, **({"subnet_id": subnets[ip]} if ip in subnets else {})}
                          for ip in port.fixed_ips],
            "device_owner": port.device_owner, "security_groups": list(port.security_groups),
            "port_security_enabled": port.port_security_enabled,
            "allowed_address_pairs": [{"ip_address": ip, "mac_address": mac}
                                      for ip, mac in port.allowed_address_pairs],
            "extra_dhcp_opts": [{"opt_name": n, "opt_value": v, "ip_version": ver}
                                for n, v, ver in port.extra_dhcp_opts],
            "dns_name": port.dns_name, "project_id": port.project_id,
            "qos_policy_id": port.qos_policy_id,
            "qos_network_policy_id": port.qos_network_policy_id}


def subnet_to_api(subnet: Subnet) -> dict[str, Any]:
    return {"id": subnet.id, "network_id": subnet.network_id, "ip_version": subnet.ip_version,
            "cidr": subnet.cidr, "gateway_ip": subnet.gateway_ip, "enable_dhcp": subnet.enable_dhcp,
            "dns_nameservers": list(subnet.dns_nameservers),
            "host_routes": [{"destination": d, "nexthop": n} for d, n in subnet.host_routes],
            "ipv6_address_mode": subnet.ipv6_address_mode, "ipv6_ra_mode": subnet.ipv6_ra_mode}


def log_from_api(body: Mapping[str, Any]) -> Log:
    return Log(id=body["id"], project_id=body.get("project_id") or "",
               event=body.get("event") or "ALL", resource_id=body.get("resource_id"),
               target_id=body.get("target_id"),
               resource_type=body.get("resource_type") or "security_group")


def log_to_api(log: Log) -> dict[str, Any]:
    return {"id": log.id, "project_id": log.project_id, "event": log.event,
            "resource_id": log.resource_id, "target_id": log.target_id, "enabled": True,
            "resource_type": log.resource_type}


def security_group_to_api(group: SecurityGroup) -> dict[str, Any]:
    return {"id": group.id, "stateful": group.stateful,
            "security_group_rules": [dict(rule.__dict__) for rule in group.rules]}


def to_json(state: DesiredState) -> str:
    """Serialise in the same API shapes ``from_json`` reads."""
    return json.dumps({
        "networks": [network_to_api(n) for n in state.networks],
        "ports": [port_to_api(p) for p in state.ports],
        "tunnel_endpoints": dict(state.tunnel_endpoints),
        "subnets": [subnet_to_api(s) for s in state.subnets],
        "security_groups": [security_group_to_api(g) for g in state.security_groups],
        "security_group_members": {k: list(v) for k, v in state.security_group_members.items()},
        "dhcp_networks": list(state.dhcp_networks),
        "routers": [router_to_api(r) for r in state.routers],
        "floatingips": [floatingip_to_api(f) for f in state.floatingips],
        "distributed_routers": [distributed_router_to_api(r) for r in state.distributed_routers],
        "logs": [log_to_api(log) for log in state.logs],
        "qos_policies": [qos_policy_to_api(p) for p in state.qos_policies],
        "classification_groups": [dict(g.__dict__) for g in state.classification_groups],
        "classifications": [dict(c.__dict__) for c in state.classifications],
        "trunks": [trunk_to_api(t) for t in state.trunks],
    })
