"""`neutrino sriov-agent`: one host's SR-IOV NIC agent (docs/sriov.md).

Prints one line on stdout when it starts serving, or why it cannot (exit 2); the
log goes to stderr or ``[agent] log_file``.
"""
from __future__ import annotations

import logging
import signal
import sys
from typing import Any

from neutrino.cli.agent import _setup_logging, feed_session

LOG = logging.getLogger("neutrino.sriov_agent")


class NotStarted(Exception):
    """The agent cannot run here; the message says why and what to do."""


def make_backend(conf: Any) -> Any:
    section = conf.sriov_nic
    if section.backend == "simulated":
        from neutrino.agent.sriov.simulated import SimulatedBackend
        if not section.simulated_state_dir:
            raise NotStarted("[sriov_nic] backend = simulated needs simulated_state_dir")
        return SimulatedBackend(section.simulated_state_dir)
    from neutrino.agent.sriov.netlink import NetlinkBackend
    return NetlinkBackend()


def run(conf: Any) -> int:
    from neutrino.conf import agent as agent_conf
    agent_conf.register_auth(conf)
    _setup_logging(conf)
    try:
        from neutrino.agent.feed import FeedClient
        from neutrino.agent.sriov import config as sriov_config
        from neutrino.agent.sriov.service import SriovAgentService
        try:
            config = sriov_config.from_conf(conf)
        except sriov_config.ConfigError as exc:
            raise NotStarted(f"[sriov_nic] {exc}") from None
        if not config.device_mappings:
            raise NotStarted("[sriov_nic] physical_device_mappings is empty: no PF to serve")
        backend = make_backend(conf)
        client = FeedClient(conf.agent.server_url, config.host, session=feed_session(conf))
        service = SriovAgentService(conf, config, backend, client)
    except NotStarted as exc:
        print(f"neutrino sriov-agent: not started: {exc}", flush=True)
        return 2
    except Exception as exc:  # netlink refusing (no root), a bad option value
        LOG.exception("SR-IOV agent start failed")
        print(f"neutrino sriov-agent: not started: {type(exc).__name__}: {exc}", flush=True)
        return 2
    signal.signal(signal.SIGTERM, lambda *_: service.stop())
    signal.signal(signal.SIGINT, lambda *_: service.stop())
    mappings = ", ".join(f"{net}:{'+'.join(pfs)}" for net, pfs in config.device_mappings.items())
    print(f"neutrino sriov-agent: host {config.host}, {backend.name} backend, PFs {mappings} "
          f"({service.devices} VFs), server {conf.agent.server_url}, "
          f"status {service.status_path}", flush=True)
    service.run()
    LOG.info("SR-IOV agent stopped; the VFs stay as they are")
    return 0


def main(conf: Any) -> int:
    try:
        return run(conf)
    except KeyboardInterrupt:
        return 0
    finally:
        sys.stdout.flush()
