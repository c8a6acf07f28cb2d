"""Ports and their addresses, address pairs and DHCP options."""
from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from neutrino.db.models.base import Base, StandardAttributes


class Port(StandardAttributes, Base):
    __tablename__ = "ports"
    # The database, not the API process, guarantees one MAC per network.
    __table_args__ = (UniqueConstraint("network_id", "mac_address"),)

    network_id: Mapped[str] = mapped_column(ForeignKey("networks.id"), index=True)
    mac_address: Mapped[str] = mapped_column(String(32))
    admin_state_up: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default="DOWN")
    device_id: Mapped[str] = mapped_column(String(255), default="", index=True)
    device_owner: Mapped[str] = mapped_column(String(255), default="")
    port_security_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    ip_allocation: Mapped[str] = mapped_column(String(16), default="immediate")
    dns_name: Mapped[str] = mapped_column(String(255), default="")
    binding_host_id: Mapped[str] = mapped_column(String(255), default="")
    binding_vnic_type: Mapped[str] = mapped_column(String(64), default="normal")
    binding_profile: Mapped[str] = mapped_column(Text, default="{}")
    binding_vif_type: Mapped[str] = mapped_column(String(64), default="unbound")
    binding_vif_details: Mapped[str] = mapped_column(Text, default="{}")
    # The network segment the active binding bound (none while unbound).
    binding_segment_id: Mapped[str | None] = mapped_column(String(36), nullable=True,
                                                           index=True)
    # services/sriov: columns here rather than a table of their own, so that a port
    # list reads them with the row it reads anyway (no query, no join).
    propagate_uplink_status: Mapped[bool] = mapped_column(Boolean, default=False)
    numa_affinity_policy: Mapped[str | None] = mapped_column(String(16), nullable=True)


class InactivePortBinding(Base):
    """A binding of a port on another host than its active one (binding-extended):
    bound by the mechanism drivers but not wired. The active binding is the port's
    own ``binding_*`` columns."""

    __tablename__ = "port_inactive_bindings"

    port_id: Mapped[str] = mapped_column(ForeignKey("ports.id", ondelete="CASCADE"),
                                         primary_key=True)
    host: Mapped[str] = mapped_column(String(255), primary_key=True)
    vnic_type: Mapped[str] = mapped_column(String(64), default="normal")
    profile: Mapped[str] = mapped_column(Text, default="{}")
    vif_type: Mapped[str] = mapped_column(String(64), default="unbound")
    vif_details: Mapped[str] = mapped_column(Text, default="{}")
    segment_id: Mapped[str | None] = mapped_column(String(36), nullable=True)


class IpAllocation(Base):
    __tablename__ = "ip_allocations"
    # The database, not the API process, guarantees one owner per address.
    __table_args__ = (UniqueConstraint("subnet_id", "ip_address"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    port_id: Mapped[str] = mapped_column(ForeignKey("ports.id", ondelete="CASCADE"), index=True)
    subnet_id: Mapped[str] = mapped_column(ForeignKey("subnets.id"), index=True)
    network_id: Mapped[str] = mapped_column(String(36), index=True)
    ip_address: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer, default=0)


class AllowedAddressPair(Base):
    __tablename__ = "port_allowed_address_pairs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    port_id: Mapped[str] = mapped_column(ForeignKey("ports.id", ondelete="CASCADE"), index=True)
    ip_address: Mapped[str] = mapped_column(String(64))
    mac_address: Mapped[str] = mapped_column(String(32))


class ExtraDhcpOpt(Base):
    __tablename__ = "port_extra_dhcp_opts"
    __table_args__ = (UniqueConstraint("port_id", "opt_name", "ip_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    port_id: Mapped[str] = mapped_column(ForeignKey("ports.id", ondelete="CASCADE"), index=True)
    opt_name: Mapped[str] = mapped_column(String(64))
    opt_value: Mapped[str] = mapped_column(String(255))
    ip_version: Mapped[int] = mapped_column(Integer, default=4)
