"""[database] options."""
from oslo_config import cfg

OPTS = [
    cfg.StrOpt("connection", default="",
               help="SQLAlchemy URL. Empty: SQLite file in state_path. "
                    "PostgreSQL: postgresql+psycopg://user:pass@host/db"),
    cfg.IntOpt("max_retries", default=10, help="Retries of a transaction lost to a conflict."),
    cfg.IntOpt("pool_size", default=10),
]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(OPTS, group="database")
