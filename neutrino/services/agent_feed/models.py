"""What the agent feed keeps in the database besides the journal.

``journal_state`` is one row: this database's identity (a random id written by the
migration, i.e. at first start; every cursor carries it, so a cursor minted by
another database is refused) and how far pruning has gone (a cursor behind it is
refused). ``feed_scopes`` holds the derived part of a host's document a cursor
was minted with, content-addressed: the watch compares it with the current one
and sends what changed (docs/agent-feed.md). ``feed_consumers`` holds, per host,
the journal position of the cursor its watcher last asked from and when.
"""
from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from neutrino.db.models.base import Base


class JournalState(Base):
    __tablename__ = "journal_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    database_id: Mapped[str] = mapped_column(String(36))
    # Rows with seq <= pruned_seq are gone; so are rows of transactions <= pruned_txid
    # (PostgreSQL), which a cursor minted before they finished would still expect.
    pruned_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    pruned_txid: Mapped[int] = mapped_column(BigInteger, default=0)


class FeedScope(Base):
    __tablename__ = "feed_scopes"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    host: Mapped[str] = mapped_column(String(255), index=True)
    body: Mapped[str] = mapped_column(Text)  # JSON: see agent_feed/scope.py
    used_at: Mapped[str] = mapped_column(String(20), index=True)


class FeedConsumer(Base):
    """Where each host's watcher last asked from, and when (the driver-health check of
    the feed's lag reads it; docs/agent-feed.md, "Consumers")."""

    __tablename__ = "feed_consumers"

    host: Mapped[str] = mapped_column(String(255), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)  # the journal position of its cursor
    polled_at: Mapped[str] = mapped_column(String(20))
