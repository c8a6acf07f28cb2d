"""`neutrino agent`: one host's agent process (Open vSwitch, and DHCP when [agent] dhcp).

Prints one line on stdout when it starts serving, or why it cannot (exit 2), so
`neutrino serve --with-agent` can show it under its banner; the log goes to
stderr or ``[agent] log_file``.
"""
from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
from importlib.util import find_spec
from typing import Any

from neutrino.logs import setup_logging

LOG = logging.getLogger("neutrino.agent")
OVS_CTL = "/usr/share/openvswitch/scripts/ovs-ctl"
# Where ovs-ctl's ovsdb-server listens: only this one can be started here.
SYSTEM_OVSDB = "/var/run/openvswitch/db.sock"


class NotStarted(Exception):
    """The agent cannot run here; the message says why and what to do."""


def ovsdb_socket(conf: Any) -> str | None:
    connection = conf.agent.ovsdb_connection
    return connection[len("unix:"):] if connection.startswith("unix:") else None


def ensure_ovs(conf: Any, start: bool) -> str:
    """Check (and with ``start``, start) the local Open vSwitch; returns what was done."""
    path = ovsdb_socket(conf)
    if path is None or os.path.exists(path):
        return "running"
    if not start or os.path.realpath(path) != os.path.realpath(SYSTEM_OVSDB):
        raise NotStarted(f"Open vSwitch is not running (no {path}); start it "
                         f"(systemctl start openvswitch-switch, or {OVS_CTL} start)")
    if not os.path.exists(OVS_CTL) or shutil.which("ovs-vswitchd") is None:
        raise NotStarted("Open vSwitch is not installed (Debian: apt-get install openvswitch-switch)")
    if os.geteuid() != 0:
        raise NotStarted(f"Open vSwitch is not running and starting it needs root: "
                         f"sudo {OVS_CTL} start")
    # ovs-ctl warns that it cannot load the kernel module or raise ulimits where it may not
    # (containers): harmless with the userspace datapath.
    done = subprocess.run([OVS_CTL, "start", "--system-id=random"], capture_output=True, text=True,
                          timeout=60, check=False)
    if done.returncode != 0 or not os.path.exists(path):
        raise NotStarted(f"{OVS_CTL} start failed: {(done.stderr or done.stdout).strip()[-300:]}")
    return "started"


def feed_session(conf: Any) -> Any:
    """A keystoneauth1 session from [agent_auth] when it names an auth plugin, else None."""
    from neutrino.conf import agent as agent_conf
    if not agent_conf.register_auth(conf) or not conf[agent_conf.AUTH_GROUP].auth_type:
        return None
    from keystoneauth1 import loading
    auth = loading.load_auth_from_conf_options(conf, agent_conf.AUTH_GROUP)
    return loading.load_session_from_conf_options(conf, agent_conf.AUTH_GROUP, auth=auth)


def _setup_logging(conf: Any) -> None:
    if conf.agent.log_file:
        handler = logging.FileHandler(conf.agent.log_file)
        handler.setFormatter(logging.Formatter(
            "%(asctime)s %(process)d %(levelname)s %(name)s %(message)s"))
        logging.getLogger().addHandler(handler)
    setup_logging(conf)
    # ovsdbapp logs every transaction at INFO.
    logging.getLogger("ovsdbapp").setLevel(logging.WARNING)


def run(conf: Any, start_ovs: bool = False) -> int:
    """The agent's whole life; 0 after SIGTERM/SIGINT, 2 when it cannot start here."""
    from neutrino.conf import agent as agent_conf
    agent_conf.register_auth(conf)
    _setup_logging(conf)
    host = conf.agent.host
    try:
        if find_spec("ovsdbapp") is None or find_spec("ovs") is None:
            raise NotStarted("the agent needs ovs and ovsdbapp: pip install 'neutrino[agent]'")
        if conf.agent.tunnel_types and not conf.agent.tunneling_ip:
            raise NotStarted("[agent] tunnel_types needs [agent] tunneling_ip")
        ovs = ensure_ovs(conf, start_ovs)
        from neutrino.agent.feed import FeedClient
        from neutrino.agent.service import AgentService
        client = FeedClient(conf.agent.server_url, host, session=feed_session(conf))
        service = AgentService(conf, client)
        service.agent.start()  # OVSDB reachable and bridges there, before saying "serving"
    except NotStarted as exc:
        print(f"neutrino agent: not started: {exc}", flush=True)
        return 2
    except Exception as exc:  # OVSDB refusing, a bad option value: say it on the terminal too
        LOG.exception("agent start failed")
        print(f"neutrino agent: not started: {type(exc).__name__}: {exc}", flush=True)
        return 2
    signal.signal(signal.SIGTERM, lambda *_: service.stop())
    signal.signal(signal.SIGINT, lambda *_: service.stop())
    print(f"neutrino agent: host {host}, Open vSwitch {ovs} ({conf.agent.ovsdb_connection}), "
          f"server {conf.agent.server_url}, status {service.status_path}"
          + (", serving DHCP" if conf.agent.dhcp else ""), flush=True)
    service.run()
    LOG.info("agent stopped; the data plane stays as it is")
    return 0


def show_pipeline() -> int:
    from neutrino.agent.openflow.pipeline import BR_INT_PIPELINE
    for number, stage in enumerate(BR_INT_PIPELINE):
        print(f"{number:3d}  {stage.name:20s} miss={stage.miss.value:5s} {stage.purpose}")
    return 0


def main(conf: Any, start_ovs: bool = False) -> int:
    try:
        return run(conf, start_ovs)
    except KeyboardInterrupt:
        return 0
    finally:
        sys.stdout.flush()
