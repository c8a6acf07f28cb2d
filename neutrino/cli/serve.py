"""`neutrino serve`: the all-in-one server.

Migrates the database, writes the `neutrino` cloud into clouds.yaml, then runs
the WSGI application under gunicorn (gthread workers). SIGHUP re-reads the
configuration files: mutable options change in place (oslo.config's mutate),
and gunicorn replaces its workers gracefully so they pick the values up.

The gunicorn master lives as long as the server but only watches and forks
workers, so it never imports the application, SQLAlchemy or Alembic: each
worker loads the application itself (no preload), and the schema migration
runs in a short-lived child that each worker forks before it imports the
application. The two run side by side on a machine with two cores or more,
the worker serves only once the child has finished, and Alembic leaves with
the child. The master stays at the size of gunicorn plus oslo.config.

The listening socket is bound here, before gunicorn starts, and handed to it as
``fd://N``: a port already in use is reported at once and the server exits 2
(gunicorn alone would retry for 5 s and exit 1), and the banner prints only once
gunicorn holds the bound socket (its ``when_ready`` hook).
"""
from __future__ import annotations

import errno
import fcntl
import ipaddress
import logging
import multiprocessing
import os
import shutil
import socket
import sys
from typing import Any, Callable

from gunicorn.app.base import BaseApplication

from neutrino.db.url import database_url
from neutrino.logs import setup_logging

LOG = logging.getLogger("neutrino.serve")


class _Server(BaseApplication):
    def __init__(self, conf: Any, fd: int, when_ready: Callable[[Any], None],
                 on_exit: Callable[[Any], None] = lambda _arbiter: None) -> None:
        self.conf = conf
        self.fd = fd
        self.when_ready = when_ready
        self.on_exit = on_exit
        super().__init__()

    def load_config(self) -> None:
        conf = self.conf
        for key, value in {
            # Bound by `run` already; the same string on SIGHUP, so gunicorn keeps it.
            "bind": f"fd://{self.fd}",
            "when_ready": self.when_ready,
            "on_exit": self.on_exit,
            "workers": conf.api_workers,
            # Long-poll watches of the agent feed hold a thread each: they get their own.
            "threads": conf.api_threads + conf.agent_feed.watch_threads,
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
        # In each worker. The migration runs in a child forked first thing, while this
        # process imports and builds the application (both start with importing
        # SQLAlchemy, then Alembic or the rest); it serves once the child has finished.
        migrating = multiprocessing.get_context("fork").Process(
            target=migrate, args=(self.conf,), name="neutrino-migrate")
        migrating.start()
        from neutrino.api import memory
        from neutrino.api.app import build_app
        memory.tune_allocator()
        app = build_app(self.conf)
        migrating.join()
        if migrating.exitcode != 0:
            # gunicorn stops the whole server when a worker fails to boot.
            raise RuntimeError(f"the database migration failed (exit code "
                               f"{migrating.exitcode}); see its error above")
        memory.freeze_startup_objects()
        return app


def write_clouds_yaml(conf: Any) -> str:
    """Add (or refresh) the `neutrino` cloud: no auth, network endpoint override."""
    import yaml  # only when asked to write it: the master process stays small

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


def migrate(conf: Any) -> None:
    """Bring the schema to head; one process at a time on this host."""
    from neutrino.db import migration
    from neutrino.db.engine import Database

    os.makedirs(conf.state_path, exist_ok=True)
    with open(os.path.join(conf.state_path, "migration.lock"), "w") as lock:
        # Held until the file closes. Later workers find the schema at head: a no-op.
        fcntl.flock(lock, fcntl.LOCK_EX)
        db = Database(database_url(conf))
        try:
            migration.upgrade(db.engine, db.url)
        finally:
            db.dispose()


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class PortInUse(Exception):
    pass


def listen(host: str, port: int, backlog: int = 2048) -> socket.socket:
    """A listening TCP socket on host:port (SO_REUSEADDR, as gunicorn sets it).

    Raises PortInUse when something else listens there, OSError for other failures
    (an address this host does not have, a privileged port).
    """
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(backlog)
    except OSError as e:
        sock.close()
        if e.errno == errno.EADDRINUSE:
            raise PortInUse(f"{host}:{port}") from e
        raise
    return sock


def missing_extra(conf: Any) -> str | None:
    """What the configuration needs that `make run` (the bare install) leaves out."""
    from importlib.util import find_spec
    if conf.auth_strategy == "keystone" and find_spec("keystonemiddleware") is None:
        return "auth_strategy = keystone needs keystonemiddleware: pip install 'neutrino[keystone]'"
    if database_url(conf).startswith("postgresql") and find_spec("psycopg") is None:
        return "a PostgreSQL connection needs psycopg: pip install 'neutrino[postgresql]'"
    return None


def venv_command(name: str) -> str:
    """A command of this virtualenv as the user can type it here (.venv/bin/NAME)."""
    bindir = os.path.dirname(sys.executable)
    here = os.path.relpath(bindir) if bindir.startswith(os.getcwd() + os.sep) else bindir
    return os.path.join(here, name)


def cli_hint() -> tuple[str, str | None]:
    """How to call the `openstack` CLI from here, and how to install it if it is absent."""
    if os.path.exists(os.path.join(os.path.dirname(sys.executable), "openstack")):
        return venv_command("openstack"), None
    if shutil.which("openstack"):
        return "openstack", None
    # `make test` installs it with the test extras; it is not needed to serve.
    return venv_command("openstack"), f"{venv_command('pip')} install python-openstackclient"


def write_agent_defaults(conf: Any, url: str) -> str:
    """The all-in-one agent's defaults, read before the user's own config files."""
    state = os.path.abspath(conf.state_path)
    physnets = sorted({entry.split(":")[0] for entry in conf.ml2_type_vlan.network_vlan_ranges
                       if entry.split(":")[0]})
    mappings = ",".join(f"{p}:{('br-' + p)[:15]}" for p in physnets)
    path = os.path.join(state, "agent-all-in-one.conf")
    os.makedirs(state, exist_ok=True)
    with open(path, "w") as f:
        f.write("# Written by `neutrino serve --with-agent` at each start; [agent] in your own\n"
                "# config files overrides these.\n[agent]\n"
                f"server_url = {url}\nstate_path = {state}/agent\nlog_file = {state}/agent.log\n"
                "dhcp = true\ntunnel_types = vxlan,geneve\ntunneling_ip = 127.0.0.1\n"
                f"bridge_mappings = {mappings}\nreport_interval = 10\n")
    return path


class LocalAgent:
    """This host's agent as a child process of the all-in-one server."""

    def __init__(self, conf: Any, url: str, config_args: list[str]) -> None:
        self.defaults = write_agent_defaults(conf, url)
        self.config_args = config_args
        self.log = os.path.join(os.path.abspath(conf.state_path), "agent.log")
        self.proc: Any = None

    def start(self) -> None:
        import subprocess
        # stdout is the terminal: the agent prints one line there, serving or why not.
        self.proc = subprocess.Popen([venv_command("neutrino"), "agent", "--start-ovs",
                                      "--config-file", self.defaults, *self.config_args])

    def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            try:
                self.proc.terminate()
                self.proc.wait(10)
            except Exception:  # already reaped by gunicorn's arbiter, or gone
                pass


def run(conf: Any, config_args: list[str], write_clouds: bool = True,
        with_agent: bool = False) -> int:
    setup_logging(conf)
    problem = missing_extra(conf)
    if problem:
        print(f"neutrino serve: {problem}", file=sys.stderr)
        return 2
    if conf.auth_strategy == "noauth" and not is_loopback(conf.bind_host) \
            and not conf.noauth_allow_remote:
        LOG.error("refusing to serve without authentication on %s: anyone who reaches it would "
                  "be admin. Use auth_strategy = keystone, a loopback bind_host, or set "
                  "noauth_allow_remote = true.", conf.bind_host)
        return 2
    try:
        sock = listen(conf.bind_host, conf.bind_port)
    except PortInUse:
        print(f"neutrino serve: port {conf.bind_port} on {conf.bind_host} is already in use "
              f"(another neutrino serve?). Stop what listens there, or choose another port: "
              f"{venv_command('neutrino')} serve --port {conf.bind_port + 1}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"neutrino serve: cannot listen on {conf.bind_host}:{conf.bind_port}: "
              f"{e.strerror or e}", file=sys.stderr)
        return 2
    # The `neutrino` cloud needs no credentials only when there is no Keystone.
    where = write_clouds_yaml(conf) if write_clouds and conf.auth_strategy == "noauth" else None
    host = f"[{conf.bind_host}]" if ":" in conf.bind_host else conf.bind_host
    url = f"http://{host}:{conf.bind_port}"

    def banner(_arbiter: Any) -> None:
        print(f"Neutrino is serving the Networking API on {url}/v2.0/")
        print(f"  database: {database_url(conf)}")
        if where:
            cli, install = cli_hint()
            print(f"  clouds.yaml: cloud 'neutrino' written to {where}; try:")
            if install:
                print(f"    {install}    # the openstack CLI, once (make test installs it too)")
            print(f"    {cli} --os-cloud neutrino network create demo")
            print(f"    {cli} --os-cloud neutrino network list")
        print(f"  topology: {url}/topology    (open it in a browser: the live network map)")
        if agent:
            print(f"  agent: starting this host's agent (log: {os.path.relpath(agent.log)})")
        print(f"  API reference: {url}/openapi.json    Stop with Ctrl-C.", flush=True)
        if agent:
            agent.start()

    agent = LocalAgent(conf, url, config_args) if with_agent else None
    # detach(): gunicorn now owns the descriptor; this object must not close it.
    _Server(conf, sock.detach(), banner, lambda _arbiter: agent and agent.stop()).run()
    return 0
