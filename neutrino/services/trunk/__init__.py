"""Trunks (alias ``trunk``): ``/v2.0/trunks``, a parent port and its subports told
apart by VLAN id or, port behind port, by MAC address; ``trunk_details`` on parent
ports (``trunk-details``); the agent's status report
(/feed/v1/hosts/{host}/trunks). docs/trunks.md."""
from neutrino.callbacks import Event
from neutrino.registry import Feature, Subscription
from neutrino.services.trunk import api, definitions, plugin, policy


def _remember_parent_host(registry):
    """Before a port update asking for a binding: where the port was bound."""
    def callback(resource, event, trigger, payload) -> None:
        conn, body = payload.connection, payload.request_body
        if conn is None:
            return
        port = payload.states[0]
        remembered = conn.info.setdefault(plugin._PARENT_HOST, {})
        if body and plugin.HOST in body:
            remembered[port["id"]] = port.get(plugin.HOST) or ""
        else:
            remembered.pop(port["id"], None)
    return callback


def _align(registry):
    """A changed port that is a trunk's parent takes its trunk along (the binding has
    run: this subscribes after it); a subport's new MAC changes its parent's
    trunk_details."""
    trunks = registry.plugin(definitions.TRUNK)

    def callback(resource, event, trigger, payload) -> None:
        conn, port, body = payload.connection, payload.desired_state, payload.request_body
        before = conn.info.get(plugin._PARENT_HOST, {}).pop(port["id"], None)
        moved = before is not None and before != (port.get(plugin.HOST) or "")
        trunks.align(conn, payload.context, port, moved)
        if body and "mac_address" in body:
            parent = trunks.parent_of_subport(conn, port["id"])
            if parent:
                registry.plugin("ports").touch(conn, payload.context, [parent])
    return callback


def _refuse_port_delete(registry):
    trunks = registry.plugin(definitions.TRUNK)

    def callback(resource, event, trigger, payload) -> None:
        trunks.refuse_port_delete(payload.connection, payload.resource_id)
    return callback


FEATURE = Feature(
    name="trunk",
    extensions=tuple(definitions.EXTENSIONS),
    plugins={definitions.TRUNK: plugin.TrunkPlugin},
    extenders=(plugin.PortTrunkDetails,),
    policy_rules=tuple(policy.RULES),
    subscriptions=(
        Subscription("port", Event.BEFORE_UPDATE, _remember_parent_host),
        Subscription("port", Event.PRECOMMIT_UPDATE, _align),
        Subscription("port", Event.BEFORE_DELETE, _refuse_port_delete),
    ),
    routes=(api.install,),
)
