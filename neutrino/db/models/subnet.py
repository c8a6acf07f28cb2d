"""Subnets and their ordered child lists."""
from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from neutrino.db.models.base import Base, StandardAttributes


class Subnet(StandardAttributes, Base):
    __tablename__ = "subnets"

    network_id: Mapped[str] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"),
                                            index=True)
    ip_version: Mapped[int] = mapped_column(Integer)
    cidr: Mapped[str] = mapped_column(String(64))
    gateway_ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    enable_dhcp: Mapped[bool] = mapped_column(Boolean, default=True)
    ipv6_ra_mode: Mapped[str | None] = mapped_column(String(16), nullable=True)
    ipv6_address_mode: Mapped[str | None] = mapped_column(String(16), nullable=True)
    subnetpool_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    # The segment of a routed network the subnet is on (alias segment).
    segment_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)


def _child(name: str) -> Mapped[str]:
    return mapped_column(ForeignKey("subnets.id", ondelete="CASCADE"), index=True)


class AllocationPool(Base):
    __tablename__ = "subnet_allocation_pools"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subnet_id: Mapped[str] = _child("subnet_id")
    first_ip: Mapped[str] = mapped_column(String(64))
    last_ip: Mapped[str] = mapped_column(String(64))


class DnsNameserver(Base):
    __tablename__ = "subnet_dns_nameservers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subnet_id: Mapped[str] = _child("subnet_id")
    address: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)


class HostRoute(Base):
    __tablename__ = "subnet_routes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subnet_id: Mapped[str] = _child("subnet_id")
    destination: Mapped[str] = mapped_column(String(64))
    nexthop: Mapped[str] = mapped_column(String(64))


class ServiceType(Base):
    __tablename__ = "subnet_service_types"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subnet_id: Mapped[str] = _child("subnet_id")
    service_type: Mapped[str] = mapped_column(String(255))
