"""Flavors, service profiles and which profiles each flavor has."""
from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from neutrino.db.models.base import Base, StandardAttributes


class Flavor(StandardAttributes, Base):
    __tablename__ = "flavors"

    service_type: Mapped[str] = mapped_column(String(255))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    long_description: Mapped[str] = mapped_column(String(1024), default="")


class ServiceProfile(StandardAttributes, Base):
    __tablename__ = "service_profiles"

    driver: Mapped[str] = mapped_column(String(1024), default="")
    metainfo: Mapped[str] = mapped_column(String(4096), default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    long_description: Mapped[str] = mapped_column(String(1024), default="")


class FlavorServiceProfile(Base):
    __tablename__ = "flavor_service_profiles"

    flavor_id: Mapped[str] = mapped_column(ForeignKey("flavors.id", ondelete="CASCADE"),
                                           primary_key=True)
    service_profile_id: Mapped[str] = mapped_column(ForeignKey("service_profiles.id"),
                                                    primary_key=True, index=True)


class RouterProviderAssociation(Base):
    """Which provider serves a router (the routing data plane reads it)."""

    __tablename__ = "router_providers"

    router_id: Mapped[str] = mapped_column(ForeignKey("routers.id", ondelete="CASCADE"),
                                           primary_key=True)
    provider: Mapped[str] = mapped_column(String(255))
