"""One journal poller per server process: it reads every new journal row once and
wakes the watches waiting in this process whose host the rows may concern.

A watch never reads the journal in a loop: it reads its host's rows once (an
indexed query), then sleeps on the poller's condition until a batch the poller
read could matter to it, and only then reads again. The poller runs only while
some watch waits. For a port row it also notes the groups the port was in
before the change (its previous journal row), so that a port leaving a remote
group wakes the hosts that filter on that group's members.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable

from sqlalchemy import func, select

from neutrino.db import journal
from neutrino.db.models.journal import JournalEntry

LOG = logging.getLogger(__name__)
JOURNAL = JournalEntry.__table__
KEPT_BATCHES = 256  # a waiter further behind than this just reads again
IDLE_AFTER = 10.0  # seconds without a waiting watch before the poller stops reading

Predicate = Callable[[dict], bool]


class Poller:
    def __init__(self, db, interval: Callable[[], float]) -> None:
        self.db = db
        self.interval = interval
        self.cond = threading.Condition()
        self.generation = 0
        # (generation, rows); rows None: "anything may have changed" (see _poll_once).
        self.batches: deque[tuple[int, list[dict] | None]] = deque(maxlen=KEPT_BATCHES)
        self.waiters = 0
        self.cursor: journal.Cursor | None = None
        self._thread: threading.Thread | None = None

    # ---- waiting (request threads) ---------------------------------------------------
    def wait(self, since: int, relevant: Predicate, timeout: float) -> bool:
        """Sleep until a batch read after generation ``since`` holds a row ``relevant``
        says matters (True), or ``timeout`` passes (False)."""
        deadline = time.monotonic() + timeout
        with self.cond:
            self.waiters += 1
            self._ensure_running()
            self.cond.notify_all()
            try:
                seen = since
                while True:
                    if self.batches and self.batches[0][0] > seen + 1:
                        return True  # fell behind the kept batches: read again to be sure
                    for gen, rows in self.batches:
                        if gen > seen and (rows is None or any(relevant(row) for row in rows)):
                            return True
                    seen = self.generation
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return False
                    self.cond.wait(left)
            finally:
                self.waiters -= 1

    def _ensure_running(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="neutrino-feed-poller",
                                            daemon=True)
            self._thread.start()

    # ---- polling (its own thread) ---------------------------------------------------
    def _run(self) -> None:
        idle_since: float | None = None
        while True:
            with self.cond:
                if self.waiters:
                    idle_since = None
                elif idle_since is None:
                    idle_since = time.monotonic()
                elif time.monotonic() - idle_since > IDLE_AFTER:
                    # Idle: stop reading. Not at once, as a watch's next request comes
                    # right after its answer: each restart wakes every waiter once.
                    self.cursor = None
                    while self.waiters == 0:
                        self.cond.wait()
                    idle_since = None
            try:
                self._poll_once()
            except Exception:  # a lost database connection: try again next interval
                LOG.exception("journal poller: reading the journal failed")
                time.sleep(1.0)
            time.sleep(self.interval())

    def _poll_once(self) -> None:
        rows: list[dict] | None
        with self.db.reader() as conn:
            if self.cursor is None:
                # (Re)starting: what committed between a waiter's own read and this
                # position was never seen here, so every waiter reads once more.
                self.cursor = journal.position(conn)
                rows = None
            else:
                rows, self.cursor = journal.read_since(conn, self.cursor)
                if not rows:
                    return
                _note_previous_groups(conn, rows)
        with self.cond:
            self.generation += 1
            self.batches.append((self.generation, rows))
            self.cond.notify_all()


def _groups(body: dict | None) -> frozenset[str]:
    return frozenset((body or {}).get("security_groups") or ())


def _note_previous_groups(conn, rows: list[dict]) -> None:
    """Set ``previous_groups`` on each port update row: the groups of the port's
    row before it (in this batch, else the journal's latest earlier row)."""
    ports = [r for r in rows if r["resource_type"] == "port"]
    if not ports:
        return
    first = min(r["seq"] for r in ports)
    ids = sorted({r["resource_id"] for r in ports})
    latest = (select(JOURNAL.c.resource_id, func.max(JOURNAL.c.seq).label("seq"))
              .where(JOURNAL.c.resource_id.in_(ids), JOURNAL.c.resource_type == "port",
                     JOURNAL.c.seq < first).group_by(JOURNAL.c.resource_id).subquery())
    before = {rid: _groups(journal._decoded([{"body": body}])[0]["body"]) for rid, body in conn.execute(
        select(JOURNAL.c.resource_id, JOURNAL.c.body).join(latest, JOURNAL.c.seq == latest.c.seq))}
    for row in sorted(ports, key=lambda r: r["seq"]):
        rid = row["resource_id"]
        # Unknown (pruned): None, which the watches read as "any group".
        row["previous_groups"] = before.get(rid) if row["operation"] != "create" else frozenset()
        before[rid] = _groups(row["body"])
