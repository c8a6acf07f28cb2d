"""RBAC policies: which projects may use which shared objects, and how."""
from __future__ import annotations

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from neutrino.db.models.base import Base


class RbacPolicy(Base):
    """One grant: ``target_project`` (a project id or ``*`` for all) may perform
    ``action`` on the object ``object_type``/``object_id``.

    One table for every object type: the object id is not a foreign key, so the
    plugin that deletes an object deletes its policies in the same transaction.
    The unique key is what refuses a duplicate grant, also between racing requests.
    """

    __tablename__ = "rbac_policies"
    __table_args__ = (UniqueConstraint("object_type", "object_id", "action", "target_project"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(255), index=True)
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(255))
    # A project id or "*"; the API calls it target_tenant.
    target_project: Mapped[str] = mapped_column(String(255), index=True)
