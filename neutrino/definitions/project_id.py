"""project-id: project_id alongside tenant_id (declared in common.OWNED)."""
from neutrino.definitions.base import Extension

EXTENSION = Extension(
    alias="project-id", name="project_id field enabled",
    description="Extension that indicates that project_id field is enabled.",
)
