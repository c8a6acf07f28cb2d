"""Ports: MAC addresses, fixed IPs through IPAM, allowed address pairs, extra DHCP
options, port security, binding attributes (stored; binding itself comes with ML2)
and DNS names."""
from __future__ import annotations

import ipaddress
import random
import uuid
from collections.abc import Callable
from operator import itemgetter
from typing import Any, NamedTuple

import orjson
from sqlalchemy import (
    Connection, Integer, Select, bindparam, cast, delete, exists, insert, literal_column,
    null, select, union_all, update,
)
from sqlalchemy.sql import ColumnElement

from neutrino import exceptions as exc
from neutrino.context import Context
from neutrino.core import addressing, ipam
from neutrino.core.ipam import SubnetInfo
from neutrino.core.listing import column_filter
from neutrino.core.networks import network_for_port
from neutrino.core.port_security_groups import BINDINGS, PortSecurityGroups
from neutrino.core.resource import TAGS, ResourcePlugin, compile_renderer
from neutrino.core.subnets import SubnetPlugin
from neutrino.db.models.network import Network
from neutrino.db.models.port import AllowedAddressPair, ExtraDhcpOpt, IpAllocation, Port

PORTS = Port.__table__
ALLOCS = IpAllocation.__table__
PAIRS = AllowedAddressPair.__table__
DHCP_OPTS = ExtraDhcpOpt.__table__
NETWORKS = Network.__table__
BOUND_VIF_TYPES_OK = ("unbound", "binding_failed")
# Ports whose automatic addresses are the first free ones of the pools, as in Neutron.
PREFER_NEXT_OWNERS = frozenset({"network:dhcp", "network:distributed"})

# Statements of the create path, built once: building a SELECT with its WHERE clause
# costs SQLAlchemy about 100 us a time, several times what running it costs on SQLite.
PORT_WITH_MAC = select(PORTS.c.id).where(PORTS.c.network_id == bindparam("network_id"),
                                         PORTS.c.mac_address == bindparam("mac"))
INSERT_PORT = insert(PORTS)
INSERT_ALLOCS = insert(ALLOCS)


class _Child(NamedTuple):
    """A table of a port's children, as one attribute shows them."""

    attribute: str
    port_id: Any  # the column naming the port
    values: tuple  # the columns of one child
    order: tuple  # the order of a port's children
    shown: Callable[[Any], Any]  # one child from its row ``(port_id, *values)``


# In the order their attributes are rendered (after the port's columns and before
# dns_assignment, which follows from fixed_ips).
CHILDREN = (
    _Child("tags", TAGS.c.resource_id, (TAGS.c.tag,), (TAGS.c.tag,), itemgetter(1)),
    _Child("fixed_ips", ALLOCS.c.port_id, (ALLOCS.c.subnet_id, ALLOCS.c.ip_address),
           (ALLOCS.c.position, ALLOCS.c.id),
           lambda r: {"subnet_id": r[1], "ip_address": r[2]}),
    _Child("allowed_address_pairs", PAIRS.c.port_id, (PAIRS.c.ip_address, PAIRS.c.mac_address),
           (PAIRS.c.id,), lambda r: {"ip_address": r[1], "mac_address": r[2]}),
    _Child("extra_dhcp_opts", DHCP_OPTS.c.port_id,
           (DHCP_OPTS.c.opt_name, DHCP_OPTS.c.opt_value, DHCP_OPTS.c.ip_version),
           (DHCP_OPTS.c.id,), lambda r: {"opt_name": r[1], "opt_value": r[2], "ip_version": r[3]}),
    _Child("security_groups", BINDINGS.c.port_id, (BINDINGS.c.security_group_id,),
           (BINDINGS.c.security_group_id,), itemgetter(1)),
)
RENDERED_AFTER_COLUMNS = (*(c.attribute for c in CHILDREN), "dns_assignment")


def _list_children(child: _Child, ids: Select) -> Select:
    """``(port_id, *values)`` of the children of the ports ``ids`` selects, in order."""
    return (select(child.port_id, *child.values).where(child.port_id.in_(ids))
            .order_by(*child.order))


def _one_port_children(kinds: tuple[int, ...]) -> Select:
    """``(kind, port_id, *values)`` of the children of these ``kinds`` (indexes into
    CHILDREN) of the port in the ``port_id`` parameter, in order, as one UNION ALL: one
    execution instead of five for a show or an update (each costs SQLAlchemy about as
    much as SQLite takes to run it). The parts' columns are padded with typed NULLs to
    the same width; each kind's sort columns have places of their own."""
    width = max(len(CHILDREN[k].values) for k in kinds)
    value_types = [next(c.values[i].type for c in (CHILDREN[k] for k in kinds)
                        if len(c.values) > i) for i in range(width)]
    order_slots = [(k, column) for k in kinds for column in CHILDREN[k].order]
    port_id = bindparam("port_id")

    def part(kind: int) -> Select:
        child = CHILDREN[kind]
        values = [*child.values, *(cast(null(), t) for t in value_types[len(child.values):])]
        order = [column if k == kind else cast(null(), column.type)
                 for k, column in order_slots]
        return select(literal_column(str(kind), Integer).label("kind"),
                      child.port_id.label("port_id"),
                      *(v.label(f"v{i}") for i, v in enumerate(values)),
                      *(o.label(f"o{i}") for i, o in enumerate(order))
                      ).where(child.port_id == port_id)
    parts = [part(kind) for kind in kinds]
    stmt = parts[0] if len(parts) == 1 else union_all(*parts)
    return stmt.order_by(literal_column("kind"),
                         *(literal_column(f"o{i}") for i in range(len(order_slots))))


_ONE_PORT_CHILDREN: dict[tuple[int, ...], Select] = {}  # built once per set of kinds


def _children(conn: Connection, ids_query: Select, port_ids: list[str],
              kinds: tuple[int, ...]) -> list[dict[str, list]]:
    """The children of these ``kinds`` of the ports (``ids_query`` selects their ids,
    ``port_ids`` holds them), by kind (one dict per child table: port id -> list)."""
    found: list[dict[str, list]] = [{} for _ in CHILDREN]
    if not kinds:
        return found
    if len(port_ids) == 1:
        stmt = _ONE_PORT_CHILDREN.get(kinds)
        if stmt is None:
            stmt = _ONE_PORT_CHILDREN[kinds] = _one_port_children(kinds)
        for row in conn.execute(stmt, {"port_id": port_ids[0]}).all():
            found[row[0]].setdefault(row[1], []).append(CHILDREN[row[0]].shown(row[1:]))
        return found
    # A list: one statement per child table (SQLite sorts a few small results faster
    # than one of all of them), its tuples grouped by port.
    for kind in kinds:
        shown, of_kind = CHILDREN[kind].shown, found[kind]
        for row in conn.execute(_list_children(CHILDREN[kind], ids_query)).all():
            of_port = of_kind.get(row[0])
            if of_port is None:
                of_kind[row[0]] = [shown(row)]
            else:
                of_port.append(shown(row))
    return found


class PortPlugin(ResourcePlugin):
    table = PORTS
    not_found = exc.PortNotFound
    column_names = {"tenant_id": "project_id", "binding:host_id": "binding_host_id",
                    "binding:vnic_type": "binding_vnic_type", "binding:vif_type": "binding_vif_type",
                    "binding:profile": "binding_profile",
                    "binding:vif_details": "binding_vif_details"}
    json_columns = frozenset({"binding_profile", "binding_vif_details"})
    handles = frozenset({"fixed_ips", "allowed_address_pairs", "extra_dhcp_opts",
                         "security_groups", "dns_assignment"})
    computed = frozenset({"mac_address"})  # checked, or generated when set to null

    def __init__(self, db: Any, conf: Any, registry: Any = None) -> None:
        super().__init__(db, conf, registry)
        self.ipam = ipam.load(conf)
        for api_name, col in self.column_names.items():
            self.filters[api_name] = column_filter(PORTS.c[col])
        self.filters["fixed_ips"] = self._fixed_ips_filter
        self.filters["ip_address"] = lambda s, v: self._fixed_ips_filter(
            s, [("ip_address", x) for x in v])
        self.filters["subnet_id"] = lambda s, v: self._fixed_ips_filter(
            s, [("subnet_id", x) for x in v])
        self.security_groups = PortSecurityGroups(self.registry.plugin("security-groups"))
        # A new port (a dict row) in one dict display: its columns, then its children
        # and dns_assignment (rows of a list: ``table_row_renderer``).
        self._render_with_children = compile_renderer(self.columns, self.json_columns,
                                                      given=RENDERED_AFTER_COLUMNS)
        self.filters.update(self.security_groups.filters())
        # Column-stored attributes other features declare on ports (services/sriov's
        # propagate_uplink_status, numa_affinity_policy): (name, column, attribute) of the
        # columns ``_insert`` does not set itself, found from its first row.
        self._extension_columns: tuple[tuple[str, str, Any], ...] | None = None

    def visible_clause(self, ctx: Context) -> ColumnElement | None:
        """Own ports, and every port on the caller's networks."""
        if ctx.sees_all_projects:
            return None
        return (PORTS.c.project_id == ctx.project_id) | PORTS.c.network_id.in_(
            select(NETWORKS.c.id).where(NETWORKS.c.project_id == ctx.project_id))

    @staticmethod
    def _fixed_ips_filter(stmt: Select, terms: list[tuple[str, Any]]) -> Select:
        """Each term must hold (AND); values of one key are alternatives (OR)."""
        by_key: dict[str, list] = {}
        for key, value in terms:
            by_key.setdefault(key, []).append(value)
        for key, values in by_key.items():
            match = ALLOCS.c.port_id == PORTS.c.id
            if key == "ip_address_substr":
                for v in values:
                    stmt = stmt.where(exists().where(match, ALLOCS.c.ip_address.contains(
                        v, autoescape=True)))
                continue
            stmt = stmt.where(exists().where(match, ALLOCS.c[key].in_(values)))
        return stmt

    # ---- rendering -------------------------------------------------------------
    def load(self, conn: Connection, ids_query: Select, rows: list,
             fields: frozenset[str] | None) -> list[dict]:
        if not rows:
            return []
        kinds = tuple(kind for kind, child in enumerate(CHILDREN) if fields is None
                      or child.attribute in fields
                      or (child.attribute == "fixed_ips" and "dns_assignment" in fields))
        at_id, at_dns_name = self.column_index["id"], self.column_index["dns_name"]
        tags, ips, pairs, opts, groups = (found.get for found in _children(
            conn, ids_query, [row[at_id] for row in rows], kinds))
        render = self.table_row_renderer(fields, RENDERED_AFTER_COLUMNS)
        domain = self.conf.dns_domain
        out = []
        for row in rows:
            port_id = row[at_id]
            port_ips = ips(port_id)
            out.append(render(row, tags(port_id) or [], port_ips or [], pairs(port_id) or [],
                              opts(port_id) or [], groups(port_id) or [],
                              _dns_entries(row[at_dns_name], port_ips, domain)
                              if port_ips else []))
        return out

    def _render(self, row: dict, tags: list[str], ips: list[dict], pairs: list[dict],
                opts: list[dict], groups: list[str], dns_domain: str) -> dict:
        """One port as the API shows it, from its ``ports`` row (a dict) and its children."""
        return self._render_with_children(row, tags, ips, pairs, opts, groups,
                                          _dns_entries(row["dns_name"], ips, dns_domain))

    # ---- create ----------------------------------------------------------------
    def create_bulk(self, ctx: Context, bodies: list[dict], count_quota: bool = True
                    ) -> list[dict]:
        self.security_groups.prepare(ctx, bodies)
        return super().create_bulk(ctx, bodies, count_quota)

    def insert_many(self, conn: Connection, ctx: Context, bodies: list[dict]) -> list[dict]:
        # New ports are rendered from the values just stored instead of read back (five
        # queries a port fewer), and a bulk request reads each network's subnets once.
        subnets: dict[str, list[SubnetInfo]] = {}
        return [self._insert(conn, ctx, self.prepare(conn, ctx, body), subnets)
                for body in bodies]

    def _insert(self, conn: Connection, ctx: Context, body: dict,
                subnets_by_network: dict[str, list[SubnetInfo]]) -> dict:
        network = network_for_port(conn, ctx, body["network_id"])
        port_id = str(uuid.uuid4())
        security = body.get("port_security_enabled")
        if security is None:
            security = network.port_security_enabled
        pairs = body.get("allowed_address_pairs", [])
        if pairs and not security:
            raise exc.AddressPairAndPortSecurityRequired()
        self._check_pairs(pairs)
        mac = body.get("mac_address") or self._generate_mac(conn, network.id)
        if body.get("mac_address"):
            self._check_mac_free(conn, network.id, mac)
        row = dict(
            self.new_standard_row(ctx, body, port_id), network_id=network.id, mac_address=mac,
            admin_state_up=body.get("admin_state_up", True), status="DOWN",
            device_id=body.get("device_id", ""), device_owner=body.get("device_owner", ""),
            port_security_enabled=security,
            ip_allocation="none" if body.get("fixed_ips") == [] else "immediate",
            dns_name=body.get("dns_name", ""),
            binding_host_id=body.get("binding:host_id", ""),
            binding_vnic_type=body.get("binding:vnic_type", "normal"),
            binding_profile=orjson.dumps(body.get("binding:profile", {})).decode(),
            binding_vif_type="unbound", binding_vif_details="{}",
        )
        if self._extension_columns is None:
            self._extension_columns = self._columns_not_in(row)
        for name, column, attr in self._extension_columns:
            value = body[name] if name in body else (
                attr.static_default() if attr.has_static_default else None)
            row[column] = orjson.dumps(value).decode() if column in self.json_columns else value
        conn.execute(INSERT_PORT, row)
        subnets = subnets_by_network.get(network.id)
        if subnets is None:
            subnets = subnets_by_network[network.id] = SubnetPlugin.subnet_infos(conn, network.id)
        owner = body.get("device_owner", "")
        if "fixed_ips" in body:
            chosen = self._requested_ips(conn, subnets, body["fixed_ips"], owner, mac, [])
            if body["fixed_ips"]:  # an empty list asks for no address at all
                chosen += addressing.auto_ips(subnets, owner, mac, {s.id for s, _ip in chosen})
        else:
            chosen = self._automatic_ips(conn, subnets, owner, mac)
        self._store_ips(conn, port_id, network.id, chosen, start=0)
        self._store_pairs(conn, port_id, mac, pairs)
        opts = self._store_dhcp_opts(conn, port_id, body.get("extra_dhcp_opts", []), [])
        groups = self.security_groups.on_create(conn, ctx, port_id, body, security)
        return self._render(
            row, [],
            [{"subnet_id": subnet.id, "ip_address": ip} for subnet, ip in chosen],
            [{"ip_address": p["ip_address"], "mac_address": p.get("mac_address") or mac}
             for p in pairs],
            opts, groups, self.conf.dns_domain)

    def _columns_not_in(self, row: dict) -> tuple[tuple[str, str, Any], ...]:
        attrs = self.spec.attributes
        return tuple((name, column, attrs[name]) for name, column in self.columns.items()
                     if column not in row)

    def _generate_mac(self, conn: Connection, network_id: str) -> str:
        base = [int(x, 16) for x in self.conf.base_mac.split(":")]
        for _ in range(self.conf.mac_generation_retries):
            octets = base[:3] + [b or random.randint(0, 255) for b in base[3:]]
            mac = ":".join(f"{o:02x}" for o in octets)
            if not conn.execute(PORT_WITH_MAC, {"network_id": network_id, "mac": mac}).first():
                return mac
        raise exc.MacAddressGenerationFailure(net_id=network_id)

    @staticmethod
    def _check_mac_free(conn: Connection, network_id: str, mac: str) -> None:
        if conn.execute(PORT_WITH_MAC, {"network_id": network_id, "mac": mac}).first():
            raise exc.MacAddressInUse(net_id=network_id, mac=mac)

    def _check_pairs(self, pairs: list[dict]) -> None:
        if len(pairs) > self.conf.max_allowed_address_pair:
            raise exc.InvalidInput(error_message=f"Number of allowed address pairs exceeds the "
                                                 f"maximum {self.conf.max_allowed_address_pair}")

    def _requested_ips(self, conn: Connection, subnets: list[SubnetInfo], requests: list[dict],
                       owner: str, mac: str, existing: list[tuple[str, str]]
                       ) -> list[tuple[SubnetInfo, str]]:
        """Addresses for an explicit fixed_ips list; ``existing`` ones are kept as they are."""
        if len(requests) > self.conf.max_fixed_ips_per_port:
            raise exc.InvalidInput(error_message="Exceeded maximum amount of fixed ips per port.")
        by_id = {s.id: s for s in subnets}
        keep = list(existing)
        chosen: list[tuple[SubnetInfo, str]] = []
        for req in requests:
            subnet_id, address = req.get("subnet_id"), req.get("ip_address")
            if subnet_id is None and address is None:
                raise exc.InvalidInput(error_message="fixed_ips entries need a subnet_id or an "
                                                     "ip_address")
            if subnet_id is not None:
                subnet = by_id.get(subnet_id)
                if subnet is None:
                    raise exc.InvalidInput(error_message=f"Subnet {subnet_id} is not on the "
                                                         f"port's network")
                if address is not None and ipaddress.ip_address(address) not in subnet.network:
                    raise exc.InvalidIpForSubnet(ip_address=address)
            else:
                addr = ipaddress.ip_address(address)
                subnet = next((s for s in subnets if addr in s.network), None)
                if subnet is None:
                    raise exc.InvalidIpForNetwork(ip_address=address)
            if subnet.service_types and owner not in subnet.service_types:
                raise exc.InvalidInput(error_message=f"Subnet {subnet.id} only serves device "
                                       f"owners {list(subnet.service_types)}")
            held = next((k for k in keep if k[0] == subnet.id and
                         (address is None or k[1] == address)), None)
            if held is not None:
                keep.remove(held)
                chosen.append((subnet, held[1]))
            elif subnet.auto_address and (
                    address is None or owner not in addressing.ROUTER_INTERFACE_OWNERS):
                eui64 = addressing.eui64(subnet.network, mac)
                if address is not None and ipaddress.ip_address(address) != ipaddress.ip_address(eui64):
                    raise exc.AllocationOnAutoAddressSubnet(ip=address, subnet_id=subnet.id)
                chosen.append((subnet, eui64))
            else:
                chosen.append((subnet, self.ipam.request_address(
                    conn, subnet, address, prefer_next=owner in PREFER_NEXT_OWNERS)))
        seen = set()
        for subnet, ip in chosen:
            if (subnet.id, ip) in seen:
                raise exc.InvalidInput(error_message=f"Duplicate IP address '{ip}'")
            seen.add((subnet.id, ip))
        return chosen

    def _automatic_ips(self, conn: Connection, subnets: list[SubnetInfo], owner: str,
                       mac: str) -> list[tuple[SubnetInfo, str]]:
        """One IPv4 and one stateful IPv6 address, plus every SLAAC address."""
        serving = [s for s in subnets if owner and owner in s.service_types] or [
            s for s in subnets if not s.service_types]
        chosen = []
        for version in (4, 6):
            failure = None
            for subnet in (s for s in serving if s.ip_version == version and not s.auto_address):
                try:
                    chosen.append((subnet, self.ipam.request_address(
                        conn, subnet, None, prefer_next=owner in PREFER_NEXT_OWNERS)))
                    failure = None
                    break
                except exc.IpAddressGenerationFailure as err:
                    failure = err
            if failure is not None:
                raise failure
        chosen += [(s, addressing.eui64(s.network, mac)) for s in serving if s.auto_address]
        return chosen

    @staticmethod
    def _store_ips(conn: Connection, port_id: str, network_id: str,
                   chosen: list[tuple[SubnetInfo, str]], start: int) -> None:
        # If another request took one of these addresses between our check and this
        # insert, the unique key fails it and the database layer runs the whole request
        # again: a random address is then chosen anew, a requested one gets a 409.
        if chosen:
            conn.execute(INSERT_ALLOCS, [
                {"port_id": port_id, "subnet_id": s.id, "network_id": network_id,
                 "ip_address": ip, "position": start + i} for i, (s, ip) in enumerate(chosen)])

    @staticmethod
    def _store_pairs(conn: Connection, port_id: str, mac: str, pairs: list[dict]) -> None:
        if pairs:
            conn.execute(insert(PAIRS), [{"port_id": port_id, "ip_address": p["ip_address"],
                                          "mac_address": p.get("mac_address") or mac}
                                         for p in pairs])

    @staticmethod
    def _store_dhcp_opts(conn: Connection, port_id: str, requested: list[dict],
                         current: list[dict]) -> list[dict]:
        """Merge options: same name and version replaces, a null value removes.
        Returns the stored options as the API shows them."""
        merged = {(o["opt_name"], o.get("ip_version", 4)): o["opt_value"] for o in current}
        for opt in requested:
            key = (opt["opt_name"], opt.get("ip_version", 4))
            if opt["opt_value"] is None:
                merged.pop(key, None)
            else:
                merged[key] = opt["opt_value"]
        if current:
            conn.execute(delete(DHCP_OPTS).where(DHCP_OPTS.c.port_id == port_id))
        stored = [{"opt_name": name, "opt_value": value, "ip_version": version}
                  for (name, version), value in merged.items()]
        if stored:
            conn.execute(insert(DHCP_OPTS), [{"port_id": port_id, **opt} for opt in stored])
        return stored

    # ---- update ----------------------------------------------------------------
    def apply_update(self, conn: Connection, ctx: Context, original: dict, body: dict) -> None:
        port_id, network_id = original["id"], original["network_id"]
        values = self.column_values(body, "put")
        mac = original["mac_address"]
        if "mac_address" in body and body["mac_address"] != mac:
            if original["binding:vif_type"] not in BOUND_VIF_TYPES_OK:
                raise exc.PortBound(port_id=port_id, vif_type=original["binding:vif_type"],
                                    old_mac=mac, new_mac=body["mac_address"])
            if body["mac_address"] is None:
                mac = self._generate_mac(conn, network_id)
            else:
                mac = body["mac_address"]
                self._check_mac_free(conn, network_id, mac)
            values["mac_address"] = mac
        security = body.get("port_security_enabled", original["port_security_enabled"])
        pairs = body.get("allowed_address_pairs", original["allowed_address_pairs"])
        if pairs and not security:
            raise exc.AddressPairAndPortSecurityRequired()
        if values:
            conn.execute(update(PORTS).where(PORTS.c.id == port_id).values(**values))
        if "allowed_address_pairs" in body:
            self._check_pairs(pairs)
            conn.execute(delete(PAIRS).where(PAIRS.c.port_id == port_id))
            self._store_pairs(conn, port_id, mac, pairs)
        if "extra_dhcp_opts" in body:
            self._store_dhcp_opts(conn, port_id, body["extra_dhcp_opts"],
                                  original["extra_dhcp_opts"])
        self.security_groups.on_update(conn, original, body)
        if "fixed_ips" in body or mac != original["mac_address"]:
            self._update_ips(conn, original, body.get("fixed_ips"), mac,
                             body.get("device_owner", original["device_owner"]))

    def _update_ips(self, conn: Connection, original: dict, requests: list[dict] | None,
                    mac: str, owner: str) -> None:
        port_id, network_id = original["id"], original["network_id"]
        subnets = SubnetPlugin.subnet_infos(conn, network_id)
        auto = {s.id: s for s in subnets if s.auto_address}
        current = [(ip["subnet_id"], ip["ip_address"]) for ip in original["fixed_ips"]]
        if requests is None:
            requests = [{"subnet_id": s, "ip_address": ip} for s, ip in current if s not in auto]
        fixed = [r for r in requests if r.get("subnet_id") not in auto or r.get("ip_address")]
        keep = [c for c in current if c[0] not in auto]
        conn.execute(delete(ALLOCS).where(ALLOCS.c.port_id == port_id))
        chosen = self._requested_ips(conn, subnets, fixed, owner, mac, keep)
        # SLAAC addresses follow the MAC and stay unless their subnet goes.
        chosen += [(s, addressing.eui64(s.network, mac)) for s in auto.values()
                   if not any(c[0].id == s.id for c in chosen) and (
                       any(c[0] == s.id for c in current) or any(
                           r.get("subnet_id") == s.id for r in requests))]
        self._store_ips(conn, port_id, network_id, chosen, start=0)
        conn.execute(update(PORTS).where(PORTS.c.id == port_id).values(
            ip_allocation="immediate" if chosen else original["ip_allocation"]))


def _dns_entries(hostname: str | None, ips: list[dict], domain: str) -> list[dict]:
    """A port's dns_assignment: one entry per fixed IP."""
    out = []
    for ip in ips:
        address = ip["ip_address"]
        name = hostname or "host-" + address.replace(".", "-").replace(":", "-")
        out.append({"hostname": name, "ip_address": address, "fqdn": name + "." + domain})
    return out
