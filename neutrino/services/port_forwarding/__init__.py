"""Port forwarding on floating IPs (floating-ip-port-forwarding and friends)."""
from sqlalchemy import select

from neutrino import exceptions as exc
from neutrino.callbacks import Event
from neutrino.registry import Feature, Subscription
from neutrino.services.port_forwarding import definitions, plugin, policy


def _delete_with_port(registry):
    """A deleted port's forwardings go with it."""
    forwardings = registry.plugin(definitions.PORT_FORWARDING)

    def callback(resource, event, trigger, payload) -> None:
        forwardings.delete_for_port(payload.connection, payload.context, payload.resource_id)
    return callback


def _delete_with_address(registry):
    """Forwardings to a fixed IP its port no longer has go."""
    forwardings = registry.plugin(definitions.PORT_FORWARDING)

    def callback(resource, event, trigger, payload) -> None:
        port = payload.desired_state
        if port is None or "fixed_ips" not in (payload.request_body or {}):
            return
        forwardings.delete_for_port(payload.connection, payload.context, port["id"],
                                    [ip["ip_address"] for ip in port["fixed_ips"]])
    return callback


def _refuse_nat_on_forwarding_fip(registry):
    """A floating IP with port forwardings is not associated with a port, nor deleted
    before its forwardings: 409 FipInUseByPortForwarding."""
    def callback(resource, event, trigger, payload) -> None:
        if event == Event.BEFORE_UPDATE and (payload.request_body or {}).get("port_id") is None:
            return
        if payload.connection.execute(select(plugin.PFS.c.id).where(
                plugin.PFS.c.floatingip_id == payload.resource_id).limit(1)).first():
            raise exc.FipInUseByPortForwarding(id=payload.resource_id)
    return callback


FEATURE = Feature(
    name="port_forwarding",
    extensions=tuple(definitions.EXTENSIONS),
    plugins={definitions.PORT_FORWARDING: plugin.PortForwardingPlugin},
    extenders=(plugin.FloatingIpPortForwardings,),
    policy_rules=tuple(policy.RULES),
    subscriptions=(
        Subscription("port", Event.BEFORE_DELETE, _delete_with_port),
        Subscription("port", Event.PRECOMMIT_UPDATE, _delete_with_address),
        Subscription("floatingip", Event.BEFORE_UPDATE, _refuse_nat_on_forwarding_fip),
        Subscription("floatingip", Event.BEFORE_DELETE, _refuse_nat_on_forwarding_fip),
    ),
)
