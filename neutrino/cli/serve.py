"""`neutrino serve`: the all-in-one server.

Migrates the database, writes the `neutrino` cloud into clouds.yaml, then runs
the WSGI application under gunicorn (gthread workers). SIGHUP re-reads the
configuration files: mutable options change in place (oslo.config's mutate),
and gunicorn replaces its workers gracefully so they pick the values up.
"""
from __future__ import annotations

import logging
import os
from typing import Any

import yaml
from gunicorn.app.base import BaseApplication

from neutrino.logs import setup_logging

LOG = logging.getLogger("neutrino.serve")


class _Server(BaseApplication):
    def __init__(self, conf: Any) -> None:
        self.conf = conf
        super().__init__()

    def load_config(self) -> None:
        conf = self.conf
        for key, value in {
            "bind": f"{conf.bind_host}:{conf.bind_port}",
            "workers": conf.api_workers,
            "threads": conf.api_threads,
            "worker_class": "gthread",
            "accesslog": "-" if conf.debug else None,
            "graceful_timeout": 5,
            "keepalive": 5,
            "control_socket_disable": True,
        }.items():
            self.cfg.set(key, value)

    def reload(self) -> None:
        # SIGHUP: take the changed mutable options, then let gunicorn cycle workers.
        self.conf.mutate_config_files()
        setup_logging(self.conf)
        LOG.info("configuration reloaded")
        super().reload()

    def load(self):
        from neutrino.api.app import build_app
        return build_app(self.conf)


def write_clouds_yaml(conf: Any) -> str:
    """Add (or refresh) the `neutrino` cloud: no auth, network endpoint override."""
    path = os.path.join(os.path.expanduser("~"), ".config", "openstack", "clouds.yaml")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data: dict = {}
    if os.path.exists(path):
        with open(path) as f:
            data = yaml.safe_load(f) or {}
    host = "127.0.0.1" if conf.bind_host in ("0.0.0.0", "::") else conf.bind_host
    endpoint = f"http://{host}:{conf.bind_port}"
    data.setdefault("clouds", {})["neutrino"] = {
        "auth_type": "none",
        "auth": {"endpoint": endpoint},
        "network_endpoint_override": endpoint + "/",
    }
    with open(path, "w") as f:
        yaml.safe_dump(data, f, default_flow_style=False)
    return path


def run(conf: Any, config_args: list[str], write_clouds: bool = True) -> int:
    from neutrino.api.app import database_url, open_database
    from neutrino.api.identity import is_loopback
    from neutrino.db import migration

    setup_logging(conf)
    if conf.auth_strategy == "noauth" and not is_loopback(conf.bind_host) \
            and not conf.noauth_allow_remote:
        LOG.error("refusing to serve without authentication on %s: anyone who reaches it would "
                  "be admin. Use auth_strategy = keystone, a loopback bind_host, or set "
                  "noauth_allow_remote = true.", conf.bind_host)
        return 2
    db = open_database(conf)
    migration.upgrade(db.engine, database_url(conf))
    db.dispose()
    # The `neutrino` cloud needs no credentials only when there is no Keystone.
    where = write_clouds_yaml(conf) if write_clouds and conf.auth_strategy == "noauth" else None
    url = f"http://{conf.bind_host}:{conf.bind_port}"
    print(f"Neutrino is serving the Networking API on {url}/v2.0/")
    print(f"  database: {database_url(conf)}")
    if where:
        print(f"  clouds.yaml: cloud 'neutrino' written to {where}; try:")
        print("    openstack --os-cloud neutrino network create demo")
        print("    openstack --os-cloud neutrino network list")
    print(f"  API reference: {url}/openapi.json    Stop with Ctrl-C.", flush=True)
    _Server(conf).run()
    return 0
