"""Address scopes: whether one is shared lives in ``rbac_policies``, as for networks."""
from __future__ import annotations

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column

from neutrino.db.models.base import Base, StandardAttributes


class AddressScope(StandardAttributes, Base):
    __tablename__ = "address_scopes"

    ip_version: Mapped[int] = mapped_column(Integer)
