"""Packet logging (logging): ``/v2.0/log/logs`` and ``/v2.0/log/loggable-resources``;
see docs/api.md, "Packet logging"."""
from neutrino.callbacks import Event
from neutrino.registry import Feature, Subscription
from neutrino.services.logging import definitions, plugin, policy


def _delete_logs(column: str, resource_types: tuple[str, ...]):
    """Logs of a deleted object go with it (Neutron: a security group's or a port's
    logs; a router's snat logs)."""
    def make(registry):
        logs = registry.plugin(definitions.LOG)

        def callback(resource, event, trigger, payload) -> None:
            logs.delete_for(payload.connection, payload.context, column, payload.resource_id,
                            resource_types)
        return callback
    return make


FEATURE = Feature(
    name="logging",
    extensions=tuple(definitions.EXTENSIONS),
    plugins={definitions.LOG: plugin.LogPlugin,
             definitions.LOGGABLE_RESOURCE: plugin.LoggableResourcePlugin},
    policy_rules=tuple(policy.RULES),
    subscriptions=(
        Subscription("security_group", Event.PRECOMMIT_DELETE,
                     _delete_logs("resource_id", (definitions.SECURITY_GROUP,))),
        Subscription("port", Event.PRECOMMIT_DELETE,
                     _delete_logs("target_id", (definitions.SECURITY_GROUP,))),
        Subscription("router", Event.PRECOMMIT_DELETE,
                     _delete_logs("resource_id", (definitions.SNAT,))),
    ),
)
