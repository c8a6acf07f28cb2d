"""Pruning the change journal by age and by size, from a periodic thread of each
server process (several processes pruning at once delete the same rows: harmless).

Only rows of finished transactions go (on PostgreSQL, below the snapshot's xmin),
and ``journal_state`` remembers how far: a feed cursor behind it answers 410
``ResyncRequired`` rather than skip what was pruned, also a watcher that fell
behind while it waited.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Connection, delete, func, literal_column, select, update

from neutrino.db.models.journal import JournalEntry
from neutrino.services.agent_feed.models import FeedScope, JournalState

LOG = logging.getLogger(__name__)
JOURNAL = JournalEntry.__table__
STATE = JournalState.__table__
SCOPES = FeedScope.__table__
_XMIN = literal_column("pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
# Stored scopes no cursor has named for this long go (a live watch refreshes its own).
SCOPE_RETENTION = 3600


def _stamp(seconds_ago: float) -> str:
    return (datetime.now(timezone.utc) - timedelta(seconds=seconds_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def prune(conn: Connection, retention_seconds: int, max_rows: int) -> int:
    """Delete the journal rows beyond the limits; the number deleted."""
    bounds = [0]
    if retention_seconds:
        bounds.append(conn.scalar(select(func.max(JOURNAL.c.seq))
                                  .where(JOURNAL.c.created_at < _stamp(retention_seconds))) or 0)
    if max_rows:
        bounds.append((conn.scalar(select(func.max(JOURNAL.c.seq))) or 0) - max_rows)
    bound = max(bounds)
    conn.execute(delete(SCOPES).where(SCOPES.c.used_at < _stamp(SCOPE_RETENTION)))
    if bound <= 0:
        return 0
    where = [JOURNAL.c.seq <= bound]
    txid = 0
    if conn.dialect.name == "postgresql":
        where.append(JOURNAL.c.txid < conn.scalar(select(_XMIN)))
        txid = conn.scalar(select(func.max(JOURNAL.c.txid)).where(*where)) or 0
    count = conn.execute(delete(JOURNAL).where(*where)).rowcount
    state = conn.execute(select(STATE).where(STATE.c.id == 1).with_for_update()).one()
    conn.execute(update(STATE).where(STATE.c.id == 1).values(
        pruned_seq=max(state.pruned_seq, bound), pruned_txid=max(state.pruned_txid, txid)))
    return count


class Pruner:
    """The periodic task: prune every ``[journal] prune_interval`` seconds."""

    def __init__(self, db: Any, conf: Any) -> None:
        self.db = db
        self.conf = conf
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="neutrino-journal-pruner",
                                            daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            group = self.conf.journal
            time.sleep(group.prune_interval)
            try:
                count = self.db.write(lambda conn: prune(conn, group.retention_seconds,
                                                         group.max_rows))
                if count:
                    LOG.info("journal: pruned %d rows", count)
            except Exception:  # the database away for a while: the next round retries
                LOG.exception("journal pruning failed")
