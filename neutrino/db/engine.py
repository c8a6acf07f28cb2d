"""Engine and transactions for SQLite (embedded default) and PostgreSQL.

Writers on SQLite take the database lock at BEGIN (BEGIN IMMEDIATE) so two
writers never deadlock upgrading a shared lock; WAL lets readers proceed.
Conflicts the database detects (a unique key hit by a racing request, a
serialization failure, a busy SQLite file) roll the whole transaction back
and the operation runs again from the start, re-reading everything.
"""
from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import Connection, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

LOG = logging.getLogger(__name__)
T = TypeVar("T")


def utcnow() -> str:
    """Now, as the API shows timestamps: UTC, seconds, trailing Z."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class RetryableConflict(Exception):
    """Raised inside a transaction to make the database layer run it again."""


def _is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, (IntegrityError, RetryableConflict)):
        return True
    if isinstance(exc, OperationalError) and "locked" in str(exc.orig).lower():
        return True
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        # PostgreSQL: serialization_failure, deadlock_detected.
        return getattr(exc.orig, "sqlstate", None) in ("40001", "40P01")
    return False


class Database:
    """One engine and the transaction helpers every plugin uses."""

    def __init__(self, url: str, max_retries: int = 10, pool_size: int = 10) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self.max_retries = max_retries
        if self.is_sqlite:
            self.engine = create_engine(url, connect_args={"check_same_thread": False,
                                                           "timeout": 30})
            _setup_sqlite(self.engine)
        else:
            self.engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size,
                                        pool_pre_ping=True)

    @contextmanager
    def reader(self) -> Iterator[Connection]:
        """A connection for reads; one consistent snapshot for its duration."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def writer(self) -> Iterator[Connection]:
        """A write transaction; commits on success, rolls back on any exception."""
        with self.engine.connect().execution_options(neutrino_writer=True) as conn:
            with conn.begin():
                yield conn

    def write(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn`` in a write transaction, again from scratch on a conflict."""
        attempt = 0
        while True:
            try:
                with self.writer() as conn:
                    return fn(conn)
            except Exception as exc:
                if not _is_retryable(exc) or attempt >= self.max_retries:
                    raise
                attempt += 1
                LOG.debug("retrying transaction after conflict (%d): %s", attempt, exc)
                time.sleep(random.uniform(0, 0.002 * (2 ** min(attempt, 6))))

    def dispose(self) -> None:
        self.engine.dispose()


def _setup_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        # Let SQLAlchemy's begin event issue BEGIN itself (pysqlite's own is wrong).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("neutrino_writer")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
