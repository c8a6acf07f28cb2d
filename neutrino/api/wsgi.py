"""The WSGI application for any WSGI server: ``neutrino.api.wsgi:application``.

Configuration files come from NEUTRINO_CONFIG_FILES (comma-separated) and
NEUTRINO_CONFIG_DIR, else /etc/neutrino/neutrino.conf when it exists. The app
is built on the first request in each worker process, so importing this
module does no work and a pre-forking server never shares a database pool.
"""
from __future__ import annotations

import os
import threading

from neutrino import conf as neutrino_conf
from neutrino.logs import setup_logging

DEFAULT_CONFIG = "/etc/neutrino/neutrino.conf"


def config_args() -> list[str]:
    args: list[str] = []
    files = [f for f in os.environ.get("NEUTRINO_CONFIG_FILES", "").split(",") if f]
    if not files and os.path.exists(DEFAULT_CONFIG):
        files = [DEFAULT_CONFIG]
    for path in files:
        args += ["--config-file", path]
    if os.environ.get("NEUTRINO_CONFIG_DIR"):
        args += ["--config-dir", os.environ["NEUTRINO_CONFIG_DIR"]]
    return args


class _LazyApplication:
    def __init__(self) -> None:
        self._app = None
        self._lock = threading.Lock()

    def _build(self):
        from neutrino.api import memory
        from neutrino.api.app import build_app
        memory.tune_allocator()
        conf = neutrino_conf.CONF
        if not neutrino_conf.is_loaded():  # not configured by `neutrino serve`
            neutrino_conf.load(config_args())
        setup_logging(conf)
        app = build_app(conf)
        memory.freeze_startup_objects()
        return app

    def __call__(self, environ, start_response):
        if self._app is None:
            with self._lock:
                if self._app is None:
                    self._app = self._build()
        return self._app(environ, start_response)


application = _LazyApplication()
