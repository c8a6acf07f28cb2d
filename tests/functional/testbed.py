"""A data-plane testbed on one machine: simulated hosts and VMs in network namespaces.

Each host is a namespace running its own ovsdb-server and ovs-vswitchd
(userspace datapath) with private run, db and log directories; hosts share one
underlay L2 segment, a Linux bridge in an "underlay" namespace, reached through
``br-phys`` whose internal port holds the host's tunnel endpoint address. VMs are
namespaces joined to br-int by a veth pair, plugged the way Nova does it (``external_ids:iface-id``).

This is test harness, playing the roles of the operator (daemons, br-phys) and
of Nova (plugging VMs); the agent under test never shells out to ip/ovs-vsctl.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from pyroute2 import IPRoute, netns

from neutrino.agent.dhcp import Dhcp
from neutrino.agent.reconciler import Agent, AgentConfig

from .dhcpclient import Lease, enable_ipv6, kill_dnsmasq, run_dhclient

SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"
UNDERLAY_PREFIX = 24
PHYSNET = "physnet1"
PHYS_BRIDGE = "br-phys"


def kill_routers(state_path: Path) -> None:
    """SIGKILL every radvd an agent with this state path started, and remove its router
    namespaces (``<state_path>/l3/<router id>/``)."""
    for root in (state_path / "l3").glob("*/"):
        try:
            pid = int((root / "radvd.pid").read_text().strip())
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if b"radvd" in f.read():  # ours, not a reused pid
                    os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError):
            pass
        try:
            netns.remove(f"qrouter-{root.name}")
        except OSError:
            pass


class TestbedError(RuntimeError):
    """The machine cannot run the testbed (no root, no OVS, no namespaces)."""


def run(cmd: list[str], *, env: dict[str, str] | None = None, timeout: float = 30,
        check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout,
                          check=False)
    if check and done.returncode != 0:
        raise TestbedError(f"{' '.join(cmd)} failed: {done.stderr.strip()}")
    return done


def preflight() -> None:
    """Raise TestbedError with the reason if this machine cannot run the testbed."""
    if os.geteuid() != 0:
        raise TestbedError("needs root (network namespaces, Open vSwitch)")
    for tool in ("ovsdb-server", "ovs-vswitchd", "ovs-vsctl", "ovs-ofctl", "ovsdb-tool", "ping",
                 "ip"):
        if shutil.which(tool) is None:
            raise TestbedError(f"{tool} not installed (openvswitch-switch, iproute2, iputils-ping)")
    if not Path(SCHEMA).exists():
        raise TestbedError(f"{SCHEMA} missing")
    probe = f"nprobe{secrets.token_hex(3)}"
    try:
        netns.create(probe)
        netns.remove(probe)
    except OSError as exc:
        raise TestbedError(f"cannot create network namespaces: {exc}") from exc


def ns_exec(ns: str, cmd: list[str]) -> list[str]:
    return ["ip", "netns", "exec", ns, *cmd]


# A veth leaves TCP/UDP checksums to "hardware" that never fills them in; OVS's
# userspace conntrack checks them and would call every such packet invalid. A
# real NIC (or the kernel datapath) does not have this problem.
_CSUM_OFF = """
from pyroute2.ethtool import Ethtool
tool = Ethtool()
features = tool.get_features("eth0")
for name in ("tx-checksum-ip-generic", "tx-checksum-sctp"):
    features.features[name].enable = False
tool.set_features("eth0", features)
"""


@dataclass
class Vm:
    """A namespace with one interface, standing for a VM's NIC."""

    ns: str
    ip: str | None  # None: the VM has no address until it asks DHCP (``dhcp()``)
    mac: str
    tap: str  # the host-side veth end on br-int
    workdir: Path | None = None  # the VM's own files (its DHCP client's lease, script)

    def ping(self, target: str, count: int = 3, interval: float = 0.2,
             deadline: float | None = None) -> tuple[int, int]:
        """(transmitted, received) of a ping from this VM."""
        cmd = ["ping", "-n", "-q", "-c", str(count), "-i", str(interval), "-W", "1"]
        if deadline is not None:
            cmd += ["-w", str(deadline)]
        out = run(ns_exec(self.ns, [*cmd, target]), timeout=count * interval + 15,
                  check=False).stdout
        return parse_ping(out)

    def reaches(self, target: str, tries: int = 10) -> bool:
        """True once a ping gets through (the first ones may wait for tunnel ARP)."""
        for _ in range(tries):
            if self.ping(target, count=1)[1] == 1:
                return True
        return False

    def start_ping(self, target: str, count: int, interval: float) -> subprocess.Popen[str]:
        """A continuous ping, each reply printed with its time (``longest_silence``)."""
        cmd = ["ping", "-n", "-D", "-c", str(count), "-i", str(interval), "-W", "2", target]
        return subprocess.Popen(ns_exec(self.ns, cmd), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    # -- DHCP client (tests/functional/dhcpclient.py) ---------------------------------

    def dhcp(self, timeout: int = 8) -> Lease | None:
        """Run ISC dhclient once on eth0: the lease it got (and configured), or None."""
        assert self.workdir is not None
        lease = run_dhclient(self.ns, self.workdir, timeout=timeout)
        if lease is not None and lease.address:
            self.ip = lease.address
        return lease

    def dhcp6(self, stateless: bool = False, timeout: int = 8) -> Lease | None:
        """dhclient -6 (``-S``: stateless, options only) on eth0, with IPv6 enabled on it."""
        assert self.workdir is not None
        enable_ipv6(self.ns, "eth0")
        return run_dhclient(self.ns, self.workdir, v6=True, stateless=stateless, timeout=timeout)


def rx_packets(vm: Vm) -> int:
    """Packets received by the VM's interface so far."""
    with IPRoute(netns=vm.ns, flags=0) as ipr:
        link = ipr.get_links(ipr.link_lookup(ifname="eth0")[0])[0]
        return link.get("IFLA_STATS64")["rx_packets"]


def _alive(pid: int) -> bool:
    # Detached daemons are reparented to PID 1, which may never reap them here:
    # a zombie counts as dead.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def move_vif(source: OvsHost, dest: OvsHost, vm: Vm, port_id: str, device: str) -> None:
    """What the hypervisors do with a live-migrated guest's NIC: unplug its host end
    from the source's br-int, plug it into the destination's (os-vif's external_ids)."""
    source.vsctl("--if-exists", "del-port", "br-int", vm.tap)
    with IPRoute(netns=source.ns, flags=0) as ipr:
        ipr.link("set", index=ipr.link_lookup(ifname=vm.tap)[0], net_ns_fd=dest.ns)
    with IPRoute(netns=dest.ns, flags=0) as ipr:
        ipr.link("set", index=ipr.link_lookup(ifname=vm.tap)[0], state="up")
    dest.vsctl("--may-exist", "add-port", "br-int", vm.tap, "--", "set", "interface", vm.tap,
               f"external_ids:iface-id={port_id}", f"external_ids:attached-mac={vm.mac}",
               "external_ids:iface-status=active", f"external_ids:vm-uuid={device}")


def longest_silence(output: str) -> float:
    """The longest time in seconds between two consecutive replies of a ``start_ping``'s
    output: how long traffic stopped (ping itself sends less often while its probes go
    unanswered, so counting lost probes understates an outage)."""
    times = [float(t) for t in re.findall(r"^\[(\d+\.\d+)\] \d+ bytes from", output, re.M)]
    return max((b - a for a, b in zip(times, times[1:])), default=0.0)


def parse_ping(output: str) -> tuple[int, int]:
    found = re.search(r"(\d+) packets transmitted, (\d+) (?:packets )?received", output)
    if not found:
        return (0, 0)
    return int(found.group(1)), int(found.group(2))


@dataclass
class AgentProcess:
    proc: subprocess.Popen[str]
    status_file: Path

    def status(self) -> dict[str, object] | None:
        try:
            data = json.loads(self.status_file.read_text())
        except (FileNotFoundError, ValueError):
            return None
        return data if data.get("pid") == self.proc.pid else None

    def wait_synced(self, timeout: float = 30.0) -> dict[str, object]:
        """The status of this process's first sync (the one that resynced after start)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise TestbedError(f"agent exited with {self.proc.returncode}")
            status = self.status()
            if status and status.get("first"):
                return status
            time.sleep(0.05)
        raise TestbedError("agent did not sync in time")

    def kill(self) -> None:
        """SIGKILL: no chance to clean anything up, like a crash."""
        self.proc.kill()
        self.proc.wait(timeout=10)


@dataclass
class OvsHost:
    """One simulated hypervisor: a namespace with its own Open vSwitch."""

    name: str
    ns: str
    workdir: Path
    tunnel_ip: str
    vms: list[Vm] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        d = str(self.workdir)
        return {**os.environ, "OVS_RUNDIR": d, "OVS_DBDIR": d, "OVS_LOGDIR": d,
                "OVS_SYSCONFDIR": d}

    @property
    def db(self) -> str:
        return f"unix:{self.workdir}/db.sock"

    def vsctl(self, *args: str) -> str:
        return run(["ovs-vsctl", f"--db={self.db}", "--timeout=20", *args],
                   env=self.env).stdout

    def ofctl(self, *args: str) -> str:
        return run(["ovs-ofctl", "-O", "OpenFlow15", *args], env=self.env).stdout

    def dump_flows(self, bridge: str = "br-int") -> list[str]:
        lines = self.ofctl("--no-stats", "dump-flows", f"unix:{self.workdir}/{bridge}.mgmt")
        return [line.strip() for line in lines.splitlines() if "actions=" in line]

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        run(["ovsdb-tool", "create", f"{self.workdir}/conf.db", SCHEMA])
        self.start_ovsdb()
        run(["ovs-vsctl", f"--db={self.db}", "--no-wait", "init"], env=self.env)
        self.start_vswitchd()

    def start_ovsdb(self) -> None:
        d = self.workdir
        run(ns_exec(self.ns, [
            "ovsdb-server", f"{d}/conf.db", f"--remote=punix:{d}/db.sock",
            f"--pidfile={d}/ovsdb-server.pid", "--detach", f"--log-file={d}/ovsdb-server.log",
            f"--unixctl={d}/ovsdb-server.ctl"]), env=self.env)

    def start_vswitchd(self) -> None:
        d = self.workdir
        run(ns_exec(self.ns, [
            "ovs-vswitchd", self.db, f"--pidfile={d}/ovs-vswitchd.pid", "--detach",
            f"--log-file={d}/ovs-vswitchd.log", f"--unixctl={d}/ovs-vswitchd.ctl"]),
            env=self.env)

    def kill_daemon(self, daemon: str) -> None:
        """SIGTERM the daemon by its pid file, SIGKILL if it lingers."""
        pidfile = self.workdir / f"{daemon}.pid"
        try:
            pid = int(pidfile.read_text().strip())
        except (FileNotFoundError, ValueError):
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                return
            for _ in range(100):
                if not _alive(pid):
                    return
                time.sleep(0.02)

    def restart_vswitchd(self) -> None:
        """Stop and start ovs-vswitchd: OVSDB survives, every flow is lost."""
        self.kill_daemon("ovs-vswitchd")
        self.start_vswitchd()

    def stop(self) -> None:
        self.kill_daemon("ovs-vswitchd")
        self.kill_daemon("ovsdb-server")

    def agent_config(self) -> AgentConfig:
        return AgentConfig(host=self.name, ovsdb=self.db, rundir=str(self.workdir),
                           bridge_mappings={PHYSNET: PHYS_BRIDGE}, tunnel_ip=self.tunnel_ip,
                           packet_log_path=str(self.packet_log))

    @property
    def packet_log(self) -> Path:
        """Where this host's in-process agent writes packet log records."""
        return self.workdir / "packet-log.jsonl"


class Testbed:
    """Hosts on a shared underlay, and VMs on the hosts; everything removed by close()."""

    __test__ = False  # not a test class, despite the name

    def __init__(self, workdir: Path) -> None:
        self.tag = secrets.token_hex(3)
        self.workdir = workdir
        self.hosts: list[OvsHost] = []
        self.namespaces: list[str] = []
        self.agents: list[Agent] = []
        self.processes: list[subprocess.Popen[str]] = []
        self.dhcp_state_paths: list[Path] = []
        self.underlay = self._new_ns("u")
        with IPRoute(netns=self.underlay, flags=0) as ipr:
            ipr.link("add", ifname="br0", kind="bridge")
            ipr.link("set", index=ipr.link_lookup(ifname="br0")[0], state="up")
            ipr.link("set", index=ipr.link_lookup(ifname="lo")[0], state="up")

    def _new_ns(self, kind: str) -> str:
        name = f"n{kind}{self.tag}{len(self.namespaces)}"
        netns.create(name)
        self.namespaces.append(name)
        # No IPv6 chatter (DAD, MLD, router solicitations) from VMs or from the host
        # ends of their veths: the only traffic is what the test sends.
        run(ns_exec(name, ["sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1",
                           "net.ipv6.conf.default.disable_ipv6=1"]))
        with IPRoute(netns=name, flags=0) as ipr:
            ipr.link("set", index=ipr.link_lookup(ifname="lo")[0], state="up")
        return name

    def add_host(self, name: str) -> OvsHost:
        index = len(self.hosts) + 1
        host = OvsHost(name=name, ns=self._new_ns("h"), workdir=self.workdir / name,
                       tunnel_ip=f"10.99.0.{index}")
        self.hosts.append(host)
        # Underlay cable: eth0 in the host, uplN on the underlay bridge.
        with IPRoute(netns=host.ns, flags=0) as ipr:
            ipr.link("add", ifname="eth0", kind="veth",
                     peer={"ifname": f"upl{index}", "net_ns_fd": self.underlay})
            ipr.link("set", index=ipr.link_lookup(ifname="eth0")[0], state="up")
        with IPRoute(netns=self.underlay, flags=0) as ipr:
            idx = ipr.link_lookup(ifname=f"upl{index}")[0]
            ipr.link("set", index=idx, master=ipr.link_lookup(ifname="br0")[0], state="up")
        host.start()
        host.vsctl("add-br", PHYS_BRIDGE, "--", "set", "bridge", PHYS_BRIDGE,
                   "datapath_type=netdev", "--", "add-port", PHYS_BRIDGE, "eth0")
        with IPRoute(netns=host.ns, flags=0) as ipr:
            idx = ipr.link_lookup(ifname=PHYS_BRIDGE)[0]
            ipr.addr("add", index=idx, address=host.tunnel_ip, prefixlen=UNDERLAY_PREFIX)
            ipr.link("set", index=idx, state="up")
        return host

    def start_agent(self, host: OvsHost) -> Agent:
        """An in-process agent for the host (br-int created), stopped by close()."""
        agent = Agent(host.agent_config())
        self.agents.append(agent)
        agent.start()
        return agent

    def add_vm(self, host: OvsHost, port_id: str, mac: str, ip: str | None = None, prefixlen: int = 24,
               vm_uuid: str | None = None) -> Vm:
        """Plug a VM namespace into the host's br-int as Nova's os-vif does.

        The interface's external_ids name the port (``iface-id``), the MAC and the
        instance, with ``iface-status=active``. Without ``ip`` the VM's NIC has no
        address: it gets one from ``Vm.dhcp()``.
        """
        ns = self._new_ns("v")
        tap = f"tap{port_id[:11]}"
        with IPRoute(netns=host.ns, flags=0) as ipr:
            ipr.link("add", ifname=tap, kind="veth", peer={"ifname": "eth0", "net_ns_fd": ns})
            ipr.link("set", index=ipr.link_lookup(ifname=tap)[0], state="up")
        with IPRoute(netns=ns, flags=0) as ipr:
            idx = ipr.link_lookup(ifname="eth0")[0]
            ipr.link("set", index=idx, address=mac, mtu=1400)
            if ip is not None:
                ipr.addr("add", index=idx, address=ip, prefixlen=prefixlen)
            ipr.link("set", index=idx, state="up")
        run(ns_exec(ns, [sys.executable, "-c", _CSUM_OFF]))
        host.vsctl("--may-exist", "add-br", "br-int", "--", "set", "bridge", "br-int",
                   "datapath_type=netdev", "fail_mode=secure",
                   "--", "add-port", "br-int", tap,
                   "--", "set", "interface", tap, f"external_ids:iface-id={port_id}",
                   f"external_ids:attached-mac={mac}", "external_ids:iface-status=active",
                   f"external_ids:vm-uuid={vm_uuid or port_id}")
        vm = Vm(ns=ns, ip=ip, mac=mac, tap=tap, workdir=self.workdir / "vms" / ns)
        host.vms.append(vm)
        return vm

    # -- DHCP (neutrino.agent.dhcp) -----------------------------------------------------

    def dhcp_agent_config(self, host: OvsHost) -> AgentConfig:
        """The host's agent config with DHCP state in its workdir, OVS in its namespace."""
        config = host.agent_config()
        config.state_path = str(host.workdir / "agent-state")
        config.ovs_netns = host.ns
        # pytest's tmp_path is private to root: dnsmasq must not drop to nobody
        # or it could not re-read its files on SIGHUP.
        config.dnsmasq_user = "root"
        config.dnsmasq_log_dhcp = True  # a failing test's dnsmasq log says what it saw
        return config

    def start_dhcp_agent(self, host: OvsHost) -> Agent:
        """An in-process agent serving DHCP for the networks the desired state gives it."""
        config = self.dhcp_agent_config(host)
        agent = Agent(config, dhcp=Dhcp(config))
        self.agents.append(agent)
        agent.start()
        self.dhcp_state_paths.append(Path(config.state_path))
        return agent

    def stop_dhcp(self) -> None:
        """Kill the dnsmasq and radvd processes and remove the DHCP and router namespaces
        the agents left (they outlive agents, which never flush)."""
        for root in self.dhcp_state_paths:
            kill_dnsmasq(root)
            kill_routers(root)

    def unplug_vm(self, host: OvsHost, vm: Vm) -> None:
        host.vsctl("--if-exists", "del-port", "br-int", vm.tap)

    def close(self) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
        for agent in self.agents:
            agent.stop()
        self.stop_dhcp()
        for host in self.hosts:
            host.stop()
        for name in reversed(self.namespaces):
            try:
                netns.remove(name)
            except OSError:
                pass
