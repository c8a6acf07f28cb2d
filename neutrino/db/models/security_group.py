"""Security groups, their rules, each project's default group and port bindings."""
from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from neutrino.db.models.base import Base, StandardAttributes


class SecurityGroup(StandardAttributes, Base):
    __tablename__ = "security_groups"

    stateful: Mapped[bool] = mapped_column(Boolean, default=True)


class SecurityGroupRule(StandardAttributes, Base):
    __tablename__ = "security_group_rules"
    # Two requests adding the same rule at once: the database keeps one, the
    # other request is run again and finds it (409 SecurityGroupRuleExists).
    __table_args__ = (UniqueConstraint("security_group_id", "match_key"),)

    security_group_id: Mapped[str] = mapped_column(
        ForeignKey("security_groups.id", ondelete="CASCADE"), index=True)
    # Neutron removes rules that refer to a deleted group.
    remote_group_id: Mapped[str | None] = mapped_column(
        ForeignKey("security_groups.id", ondelete="CASCADE"), nullable=True, index=True)
    direction: Mapped[str] = mapped_column(String(16))
    ethertype: Mapped[str] = mapped_column(String(8))
    protocol: Mapped[str | None] = mapped_column(String(40), nullable=True)
    port_range_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    port_range_max: Mapped[int | None] = mapped_column(Integer, nullable=True)
    remote_ip_prefix: Mapped[str | None] = mapped_column(String(64), nullable=True)
    normalized_cidr: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # What the rule matches, in one canonical string: equal keys, equal rules.
    match_key: Mapped[str] = mapped_column(String(255))


class DefaultSecurityGroup(Base):
    """The one default group of each project; the primary key is what stops two
    racing requests from creating two."""

    __tablename__ = "default_security_groups"

    project_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    security_group_id: Mapped[str] = mapped_column(
        ForeignKey("security_groups.id", ondelete="CASCADE"), unique=True)


class SecurityGroupPortBinding(Base):
    """A port's membership in a group. A group with members cannot be deleted,
    even by a request racing the one that adds the member (no ON DELETE)."""

    __tablename__ = "security_group_port_bindings"

    port_id: Mapped[str] = mapped_column(ForeignKey("ports.id", ondelete="CASCADE"),
                                         primary_key=True)
    security_group_id: Mapped[str] = mapped_column(ForeignKey("security_groups.id"),
                                                   primary_key=True, index=True)
