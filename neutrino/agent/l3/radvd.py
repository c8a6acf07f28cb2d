"""Router advertisements for the router's IPv6 interfaces whose subnet's
``ipv6_ra_mode`` asks for them, by one ``radvd`` per router namespace (as
Neutron's L3 agent does), configured from the plan and found again by its pid
file. The flags follow the mode: ``slaac`` autonomous prefix; ``dhcpv6-stateless``
autonomous prefix and O (other configuration); ``dhcpv6-stateful`` M and O, no
autonomous prefix (addresses come from DHCPv6)."""
from __future__ import annotations

import logging
import os
import signal
import time
from pathlib import Path

from neutrino.agent.dhcp.dnsmasq import _cmdline, write_if_changed
from neutrino.agent.l3.namespace import run_in
from neutrino.agent.l3.plan import RouterPlan

LOG = logging.getLogger(__name__)
# Unsolicited advertisements every 3 to 10 s (Neutron's 30 to 100 s is slow for a test
# bed's freshly plugged VMs; solicitations are answered at once either way).
MIN_INTERVAL, MAX_INTERVAL = 3, 10


class RadvdError(RuntimeError):
    """radvd refused its configuration or did not start."""


def config(plan: RouterPlan) -> str:
    """radvd.conf for the plan ("" when no interface asks for advertisements)."""
    blocks = []
    for dev in plan.interfaces:
        if dev.ra_mode is None:
            continue
        managed = dev.ra_mode == "dhcpv6-stateful"
        other = dev.ra_mode in ("dhcpv6-stateful", "dhcpv6-stateless")
        lines = [f"interface {dev.device} {{", "\tAdvSendAdvert on;",
                 f"\tMinRtrAdvInterval {MIN_INTERVAL};", f"\tMaxRtrAdvInterval {MAX_INTERVAL};",
                 f"\tAdvManagedFlag {'on' if managed else 'off'};",
                 f"\tAdvOtherConfigFlag {'on' if other else 'off'};"]
        if dev.mtu:
            lines.append(f"\tAdvLinkMTU {dev.mtu};")
        for prefix in dev.ra_prefixes:
            lines += [f"\tprefix {prefix} {{", "\t\tAdvOnLink on;",
                      f"\t\tAdvAutonomous {'off' if managed else 'on'};", "\t};"]
        lines.append("};")
        blocks.append("\n".join(lines))
    return "\n".join(blocks) + "\n" if blocks else ""


def _running(pid_file: Path, conf: Path) -> int | None:
    try:
        pid = int(pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    argv = _cmdline(pid)
    return pid if argv is not None and "radvd" in argv[0] and str(conf) in argv else None


def ensure(plan: RouterPlan, state_dir: Path) -> None:
    """radvd running with the plan's configuration (reloaded when it changed), or
    stopped when nothing asks for advertisements."""
    conf, pid_file = state_dir / "radvd.conf", state_dir / "radvd.pid"
    text = config(plan)
    if not text:
        stop(state_dir)
        return
    changed = write_if_changed(conf, text)
    pid = _running(pid_file, conf)
    if pid is not None:
        if changed:
            os.kill(pid, signal.SIGHUP)
        return
    pid_file.unlink(missing_ok=True)
    done = run_in(plan.namespace, ["radvd", "-C", str(conf), "-p", str(pid_file),
                                   "-m", "logfile", "-l", str(state_dir / "radvd.log")])
    if done.returncode != 0:
        raise RadvdError(f"radvd in {plan.namespace}: {done.stderr.strip() or done.returncode}")
    deadline = time.monotonic() + 10
    while _running(pid_file, conf) is None:
        if time.monotonic() > deadline:
            raise RadvdError(f"radvd in {plan.namespace} did not start (see {state_dir}/radvd.log)")
        time.sleep(0.05)
    LOG.info("%s: radvd started", plan.namespace)


def stop(state_dir: Path) -> None:
    pid = _running(state_dir / "radvd.pid", state_dir / "radvd.conf")
    if pid is None:
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 5
    while _cmdline(pid) is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    if _cmdline(pid) is not None:
        os.kill(pid, signal.SIGKILL)
