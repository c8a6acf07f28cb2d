"""QoS policies, one table of rules per rule type, and which port, network or
floating IP uses which policy. Whether a policy is shared lives in
``rbac_policies`` (object type ``qos_policy``), as for networks."""
from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from neutrino.db.models.base import Base, StandardAttributes
from neutrino.services.l3 import models as _l3_models  # noqa: F401  (floatingips, for the FK)


class QosPolicy(StandardAttributes, Base):
    __tablename__ = "qos_policies"

    is_default: Mapped[bool] = mapped_column(Boolean, default=False)


class _Rule:
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    qos_policy_id: Mapped[str] = mapped_column(
        ForeignKey("qos_policies.id", ondelete="CASCADE"), index=True)


class BandwidthLimitRule(_Rule, Base):
    __tablename__ = "qos_bandwidth_limit_rules"

    max_kbps: Mapped[int] = mapped_column(Integer)
    max_burst_kbps: Mapped[int] = mapped_column(Integer, default=0)
    direction: Mapped[str] = mapped_column(String(16), default="egress")


class DscpMarkingRule(_Rule, Base):
    __tablename__ = "qos_dscp_marking_rules"

    dscp_mark: Mapped[int] = mapped_column(Integer)
    # The classifications feature's (docs/classifications.md): mark only what the
    # group matches (None: everything), the higher priority where rules overlap.
    classification_group_id: Mapped[str | None] = mapped_column(String(36), nullable=True,
                                                                 index=True)
    classification_priority: Mapped[int] = mapped_column(Integer, default=0)


class MinimumBandwidthRule(_Rule, Base):
    __tablename__ = "qos_minimum_bandwidth_rules"

    min_kbps: Mapped[int] = mapped_column(Integer)
    direction: Mapped[str] = mapped_column(String(16), default="egress")


class MinimumPacketRateRule(_Rule, Base):
    __tablename__ = "qos_minimum_packet_rate_rules"

    min_kpps: Mapped[int] = mapped_column(Integer)
    direction: Mapped[str] = mapped_column(String(16), default="egress")


class PacketRateLimitRule(_Rule, Base):
    __tablename__ = "qos_packet_rate_limit_rules"

    max_kpps: Mapped[int] = mapped_column(Integer)
    max_burst_kpps: Mapped[int] = mapped_column(Integer, default=0)
    direction: Mapped[str] = mapped_column(String(16), default="egress")


class PortPolicyBinding(Base):
    __tablename__ = "qos_port_policy_bindings"

    port_id: Mapped[str] = mapped_column(ForeignKey("ports.id", ondelete="CASCADE"),
                                         primary_key=True)
    policy_id: Mapped[str] = mapped_column(ForeignKey("qos_policies.id"), index=True)


class NetworkPolicyBinding(Base):
    __tablename__ = "qos_network_policy_bindings"

    network_id: Mapped[str] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"),
                                            primary_key=True)
    policy_id: Mapped[str] = mapped_column(ForeignKey("qos_policies.id"), index=True)


class FloatingIpPolicyBinding(Base):
    __tablename__ = "qos_fip_policy_bindings"

    fip_id: Mapped[str] = mapped_column(ForeignKey("floatingips.id", ondelete="CASCADE"),
                                        primary_key=True)
    policy_id: Mapped[str] = mapped_column(ForeignKey("qos_policies.id"), index=True)


class RouterGatewayPolicyBinding(Base):
    """The QoS policy of a router's external gateway (qos-gateway-ip)."""
    __tablename__ = "qos_router_gw_policy_bindings"

    router_id: Mapped[str] = mapped_column(ForeignKey("routers.id", ondelete="CASCADE"),
                                           primary_key=True)
    policy_id: Mapped[str] = mapped_column(ForeignKey("qos_policies.id"), index=True)


RULE_MODELS = {"bandwidth_limit": BandwidthLimitRule, "dscp_marking": DscpMarkingRule,
               "minimum_bandwidth": MinimumBandwidthRule,
               "minimum_packet_rate": MinimumPacketRateRule,
               "packet_rate_limit": PacketRateLimitRule}
