"""Configuration: oslo.config options, one module per group, registered on import of
this package. Read values at use time (``CONF.group.opt``), never cache mutable ones."""
from oslo_config import cfg

from neutrino.conf import (
    agent, agents, database, default, driver_health, journal, ml2, network_log, placement,
    quotas, sriov,
)

CONF = cfg.CONF

for _module in (default, agents, database, ml2, quotas, journal, agent, placement, network_log,
                driver_health, sriov):
    _module.register(CONF)


def _register_logging() -> None:
    from neutrino import logs
    logs.register(CONF)


_register_logging()


_loaded = False


def load(args: list[str] | None = None, default_config_files: list[str] | None = None) -> cfg.ConfigOpts:
    """Parse command-line style arguments (``--config-file``/``--config-dir``) into CONF."""
    global _loaded
    CONF(args or [], project="neutrino", default_config_files=default_config_files or [])
    _loaded = True
    return CONF


def is_loaded() -> bool:
    """Whether `load` ran in this process (e.g. by `neutrino serve` before forking)."""
    return _loaded
