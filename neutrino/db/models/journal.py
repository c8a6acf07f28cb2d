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
