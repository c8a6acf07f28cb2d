"""The change journal: the only way changes leave the server.

``append`` runs inside the transaction of the change it records, so a
rolled-back request leaves no row. Readers follow ``seq``.

The outbox visibility gap: on PostgreSQL a sequence value is handed out when
a row is inserted, not when its transaction commits, so a reader could see
seq 11 committed while seq 10 is still in flight and move its cursor past 10
for ever. We close the gap at the writer: ``append`` first takes a
transaction-scoped advisory lock, held until commit, so journal rows are
numbered in commit order and at most one journal-writing transaction is in
flight at a time. A reader that has seen seq N can never later find a
committed row below N. (SQLite serialises writers already.) The lock is taken
as the last step of a change, so it is held only for the commit.
"""
from __future__ import annotations

from collections.abc import Sequence

import orjson
from sqlalchemy import Connection, insert, select, text

from neutrino.db.engine import utcnow
from neutrino.db.models.journal import JournalEntry

_JOURNAL_LOCK_KEY = 0x6E657574  # "neut"
_TABLE = JournalEntry.__table__


def append(conn: Connection, resource_type: str, resource_id: str, operation: str,
           revision_number: int, body: dict) -> None:
    """Record one committed-to-be change; call last in the transaction."""
    append_many(conn, [(resource_type, resource_id, operation, revision_number, body)])


def append_many(conn: Connection,
                entries: Sequence[tuple[str, str, str, int, dict]]) -> None:
    if not entries:
        return
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _JOURNAL_LOCK_KEY})
    now = utcnow()
    conn.execute(insert(_TABLE), [
        {"resource_type": rtype, "resource_id": rid, "operation": op, "revision_number": rev,
         "body": orjson.dumps(body).decode(), "created_at": now}
        for rtype, rid, op, rev, body in entries
    ])


def read(conn: Connection, after: int = 0, limit: int = 1000) -> list[dict]:
    """Rows with seq > ``after``, in order; the caller's cursor is the last seq."""
    rows = conn.execute(select(_TABLE).where(_TABLE.c.seq > after)
                        .order_by(_TABLE.c.seq).limit(limit)).mappings().all()
    return [{**row, "body": orjson.loads(row["body"])} for row in rows]
