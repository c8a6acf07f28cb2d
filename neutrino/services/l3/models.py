"""Routers, their ports and routes, and floating IPs.

What the routing data plane needs to place a router is stored here: the router's
ports (``router_ports``: gateway and interfaces, by device owner; their addresses
are the ports' IP allocations), its routes, its flags (``ha``, ``distributed``,
``enable_snat``) and ``host``, the node it is scheduled to (NULL until a
scheduler exists). A floating IP names its own port on the external network, the
internal port and fixed IP it maps to, and the router that translates it.
"""
from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from neutrino.db.models.base import Base, StandardAttributes


class Router(StandardAttributes, Base):
    __tablename__ = "routers"

    admin_state_up: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default="ACTIVE")
    gw_port_id: Mapped[str | None] = mapped_column(ForeignKey("ports.id"), nullable=True)
    enable_snat: Mapped[bool] = mapped_column(Boolean, default=True)
    ha: Mapped[bool] = mapped_column(Boolean, default=False)
    distributed: Mapped[bool] = mapped_column(Boolean, default=False)
    flavor_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    # JSON list of zone names.
    availability_zone_hints: Mapped[str] = mapped_column(Text, default="[]")
    host: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True)


class RouterPort(Base):
    """A port of a router: its gateway or one of its interfaces."""

    __tablename__ = "router_ports"

    port_id: Mapped[str] = mapped_column(ForeignKey("ports.id", ondelete="CASCADE"),
                                         primary_key=True)
    router_id: Mapped[str] = mapped_column(ForeignKey("routers.id", ondelete="CASCADE"),
                                           index=True)
    port_type: Mapped[str] = mapped_column(String(255))


class RouterRoute(Base):
    __tablename__ = "router_routes"

    router_id: Mapped[str] = mapped_column(ForeignKey("routers.id", ondelete="CASCADE"),
                                           primary_key=True)
    destination: Mapped[str] = mapped_column(String(64), primary_key=True)
    nexthop: Mapped[str] = mapped_column(String(64), primary_key=True)


class FloatingIp(StandardAttributes, Base):
    __tablename__ = "floatingips"
    __table_args__ = (UniqueConstraint("fixed_port_id", "fixed_ip_address"),)

    floating_network_id: Mapped[str] = mapped_column(ForeignKey("networks.id"), index=True)
    floating_port_id: Mapped[str] = mapped_column(ForeignKey("ports.id"), unique=True)
    floating_ip_address: Mapped[str] = mapped_column(String(64))
    fixed_port_id: Mapped[str | None] = mapped_column(ForeignKey("ports.id"), nullable=True,
                                                      index=True)
    fixed_ip_address: Mapped[str | None] = mapped_column(String(64), nullable=True)
    router_id: Mapped[str | None] = mapped_column(ForeignKey("routers.id"), nullable=True,
                                                  index=True)
    status: Mapped[str] = mapped_column(String(16), default="DOWN")
    dns_name: Mapped[str] = mapped_column(String(255), default="")
    dns_domain: Mapped[str] = mapped_column(String(255), default="")
