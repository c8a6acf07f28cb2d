"""Trunks: a parent port carrying the traffic of its subports, each told apart by
a VLAN id (``vlan``) or by its own MAC address (``mac``, the port behind a port)."""
from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from neutrino.db.models.base import Base, StandardAttributes


class Trunk(StandardAttributes, Base):
    __tablename__ = "trunks"

    # A port is the parent of one trunk at most (two creates at once: one wins).
    port_id: Mapped[str] = mapped_column(ForeignKey("ports.id"), unique=True)
    admin_state_up: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default="DOWN")


class SubPort(Base):
    __tablename__ = "trunk_subports"
    # One VLAN id once per trunk; ``mac`` subports have none (NULLs never collide)
    # and are kept apart by their ports' MAC addresses in code.
    __table_args__ = (UniqueConstraint("trunk_id", "segmentation_type", "segmentation_id",
                                       name="uq_trunk_subports_segmentation"),)

    # A port is a subport of one trunk at most.
    port_id: Mapped[str] = mapped_column(ForeignKey("ports.id"), primary_key=True)
    trunk_id: Mapped[str] = mapped_column(ForeignKey("trunks.id", ondelete="CASCADE"),
                                          index=True)
    segmentation_type: Mapped[str] = mapped_column(String(32))
    segmentation_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Subports render in the order they were added.
    position: Mapped[int] = mapped_column(Integer)
