"""logging: packet logs of security groups (and of a router's SNAT, where the data
plane declares it), ``/v2.0/log/logs``, and the types a log may be of,
``/v2.0/log/loggable-resources``."""
from neutrino.definitions.base import REQUIRED, Attribute, Extension, Resource
from neutrino.definitions.common import ID, NAME, OWNED
from neutrino.definitions.kinds import Boolean, Nullable, OneOf, String, Uuid

SECURITY_GROUP = "security_group"
SNAT = "snat"
EVENTS = ("ACCEPT", "DROP", "ALL")

LOG = Resource(
    name="log", collection="logs", path="log/logs",
    attributes=(
        ID, NAME, *OWNED,
        # Any string: a type no driver supports is refused by the plugin (400
        # InvalidLogResourceType), not by the body's validation.
        Attribute("resource_type", String(255), "What is logged: security_group or snat.",
                  default=REQUIRED, post=True, filter=True, sort=True),
        Attribute("resource_id", Nullable(Uuid()), "The object logged: a security group, or "
                  "for snat the router (null: every security group of the project).",
                  default=None, post=True, filter=True, sort=True),
        Attribute("target_id", Nullable(Uuid()), "One port the security group log is "
                  "narrowed to.", default=None, post=True, filter=True, sort=True),
        Attribute("event", OneOf(EVENTS), "ACCEPT, DROP or ALL: which packets are logged.",
                  default="ALL", post=True, filter=True),
        Attribute("enabled", Boolean(), "Whether the data plane logs (false keeps the log).",
                  default=True, post=True, put=True, filter=True, sort=True),
    ),
)

LOGGABLE_RESOURCE = Resource(
    name="loggable_resource", collection="loggable_resources", path="log/loggable-resources",
    standard_attributes=False, project_scoped=False, writable=False, bulk=False,
    id_attribute="type",
    attributes=(Attribute("type", String(255), "A resource_type logs may have.", filter=True),),
)

LOGGING = Extension(
    alias="logging", name="Logging API Extension",
    description="Provides a logging API for resources such as security group and firewall.",
    updated="2017-01-01T10:00:00-00:00", resources=(LOG, LOGGABLE_RESOURCE))

EXTENSIONS = [LOGGING]
