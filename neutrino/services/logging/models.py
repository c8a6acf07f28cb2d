"""Logs: what a log is of (``resource_type``, ``resource_id``, ``target_id``) is
not a foreign key, since it names a security group, a port or a router by type;
the feature deletes logs with what they name."""
from __future__ import annotations

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from neutrino.db.models.base import Base, StandardAttributes


class Log(StandardAttributes, Base):
    __tablename__ = "logs"

    resource_type: Mapped[str] = mapped_column(String(255))
    resource_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    target_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    event: Mapped[str] = mapped_column(String(255))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
