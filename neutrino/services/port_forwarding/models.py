"""Port forwardings of floating IPs: one (protocol, external port range) of a
floating IP to (internal port's address, internal port range)."""
from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from neutrino.db.models.base import Base, StandardAttributes


class PortForwarding(StandardAttributes, Base):
    __tablename__ = "port_forwardings"
    # The same forwarding created twice at once: the second fails on these keys (and
    # is retried, then refused as a collision).
    __table_args__ = (
        UniqueConstraint("floatingip_id", "protocol", "external_port_start",
                         name="uq_port_forwardings_external"),
        UniqueConstraint("internal_port_id", "internal_ip_address", "protocol",
                         "internal_port_start", name="uq_port_forwardings_internal"),
    )

    floatingip_id: Mapped[str] = mapped_column(ForeignKey("floatingips.id"), index=True)
    internal_port_id: Mapped[str] = mapped_column(ForeignKey("ports.id"), index=True)
    internal_ip_address: Mapped[str] = mapped_column(String(64))
    protocol: Mapped[str] = mapped_column(String(40))
    internal_port_start: Mapped[int] = mapped_column(Integer)
    internal_port_end: Mapped[int] = mapped_column(Integer)
    external_port_start: Mapped[int] = mapped_column(Integer)
    external_port_end: Mapped[int] = mapped_column(Integer)
