"""Which enabled security-group logs cover a port (the logging API's semantics),
for the flows that will copy logged packets to the record writer.

A log names a group (``resource_id``), a port (``target_id``), both, or neither:
both covers the port while it is a member of the group; a group alone covers
its member ports; a port alone covers it whatever its groups; neither covers
every port of the log's project. Ports that are not filtered (port security off,
trusted ``network:`` ports) have no security-group decision to log.
"""
from __future__ import annotations

from collections.abc import Iterable

from neutrino.agent.desired import Log, Port

TRUSTED_OWNER_PREFIX = "network:"


def covers(log: Log, port: Port) -> bool:
    """Whether ``log`` covers the packets of ``port``."""
    if not port.port_security_enabled or port.device_owner.startswith(TRUSTED_OWNER_PREFIX):
        return False
    if log.target_id is not None and log.target_id != port.id:
        return False
    if log.resource_id is not None:
        return log.resource_id in port.security_groups
    return log.target_id is not None or log.project_id == port.project_id


def logs_of_ports(logs: Iterable[Log], ports: Iterable[Port]) -> dict[str, tuple[Log, ...]]:
    """port id -> the logs covering it (sorted by id); ports no log covers are left out."""
    logs = sorted(logs, key=lambda log: log.id)
    out = {}
    for port in ports:
        mine = tuple(log for log in logs if covers(log, port))
        if mine:
            out[port.id] = mine
    return out


def events(logs: Iterable[Log]) -> frozenset[str]:
    """The verdicts to record for a port: ACCEPT, DROP or both (ALL)."""
    out: set[str] = set()
    for log in logs:
        out |= {"ACCEPT", "DROP"} if log.event == "ALL" else {log.event}
    return frozenset(out)
