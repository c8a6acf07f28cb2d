"""Networks, their segments, and segmentation-id allocations."""
from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from neutrino.db.models.base import Base, StandardAttributes


class Network(StandardAttributes, Base):
    """A network; whether it is shared or external lives in ``rbac_policies``."""

    __tablename__ = "networks"

    admin_state_up: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default="ACTIVE")
    mtu: Mapped[int] = mapped_column(Integer)
    port_security_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    vlan_transparent: Mapped[bool] = mapped_column(Boolean, default=False)
    # JSON list text; small and only ever read whole.
    availability_zone_hints: Mapped[str] = mapped_column(Text, default="[]")
    dns_domain: Mapped[str] = mapped_column(String(255), default="")


class NetworkSegment(Base):
    """A segment of a network (alias ``segment``): standard attributes without an
    owner shown (Neutron keeps the network's project, invisible), a name and a
    description that may be null."""

    __tablename__ = "network_segments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(255), default="")
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    description: Mapped[str | None] = mapped_column(String(255), nullable=True)
    revision_number: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[str] = mapped_column(String(20), default="")
    updated_at: Mapped[str] = mapped_column(String(20), default="")
    network_id: Mapped[str] = mapped_column(
        ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    network_type: Mapped[str] = mapped_column(String(32))
    physical_network: Mapped[str | None] = mapped_column(String(64), nullable=True)
    segmentation_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    segment_index: Mapped[int] = mapped_column(Integer, default=0)


class SegmentAllocation(Base):
    """One row per segmentation id in use; the unique key is what stops two
    networks (or two racing API workers) from getting the same VLAN or VNI."""

    __tablename__ = "segment_allocations"
    __table_args__ = (UniqueConstraint("network_type", "physical_network", "segmentation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    network_type: Mapped[str] = mapped_column(String(32))
    # "" for tunnels, so the unique key works on every database.
    physical_network: Mapped[str] = mapped_column(String(64))
    # 0 for flat networks: one flat network per physical network.
    segmentation_id: Mapped[int] = mapped_column(Integer)
    segment_id: Mapped[str] = mapped_column(
        ForeignKey("network_segments.id", ondelete="CASCADE"), index=True)
