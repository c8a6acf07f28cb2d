"""Standard attributes of every standard-attribute resource: description, tags,
timestamps, revision numbers and If-Match revision constraints."""
from neutrino.definitions.base import Attribute, Extension
from neutrino.definitions.kinds import Integer, ListOf, String

DESCRIPTION = Extension(
    alias="standard-attr-description", name="standard-attr-description",
    description="Extension to add descriptions to standard attributes.",
    extends_standard=(Attribute("description", String(255), "Free text.", default="",
                                post=True, put=True, filter=True),),
)

TAGS = Extension(
    alias="standard-attr-tag", name="Tag support for resources with standard attribute",
    description="Enables to set tag on resources with standard attribute.",
    extends_standard=(Attribute("tags", ListOf(String(255)), "Tags (set via the tags API)."),),
    filters={"*": ("tags", "tags-any", "not-tags", "not-tags-any")},
)

TAG_CREATION = Extension(
    alias="tag-creation", name="Tag creation extension",
    description="Enables adding several tags with POST /{resources}/{id}/tags.",
    requires=("standard-attr-tag",),
)

TIMESTAMP = Extension(
    alias="standard-attr-timestamp", name="Resource timestamps",
    description="Adds created_at and updated_at fields to all Neutron resources that have "
                "Neutron standard attributes.",
    extends_standard=(
        Attribute("created_at", String(None), "Creation time (UTC).", filter=True, sort=True),
        Attribute("updated_at", String(None), "Last change (UTC).", filter=True, sort=True),
    ),
    filters={"*": ("changed_since",)},
)

REVISIONS = Extension(
    alias="standard-attr-revisions", name="Resource revision numbers",
    description="This extension will display the revision number of neutron resources.",
    # Bounded by the 32-bit column, so an out-of-range filter is a 400, not a DB error.
    extends_standard=(Attribute("revision_number", Integer(0, 2**31 - 1), "Bumped by every change.",
                                filter=True, sort=True),),
)

IF_MATCH = Extension(
    alias="revision-if-match", name="If-Match constraints based on revision_number",
    description="Extension indicating that If-Match based on revision_number is supported.",
    requires=("standard-attr-revisions",),
)

EXTENSIONS = [DESCRIPTION, TAGS, TAG_CREATION, TIMESTAMP, REVISIONS, IF_MATCH]
