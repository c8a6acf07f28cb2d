"""A small cloud on the testbed: `neutrino serve`, one `neutrino agent` process per host.

Each simulated host is a namespace, so its agent cannot reach the server's
127.0.0.1 directly. ``ApiBridge`` gives every host namespace a 127.0.0.1:PORT
of its own that socat forwards, through a unix socket (which crosses network
namespaces), to the server in the root namespace: the agents use the same URL
as everyone else, and the server sees loopback clients (the feed's rule under
noauth). Cutting a host's socat is how a test disconnects one agent.

Resources are made through openstacksdk as a user (and Nova, with admin
credentials, for ``binding:host_id``) would.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openstack

from tests.support.waiting import wait_for

from .dhcpclient import Lease
from .testbed import PHYS_BRIDGE, PHYSNET, AgentProcess, OvsHost, Testbed, TestbedError, Vm, ns_exec

NEUTRINO = os.path.join(os.path.dirname(sys.executable), "neutrino")
# Heartbeats every second; the server is configured with a few seconds of agent_down_time.
REPORT_INTERVAL = 1.0
AGENT_DOWN_TIME = 4


def _killpg(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)


class ApiBridge:
    """127.0.0.1:<port> inside each host namespace, forwarded to the server's port."""

    def __init__(self, port: int) -> None:
        if shutil.which("socat") is None:
            raise TestbedError("socat not installed")
        self.port = port
        self.dir = tempfile.mkdtemp(prefix="nbr-")  # short: unix socket paths are limited
        self.sock = f"{self.dir}/api.sock"
        self.root = subprocess.Popen(
            ["socat", f"UNIX-LISTEN:{self.sock},fork,mode=600", f"TCP:127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.hosts: dict[str, subprocess.Popen] = {}
        if not wait_for(lambda: os.path.exists(self.sock), 10):
            raise TestbedError("socat did not create its socket")

    def connect(self, host: OvsHost) -> None:
        self.disconnect(host)
        # A process group of its own: disconnect() also ends the connections it forked.
        self.hosts[host.name] = subprocess.Popen(
            ns_exec(host.ns, ["socat", f"TCP-LISTEN:{self.port},bind=127.0.0.1,fork,reuseaddr",
                              f"UNIX-CONNECT:{self.sock}"]),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(0.2)

    def disconnect(self, host: OvsHost) -> None:
        proc = self.hosts.pop(host.name, None)
        if proc is not None:
            _killpg(proc)

    def close(self) -> None:
        for proc in [*self.hosts.values(), self.root]:
            _killpg(proc)
        shutil.rmtree(self.dir, ignore_errors=True)


def agent_conf(host: OvsHost, url: str, *, dhcp: bool = False, physnet: str = PHYSNET,
               report_interval: float = REPORT_INTERVAL, extra: str = "") -> Path:
    """The host's agent configuration, as an operator would write /etc/neutrino/agent.conf
    (``extra`` goes on in [agent], and may open further sections)."""
    path = host.workdir / "agent.conf"
    path.write_text(
        "[agent]\n"
        f"host = {host.name}\nserver_url = {url}\n"
        f"ovsdb_connection = {host.db}\novs_rundir = {host.workdir}\n"
        f"bridge_mappings = {physnet}:{PHYS_BRIDGE}\n"
        f"tunnel_types = vxlan,geneve\ntunneling_ip = {host.tunnel_ip}\n"
        "datapath_type = netdev\n"
        f"report_interval = {report_interval}\nwatch_timeout = 10\nmax_backoff = 0.5\n"
        f"dhcp = {str(dhcp).lower()}\n"
        # pytest's tmp_path is private to root: dnsmasq must not drop to nobody, or it
        # could not re-read its files on SIGHUP.
        "dnsmasq_user = root\n"
        f"state_path = {host.workdir}/agent\nlog_file = {host.workdir}/agent.log\n" + extra)
    return path


def spawn_agent(bed: Testbed, host: OvsHost, url: str, **kwargs: Any) -> AgentProcess:
    """`neutrino agent` for the host, inside its namespace, as a real host runs it."""
    conf = agent_conf(host, url, **kwargs)
    status = host.workdir / "agent" / "status.json"
    status.unlink(missing_ok=True)
    out = (host.workdir / "agent.out").open("a")
    # nsenter, not `ip netns exec`: that one also gives the process a mount namespace of
    # its own, and the DHCP namespaces the agent mounts under /run/netns would vanish
    # with it; on a real host the agent shares the host's mounts.
    proc = subprocess.Popen(["nsenter", f"--net=/run/netns/{host.ns}", NEUTRINO, "agent",
                             "--config-file", str(conf)], stdout=out, stderr=out, text=True)
    bed.processes.append(proc)
    bed.dhcp_state_paths.append(host.workdir / "agent")  # its dnsmasqs, killed by close()
    return AgentProcess(proc, status)


@dataclass
class Cloud:
    """The server, its SDK connection, the testbed and one agent per host."""

    server: Any
    bed: Testbed
    bridge: ApiBridge
    sdk: openstack.connection.Connection
    hosts: list[OvsHost]
    agents: dict[str, AgentProcess] = field(default_factory=dict)
    leases: dict[str, Lease] = field(default_factory=dict)  # port id -> its VM's DHCP lease

    @property
    def url(self) -> str:
        return self.server.url

    def start_agent(self, host: OvsHost, **kwargs: Any) -> AgentProcess:
        """The host's agent; it serves DHCP too (the server picks one host per network)."""
        kwargs.setdefault("dhcp", True)
        agent = spawn_agent(self.bed, host, self.url, **kwargs)
        self.agents[host.name] = agent
        return agent

    def agent_records(self) -> dict[str, Any]:
        """host -> its Open vSwitch agent as /v2.0/agents shows it."""
        return {a.host: a for a in self.sdk.network.agents(agent_type="Open vSwitch agent")}

    def wait_alive(self, host: OvsHost, alive: bool = True, timeout: float = 30) -> Any:
        def check() -> bool:
            record = self.agent_records().get(host.name)
            return record is not None and bool(record.is_alive) == alive
        assert wait_for(check, timeout), (host.name, self.agent_records().get(host.name))
        return self.agent_records()[host.name]

    def boot(self, host: OvsHost, network: Any, *, dhcp: bool = True,
             **port_args: Any) -> tuple[Any, Vm]:
        """What Nova does for one VM: a port bound to the host, then the VIF plugged; then
        what the guest does: a DHCP client configures its NIC (``dhcp=False``: the test
        sets the port's first fixed IP itself, for networks without DHCP)."""
        device = str(uuid.uuid4())
        port = self.sdk.network.create_port(
            network_id=network.id, binding_host_id=host.name, device_owner="compute:nova",
            device_id=device, **port_args)
        address = None if dhcp else port.fixed_ips[0]["ip_address"]
        vm = self.bed.add_vm(host, port.id, port.mac_address, address, vm_uuid=device)
        if dhcp:
            self.lease(vm, port)
        return port, vm

    def lease(self, vm: Vm, port: Any, tries: int = 6) -> Lease:
        """Run the VM's DHCP client until it has a lease (the DHCP port may still be coming)."""
        self.wait_status(port, "ACTIVE")
        lease = None
        for _ in range(tries):
            lease = vm.dhcp(timeout=5)
            if lease is not None and lease.address:
                self.leases[port.id] = lease
                return lease
        raise AssertionError(f"no DHCP lease for port {port.id} ({port.fixed_ips})")

    def wait_status(self, port: Any, status: str, timeout: float = 30) -> Any:
        def check() -> bool:
            return self.sdk.network.get_port(port.id).status == status
        assert wait_for(check, timeout), (port.id, self.sdk.network.get_port(port.id).status, status)
        return self.sdk.network.get_port(port.id)


def connect_sdk(url: str) -> openstack.connection.Connection:
    """openstacksdk configured the way `make run` writes clouds.yaml (no auth: admin)."""
    return openstack.connection.Connection(auth_type="none", auth={"endpoint": url},
                                           network_endpoint_override=url + "/")
