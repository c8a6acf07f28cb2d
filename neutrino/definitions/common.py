"""Attributes shared by many resources: id, name, project ownership."""
from neutrino.definitions.base import COMPUTED, Attribute
from neutrino.definitions.kinds import OneOf, String, Uuid

ID = Attribute("id", Uuid(), "The resource's UUID.", filter=True, sort=True)
NAME = Attribute("name", String(255), "Human-readable name.", default="", post=True, put=True,
                 filter=True, sort=True)
PROJECT_ID = Attribute("project_id", String(255), "Owning project.", default=COMPUTED, post=True,
                       filter=True, sort=True)
TENANT_ID = Attribute("tenant_id", String(255), "Owning project (deprecated name).",
                      default=COMPUTED, post=True, filter=True, sort=True)
OWNED = (PROJECT_ID, TENANT_ID)
# An IP version, given as 4 or 6 or (as Neutron's convert_to_int allows) "4" or "6".
IP_VERSION = OneOf((4, 6), to_int=True)
