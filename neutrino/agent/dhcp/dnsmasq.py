"""One network's dnsmasq: its files and its process, found again by its pid file.

The process is found through the pid file and checked through
``/proc/<pid>/cmdline`` (it must be dnsmasq with this very pid file), so a
restarted agent adopts the dnsmasq its predecessor started instead of starting
another. dnsmasq daemonises, so it outlives the agent: leases keep being
served while the agent is down.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import time
from pathlib import Path

from pyroute2 import netns

from neutrino.agent.dhcp.plan import Paths

LOG = logging.getLogger(__name__)
CLONE_NEWNET = 0x40000000


class DnsmasqError(RuntimeError):
    """dnsmasq refused to start (bad option, address in use...)."""


def write_if_changed(path: Path, content: str) -> bool:
    """Replace the file atomically when its content differs; True if it did."""
    try:
        if path.read_text() == content:
            return False
    except FileNotFoundError:
        pass
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(content)
    # dnsmasq re-reads these files after dropping root: they must be readable.
    tmp.chmod(0o644)
    tmp.replace(path)
    return True


def _cmdline(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    if state == "Z" or not raw:
        return None
    return [arg.decode() for arg in raw.rstrip(b"\0").split(b"\0")]


def running(paths: Paths) -> tuple[int, list[str]] | None:
    """(pid, command line) of this network's dnsmasq, or None if it is not running."""
    try:
        pid = int(paths.pid.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    argv = _cmdline(pid)
    # A recycled pid belongs to something else: only ours names our pid file.
    if argv is None or f"--pid-file={paths.pid}" not in argv or "dnsmasq" not in argv[0]:
        return None
    return pid, argv


def start(namespace: str, args: list[str], timeout: float = 10.0) -> int:
    """Start dnsmasq inside ``namespace``; returns its pid once it serves."""
    paths_pid = next(a.split("=", 1)[1] for a in args if a.startswith("--pid-file="))
    Path(paths_pid).unlink(missing_ok=True)

    # The namespace is opened here and entered in the child with one libc
    # call: between fork and exec only async-signal-safe work is allowed (the
    # agent has threads), so no Python-level netns helper runs there.
    fd = os.open(os.path.join(netns.NETNS_RUN_DIR, namespace), os.O_RDONLY | os.O_CLOEXEC)
    libc_setns = ctypes.CDLL(None, use_errno=True).setns

    def enter() -> None:
        if libc_setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns into {namespace} failed")

    try:
        # dnsmasq forks into the background once its sockets are bound and
        # reports startup errors through its exit status, so returning means
        # "serving or failed".
        done = subprocess.run(args, preexec_fn=enter, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=timeout, check=False)
    finally:
        os.close(fd)
    if done.returncode != 0:
        raise DnsmasqError(f"dnsmasq in {namespace} exited with {done.returncode}: "
                           f"{done.stderr.strip()}")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return int(Path(paths_pid).read_text().strip())
        except (FileNotFoundError, ValueError):
            time.sleep(0.02)
    raise DnsmasqError(f"dnsmasq in {namespace} wrote no pid file")


def reload(pid: int) -> None:
    """SIGHUP: dnsmasq re-reads the hosts, opts and addn-hosts files; leases stay."""
    os.kill(pid, signal.SIGHUP)


def stop(paths: Paths, timeout: float = 5.0) -> None:
    """SIGTERM this network's dnsmasq, SIGKILL if it lingers."""
    found = running(paths)
    if found is None:
        return
    pid = found[0]
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if _cmdline(pid) is None:
                return
            time.sleep(0.02)
    LOG.warning("dnsmasq %d did not exit", pid)
