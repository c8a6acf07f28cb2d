"""[database] options."""
from oslo_config import cfg

OPTS = [
    cfg.StrOpt("connection", default="",
               help="SQLAlchemy URL. Empty: SQLite file in state_path. "
                    "PostgreSQL: postgresql+psycopg://user:pass@host/db"),
    cfg.IntOpt("max_retries", default=10, help="Retries of a transaction lost to a conflict."),
    cfg.IntOpt("pool_size", default=10,
               help="PostgreSQL connections each worker keeps open (as many more may open "
                    "under load). Not used with SQLite."),
]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(OPTS, group="database")
