"""Multiple port bindings (binding-extended): a port bound on several hosts, one
binding ACTIVE, the others INACTIVE, as Nova's live migration needs them.

The active binding is the port's own ``binding:*`` attributes (the port's columns):
creating the first binding or changing or deleting the active one is an update of
the port, through the port's plugin (policy aside, as ``binding:host_id`` would be),
which binds it as ever. Inactive bindings live in ``port_inactive_bindings``: bound
by the mechanism drivers with the host's agents, never wired (the port's
``binding:host_id``, which routes it to an agent, stays the active host's).
Activating swaps the two in one transaction; the port counts it as a change
(revision, journal row with the new host: the new host's agent wires the port, the
old host's sees it leave). Deleting the active binding unbinds the port.
"""
from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Connection, delete, insert, select, update

from neutrino import exceptions as exc
from neutrino.context import Context
from neutrino.db.models.port import InactivePortBinding, Port
from neutrino.ml2 import sriov
from neutrino.services.agents import binding as ml2_binding
from neutrino.services.segments import exceptions as sexc

INACTIVE = InactivePortBinding.__table__
PORTS = Port.__table__
ACTIVE_STATUS, INACTIVE_STATUS = "ACTIVE", "INACTIVE"
COMPUTE_PREFIX = "compute:"


def _check_profile(profile: Any) -> None:
    """A malformed SR-IOV bond is bad input (400), not a failed binding (500)."""
    problem = sriov.bond_problem(profile)
    if problem:
        raise exc.InvalidInput(error_message=problem)


def _active(port: dict) -> dict:
    return {"host": port["binding:host_id"], "vnic_type": port["binding:vnic_type"],
            "profile": port["binding:profile"], "vif_type": port["binding:vif_type"],
            "vif_details": port["binding:vif_details"], "status": ACTIVE_STATUS}


def _inactive(row: Any) -> dict:
    return {"host": row.host, "vnic_type": row.vnic_type, "profile": orjson.loads(row.profile),
            "vif_type": row.vif_type, "vif_details": orjson.loads(row.vif_details),
            "status": INACTIVE_STATUS}


class PortBindings:
    """The bindings of ports, through the ports plugin."""

    def __init__(self, registry: Any) -> None:
        self.registry = registry
        self.conf = registry.conf
        self.ports = registry.plugin("ports")

    def _port(self, conn: Connection, ctx: Context, port_id: str,
              for_update: bool = False) -> dict:
        return self.ports.get_in(conn, ctx, port_id, for_update=for_update)

    @staticmethod
    def _inactive_row(conn: Connection, port_id: str, host: str) -> Any:
        return conn.execute(select(INACTIVE).where(INACTIVE.c.port_id == port_id,
                                                   INACTIVE.c.host == host)).first()

    def list(self, ctx: Context, port_id: str, filters: dict[str, list[str]]) -> list[dict]:
        with self.ports.db.reader() as conn:
            port = self._port(conn, ctx, port_id)
            rows = conn.execute(select(INACTIVE).where(INACTIVE.c.port_id == port_id)
                                .order_by(INACTIVE.c.host)).all()
        found = [_active(port), *(_inactive(r) for r in rows)]
        return [b for b in found if all(b[k] in v for k, v in filters.items())]

    def show(self, ctx: Context, port_id: str, host: str) -> dict:
        with self.ports.db.reader() as conn:
            port = self._port(conn, ctx, port_id)
            if port["binding:host_id"] == host:
                return _active(port)
            row = self._inactive_row(conn, port_id, host)
        if row is None:
            raise sexc.PortBindingNotFound(port_id=port_id, host=host)
        return _inactive(row)

    def create(self, ctx: Context, port_id: str, body: dict) -> dict:
        host = body["host"]
        vnic = body.get("vnic_type", "normal")
        profile = body.get("profile") or {}
        _check_profile(profile)

        def txn(conn: Connection) -> dict | None:
            port = self._port(conn, ctx, port_id, for_update=True)
            if not port["device_owner"].startswith(COMPUTE_PREFIX):
                raise exc.BadRequest(resource="port", msg=f"Invalid port {port_id}. Operation "
                                     "only valid on compute ports")
            if port["binding:host_id"] == host or self._inactive_row(conn, port_id, host):
                raise sexc.PortBindingAlreadyExists(port_id=port_id, host=host)
            found = ml2_binding.bind_on(conn, self.conf, port["network_id"], host, vnic, profile)
            if found is None:
                raise sexc.PortBindingError(port_id=port_id, host=host)
            if not port["binding:host_id"]:
                return None  # the first binding: the port's own, below
            conn.execute(insert(INACTIVE).values(
                port_id=port_id, host=host, vnic_type=vnic, profile=orjson.dumps(profile).decode(),
                vif_type=found.vif_type, vif_details=orjson.dumps(found.vif_details).decode(),
                segment_id=found.segment["id"]))
            return _inactive(self._inactive_row(conn, port_id, host))

        made = self.ports.write(txn)
        if made is not None:
            return made
        port = self.ports.update(ctx, port_id, {ml2_binding.HOST: host, ml2_binding.VNIC: vnic,
                                                ml2_binding.PROFILE: profile})
        return _active(port)

    def update(self, ctx: Context, port_id: str, host: str, body: dict) -> dict:
        _check_profile(body.get("profile"))
        def txn(conn: Connection) -> dict | None:
            port = self._port(conn, ctx, port_id, for_update=True)
            if port["binding:host_id"] == host:
                return None  # the active binding: an update of the port, below
            row = self._inactive_row(conn, port_id, host)
            if row is None:
                raise sexc.PortBindingNotFound(port_id=port_id, host=host)
            vnic = body.get("vnic_type", row.vnic_type)
            profile = body["profile"] if "profile" in body else orjson.loads(row.profile or "{}")
            found = ml2_binding.bind_on(conn, self.conf, port["network_id"], host, vnic, profile)
            if found is None:
                raise sexc.PortBindingError(port_id=port_id, host=host)
            values = {"vnic_type": vnic, "vif_type": found.vif_type,
                      "vif_details": orjson.dumps(found.vif_details).decode(),
                      "segment_id": found.segment["id"]}
            if "profile" in body:
                values["profile"] = orjson.dumps(body["profile"] or {}).decode()
            conn.execute(update(INACTIVE).where(INACTIVE.c.port_id == port_id,
                                                INACTIVE.c.host == host).values(**values))
            return _inactive(self._inactive_row(conn, port_id, host))

        changed = self.ports.write(txn)
        if changed is not None:
            return changed
        changes = {}
        if "vnic_type" in body:
            changes[ml2_binding.VNIC] = body["vnic_type"]
        if "profile" in body:
            changes[ml2_binding.PROFILE] = body["profile"] or {}
        return _active(self.ports.update(ctx, port_id, changes))

    def activate(self, ctx: Context, port_id: str, host: str) -> dict:
        def txn(conn: Connection) -> None:
            port = self._port(conn, ctx, port_id, for_update=True)
            if port["binding:host_id"] == host:
                raise sexc.PortBindingAlreadyActive(port_id=port_id, host=host)
            target = self._inactive_row(conn, port_id, host)
            if target is None:
                raise sexc.PortBindingNotFound(port_id=port_id, host=host)
            self.ports.touch(conn, ctx, [port_id], lambda: self._swap(conn, port, target))

        self.ports.write(txn)
        return self.show(ctx, port_id, host)

    @staticmethod
    def _swap(conn: Connection, port: dict, target: Any) -> None:
        """The target inactive binding becomes the port's; the active one (if any)
        becomes inactive. The port is DOWN until the new host's agent wires it."""
        port_id = port["id"]
        old = conn.execute(select(PORTS.c.binding_segment_id).where(PORTS.c.id == port_id)).scalar()
        conn.execute(delete(INACTIVE).where(INACTIVE.c.port_id == port_id,
                                            INACTIVE.c.host == target.host))
        if port["binding:host_id"]:
            conn.execute(insert(INACTIVE).values(
                port_id=port_id, host=port["binding:host_id"], vnic_type=port["binding:vnic_type"],
                profile=orjson.dumps(port["binding:profile"]).decode(),
                vif_type=port["binding:vif_type"],
                vif_details=orjson.dumps(port["binding:vif_details"]).decode(), segment_id=old))
        conn.execute(update(PORTS).where(PORTS.c.id == port_id).values(
            binding_host_id=target.host, binding_vnic_type=target.vnic_type,
            binding_profile=target.profile, binding_vif_type=target.vif_type,
            binding_vif_details=target.vif_details, binding_segment_id=target.segment_id,
            status="DOWN"))

    def delete(self, ctx: Context, port_id: str, host: str) -> None:
        def txn(conn: Connection) -> bool:
            port = self._port(conn, ctx, port_id, for_update=True)
            if port["binding:host_id"] == host and host:
                return True  # the active binding: the port is unbound, below
            conn.execute(delete(INACTIVE).where(INACTIVE.c.port_id == port_id,
                                                INACTIVE.c.host == host))
            return False

        if self.ports.write(txn):
            self.ports.update(ctx, port_id, {ml2_binding.HOST: ""})


def drop_inactive_on_new_host(registry: Any):
    """A port update that binds the port on a host where it has an inactive binding:
    that binding becomes the active one (one binding per host)."""
    def callback(resource, event, trigger, payload) -> None:
        body = payload.request_body
        if payload.connection is None or not body or not body.get(ml2_binding.HOST):
            return
        payload.connection.execute(delete(INACTIVE).where(
            INACTIVE.c.port_id == payload.resource_id, INACTIVE.c.host == body[ml2_binding.HOST]))
    return callback
