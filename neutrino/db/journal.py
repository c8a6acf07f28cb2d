"""The change journal: the only way changes leave the server.

``record`` is its one writer. It runs inside the transaction of the changes it
records, as the last step of each (after the precommit callbacks), so a
rolled-back request leaves no row. Each row holds a resource's full body as
clients read it, its revision, and routing columns for the agent feed: the
network the resource is on (a network's own id) and the host a port is bound to.

The outbox visibility gap: on PostgreSQL a sequence value is handed out when a
row is inserted, not when its transaction commits, so a reader could see seq 11
committed while seq 10 is still in flight, and move its cursor past 10 for ever.
Writers do not take turns for it (no global lock): each row carries its
transaction's id (``txid``, the column's default: pg_current_xact_id()), and a
reader only returns rows of transactions older than its snapshot's xmin, i.e.
finished ones. A transaction with a lower seq may still have a higher xid than a
row returned, so the exact cursor is a ``Cursor`` (seq and the xmin of the last
read): ``read_since`` also returns the rows of transactions that were unfinished
at the previous read, whatever their seq. On SQLite writers are serialised and
``txid`` is NULL: rows commit in seq order.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import orjson
from sqlalchemy import Connection, func, insert, literal_column, select
from sqlalchemy.sql import ColumnElement

from neutrino.db.engine import utcnow
from neutrino.db.models.journal import JournalEntry

_TABLE = JournalEntry.__table__
_INSERT = insert(_TABLE)  # built once: the create path writes one journal row a request
_XMIN = literal_column("pg_snapshot_xmin(pg_current_snapshot())::text::bigint")


@dataclass(frozen=True)
class Change:
    """One committed-to-be change of one resource."""

    resource_type: str  # the resource's singular name: "port"
    resource_id: str
    operation: str  # create | update | delete
    revision_number: int
    body: dict  # as a GET shows it (for a delete: as it was last)
    # The host to route to when the body names none (a trunk: its parent port's).
    host: str | None = None


def _routing(change: Change) -> tuple[str | None, str | None]:
    body = change.body
    network = body.get("network_id")
    if change.resource_type == "network":
        network = change.resource_id
    host = body.get("binding:host_id") or change.host or None
    if change.resource_type == "agent":  # an agent's record routes to its own host
        host = body.get("host") or None
    return (network if isinstance(network, str) else None), host


def record(conn: Connection, changes: Sequence[Change]) -> None:
    """Write one journal row per change; call last in the transaction."""
    if not changes:
        return
    now = utcnow()
    rows = []
    for change in changes:
        network, host = _routing(change)
        rows.append({"resource_type": change.resource_type, "resource_id": change.resource_id,
                     "operation": change.operation, "revision_number": change.revision_number,
                     "body": orjson.dumps(change.body).decode(), "created_at": now,
                     "network_id": network, "host": host})
    conn.execute(_INSERT, rows)


def _decoded(rows: Sequence) -> list[dict]:
    return [{**row, "body": orjson.loads(row["body"])} for row in rows]


def read(conn: Connection, after: int = 0, limit: int = 1000) -> list[dict]:
    """Finished rows with seq > ``after``, in order. Rows of a transaction still in
    flight are left out (and so are later ones of finished transactions, on
    PostgreSQL, until it ends); a cursor that must never miss a late row is a
    ``Cursor`` with ``read_since``."""
    stmt = select(_TABLE).where(_TABLE.c.seq > after)
    if conn.dialect.name == "postgresql":
        stmt = stmt.where(_TABLE.c.txid < _XMIN)
    return _decoded(conn.execute(stmt.order_by(_TABLE.c.seq).limit(limit)).mappings().all())


@dataclass(frozen=True)
class Cursor:
    """Where a reader is: the last seq it read, and the xmin of that read's snapshot
    (rows of transactions at or above it may still come, with lower seqs)."""

    seq: int = 0
    xmin: int = 0


def read_since(conn: Connection, cursor: Cursor, limit: int = 1000) -> tuple[list[dict], Cursor]:
    """Every row not yet read through ``cursor``, each exactly once: those with a
    higher seq (up to ``limit``), and those behind it whose transaction has finished
    since the previous read; and the cursor to read on from."""
    if conn.dialect.name != "postgresql":
        rows = read(conn, cursor.seq, limit)
        return rows, Cursor(rows[-1]["seq"] if rows else cursor.seq, 0)
    xmin = max(conn.scalar(select(_XMIN)), cursor.xmin)
    finished = _TABLE.c.txid < xmin
    late = conn.execute(select(_TABLE).where(
        _TABLE.c.seq <= cursor.seq, _TABLE.c.txid >= cursor.xmin, finished)
        .order_by(_TABLE.c.seq)).mappings().all()
    ahead = conn.execute(select(_TABLE).where(_TABLE.c.seq > cursor.seq, finished)
                         .order_by(_TABLE.c.seq).limit(limit)).mappings().all()
    seq = ahead[-1]["seq"] if ahead else cursor.seq
    # Rows of unfinished transactions below the new seq come as late rows next time:
    # the next read looks at and above this xmin again.
    return _decoded([*late, *ahead]), Cursor(seq, xmin)



def position(conn: Connection) -> Cursor:
    """The cursor of a reader that has read every row finished by now: a later
    ``read_since``/``read_matching`` from it returns exactly the rows still to come."""
    if conn.dialect.name != "postgresql":
        return Cursor(conn.scalar(select(func.max(_TABLE.c.seq))) or 0, 0)
    xmin = conn.scalar(select(_XMIN))
    return Cursor(conn.scalar(select(func.max(_TABLE.c.seq)).where(_TABLE.c.txid < xmin)) or 0, xmin)


def read_matching(conn: Connection, cursor: Cursor, where: ColumnElement,
                  limit: int = 1000) -> tuple[list[dict], Cursor, bool]:
    """``read_since`` for a reader that wants only the rows ``where`` selects (an
    indexed condition on the routing columns): the rows, the cursor past every
    finished row (matching or not, so that a quiet reader's cursor still moves on),
    and whether more matching rows may follow at once (``limit`` reached)."""
    table = _TABLE
    if conn.dialect.name != "postgresql":
        top = conn.scalar(select(func.max(table.c.seq))) or 0
        rows = conn.execute(select(table).where(table.c.seq > cursor.seq, table.c.seq <= top, where)
                            .order_by(table.c.seq).limit(limit)).mappings().all()
        full = len(rows) == limit
        return _decoded(rows), Cursor(rows[-1]["seq"] if full else max(top, cursor.seq), 0), full
    xmin = max(conn.scalar(select(_XMIN)), cursor.xmin)
    finished = table.c.txid < xmin
    late = conn.execute(select(table).where(
        table.c.seq <= cursor.seq, table.c.txid >= cursor.xmin, finished, where)
        .order_by(table.c.seq)).mappings().all()
    top = conn.scalar(select(func.max(table.c.seq)).where(finished)) or 0
    ahead = conn.execute(select(table).where(table.c.seq > cursor.seq, table.c.seq <= top, finished,
                                             where).order_by(table.c.seq).limit(limit)).mappings().all()
    full = len(ahead) == limit
    seq = ahead[-1]["seq"] if full else max(top, cursor.seq)
    return _decoded([*late, *ahead]), Cursor(seq, xmin), full
