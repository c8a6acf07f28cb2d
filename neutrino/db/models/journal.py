"""The change journal: one row per committed change (see neutrino/db/journal.py)."""
from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from neutrino.db.models.base import Base


class JournalEntry(Base):
    __tablename__ = "journal"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                     primary_key=True, autoincrement=True)
    resource_type: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[str] = mapped_column(String(64), index=True)
    operation: Mapped[str] = mapped_column(String(16))  # create | update | delete
    revision_number: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)  # JSON of the resource as the API shows it
    created_at: Mapped[str] = mapped_column(String(20))
    # Routing for the agent feed: the network the resource is on (a network's own id)
    # and the host a port is bound to.
    network_id: Mapped[str | None] = mapped_column(String(36), index=True, nullable=True)
    host: Mapped[str | None] = mapped_column(String(255), index=True, nullable=True)
    # The writing transaction (PostgreSQL: pg_current_xact_id(), the column's
    # default there; NULL on SQLite). See neutrino/db/journal.py.
    txid: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
