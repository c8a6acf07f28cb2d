"""Classifications, classification groups and what each group holds.

A classification's type fields are one JSON column (``definition``), not a table
per type as neutron-classifier had: they are frozen once written and only ever
read whole (by the API and by the agents compiling them), never queried by field.
Members reference what they hold without cascading: a classification or group in
a group cannot be deleted (the plugin refuses first, 409).
"""
from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from neutrino.db.models.base import Base, StandardAttributes


class Classification(StandardAttributes, Base):
    __tablename__ = "classifications"

    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    c_type: Mapped[str] = mapped_column(String(16))
    negated: Mapped[bool] = mapped_column(Boolean, default=False)
    definition: Mapped[str] = mapped_column(Text, default="{}")


class ClassificationGroup(StandardAttributes, Base):
    __tablename__ = "classification_groups"

    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    operator: Mapped[str] = mapped_column(String(3), default="AND")


class GroupClassification(Base):
    __tablename__ = "classification_group_classifications"

    group_id: Mapped[str] = mapped_column(
        ForeignKey("classification_groups.id", ondelete="CASCADE"), primary_key=True)
    classification_id: Mapped[str] = mapped_column(
        ForeignKey("classifications.id"), primary_key=True, index=True)


class GroupGroup(Base):
    __tablename__ = "classification_group_groups"

    group_id: Mapped[str] = mapped_column(
        ForeignKey("classification_groups.id", ondelete="CASCADE"), primary_key=True)
    member_group_id: Mapped[str] = mapped_column(
        ForeignKey("classification_groups.id"), primary_key=True, index=True)
