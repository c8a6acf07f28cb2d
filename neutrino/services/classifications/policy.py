"""Who may do what with classifications: a project makes, reads and deletes its
own; everyone reads shared ones; only admins share (as for networks and QoS
policies). Classification types are readable by all."""
from neutrino.policy.base import ADMIN, ADMIN_OR_PROJECT_MEMBER, ADMIN_OR_PROJECT_READER, ANY, \
    any_of, rules_for
from neutrino.services.classifications import definitions


def _checks(collection: str) -> dict[str, str]:
    return {"create": ADMIN_OR_PROJECT_MEMBER,
            "get": any_of(ADMIN_OR_PROJECT_READER, f"field:{collection}:shared=True"),
            "update": ADMIN_OR_PROJECT_MEMBER, "delete": ADMIN_OR_PROJECT_MEMBER}


RULES = [
    *rules_for(definitions.CLASSIFICATION, _checks("classifications"), {"create:shared": ADMIN}),
    *rules_for(definitions.CLASSIFICATION_GROUP, _checks("classification_groups"),
               {"create:shared": ADMIN}),
    *rules_for(definitions.CLASSIFICATION_TYPE, {"get": ANY}),
]
