"""SQLAlchemy models, one module per resource family. Importing this package
registers every table on ``Base.metadata`` (Alembic and tests rely on it)."""
from neutrino.db.models import journal, network, port, security_group, subnet, tag  # noqa: F401
from neutrino.db.models.base import Base

__all__ = ["Base"]
