"""subnet_allocation: subnet pools and subnets allocated from them; default-subnetpools,
subnetpool-prefix-ops (add_prefixes / remove_prefixes), subnet_onboard
(onboard_network_subnets) and rbac-subnetpool."""
from neutrino.definitions.base import (
    COMPUTED,
    REQUIRED,
    Attribute,
    Extension,
    MemberAction,
    Resource,
)
from neutrino.definitions.common import ID, IP_VERSION, OWNED
from neutrino.definitions.kinds import (
    Boolean,
    Cidr,
    Integer,
    ListOf,
    Nullable,
    Object,
    String,
    Uuid,
)

PREFIXES = ListOf(Cidr())
PREFIXLEN = Integer(0, 128)
PREFIX_LIST = Object({"prefixes": (PREFIXES, True)})

ADD_PREFIXES = MemberAction(
    "add_prefixes", request=PREFIX_LIST, response=PREFIX_LIST,
    summary="Add prefixes to the pool; answers its prefixes, compacted.")
REMOVE_PREFIXES = MemberAction(
    "remove_prefixes", request=PREFIX_LIST, response=PREFIX_LIST,
    summary="Remove prefixes no subnet uses from the pool; answers its prefixes.")
ONBOARD = MemberAction(
    "onboard_network_subnets", request=Object({"network_id": (Uuid(), True)}),
    response=ListOf(Object({"id": (Uuid(), True), "cidr": (Cidr(), True)})),
    summary="Move a network's subnets of the pool's IP version into the pool.")

SUBNETPOOL = Resource(
    name="subnetpool", collection="subnetpools",
    attributes=(
        ID, *OWNED,
        Attribute("name", String(255, min_len=1), "Human-readable name (not empty).",
                  default=REQUIRED, post=True, put=True, filter=True, sort=True),
        Attribute("prefixes", PREFIXES,
                  "The pool's prefixes, compacted: overlaps merged, adjacent halves joined.",
                  default=REQUIRED, post=True, put=True),
        Attribute("ip_version", IP_VERSION, "4 or 6, from the prefixes.", filter=True,
                  sort=True),
        Attribute("default_prefixlen", PREFIXLEN,
                  "Prefix length of subnets that ask for none; min_prefixlen by default.",
                  post=True, put=True),
        Attribute("min_prefixlen", PREFIXLEN,
                  "Shortest prefix a subnet may get (8 for IPv4, 64 for IPv6 by default).",
                  post=True, put=True),
        Attribute("max_prefixlen", PREFIXLEN,
                  "Longest prefix a subnet may get (32 or 128 by default).", post=True, put=True),
        Attribute("default_quota", Nullable(Integer(0)),
                  "Addresses (IPv4) or /64s (IPv6) each project may take; none: unlimited.",
                  default=None, post=True, put=True),
        Attribute("is_default", Boolean(),
                  "The pool subnets with use_default_subnetpool come from (one per IP version).",
                  default=False, post=True, put=True, filter=True, sort=True),
        Attribute("shared", Boolean(), "Shared with every project (or with the caller's).",
                  default=False, post=True, filter=True),
    ),
    member_actions=(ADD_PREFIXES, REMOVE_PREFIXES, ONBOARD),
)

SUBNET_ALLOCATION = Extension(
    alias="subnet_allocation", name="Subnet Allocation",
    description="Enables allocation of subnets from a subnet pool",
    updated="2015-03-30T10:00:00-00:00",
    resources=(SUBNETPOOL,),
    extends={"subnets": (
        Attribute("subnetpool_id", Nullable(Uuid()),
                  "Subnet pool the cidr comes from: a free prefix of prefixlen (or the pool's "
                  "default), or the cidr given, which must lie in the pool.",
                  default=None, post=True, filter=True, sort=True),
        Attribute("prefixlen", PREFIXLEN, "Prefix length to allocate from the subnet pool.",
                  default=COMPUTED, post=True, visible=False),
    )},
)

DEFAULT_SUBNETPOOLS = Extension(
    alias="default-subnetpools", name="Default Subnetpools",
    description="Provides ability to mark and use a subnetpool as the default.",
    updated="2016-02-18T18:00:00-00:00", requires=("subnet_allocation",),
    extends={"subnets": (Attribute(
        "use_default_subnetpool", Boolean(),
        "Allocate the cidr from the default subnet pool of the ip_version.",
        default=False, post=True, visible=False),)},
)

PREFIX_OPS = Extension(
    alias="subnetpool-prefix-ops", name="Subnet Pool Prefix Operations",
    description="Provides support for adjusting the prefix list of subnet pools",
    updated="2019-02-08T10:00:00-00:00", requires=("subnet_allocation",),
)

SUBNET_ONBOARD = Extension(
    alias="subnet_onboard", name="Subnet Onboard",
    description="Provides support for onboarding subnets into subnet pools",
    updated="2018-12-05T10:00:00-00:00", requires=("subnet_allocation",),
)

RBAC_SUBNETPOOL = Extension(
    alias="rbac-subnetpool", name="Add subnetpool type to RBAC",
    description="Add subnetpool type to RBAC", updated="2018-08-30T00:00:00-00:00",
    requires=("rbac-policies", "subnet_allocation"),
)

EXTENSIONS = [SUBNET_ALLOCATION, DEFAULT_SUBNETPOOLS, PREFIX_OPS, SUBNET_ONBOARD, RBAC_SUBNETPOOL]
