"""Per-project quota limits that override the configured defaults."""
from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from neutrino.db.models.base import Base


class Quota(Base):
    """One limit set for one project and resource (PUT /v2.0/quotas/{project_id});
    a resource without a row uses [quotas] quota_<resource>."""

    __tablename__ = "quotas"

    project_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    resource: Mapped[str] = mapped_column(String(255), primary_key=True)
    limit: Mapped[int] = mapped_column(Integer)
