"""A feature that adds a writable attribute to networks and nothing that stores it:
the server must refuse to start with it."""
from neutrino.definitions.base import Attribute, Extension
from neutrino.definitions.kinds import String
from neutrino.registry import Feature

FEATURE = Feature(name="ownerless", extensions=(Extension(
    alias="network-motto", name="Network motto", description="Dropped on the floor.",
    extends={"networks": (Attribute("motto", String(64), "A motto.", default="", post=True,
                                    put=True),)}),))
