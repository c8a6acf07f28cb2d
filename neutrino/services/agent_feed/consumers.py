"""The feed's consumers: where each host's watcher last asked from, and when.

The watch records, per host, the journal position of the cursor a watch asked from
(what the watcher has applied) and the time, in ``feed_consumers``; the driver-health
check of the feed (``driver_health/checks.py``, ``feed_lag``) reads how far behind the
journal's head each is. The record is per host: a host's watchers (its Open vSwitch
agent, its SR-IOV agent) share the row, which follows the latest of them.

The watch path pays at most one write per host every ``refresh`` seconds and
process (a quarter of ``[driver_health] feed_lag_seconds``, at most 5 s), decided in
memory without reading the database: what is recorded is then at most that stale,
well within what the check tolerates. With several workers each writes on its own
schedule, and the row holds the latest. A failed write is logged and the watch goes
on: the record serves the health check, never the watch.
"""
from __future__ import annotations

import calendar
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from neutrino.db.engine import utcnow
from neutrino.db.models.journal import JournalEntry
from neutrino.services.agent_feed.models import FeedConsumer, JournalState

LOG = logging.getLogger(__name__)
JOURNAL = JournalEntry.__table__
CONSUMERS = FeedConsumer.__table__
STATE = JournalState.__table__
MAX_REFRESH = 5.0


def age(stamp: str) -> float:
    """Seconds since an ISO 8601 UTC stamp of the database (``utcnow``)."""
    try:
        return time.time() - calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ"))
    except ValueError:
        return float("inf")


class Recorder:
    """The watch's side, one per server process."""

    def __init__(self, db: Any, conf: Any) -> None:
        self.db = db
        self.conf = conf
        self._lock = threading.Lock()
        self._written: dict[str, float] = {}  # host -> monotonic time of its last write

    def refresh(self) -> float:
        return min(MAX_REFRESH, self.conf.driver_health.feed_lag_seconds / 4)

    def record(self, host: str, seq: int) -> None:
        """The host's watcher asked from journal position ``seq``, now."""
        now = time.monotonic()
        with self._lock:
            if now - self._written.get(host, -MAX_REFRESH * 2) < self.refresh():
                return
            self._written[host] = now
        stamp = utcnow()

        def write(conn: Connection) -> None:
            if conn.execute(update(CONSUMERS).where(CONSUMERS.c.host == host)
                            .values(seq=seq, polled_at=stamp)).rowcount == 0:
                # Two workers inserting at once: the loser fails on the primary key and
                # db.write runs it again, which then updates.
                conn.execute(insert(CONSUMERS).values(host=host, seq=seq, polled_at=stamp))
        try:
            self.db.write(write)
        except Exception:
            LOG.warning("agent feed: recording the watch of %s failed", host, exc_info=True)


@dataclass(frozen=True)
class Lag:
    """How far one host's watcher was behind the journal's head when it last asked."""

    host: str
    polled_ago: float  # seconds since its watcher last asked
    rows: int  # journal positions between its cursor and the head
    seconds: float  # the age of the oldest journal row after its cursor (0: none)
    pruned: bool  # its cursor is behind the pruned journal: it must fetch the state again


def read(conn: Connection) -> list[Lag]:
    """Every recorded consumer's lag: one indexed read per distinct cursor."""
    consumers = conn.execute(select(CONSUMERS).order_by(CONSUMERS.c.host)).all()
    if not consumers:
        return []
    head = conn.scalar(select(func.max(JOURNAL.c.seq))) or 0
    pruned_seq = conn.scalar(select(STATE.c.pruned_seq).where(STATE.c.id == 1)) or 0
    oldest = {seq: conn.scalar(select(JOURNAL.c.created_at).where(JOURNAL.c.seq > seq)
                               .order_by(JOURNAL.c.seq).limit(1))
              for seq in {c.seq for c in consumers}}
    return [Lag(c.host, age(c.polled_at), max(0, head - c.seq),
                max(0.0, age(oldest[c.seq])) if oldest[c.seq] else 0.0, c.seq < pruned_seq)
            for c in consumers]
