"""SQLAlchemy models, one module per resource family. Importing this package
registers every table on ``Base.metadata`` (Alembic and tests rely on it)."""
from neutrino.db.models import (  # noqa: F401
    journal, network, port, quota, rbac, security_group, subnet, tag,
)
from neutrino.db.models.base import Base

__all__ = ["Base"]
