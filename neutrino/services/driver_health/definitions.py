"""driver-health (ours, experimental): the health of every loaded driver, as the
server's periodic check last found it (docs/driver-health.md).

``GET /v2.0/driver-health`` answers ``{"drivers": [...]}``, ``GET
/v2.0/driver-health/{name}`` one ``{"driver": {...}}``; admins only, read only.
"""
from neutrino.definitions.base import Attribute, Extension, Resource
from neutrino.definitions.kinds import Nullable, OneOf, String

KINDS = ("mechanism", "type", "extension", "service")
STATUSES = ("OK", "DEGRADED", "ERROR", "UNKNOWN")

DRIVER_HEALTH = Resource(
    name="driver_health", collection="drivers", path="driver-health", body_key="driver",
    standard_attributes=False, project_scoped=False, writable=False, bulk=False,
    id_attribute="name",
    attributes=(
        Attribute("name", String(255), "The driver, as configured: openvswitch, vlan, "
                  "placement, ...", filter=True, sort=True),
        Attribute("type", OneOf(KINDS), "mechanism, type, extension or service.", filter=True,
                  sort=True),
        Attribute("service_type", String(255), "The service it belongs to: CORE, "
                  "L3_ROUTER_NAT, QOS.", filter=True, sort=True),
        Attribute("status", OneOf(STATUSES), "OK, DEGRADED (works in part), ERROR (does not "
                  "work), UNKNOWN (no check, or not checked yet).", filter=True, sort=True),
        Attribute("detail", String(None), "What the check found, for a human."),
        Attribute("last_checked", Nullable(String()), "When the check last ran (ISO 8601, "
                  "UTC); null: not yet."),
    ),
)

EXTENSION = Extension(
    alias="driver-health", name="Driver health",
    description="Experimental: the health of each loaded mechanism, type, extension and "
                "service driver, from a periodic check in the server.",
    updated="2026-12-02T00:00:00-00:00", resources=(DRIVER_HEALTH,))
