"""A throwaway feature, loaded with ``[DEFAULT] extra_features =
tests.features.throwaway``: the proof that a feature is a definition module, a
plugin and this one declaration."""
from neutrino.policy.base import ADMIN, ADMIN_OR_PROJECT_MEMBER, NET_OWNER, any_of, rule, rules_for
from neutrino.callbacks import Event
from neutrino.registry import Feature, Subscription
from tests.features.throwaway import definitions, plugin

# Notes belong to whoever wrote them; only members of the network's project (the
# parent, as its declaration names it) may write them or pin them.
NET_MEMBER = f"role:member and {NET_OWNER}"
RULES = [
    *rules_for(definitions.NOTE, {
        "create": any_of(ADMIN, NET_MEMBER),
        "get": any_of(ADMIN, "role:reader and project_id:%(project_id)s", NET_OWNER),
        "update": ADMIN_OR_PROJECT_MEMBER,
        "delete": any_of(ADMIN_OR_PROJECT_MEMBER, NET_MEMBER),
    }),
    rule("pin_note", any_of(ADMIN, NET_MEMBER), "Pin a note.",
         [{"method": "PUT", "path": "/networks/{id}/notes/{sub_id}/pin"}]),
]

FEATURE = Feature(
    name="throwaway",
    extensions=(definitions.COLOUR, definitions.NOTES),
    plugins={definitions.NOTE: plugin.NotePlugin},
    extenders=(plugin.PortColour,),
    policy_rules=tuple(RULES),
    quota_resources=(definitions.NOTE,),
    subscriptions=(Subscription("network", Event.PRECOMMIT_DELETE,
                                plugin.delete_notes_with_network),),
    tables=(plugin.NOTES, plugin.COLOURS),
)
