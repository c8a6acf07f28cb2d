"""Compare desired flows with installed ones and apply the difference atomically.

The comparison is by cookie (see ``flows.py``), restricted to the owners being
reconciled: flows whose cookie prefix belongs to nobody we reconcile are never
deleted. Applying is one ``ovs-ofctl bundle`` invocation, i.e. one OpenFlow
bundle transaction: either all deletions and additions land or none does, and
no packet sees a half-updated table.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field

from neutrino.agent.openflow.flows import OWNER_MASK, Flow
from neutrino.agent.openflow.meters import Meter

_COOKIE_RE = re.compile(r"cookie=(0x[0-9a-f]+)")
_METER_RE = re.compile(r"^meter=(\d+)", re.MULTILINE)
_TABLE_RE = re.compile(r"table=(\d+)")


class FlowConflict(Exception):
    """Two desired flows share table, priority and match: OVS would keep only one."""


class OpenFlowError(Exception):
    """ovs-ofctl failed; the bundle was rolled back by the switch."""


@dataclass
class FlowDiff:
    """Flows to add and cookies of flows to delete."""

    add: list[Flow] = field(default_factory=list)
    delete: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.add or self.delete)


def check_conflicts(desired: Iterable[Flow]) -> dict[int, Flow]:
    """Index desired flows by cookie; refuse two different flows with the same key.

    Different flows with one key have different cookies, so as many keys as cookies
    means no conflict: the flow-by-flow search runs only when the counts differ."""
    by_cookie = {flow.cookie: flow for flow in desired}
    if len({flow.key for flow in by_cookie.values()}) == len(by_cookie):
        return by_cookie
    return _find_conflict(by_cookie.values())


def _find_conflict(desired: Iterable[Flow]) -> dict[int, Flow]:
    by_cookie: dict[int, Flow] = {}
    by_key: dict[tuple[int, int, str], Flow] = {}
    for flow in desired:
        other = by_key.setdefault(flow.key, flow)
        if other is not flow and other != flow:
            raise FlowConflict(f"{other.to_ofctl()!r} and {flow.to_ofctl()!r}")
        by_cookie[flow.cookie] = flow
    return by_cookie


def diff_flows(desired: Iterable[Flow], installed: Iterable[int],
               owners: Iterable[int]) -> FlowDiff:
    """What to change so that the owners' installed flows equal the desired ones."""
    wanted = check_conflicts(desired)
    prefixes = set(owners)
    mine = {c for c in installed if c & OWNER_MASK in prefixes}
    return FlowDiff(
        add=sorted((f for c, f in wanted.items() if c not in mine),
                   key=lambda f: (f.table, -f.priority, f.match)),
        delete=sorted(mine - wanted.keys()),
    )


def bundle_text(diff: FlowDiff) -> str:
    """The ``ovs-ofctl bundle`` file: deletions first, each by its exact cookie."""
    lines = [f"flow delete cookie={cookie:#x}/-1" for cookie in diff.delete]
    lines += [f"flow {flow.to_ofctl()}" for flow in diff.add]
    return "\n".join(lines) + "\n"


class OpenFlowSwitch:
    """One bridge reached over its management socket with ovs-ofctl."""

    # Bundles need OpenFlow 1.4 or later.
    PROTOCOL = "OpenFlow15"

    def __init__(self, target: str, timeout: float = 30.0) -> None:
        self.target = target
        self.timeout = timeout

    def _ofctl(self, *args: str, stdin: str | None = None) -> str:
        cmd = ["ovs-ofctl", "-O", self.PROTOCOL, *args]
        try:
            done = subprocess.run(cmd, input=stdin, capture_output=True, text=True,
                                  timeout=self.timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise OpenFlowError(f"{' '.join(cmd[:5])}: timed out") from exc
        if done.returncode != 0:
            raise OpenFlowError(f"{' '.join(cmd[:5])}: {done.stderr.strip()}")
        return done.stdout

    def installed(self, table: int | None = None) -> dict[int, int]:
        """Cookie -> table of every installed flow (optionally of one table)."""
        args = ["--no-stats", "dump-flows", self.target]
        if table is not None:
            args.append(f"table={table}")
        result: dict[int, int] = {}
        for line in self._ofctl(*args).splitlines():
            if "actions=" not in line:
                continue
            cookie = _COOKIE_RE.search(line)
            tbl = _TABLE_RE.search(line)
            result[int(cookie.group(1), 16) if cookie else 0] = int(tbl.group(1)) if tbl else 0
        return result

    def apply(self, diff: FlowDiff) -> None:
        """Apply a diff as one bundle; nothing is run for an empty diff."""
        if diff:
            self._ofctl("bundle", self.target, "-", stdin=bundle_text(diff))

    def packet_out(self, frame: bytes, actions: str) -> None:
        """Inject one frame, as from the controller, through ``actions``."""
        self._ofctl("packet-out", self.target,
                    f"in_port=controller packet={frame.hex()} actions={actions}")

    # Meters are not part of bundles: they are added (or changed) before the flows
    # that use them, and deleted after (deleting a meter deletes its flows).
    def meter_ids(self) -> set[int]:
        return {int(m) for m in _METER_RE.findall(self._ofctl("dump-meters", self.target))}

    def put_meter(self, meter: Meter, exists: bool) -> None:
        self._ofctl("mod-meter" if exists else "add-meter", self.target, meter.to_ofctl())

    def delete_meter(self, meter_id: int) -> None:
        self._ofctl("del-meters", self.target, f"meter={meter_id}")
