"""Logging set-up; re-run when configuration changes (debug is mutable)."""
from __future__ import annotations

import logging
from typing import Any

from oslo_config import cfg

_OPTS = [cfg.BoolOpt("debug", default=False, mutable=True, help="Log at DEBUG level."),
         cfg.StrOpt("log_level", default="INFO", mutable=True,
                    choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                    help="Log level when debug is off.")]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(_OPTS)


def setup_logging(conf: Any) -> None:
    level = logging.DEBUG if conf.debug else getattr(logging, conf.log_level)
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(format="%(asctime)s %(process)d %(levelname)s %(name)s %(message)s")
    root.setLevel(level)
    logging.getLogger("neutrino").setLevel(level)
