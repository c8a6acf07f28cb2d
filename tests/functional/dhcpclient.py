"""A real DHCP client in a VM namespace: ISC dhclient, v4 and v6, with a recording script.

The script plays the guest's dhclient-script: it configures what it got
(address, default route, MTU) and writes dhclient's variables to a file, which
``Lease`` parses. dhclient runs with its own config, lease and pid files per VM
so nothing on the machine (``/etc/dhcp``, ``/var/lib/dhcp``) is read or touched.
The client keeps its lease file between calls: a second call starts from the
old lease (INIT-REBOOT), as a rebooted or renewing guest does.
"""

from __future__ import annotations

import ipaddress
import os
import re
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from pyroute2 import IPRoute, netns

from neutrino.agent.dhcp import dnsmasq
from neutrino.agent.dhcp.namespace import in_namespace, no_tx_checksum
from neutrino.agent.dhcp.plan import Paths

IFA_F_TENTATIVE = 0x40

CONFIG = """\
option rfc3442-classless-static-routes code 121 = array of unsigned integer 8;
option ms-classless-static-routes code 249 = array of unsigned integer 8;
request subnet-mask, broadcast-address, routers, domain-name, domain-name-servers, host-name,
        interface-mtu, rfc3442-classless-static-routes, ms-classless-static-routes, ntp-servers,
        dhcp6.name-servers, dhcp6.sntp-servers;
timeout {timeout};
retry 1;
initial-interval 1;
"""

SCRIPT = """\
#!/bin/sh
case "$reason" in
  PREINIT) ip link set dev "$interface" up ;;
  BOUND|RENEW|REBIND|REBOOT)
    ip -4 addr flush dev "$interface"
    ip addr add "$new_ip_address/$new_subnet_mask" dev "$interface"
    [ -n "$new_interface_mtu" ] && ip link set dev "$interface" mtu "$new_interface_mtu"
    for r in $new_routers; do ip route replace default via "$r" dev "$interface"; break; done
    env > {out}.tmp && mv {out}.tmp {out} ;;
  BOUND6|RENEW6|REBIND6|REBOOT6)
    ip -6 addr add "$new_ip6_address/$new_ip6_prefixlen" dev "$interface" nodad 2>/dev/null
    env > {out}.tmp && mv {out}.tmp {out} ;;
  INFORM6)
    env > {out}.tmp && mv {out}.tmp {out} ;;
esac
exit 0
"""


@dataclass
class Lease:
    """What the DHCP client received (the variables dhclient hands its script)."""

    address: str | None
    prefixlen: int | None
    gateway: str | None
    routes: list[tuple[str, str]] = field(default_factory=list)  # option 121
    ms_routes: list[tuple[str, str]] = field(default_factory=list)  # option 249
    dns: list[str] = field(default_factory=list)
    mtu: int | None = None
    hostname: str | None = None
    env: dict[str, str] = field(default_factory=dict)


def _classless(raw: str) -> list[tuple[str, str]]:
    """Decode RFC 3442 (width, significant destination octets, router) as dhclient prints it."""
    octets = [int(x) for x in re.split(r"[ ,]+", raw.strip()) if x]
    routes = []
    while octets:
        width = octets.pop(0)
        count = (width + 7) // 8
        dest = octets[:count] + [0] * (4 - count)
        router = octets[count:count + 4]
        del octets[:count + 4]
        routes.append((f"{'.'.join(map(str, dest))}/{width}", ".".join(map(str, router))))
    return routes


def parse(env_text: str) -> Lease:
    env = dict(line.split("=", 1) for line in env_text.splitlines() if "=" in line)
    if "new_ip6_address" in env or "new_dhcp6_name_servers" in env:
        return Lease(address=env.get("new_ip6_address"),
                     prefixlen=int(env["new_ip6_prefixlen"]) if env.get("new_ip6_prefixlen") else None,
                     gateway=None, dns=env.get("new_dhcp6_name_servers", "").split(), env=env)
    mask = env.get("new_subnet_mask")
    return Lease(
        address=env.get("new_ip_address"),
        prefixlen=ipaddress.ip_network(f"0.0.0.0/{mask}").prefixlen if mask else None,
        gateway=(env.get("new_routers") or "").split()[0] if env.get("new_routers") else None,
        routes=_classless(env.get("new_rfc3442_classless_static_routes", "")),
        ms_routes=_classless(env.get("new_ms_classless_static_routes", "")),
        dns=env.get("new_domain_name_servers", "").split(),
        mtu=int(env["new_interface_mtu"]) if env.get("new_interface_mtu") else None,
        hostname=env.get("new_host_name"),
        env=env,
    )


def run_dhclient(ns: str, workdir: Path, *, v6: bool = False, stateless: bool = False,
                 timeout: int = 8) -> Lease | None:
    """One DHCP exchange from ``eth0`` in ``ns``; None when no server answered with a lease.

    The VM's tx checksum offload goes off first, as for a real guest's NIC: UDP
    it sends through sockets (DNS, dhclient -6) would otherwise leave the veth
    with a partial checksum, which the userspace datapath never completes.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    in_namespace(ns, lambda: no_tx_checksum("eth0"))
    family = "6" if v6 else "4"
    out = workdir / f"lease{family}.env"
    out.unlink(missing_ok=True)
    script = workdir / "dhclient-script"
    script.write_text(SCRIPT.replace("{out}", str(out)))
    script.chmod(0o755)
    conf = workdir / "dhclient.conf"
    conf.write_text(CONFIG.format(timeout=timeout))
    pidfile = workdir / f"dhclient{family}.pid"
    # -d: in the foreground, so the process to stop is the one started here
    # (the pid file of a daemonised dhclient is written after it forks, too
    # late to be read reliably). It keeps running to renew once bound: it is
    # killed as soon as the script has recorded the lease, so the next call is
    # a fresh exchange and nothing outlives the test.
    cmd = ["dhclient", "-1", "-d", "-v", f"-{family}", "-sf", str(script), "-cf", str(conf),
           "-lf", str(workdir / f"dhclient{family}.leases"), "-pf", str(pidfile)]
    if v6 and stateless:
        cmd.append("-S")  # Information-Request: options only, no address
    cmd.append("eth0")
    with (workdir / f"dhclient{family}.log").open("w") as log:
        proc = subprocess.Popen(["ip", "netns", "exec", ns, *cmd], stdin=subprocess.DEVNULL,
                                stdout=log, stderr=log)
        try:
            deadline = time.monotonic() + timeout * 3 + 10
            while time.monotonic() < deadline and proc.poll() is None and not out.exists():
                time.sleep(0.05)
        finally:
            proc.kill()
            proc.wait(timeout=10)
    if not out.exists():
        return None
    return parse(out.read_text())


def enable_ipv6(ns: str, ifname: str) -> None:
    """Undo the testbed's IPv6 silence on one VM interface, usable at once (no DAD)."""
    for key, value in (("accept_dad", 0), ("accept_ra", 0), ("disable_ipv6", 0)):
        subprocess.run(["ip", "netns", "exec", ns, "sysctl", "-q", "-w",
                        f"net.ipv6.conf.{ifname}.{key}={value}"], check=True, capture_output=True)
    with IPRoute(netns=ns, flags=0) as ipr:
        idx = ipr.link_lookup(ifname=ifname)[0]
        ipr.link("set", index=idx, state="down")
        ipr.link("set", index=idx, state="up")  # regenerates the link-local address
        # dhclient -6 gives up at once without a usable link-local address.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if any(a.get("IFA_ADDRESS", "").startswith("fe80:")
                   and not (a.get("IFA_FLAGS") or a["flags"]) & IFA_F_TENTATIVE
                   for a in ipr.get_addr(index=idx, family=socket.AF_INET6)):
                return
            time.sleep(0.05)
        raise RuntimeError(f"{ns}: no link-local address on {ifname}")


def kill_dnsmasq(state_path: Path) -> None:
    """SIGKILL every dnsmasq an agent with this state path started, and remove its namespace."""
    for root in (state_path / "dhcp").glob("*/"):
        found = dnsmasq.running(Paths(root))  # checks it is ours: pids get reused
        if found:
            try:
                os.kill(found[0], signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            netns.remove(f"qdhcp-{root.name}")
        except OSError:
            pass
