"""Trunks: a parent port and its subports, each told apart on the parent's VIF by a
VLAN id (``vlan``; ``inherit`` takes the id of the subport's VLAN network) or, port
behind port, by its own MAC address (``mac``, untagged). docs/trunks.md.

A subport follows its parent: while the parent is bound to a host, each subport is
bound there too (``binding:host_id`` = the parent's, ``device_owner``
``trunk:subport``, ``device_id`` the trunk's id) through the same ML2 binding; when
the parent's host is cleared they are unbound. ``align`` does it, from the port
precommit events of the parent (a trunk's own writes touch the parent, whose
``trunk_details`` they change, so the same step runs). ``mac`` subports take the
parent's port status, VLAN ones are reported by the agent like any port.
"""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, Select, delete, func, insert, select, update

from neutrino import exceptions as exc
from neutrino.context import Context
from neutrino.core.extenders import AttributeExtender
from neutrino.core.resource import ResourcePlugin
from neutrino.db import journal
from neutrino.db.models.network import Network, NetworkSegment
from neutrino.db.models.port import Port
from neutrino.services.agents import binding
from neutrino.services.trunk import exceptions as trunk_exc
from neutrino.services.trunk.models import SubPort, Trunk

TRUNKS = Trunk.__table__
SUBPORTS = SubPort.__table__
PORTS = Port.__table__
NETWORKS = Network.__table__
SEGMENTS = NetworkSegment.__table__
SUBPORT_OWNER = "trunk:subport"
HOST = binding.HOST
UNBOUND = ("unbound", "binding_failed")
# Where the parent's host was before an update that asked for a binding (BEFORE_UPDATE),
# for the precommit step: a new host means the trunk is DOWN until that host reports.
_PARENT_HOST = "neutrino.trunk.parent_host"


def subports_of(conn: Connection, where: Any) -> dict[str, list[dict]]:
    """trunk id -> its subports as the API shows them, in the order they were added."""
    out: dict[str, list[dict]] = {}
    for row in conn.execute(select(SUBPORTS).where(where).order_by(
            SUBPORTS.c.trunk_id, SUBPORTS.c.position)):
        out.setdefault(row.trunk_id, []).append({
            "port_id": row.port_id, "segmentation_type": row.segmentation_type,
            "segmentation_id": row.segmentation_id})
    return out


class TrunkPlugin(ResourcePlugin):
    table = TRUNKS
    not_found = trunk_exc.TrunkNotFound
    handles = frozenset({"sub_ports"})
    actions_bump_revision = False  # as Neutron: add/remove_subports keep the revision

    # ---- rendering -------------------------------------------------------------
    def load(self, conn: Connection, ids_query: Select, rows: list,
             fields: frozenset[str] | None) -> list[dict]:
        tags = self.load_tags(conn, ids_query)
        subs = subports_of(conn, SUBPORTS.c.trunk_id.in_(ids_query))
        return [{**self.columns_of_row(row._asdict()), "tags": tags.get(row.id, []),
                 "sub_ports": subs.get(row.id, [])} for row in rows]

    def journal(self, conn: Connection, operation: str, items: list[dict]) -> None:
        """As every resource's, routed to the parent's host: the watch of that host
        learns of it."""
        if not items:
            return
        hosts = dict(conn.execute(select(PORTS.c.id, PORTS.c.binding_host_id).where(
            PORTS.c.id.in_(sorted({i["port_id"] for i in items})))).all())
        bump = 1 if operation == "delete" else 0
        journal.record(conn, [journal.Change(self.resource, item["id"], operation,
                                             self.revision_of(item) + bump, item,
                                             host=hosts.get(item["port_id"]) or None)
                              for item in items])

    # ---- writes ----------------------------------------------------------------
    def insert(self, conn: Connection, ctx: Context, body: dict) -> str:
        parent = self._lock_ports(conn, ctx, [body["port_id"]])[0]
        if parent is None:
            raise exc.PortNotFound(id=body["port_id"])
        if conn.execute(select(TRUNKS.c.id).where(TRUNKS.c.port_id == parent.id)).first():
            raise trunk_exc.ParentPortInUse(port_id=parent.id)
        if conn.execute(select(SUBPORTS.c.trunk_id).where(SUBPORTS.c.port_id == parent.id)
                        ).first():
            raise trunk_exc.TrunkPortInUse(port_id=parent.id)
        trunk_id = str(uuid.uuid4())
        conn.execute(insert(TRUNKS).values(**self.new_row(ctx, body, trunk_id), status="DOWN"))
        self._add(conn, ctx, trunk_id, parent, body.get("sub_ports") or [])
        self._parent_changed(conn, ctx, parent.id)
        return trunk_id

    def apply_update(self, conn: Connection, ctx: Context, original: dict, body: dict) -> None:
        self.update_columns(conn, original, body)

    def remove(self, conn: Connection, ctx: Context, original: dict) -> None:
        if not original["admin_state_up"]:
            raise trunk_exc.TrunkDisabled(trunk_id=original["id"])
        parent_host = conn.scalar(select(PORTS.c.binding_host_id).where(
            PORTS.c.id == original["port_id"]))
        if parent_host:
            raise trunk_exc.TrunkInUse(trunk_id=original["id"])
        self._release(conn, ctx, original, [s["port_id"] for s in original["sub_ports"]])
        super().remove(conn, ctx, original)
        self._parent_changed(conn, ctx, original["port_id"])

    # ---- member actions ----------------------------------------------------------
    def add_subports(self, conn: Connection, ctx: Context, trunk: dict, body: dict) -> dict:
        if not trunk["admin_state_up"]:
            raise trunk_exc.TrunkDisabled(trunk_id=trunk["id"])
        if trunk["status"] == "ERROR":
            raise trunk_exc.TrunkInErrorState(trunk_id=trunk["id"])
        parent = self._lock_ports(conn, ctx, [trunk["port_id"]], visible=False)[0]
        self._add(conn, ctx, trunk["id"], parent, body["sub_ports"])
        self._parent_changed(conn, ctx, parent.id)
        return self.load_ids(conn, [trunk["id"]])[0]

    def remove_subports(self, conn: Connection, ctx: Context, trunk: dict, body: dict) -> dict:
        if not trunk["admin_state_up"]:
            raise trunk_exc.TrunkDisabled(trunk_id=trunk["id"])
        members = {s["port_id"] for s in trunk["sub_ports"]}
        for sub in body["sub_ports"]:
            if sub["port_id"] not in members:
                raise trunk_exc.SubPortNotFound(trunk_id=trunk["id"], port_id=sub["port_id"])
        self._release(conn, ctx, trunk, [s["port_id"] for s in body["sub_ports"]])
        self._parent_changed(conn, ctx, trunk["port_id"])
        return self.load_ids(conn, [trunk["id"]])[0]

    def get_subports(self, conn: Connection, ctx: Context, trunk: dict) -> dict:
        return {"sub_ports": trunk["sub_ports"]}

    # ---- rules -------------------------------------------------------------------
    def _lock_ports(self, conn: Connection, ctx: Context, ids: list[str],
                    visible: bool = True) -> list[Any]:
        """The rows of these ports (None for one the caller may not see), locked."""
        stmt = select(PORTS.c.id, PORTS.c.network_id, PORTS.c.mac_address, PORTS.c.device_id,
                      NETWORKS.c.mtu).join(NETWORKS, NETWORKS.c.id == PORTS.c.network_id) \
            .where(PORTS.c.id.in_(ids))
        clause = self.registry.plugin("ports").visible_clause(ctx) if visible else None
        if clause is not None:
            stmt = stmt.where(clause)
        found = {r.id: r for r in conn.execute(stmt.with_for_update(of=PORTS))}
        return [found.get(i) for i in ids]

    def _add(self, conn: Connection, ctx: Context, trunk_id: str, parent: Any,
             requested: list[dict]) -> None:
        """Store new subports after Neutron's checks (and ours for ``mac``)."""
        if not requested:
            return
        ids = [s["port_id"] for s in requested]
        ports = self._lock_ports(conn, ctx, ids)
        stored = conn.execute(
            select(SUBPORTS.c.port_id, SUBPORTS.c.trunk_id, SUBPORTS.c.segmentation_type,
                   SUBPORTS.c.segmentation_id, PORTS.c.mac_address)
            .join(PORTS, PORTS.c.id == SUBPORTS.c.port_id)
            .where((SUBPORTS.c.trunk_id == trunk_id) | SUBPORTS.c.port_id.in_(ids))).all()
        mine = [r for r in stored if r.trunk_id == trunk_id]
        elsewhere = {r.port_id: r.trunk_id for r in stored if r.trunk_id != trunk_id}
        parents = set(conn.scalars(select(TRUNKS.c.port_id).where(TRUNKS.c.port_id.in_(ids))))
        vlans = {r.segmentation_id for r in mine if r.segmentation_type == "vlan"}
        macs = {r.mac_address for r in mine if r.segmentation_type == "mac"} | {
            parent.mac_address}
        position = (conn.scalar(select(func.max(SUBPORTS.c.position)).where(
            SUBPORTS.c.trunk_id == trunk_id)) or 0) + 1
        rows = []
        for sub, port in zip(requested, ports):
            if port is None:
                raise exc.PortNotFound(id=sub["port_id"])
            if port.id == parent.id or port.id in parents:
                raise trunk_exc.ParentPortInUse(port_id=port.id)
            if any(r.port_id == port.id for r in mine):
                raise trunk_exc.DuplicateSubPort(
                    segmentation_type=sub.get("segmentation_type"),
                    segmentation_id=sub.get("segmentation_id"), trunk_id=trunk_id)
            if port.id in elsewhere or port.device_id:
                raise exc.PortInUse(port_id=port.id, net_id=port.network_id,
                                    device_id=elsewhere.get(port.id) or port.device_id)
            kind, seg_id = self._segmentation(conn, sub, port)
            if (kind == "vlan" and seg_id in vlans) or (kind == "mac" and port.mac_address in macs):
                raise trunk_exc.DuplicateSubPort(
                    segmentation_type=kind,
                    segmentation_id=seg_id if kind == "vlan" else port.mac_address,
                    trunk_id=trunk_id)
            if port.mtu > parent.mtu:
                raise trunk_exc.SubPortMtuGreaterThanTrunkPortMtu(
                    port_mtu=port.mtu, port_id=port.id, trunk_mtu=parent.mtu, trunk_id=trunk_id)
            if kind == "vlan":
                vlans.add(seg_id)
            else:
                macs.add(port.mac_address)
            rows.append({"port_id": port.id, "trunk_id": trunk_id, "segmentation_type": kind,
                         "segmentation_id": seg_id, "position": position + len(rows)})
        conn.execute(insert(SUBPORTS), rows)

    @staticmethod
    def _segmentation(conn: Connection, sub: dict, port: Any) -> tuple[str, int | None]:
        """(segmentation_type, segmentation_id) as stored: ``inherit`` becomes the VLAN
        of the subport's network."""
        kind, seg_id = sub.get("segmentation_type"), sub.get("segmentation_id")
        if kind is None:
            raise exc.InvalidInput(error_message=(
                f"Invalid subport details '{sub}': missing segmentation information. Must "
                f"specify both segmentation_id and segmentation_type"))
        if kind != "inherit":
            return kind, seg_id
        segments = conn.execute(select(SEGMENTS.c.network_type, SEGMENTS.c.segmentation_id)
                                .where(SEGMENTS.c.network_id == port.network_id)).all()
        if len(segments) != 1 or segments[0].network_type != "vlan":
            raise exc.InvalidInput(error_message=(
                f"Cannot accept segmentation type inherit for subport {port.id}: its network "
                f"{port.network_id} is not a VLAN network of one segment"))
        return "vlan", segments[0].segmentation_id

    def _release(self, conn: Connection, ctx: Context, trunk: dict, port_ids: list[str]) -> None:
        """Take these subports out of the trunk: unbound, and no longer the trunk's device."""
        if not port_ids:
            return
        ports = self.registry.plugin("ports")

        def change() -> None:
            conn.execute(delete(SUBPORTS).where(SUBPORTS.c.port_id.in_(port_ids)))
            conn.execute(update(PORTS).where(PORTS.c.id.in_(port_ids),
                                             PORTS.c.device_owner == SUBPORT_OWNER)
                         .values(device_owner="", device_id=""))
            for row in conn.execute(select(PORTS.c.id, PORTS.c.network_id).where(
                    PORTS.c.id.in_(port_ids), PORTS.c.binding_host_id != "")).all():
                conn.execute(update(PORTS).where(PORTS.c.id == row.id).values(binding_host_id=""))
                binding.bind(conn, self.conf, {"id": row.id, "network_id": row.network_id,
                                               HOST: ""})
        ports.touch(conn, ctx, port_ids, change)

    def _parent_changed(self, conn: Connection, ctx: Context, port_id: str) -> None:
        """The parent renders differently (``trunk_details``): an update of it, which
        also aligns its subports (``align``)."""
        self.registry.plugin("ports").touch(conn, ctx, [port_id])

    # ---- the parent's changes ------------------------------------------------------
    def align(self, conn: Connection, ctx: Context, parent: dict, moved: bool) -> None:
        """Bring the trunk of ``parent`` (a port, rendered after its binding) in line:
        its subports bound where it is (or unbound with it), ``mac`` subports in its
        status, and the trunk DOWN while the parent is unbound or just ``moved``."""
        trunk = conn.execute(select(TRUNKS.c.id, TRUNKS.c.status).where(
            TRUNKS.c.port_id == parent["id"])).first()
        if trunk is None:
            return
        host = parent.get(HOST) or ""
        bound = parent.get(binding.VIF_TYPE) not in UNBOUND
        rows = conn.execute(
            select(SUBPORTS.c.port_id, SUBPORTS.c.segmentation_type, PORTS.c.network_id,
                   PORTS.c.binding_host_id, PORTS.c.binding_vnic_type, PORTS.c.binding_vif_type,
                   PORTS.c.status)
            .join(PORTS, PORTS.c.id == SUBPORTS.c.port_id)
            .where(SUBPORTS.c.trunk_id == trunk.id)).all()
        rebind = [r for r in rows if r.binding_host_id != host or (
            host and bound and r.binding_vif_type == "binding_failed")]
        again = {r.port_id for r in rebind}
        follow = [r.port_id for r in rows if r.segmentation_type == "mac" and (
            r.port_id in again or r.status != parent["status"])]
        if rebind or follow:
            def change() -> None:
                for row in rebind:
                    values: dict = {"binding_host_id": host}
                    if host:
                        values.update(device_owner=SUBPORT_OWNER, device_id=trunk.id)
                    conn.execute(update(PORTS).where(PORTS.c.id == row.port_id).values(**values))
                    binding.bind(conn, self.conf, {"id": row.port_id, HOST: host,
                                                   "network_id": row.network_id,
                                                   binding.VNIC: row.binding_vnic_type})
                if follow:
                    conn.execute(update(PORTS).where(PORTS.c.id.in_(follow))
                                 .values(status=parent["status"]))
            self.registry.plugin("ports").touch(conn, ctx, sorted(again | set(follow)), change)
        if (moved or not host) and trunk.status != "DOWN":
            self.set_statuses(conn, ctx, {trunk.id: "DOWN"})

    def set_statuses(self, conn: Connection, ctx: Context, statuses: dict[str, str]) -> None:
        """Set trunk statuses; each that changes is an update (revision, events, journal)."""
        current = dict(conn.execute(select(TRUNKS.c.id, TRUNKS.c.status).where(
            TRUNKS.c.id.in_(sorted(statuses)))).all())
        changed = sorted(i for i, status in current.items() if status != statuses[i])

        def write() -> None:
            for status in {statuses[i] for i in changed}:
                conn.execute(update(TRUNKS).where(TRUNKS.c.id.in_(
                    [i for i in changed if statuses[i] == status])).values(status=status))
        self.touch(conn, ctx, changed, write)

    def report(self, host: str, statuses: dict[str, str]) -> dict[str, str]:
        """The agent of ``host`` says how its trunks are wired; only trunks whose parent
        is bound to ``host`` are set. Returns their statuses."""
        if not statuses:
            return {}

        def txn(conn: Connection) -> dict[str, str]:
            mine = set(conn.scalars(select(TRUNKS.c.id).join(
                PORTS, PORTS.c.id == TRUNKS.c.port_id).where(
                TRUNKS.c.id.in_(sorted(statuses)), PORTS.c.binding_host_id == host)
                .with_for_update(of=TRUNKS)))
            found = {i: s for i, s in statuses.items() if i in mine}
            self.set_statuses(conn, Context.admin(), found)
            return found
        return self.write(txn)

    def refuse_port_delete(self, conn: Connection, port_id: str) -> None:
        """A trunk's parent or subport is not deleted (409)."""
        trunk_id = conn.scalar(select(TRUNKS.c.id).where(TRUNKS.c.port_id == port_id))
        if trunk_id:
            raise trunk_exc.PortInUseAsTrunkParent(port_id=port_id, trunk_id=trunk_id)
        trunk_id = conn.scalar(select(SUBPORTS.c.trunk_id).where(SUBPORTS.c.port_id == port_id))
        if trunk_id:
            raise trunk_exc.PortInUseAsSubPort(port_id=port_id, trunk_id=trunk_id)

    def parent_of_subport(self, conn: Connection, port_id: str) -> str | None:
        return conn.scalar(select(TRUNKS.c.port_id).join(
            SUBPORTS, SUBPORTS.c.trunk_id == TRUNKS.c.id).where(SUBPORTS.c.port_id == port_id))


class PortTrunkDetails(AttributeExtender):
    """``trunk_details`` on a trunk's parent port (absent on other ports): one query
    per list or show."""

    collection = "ports"
    attributes = ("trunk_details",)
    alias = "trunk-details"

    def load(self, conn: Connection, ids_query: Select, items: list[dict]) -> None:
        rows = conn.execute(
            select(TRUNKS.c.id, TRUNKS.c.port_id, SUBPORTS.c.port_id.label("sub_id"),
                   SUBPORTS.c.segmentation_type, SUBPORTS.c.segmentation_id,
                   PORTS.c.mac_address)
            .select_from(TRUNKS.outerjoin(SUBPORTS, SUBPORTS.c.trunk_id == TRUNKS.c.id)
                         .outerjoin(PORTS, PORTS.c.id == SUBPORTS.c.port_id))
            .where(TRUNKS.c.port_id.in_(ids_query))
            .order_by(TRUNKS.c.id, SUBPORTS.c.position)).all()
        if not rows:
            return
        found: dict[str, dict] = {}
        for row in rows:
            details = found.setdefault(row.port_id, {"trunk_id": row.id, "sub_ports": []})
            if row.sub_id is not None:
                details["sub_ports"].append({
                    "port_id": row.sub_id, "segmentation_type": row.segmentation_type,
                    "segmentation_id": row.segmentation_id, "mac_address": row.mac_address})
        for item in items:
            details = found.get(item["id"])
            if details is not None:
                item["trunk_details"] = {"trunk_id": details["trunk_id"],
                                         "sub_ports": [dict(s) for s in details["sub_ports"]]}
