"""Port forwardings: a floating IP forwards (protocol, external port range) to an
internal port's fixed IPv4 address and port range, through the router that
connects that address with the floating IP's network.

A floating IP is either 1:1 NAT (``port_id`` set) or port forwarding, never both:
the router's NAT for one address is either a full DNAT/SNAT pair for one fixed
IP or per-port DNAT rules, and both on one address would be ambiguous. The
first forwarding sets the floating IP's ``router_id``; the last one gone clears
it. Each write locks the floating IP's row, so forwardings of one floating IP are
checked for collisions one at a time (two concurrent identical creates: one).
"""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, Select, and_, delete, insert, or_, select, update

from neutrino import exceptions as exc
from neutrino.context import Context
from neutrino.core.extenders import AttributeExtender
from neutrino.core.resource import ResourcePlugin
from neutrino.services.l3.models import FloatingIp
from neutrino.services.port_forwarding.models import PortForwarding

PFS = PortForwarding.__table__
FIPS = FloatingIp.__table__
RANGED = ("internal_port", "external_port", "internal_port_range", "external_port_range")


def _range(text: str, name: str) -> tuple[int, int]:
    first, _, last = text.partition(":")
    start, end = int(first), int(last or first)
    if not (1 <= start <= end <= 65535):
        raise exc.InvalidInput(error_message=f"Invalid {name} '{text}': ports must be 1-65535 "
                                             f"and the first not above the last")
    return start, end


def ranges_of(body: dict) -> tuple[tuple[int, int], tuple[int, int]]:
    """(internal, external) port ranges from single ports or ranges (never both)."""
    singles = body.get("internal_port") is not None or body.get("external_port") is not None
    ranges = body.get("internal_port_range") is not None or \
        body.get("external_port_range") is not None
    if singles and ranges:
        raise exc.InvalidInput(error_message="Give either internal_port and external_port or "
                                             "internal_port_range and external_port_range, "
                                             "not both")
    if ranges:
        if body.get("internal_port_range") is None or body.get("external_port_range") is None:
            raise exc.InvalidInput(error_message="internal_port_range and external_port_range "
                                                 "go together")
        internal = _range(body["internal_port_range"], "internal_port_range")
        external = _range(body["external_port_range"], "external_port_range")
    else:
        if body.get("internal_port") is None or body.get("external_port") is None:
            raise exc.InvalidInput(error_message="internal_port and external_port are required "
                                                 "(or the port ranges)")
        internal = (body["internal_port"],) * 2
        external = (body["external_port"],) * 2
    isize, esize = internal[1] - internal[0], external[1] - external[0]
    if isize != esize and isize != 0:
        raise exc.InvalidInput(error_message=(
            "The internal and external port ranges must be of the same size, or the internal "
            "one a single port"))
    return internal, external


class PortForwardingPlugin(ResourcePlugin):
    table = PFS
    not_found = exc.PortForwardingNotFound
    handles = frozenset(RANGED)

    def __init__(self, db: Any, conf: Any, registry: Any = None) -> None:
        super().__init__(db, conf, registry)
        self.filters["external_port"] = lambda s, v: s.where(
            PFS.c.external_port_start.in_(v), PFS.c.external_port_end == PFS.c.external_port_start)
        self.filters["external_port_range"] = self._range_filter

    @staticmethod
    def _range_filter(stmt: Select, values: list) -> Select:
        try:
            wanted = [_range(v, "external_port_range") for v in values]
        except (ValueError, exc.InvalidInput):
            raise exc.InvalidInput(error_message=f"Invalid external_port_range {values}") from None
        return stmt.where(or_(*(and_(PFS.c.external_port_start == s, PFS.c.external_port_end == e)
                                for s, e in wanted)))

    def visible_clause(self, ctx: Context):
        # The API lists and shows them under a floating IP the caller may see.
        return None

    @staticmethod
    def revision_of(item: dict) -> int:
        return 0  # no standard attributes, no revision (as in Neutron)

    @staticmethod
    def check_revision(current: dict, if_revision: int | None) -> None:
        """No revision to constrain: If-Match is ignored."""

    # ---- rendering -------------------------------------------------------------
    def load(self, conn: Connection, ids_query: Select, rows: list,
             fields: frozenset[str] | None) -> list[dict]:
        return [render(self.columns_of_row(row._asdict()), row) for row in rows]

    # ---- writes ----------------------------------------------------------------
    def insert(self, conn: Connection, ctx: Context, body: dict) -> str:
        fip = self._lock_fip(conn, body["floatingip_id"])
        internal, external = ranges_of(body)
        router_id = self._check(conn, ctx, fip, body, internal, external, None)
        pf_id = str(uuid.uuid4())
        conn.execute(insert(PFS).values(
            **self.new_standard_row(ctx, {**body, "project_id": fip.project_id}, pf_id),
            floatingip_id=fip.id, internal_port_id=body["internal_port_id"],
            internal_ip_address=body["internal_ip_address"], protocol=body["protocol"],
            internal_port_start=internal[0], internal_port_end=internal[1],
            external_port_start=external[0], external_port_end=external[1]))
        self._fip_changed(conn, ctx, fip, router_id)
        return pf_id

    def apply_update(self, conn: Connection, ctx: Context, original: dict, body: dict) -> None:
        fip = self._lock_fip(conn, original["floatingip_id"])
        merged = {**original, **body}
        if any(k in body for k in ("internal_port_range", "external_port_range")):
            merged.update(internal_port=None, external_port=None)
        elif any(k in body for k in ("internal_port", "external_port")) or \
                original["internal_port"] is not None:
            merged.update(internal_port_range=None, external_port_range=None)
        else:
            merged.update(internal_port=None, external_port=None)
        internal, external = ranges_of(merged)
        router_id = self._check(conn, ctx, fip, merged, internal, external, original["id"])
        conn.execute(update(PFS).where(PFS.c.id == original["id"]).values(
            internal_port_id=merged["internal_port_id"],
            internal_ip_address=merged["internal_ip_address"], protocol=merged["protocol"],
            description=merged["description"],
            internal_port_start=internal[0], internal_port_end=internal[1],
            external_port_start=external[0], external_port_end=external[1]))
        self._fip_changed(conn, ctx, fip, router_id)

    def remove(self, conn: Connection, ctx: Context, original: dict) -> None:
        fip = self._lock_fip(conn, original["floatingip_id"])
        super().remove(conn, ctx, original)
        self._fip_changed(conn, ctx, fip, fip.router_id)

    # ---- rules -------------------------------------------------------------------
    @staticmethod
    def _lock_fip(conn: Connection, fip_id: str) -> Any:
        return conn.execute(select(FIPS).where(FIPS.c.id == fip_id).with_for_update()).one()

    def _check(self, conn: Connection, ctx: Context, fip: Any, body: dict,
               internal: tuple[int, int], external: tuple[int, int], own_id: str | None) -> str:
        """The router the forwarding goes through; refuses what Neutron refuses."""
        if fip.fixed_port_id is not None:
            raise exc.FloatingIPPortAlreadyAssociated(
                port_id=fip.fixed_port_id, fip_id=fip.id,
                floating_ip_address=fip.floating_ip_address, fixed_ip=fip.fixed_ip_address,
                net_id=fip.floating_network_id)
        port = self.registry.plugin("ports").get_in(conn, ctx, body["internal_port_id"])
        address = body["internal_ip_address"]
        fixed = next((ip for ip in port["fixed_ips"] if ip["ip_address"] == address), None)
        if fixed is None or ":" in address:
            raise exc.BadRequest(resource="port_forwarding", msg=(
                f"The internal IP address {address} is not an IPv4 fixed IP of port "
                f"{port['id']}"))
        if conn.execute(select(FIPS.c.id).where(FIPS.c.fixed_port_id == port["id"])
                        .limit(1)).first():
            raise exc.PortHasBindingFloatingIP(port_id=port["id"], fip_id=fip.id)
        router_id = self.registry.plugin("floatingips").router_for(
            conn, fixed["subnet_id"], fip.floating_network_id)
        if router_id is None:
            raise exc.BadRequest(resource="port_forwarding", msg=(
                f"External network {fip.floating_network_id} is not reachable from subnet "
                f"{fixed['subnet_id']}"))
        others = select(PFS).where(PFS.c.floatingip_id == fip.id)
        if own_id is not None:
            others = others.where(PFS.c.id != own_id)
        if fip.router_id is not None and router_id != fip.router_id and conn.execute(
                others.limit(1)).first():
            raise exc.BadRequest(resource="port_forwarding", msg=(
                f"The internal port's router {router_id} is not the router {fip.router_id} of "
                f"the floating IP's other port forwardings"))
        protocol = body["protocol"]
        for other in conn.execute(others.where(PFS.c.protocol == protocol)):
            if other.external_port_start <= external[1] and external[0] <= other.external_port_end:
                raise exc.BadRequest(resource="port_forwarding", msg=(
                    f"A duplicate port forwarding entry with same attributes already exists, "
                    f"conflicting values are {{'floatingip_id': '{fip.id}', 'protocol': "
                    f"'{protocol}', 'external_port': {external[0]}}} (port collision)"))
        same_socket = select(PFS).where(PFS.c.internal_port_id == port["id"],
                                        PFS.c.internal_ip_address == address,
                                        PFS.c.protocol == protocol)
        if own_id is not None:
            same_socket = same_socket.where(PFS.c.id != own_id)
        for other in conn.execute(same_socket):
            if other.internal_port_start <= internal[1] and internal[0] <= other.internal_port_end:
                raise exc.BadRequest(resource="port_forwarding", msg=(
                    f"A duplicate port forwarding entry with same attributes already exists, "
                    f"conflicting values are {{'internal_port_id': '{port['id']}', "
                    f"'internal_ip_address': '{address}', 'protocol': '{protocol}', "
                    f"'internal_port': {internal[0]}}}"))
        return router_id

    def _fip_changed(self, conn: Connection, ctx: Context, fip: Any, router_id: str | None) -> None:
        """The floating IP shows its forwardings, and routes through their router while
        it has any."""
        left = conn.execute(select(PFS.c.id).where(PFS.c.floatingip_id == fip.id)
                            .limit(1)).first()
        router_id = router_id if left else None
        if router_id != fip.router_id:
            conn.execute(update(FIPS).where(FIPS.c.id == fip.id).values(router_id=router_id))
        self.registry.plugin("floatingips").touch(conn, ctx, [fip.id])

    def delete_for_port(self, conn: Connection, ctx: Context, port_id: str,
                        kept_addresses: list[str] | None = None) -> None:
        """A deleted port's forwardings go with it, and those to an address the port no
        longer has (``kept_addresses``: the ones it still has) — journaled and announced
        as deletes."""
        stmt = select(PFS.c.id).where(PFS.c.internal_port_id == port_id)
        if kept_addresses is not None:
            stmt = stmt.where(PFS.c.internal_ip_address.not_in(kept_addresses))
        ids = list(conn.scalars(stmt))
        if not ids:
            return
        gone = self.load_ids(conn, ids)
        fip_ids = sorted({pf["floatingip_id"] for pf in gone})
        conn.execute(delete(PFS).where(PFS.c.id.in_(ids)))
        self.deleted_with(conn, ctx, gone)
        for fip_id in fip_ids:
            fip = self._lock_fip(conn, fip_id)
            self._fip_changed(conn, ctx, fip, fip.router_id)


def render(item: dict, row: Any) -> dict:
    single = row.internal_port_start == row.internal_port_end and \
        row.external_port_start == row.external_port_end
    item["internal_port"] = row.internal_port_start if single else None
    item["external_port"] = row.external_port_start if single else None
    item["internal_port_range"] = f"{row.internal_port_start}:{row.internal_port_end}"
    item["external_port_range"] = f"{row.external_port_start}:{row.external_port_end}"
    return item


class FloatingIpPortForwardings(AttributeExtender):
    """``port_forwardings`` on floating IPs (expose-port-forwarding-in-fip)."""

    collection = "floatingips"
    attributes = ("port_forwardings",)
    alias = "expose-port-forwarding-in-fip"

    def load(self, conn: Connection, ids_query: Select, items: list[dict]) -> None:
        found: dict[str, list[dict]] = {}
        for row in conn.execute(select(PFS).where(PFS.c.floatingip_id.in_(ids_query))
                                .order_by(PFS.c.created_at, PFS.c.id)):
            entry = {"id": row.id, "protocol": row.protocol,
                     "internal_ip_address": row.internal_ip_address,
                     "internal_port_id": row.internal_port_id}
            if row.internal_port_start == row.internal_port_end and \
                    row.external_port_start == row.external_port_end:
                entry.update(internal_port=row.internal_port_start,
                             external_port=row.external_port_start)
            else:
                rendered = render({}, row)
                entry.update(internal_port_range=rendered["internal_port_range"],
                             external_port_range=rendered["external_port_range"])
            found.setdefault(row.floatingip_id, []).append(entry)
        self.values(items, "port_forwardings", found, [])
