"""address-scope: scopes that subnet pools join so their prefixes never overlap;
rbac-address-scope: sharing scopes through RBAC policies."""
from neutrino.definitions.base import REQUIRED, Attribute, Extension, Resource
from neutrino.definitions.common import ID, IP_VERSION, NAME, OWNED
from neutrino.definitions.kinds import Boolean, Nullable, Uuid

ADDRESS_SCOPE = Resource(
    name="address_scope", collection="address_scopes", path="address-scopes",
    attributes=(
        ID, NAME, *OWNED,
        Attribute("ip_version", IP_VERSION, "4 or 6: the family of the scope's pools.",
                  default=REQUIRED, post=True, filter=True, sort=True),
        # A view of the scope's RBAC policies, as for networks: true when shared with
        # every project (or with the caller's). Setting it adds the wildcard policy.
        # Not a sort key: it is no column but a view of RBAC policies (as for networks).
        Attribute("shared", Boolean(), "Shared with every project (or with the caller's).",
                  default=False, post=True, put=True, filter=True),
    ),
)

ADDRESS_SCOPE_EXT = Extension(
    alias="address-scope", name="Address scope", description="Address scopes extension.",
    updated="2015-07-26T10:00:00-00:00",
    resources=(ADDRESS_SCOPE,),
    extends={
        "subnetpools": (Attribute(
            "address_scope_id", Nullable(Uuid()),
            "Scope the pool belongs to: its prefixes overlap no other pool's of the scope.",
            default=None, post=True, put=True, filter=True, sort=True),),
        "networks": (
            Attribute("ipv4_address_scope", Nullable(Uuid()),
                      "Address scope of the network's IPv4 subnets (through their pool)."),
            Attribute("ipv6_address_scope", Nullable(Uuid()),
                      "Address scope of the network's IPv6 subnets (through their pool)."),
        ),
    },
    requires=("subnet_allocation",),
)

RBAC_ADDRESS_SCOPE = Extension(
    alias="rbac-address-scope", name="Add address_scope type to RBAC",
    description="Add address_scope type to RBAC", updated="2018-08-30T00:00:00-00:00",
    requires=("rbac-policies", "address-scope"),
)

EXTENSIONS = [ADDRESS_SCOPE_EXT, RBAC_ADDRESS_SCOPE]
