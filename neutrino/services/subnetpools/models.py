"""Subnet pools and their prefixes; subnets point at their pool (subnets.subnetpool_id)."""
from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from neutrino.db.models.base import Base, StandardAttributes


class SubnetPool(StandardAttributes, Base):
    __tablename__ = "subnetpools"

    ip_version: Mapped[int] = mapped_column(Integer)
    default_prefixlen: Mapped[int] = mapped_column(Integer)
    min_prefixlen: Mapped[int] = mapped_column(Integer)
    max_prefixlen: Mapped[int] = mapped_column(Integer)
    default_quota: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Deleting a scope that pools use is refused by the plugin (AddressScopeInUse);
    # the key makes the database refuse it too.
    address_scope_id: Mapped[str | None] = mapped_column(
        ForeignKey("address_scopes.id"), nullable=True, index=True)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    # The ip_version while is_default, else NULL: a unique key that lets the database
    # keep one default pool per IP version even when two requests race.
    default_for_version: Mapped[int | None] = mapped_column(Integer, nullable=True,
                                                            unique=True)


class SubnetPoolPrefix(Base):
    __tablename__ = "subnetpool_prefixes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subnetpool_id: Mapped[str] = mapped_column(
        ForeignKey("subnetpools.id", ondelete="CASCADE"), index=True)
    cidr: Mapped[str] = mapped_column(String(64))
