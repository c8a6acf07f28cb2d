"""rbac-policies: grants letting other projects use an object (today: networks)."""
from neutrino.definitions.base import REQUIRED, Attribute, Extension, Resource
from neutrino.definitions.common import ID, OWNED
from neutrino.definitions.kinds import String, Uuid

# object_type and action are checked against the object types the server has
# registered (neutrino/core/rbac.py), since extensions add types and actions.
RBAC_POLICY = Resource(
    name="rbac_policy", collection="rbac_policies", path="rbac-policies",
    attributes=(
        ID, *OWNED,
        Attribute("object_type", String(255), "Type of the shared object: network.",
                  default=REQUIRED, post=True, filter=True, sort=True),
        Attribute("object_id", Uuid(), "ID of the shared object.", default=REQUIRED,
                  post=True, filter=True, sort=True),
        Attribute("action", String(255),
                  "What the target may do: access_as_shared or access_as_external.",
                  default=REQUIRED, post=True, filter=True, sort=True),
        Attribute("target_tenant", String(255, min_len=1),
                  "Project granted the action, or * for every project.", default=REQUIRED,
                  post=True, put=True, filter=True, sort=True),
    ),
    standard_attributes=False,
)

EXTENSION = Extension(
    alias="rbac-policies", name="RBAC Policies",
    description="Policies that let other projects (or all of them) use a project's objects.",
    updated="2015-06-17T12:15:12-00:00",
    resources=(RBAC_POLICY,),
)
