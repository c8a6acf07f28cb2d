"""Agents: one row per (agent_type, host), written by the agents' own reports.

Timestamps are stored as the other tables store theirs (ISO-8601 UTC text,
"2026-12-02T01:45:00Z", which compares in time order); the API renders them the
way Neutron does ("2026-12-02 01:45:00"). An agent is alive while its
``heartbeat_timestamp`` is newer than ``[DEFAULT] agent_down_time`` seconds.
``configurations`` is the JSON object the agent reported (bridge_mappings,
tunnel_types, tunneling_ip, ... for an Open vSwitch agent).
``journaled_alive`` is what the journal last said about ``alive``, so the
server's periodic check journals an agent once when it dies, not on every pass.
"""
from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from neutrino.db.models.base import Base


class Agent(Base):
    __tablename__ = "agents"
    __table_args__ = (UniqueConstraint("agent_type", "host"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agent_type: Mapped[str] = mapped_column(String(255))
    binary: Mapped[str] = mapped_column(String(255))
    topic: Mapped[str] = mapped_column(String(255))
    host: Mapped[str] = mapped_column(String(255), index=True)
    admin_state_up: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str | None] = mapped_column(String(255), nullable=True, default="")
    availability_zone: Mapped[str | None] = mapped_column(String(255), nullable=True)
    configurations: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[str] = mapped_column(String(20))
    heartbeat_timestamp: Mapped[str] = mapped_column(String(20))
    resources_synced: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    journaled_alive: Mapped[bool] = mapped_column(Boolean, default=True)


class AgentPhysicalNetwork(Base):
    """The physical networks an agent reaches (``physical_networks``, alias
    agent-physical-networks): derived from its ``configurations`` whenever they are
    written (physnets.py), one row per name, so that a list filters on them."""

    __tablename__ = "agent_physical_networks"

    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"),
                                          primary_key=True)
    physical_network: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
