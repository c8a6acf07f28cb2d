"""Definitions of a throwaway feature: a ``colour`` on ports, ``notes`` on networks
(a sub-resource: /v2.0/networks/{id}/notes) and a ``pin`` action on a note."""
from neutrino.definitions.base import REQUIRED, Attribute, Extension, MemberAction, Resource
from neutrino.definitions.common import ID, NAME, OWNED
from neutrino.definitions.kinds import Boolean, Object, OneOf, String

COLOUR = Extension(
    alias="port-colour", name="Port colour", description="A colour for every port.",
    extends={"ports": (Attribute("colour", OneOf(("none", "red", "green", "blue")),
                                 "The port's colour.", default="none", post=True, put=True,
                                 filter=True, sort=True),)},
)

PIN = MemberAction(
    "pin", request=Object({"pinned": (Boolean(), True)}),
    response=Object({"pinned": (Boolean(), True), "was_pinned": (Boolean(), True)}),
    summary="Pin (or unpin) a note.", rule="pin_note")

NOTE = Resource(
    name="note", collection="notes", parent="networks",
    attributes=(
        ID, NAME, *OWNED,
        Attribute("text", String(1000), "What the note says.", default=REQUIRED, post=True,
                  put=True, filter=True),
        Attribute("pinned", Boolean(), "Pinned with the pin action.", filter=True),
    ),
    member_actions=(PIN,),
)

NOTES = Extension(alias="network-notes", name="Network notes",
                  description="Notes kept under a network.", resources=(NOTE,))
