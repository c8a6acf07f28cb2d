"""The feed's two reads: a host's whole state, and the watch from a cursor.

A cursor is ``1.<database id>.<seq>.<xmin>.<scope digest>``: the journal position
(``journal.Cursor``), the identity of the database that minted it, and the scope
the client's document was built with (``scope.py``, stored in ``feed_scopes``).
It is taken before the state is read, so a change committed in between comes
again in the next watch (applying it twice is harmless).

A watch answer brings the client's document from the cursor's scope to the
current one: first the journal rows that concern the host, in commit order,
then what they changed of the derived part (networks and groups entering or
leaving the document, member lists, tunnel endpoints, DHCP networks), as the
change kinds docs/agent-feed.md lists.
"""
from __future__ import annotations

import re
import threading
import time
from typing import Any

import orjson
from sqlalchemy import Connection, insert, or_, select, update

from neutrino import exceptions as exc
from neutrino.db import journal
from neutrino.db.engine import utcnow
from neutrino.db.models.journal import JournalEntry
from neutrino.services.agent_feed import scope as scopes
from neutrino.services.agent_feed.consumers import Recorder
from neutrino.services.agent_feed.consumers import age as _age
from neutrino.services.agent_feed.models import FeedScope, JournalState
from neutrino.services.agent_feed.poller import Poller

JOURNAL = JournalEntry.__table__
STATE = JournalState.__table__
SCOPES = FeedScope.__table__
# 18 digits at most: every value fits the bigint columns it is compared with.
_CURSOR = re.compile(r"1\.([0-9a-f-]{36})\.(\d{1,18})\.(\d{1,18})\.([0-9a-f]{32})")
SG_TYPES = ("security_group", "security_group_rule")
NETWORK_TYPES = ("network", "subnet", "port")
# Rows that may change the routers and floating IPs of a host's document (derived).
L3_TYPES = ("router", "floatingip", "port_forwarding")
LOG_TYPES = ("log",)  # every host's: the document holds every security-group and SNAT log
# Rows that may change the QoS part of a host's document (derived): QoS policies (a
# rule's change is journaled as its policy's) and the classifications they use.
QOS_TYPES = ("policy", "classification_group", "classification")
# A stored scope's used_at is refreshed when older than this (seconds): pruning keeps
# scopes a live cursor names without a write on every watch.
TOUCH_AFTER = 600


class ResyncRequired(exc.NeutronException):
    status = 410
    message = "The cursor cannot be served: {reason}. Fetch the state again."


class WatchersExhausted(exc.NeutronException):
    status = 503
    message = "This server holds as many watches as [agent_feed] watch_threads allows; retry."


def _identity(conn: Connection) -> Any:
    return conn.execute(select(STATE).where(STATE.c.id == 1)).one()


def encode(db_id: str, cursor: journal.Cursor, digest: str) -> str:
    return f"1.{db_id}.{cursor.seq}.{cursor.xmin}.{digest}"


def decode(text: str) -> tuple[str, journal.Cursor, str]:
    match = _CURSOR.fullmatch(text or "")
    if match is None:
        raise exc.HTTPBadRequest("Invalid cursor: not one this feed hands out (take it from the "
                                 "last state or watch answer)")
    db_id, seq, xmin, digest = match.groups()
    return db_id, journal.Cursor(int(seq), int(xmin)), digest


def _relevance(host: str, networks: frozenset[str], groups: frozenset[str]):
    return or_(JOURNAL.c.network_id.in_(sorted(networks)), JOURNAL.c.host == host,
               JOURNAL.c.resource_type.in_(SG_TYPES + LOG_TYPES))


def _group_of(row: dict) -> str | None:
    if row["resource_type"] == "security_group":
        return row["resource_id"]
    return (row["body"] or {}).get("security_group_id")


def _change(row: dict) -> dict:
    return {"seq": row["seq"], "resource_type": row["resource_type"],
            "resource_id": row["resource_id"], "operation": row["operation"],
            "revision_number": row["revision_number"], "body": row["body"]}


def _derived_change(kind: str, rid: str, operation: str, body: dict) -> dict:
    return {"seq": None, "resource_type": kind, "resource_id": rid, "operation": operation,
            "revision_number": body.get("revision_number", 0) if isinstance(body, dict) else 0,
            "body": body}


class Feed:
    """The feed of one server process: reads, the poller, scopes."""

    def __init__(self, registry: Any) -> None:
        self.registry = registry
        self.db = registry.db
        conf = registry.conf
        self.poller = Poller(self.db, lambda: conf.agent_feed.poll_interval)
        self.slots = threading.BoundedSemaphore(conf.agent_feed.watch_threads)
        self.consumers = Recorder(self.db, conf)
        self._db_id: str | None = None

    def database_id(self, conn: Connection) -> str:
        if self._db_id is None:
            self._db_id = _identity(conn).database_id
        return self._db_id

    # ---- scopes ---------------------------------------------------------------------
    def _store_scope(self, host: str, scope: scopes.Scope) -> str:
        digest = scope.digest(host)
        now = utcnow()
        with self.db.reader() as conn:
            found = conn.execute(select(SCOPES.c.used_at).where(SCOPES.c.digest == digest)).first()
        if found is not None and _age(found.used_at) < TOUCH_AFTER:
            return digest

        # Two workers storing the same digest at once: the loser's insert fails on the
        # primary key and db.write runs it again, which then finds the row.
        def write(conn: Connection) -> None:
            if conn.execute(select(SCOPES.c.digest).where(SCOPES.c.digest == digest)
                            .with_for_update()).first() is None:
                conn.execute(insert(SCOPES).values(digest=digest, host=host, used_at=now,
                                                   body=scope.to_json().decode()))
            else:
                conn.execute(update(SCOPES).where(SCOPES.c.digest == digest).values(used_at=now))
        self.db.write(write)
        return digest

    # ---- the state ------------------------------------------------------------------
    def state(self, host: str) -> dict:
        """The host's whole document and the cursor to watch it from."""
        with self.db.reader() as conn:
            db_id = self.database_id(conn)
            position = journal.position(conn)  # before the state: nothing is missed
        with self.db.reader() as conn:
            derived = scopes.derive(conn, self.registry, host)
            document = scopes.document(conn, self.registry, derived)
        digest = self._store_scope(host, derived.scope)
        return {"cursor": encode(db_id, position, digest), "state": document}

    # ---- the watch ------------------------------------------------------------------
    def watch(self, host: str, cursor_text: str, timeout: float) -> dict:
        db_id, cursor, digest = decode(cursor_text)
        if not self.slots.acquire(blocking=False):
            raise WatchersExhausted()
        try:
            return self._watch(host, db_id, cursor, digest, timeout)
        finally:
            self.slots.release()

    def _scope(self, conn: Connection, host: str, db_id: str, digest: str) -> scopes.Scope:
        if db_id != self.database_id(conn):
            raise ResyncRequired(reason="it was minted by another database")
        row = conn.execute(select(SCOPES.c.body, SCOPES.c.host)
                           .where(SCOPES.c.digest == digest)).first()
        if row is None or row.host != host:
            raise ResyncRequired(reason="its document is unknown here (pruned, or another host's)")
        return scopes.Scope.from_json(row.body)

    @staticmethod
    def _check_not_pruned(conn: Connection, cursor: journal.Cursor) -> None:
        # Asked after the rows were read: a pruning that committed before the read, or
        # during it, shows here (on PostgreSQL each statement sees the latest commits).
        state = _identity(conn)
        if cursor.seq < state.pruned_seq or (state.pruned_txid and cursor.xmin
                                             and cursor.xmin <= state.pruned_txid):
            raise ResyncRequired(reason="the journal rows after it were pruned")

    def _watch(self, host: str, db_id: str, cursor: journal.Cursor, digest: str,
               timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        old: scopes.Scope | None = None
        while True:
            generation = self.poller.generation
            with self.db.reader() as conn:
                first = old is None
                if first:
                    old = self._scope(conn, host, db_id, digest)
                rows, after, more = journal.read_matching(
                    conn, cursor, _relevance(host, old.networks, old.groups))
                self._check_not_pruned(conn, cursor)
            if first:  # a cursor this feed serves: where the host's watcher is
                self.consumers.record(host, cursor.seq)
            cursor = after
            with self.db.reader() as conn:
                # After the rows: the derived part is at least as new as they are.
                new = scopes.derive(conn, self.registry, host)
                changes = self._changes(conn, rows, old, new)
            if changes or more or time.monotonic() >= deadline:
                new_digest = self._store_scope(host, new.scope) if new.scope != old else digest
                return {"cursor": encode(db_id, cursor, new_digest), "changes": changes}
            relevant = _waker(host, old, new.scope)
            if not self.poller.wait(generation, relevant, deadline - time.monotonic()):
                deadline = time.monotonic()  # one last read: time-driven changes (dead agents)

    def _changes(self, conn: Connection, rows: list[dict], old: scopes.Scope,
                 new: scopes.Derived) -> list[dict]:
        now = new.scope
        # A network entering the document comes whole, as it is now (``entering``
        # below, read after the rows); its rows are left out. They were read with
        # the old scope, which did not hold it: only those routed to this host, not
        # the others (another port of it moved away or deleted), so replaying them
        # would bring back a port the snapshot no longer has.
        arriving = now.networks - old.networks
        out = []
        for row in rows:
            kind = row["resource_type"]
            if kind in NETWORK_TYPES and row["network_id"] in now.networks - arriving:
                out.append(_change(row))
            elif kind in SG_TYPES and _group_of(row) in now.groups:
                out.append(_change(row))
            elif kind in LOG_TYPES and (row["body"] or {}).get("resource_type") in \
                    scopes.LOGGED_TYPES:
                out.append(_change(row))
        for nid in sorted(old.networks - now.networks):
            out.append(_derived_change("network", nid, "delete", {"id": nid}))
        for gid in sorted(old.groups - now.groups):
            out.append(_derived_change("security_group", gid, "delete", {"id": gid}))
        entering = scopes.bodies(conn, self.registry, arriving, now.groups - old.groups)
        for kind, key in (("network", "networks"), ("subnet", "subnets"), ("port", "ports"),
                          ("security_group", "security_groups")):
            for body in entering[key]:
                out.append(_derived_change(kind, body["id"], "create", body))
        for gid in sorted(set(old.members) - set(now.members)):
            out.append(_derived_change("security_group_members", gid, "delete", {"id": gid}))
        for gid, addresses in sorted(new.member_lists.items()):
            if old.members.get(gid) != now.members[gid]:
                out.append(_derived_change("security_group_members", gid, "update",
                                           {"id": gid, "addresses": addresses}))
        for host in sorted(set(old.tunnel_endpoints) | set(now.tunnel_endpoints)):
            ip = now.tunnel_endpoints.get(host)
            if ip != old.tunnel_endpoints.get(host):
                out.append(_derived_change("tunnel_endpoint", host, "delete" if ip is None else "update",
                                           {"host": host, **({"ip": ip} if ip else {})}))
        for nid in sorted(old.dhcp_networks ^ now.dhcp_networks):
            op = "create" if nid in now.dhcp_networks else "delete"
            out.append(_derived_change("dhcp_network", nid, op, {"id": nid}))
        qos = [(kind, old.qos.get(kind) or {}, now.qos.get(kind) or {},
                new.qos_bodies.get(kind) or {}) for kind in scopes.QOS_KINDS]
        for kind, before, after, found in (("router", old.routers, now.routers, new.router_bodies),
                                           ("floatingip", old.floatingips, now.floatingips,
                                            new.fip_bodies),
                                           ("distributed_router", old.distributed,
                                            now.distributed, new.distributed_bodies),
                                           ("trunk", old.trunks, now.trunks, new.trunk_bodies),
                                           *qos):
            for rid in sorted(set(before) | set(after)):
                if rid not in after:
                    out.append(_derived_change(kind, rid, "delete", {"id": rid}))
                elif before.get(rid) != after[rid]:
                    out.append(_derived_change(kind, rid, "update" if rid in before else "create",
                                               found[rid]))
        return out


def _waker(host: str, old: scopes.Scope, now: scopes.Scope):
    """Whether a journal row the poller read may change this host's document."""
    networks = old.networks | now.networks
    groups = old.groups | now.groups
    remote = frozenset(old.members) | frozenset(now.members)
    endpoints = now.tunnel_endpoints

    def relevant(row: dict) -> bool:
        kind = row["resource_type"]
        if row.get("network_id") in networks or row.get("host") == host or kind in LOG_TYPES:
            return True
        if kind in L3_TYPES or kind in QOS_TYPES:  # any may be (or have been) the host's
            return True
        if kind in SG_TYPES:
            body = row["body"] or {}
            return (_group_of(row) in groups or body.get("remote_group_id") in groups)
        if kind == "port" and remote:
            before = row.get("previous_groups")
            return (before is None or bool(before & remote)
                    or bool(frozenset((row["body"] or {}).get("security_groups") or ()) & remote))
        if kind == "agent":
            body = row["body"] or {}
            ip = (body.get("configurations") or {}).get("tunneling_ip")
            return row["operation"] == "delete" or endpoints.get(body.get("host")) != (
                ip if body.get("alive", True) else None)
        return False
    return relevant


def dumps(data: dict) -> bytes:
    return orjson.dumps(data)
