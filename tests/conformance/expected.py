"""Tempest's results against the committed list of expected failures.

The list (tests/conformance/tempest_expected_failures.txt) holds one test per line,
``<test id>  <capability it waits for>``. A run matches it when the tests that
failed are exactly the listed ones: a failure not listed is a regression, a
listed test that passes (or no longer runs) must leave the list, so the list only
shrinks as capabilities land. ``tools/tempest-expected`` rewrites it from the last
run, keeping the capability notes of the entries that stay.

Test ids are Tempest's without the ``[id-...,smoke]`` attributes; a class whose
setUpClass failed is one entry named after the class (its tests never ran).
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"
_STATUS = {"success": PASSED, "fail": FAILED, "skip": SKIPPED,
           "xfail": PASSED, "uxsuccess": FAILED}

ROUTERS = "routers: L3 API, issue 9"
FLOATING_IPS = "floating IPs: L3 API, issue 9"
SUBNET_POOLS = "subnet pools: address management, issue 8"
AGENTS = "agents: agent feed and agents API, issue 10"

# Notes for failures the list does not know yet, by the first prefix of the test id
# that matches (the refresh tool uses them; a human may always write a better one).
_NTP, _TAN = "neutron_tempest_plugin.api.", "tempest.api.network."
CAPABILITY_BY_PREFIX: tuple[tuple[str, str], ...] = (
    (_NTP + "test_subnetpool", SUBNET_POOLS),
    (_TAN + "test_subnetpools", SUBNET_POOLS),
    (_NTP + "test_address_scopes", "address scopes: address management, issue 8"),
    (_NTP + "test_timestamp.TestTimeStampWithL3", ROUTERS),
    (_NTP + "test_routers", ROUTERS),
    (_NTP + "admin.test_routers", ROUTERS),
    (_TAN + "test_routers", ROUTERS),
    (_TAN + "admin.test_routers", ROUTERS),
    # Its tearDown lists routers: every test fails while /v2.0/routers is missing.
    (_TAN + "test_dhcp_ipv6", ROUTERS),
    (_NTP + "test_floating_ips", FLOATING_IPS),
    (_NTP + "admin.test_floating_ips", FLOATING_IPS),
    (_TAN + "test_floating_ips", FLOATING_IPS),
    (_TAN + "admin.test_floating_ips", FLOATING_IPS),
    (_NTP + "test_port_forwarding", "port forwarding: L3 API, issue 9"),
    (_NTP + "admin.test_agent", AGENTS),
    (_NTP + "admin.test_l3_agent", AGENTS),
    (_TAN + "test_agent", AGENTS),
    (_TAN + "admin.test_dhcp_agent", AGENTS),
    (_NTP + "test_qos", "QoS: issue 12"),
    (_NTP + "test_trunk", "trunks: issue 13"),
    (_NTP + "admin.test_logging", "logging: issue 11"),
)


@dataclass(frozen=True)
class Outcome:
    id: str
    status: str  # PASSED, FAILED or SKIPPED
    reason: str = ""  # skip reason, or the end of the failure's traceback


def normalize(test_id: str) -> str:
    """Tempest's id without its attributes; a class fixture named after its class."""
    match = re.fullmatch(r"(setUpClass|tearDownClass) \((.+)\)", test_id.strip())
    if match:
        fixture, cls = match.groups()
        return cls if fixture == "setUpClass" else f"{cls}.tearDownClass"
    return re.sub(r"\[[^\]]*\]$", "", test_id.strip())


def parse_results(lines: list[str]) -> dict[str, Outcome]:
    """Outcomes from subunit_results.py's JSON lines (a failure outweighs a pass)."""
    outcomes: dict[str, Outcome] = {}
    for line in lines:
        if not line.strip():
            continue
        raw = json.loads(line)
        status = _STATUS.get(raw["status"], FAILED)
        outcome = Outcome(normalize(raw["id"]), status, raw.get("reason", ""))
        if outcome.id not in outcomes or status == FAILED:
            outcomes[outcome.id] = outcome
    return outcomes


def read_expected(path: Path) -> dict[str, str]:
    """Listed test id -> capability note; a line without a note is an error."""
    expected: dict[str, str] = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        test_id, _, note = line.partition(" ")
        if not note.strip():
            raise ValueError(f"{path.name}:{number}: {test_id} names no capability it waits for")
        if test_id in expected:
            raise ValueError(f"{path.name}:{number}: {test_id} is listed twice")
        expected[test_id] = note.strip()
    return expected


def guess_capability(outcome: Outcome) -> str:
    for prefix, note in CAPABILITY_BY_PREFIX:
        if outcome.id.startswith(prefix):
            return note
    last = outcome.reason.strip().splitlines()[-1:] or ["no traceback"]
    return f"unclassified: {last[0][:150]}"


def write_expected(path: Path, outcomes: dict[str, Outcome], old: dict[str, str]) -> dict[str, str]:
    """Write the list of today's failures, grouped by capability; return it."""
    notes = {o.id: old.get(o.id) or guess_capability(o)
             for o in outcomes.values() if o.status == FAILED}
    by_note: dict[str, list[str]] = {}
    for test_id, note in notes.items():
        by_note.setdefault(note, []).append(test_id)
    width = max((len(t) for t in notes), default=0) + 2
    out = [line for line in _HEADER.splitlines()]
    for note in sorted(by_note):
        out.append("")
        out.append(f"# {note} ({len(by_note[note])})")
        out.extend(f"{test_id:<{width}}{note}" for test_id in sorted(by_note[note]))
    path.write_text("\n".join(out) + "\n")
    return notes


_HEADER = """\
# Tempest tests that fail against Neutrino today, each with the capability it waits
# for. tests/conformance/test_tempest.py fails when a test fails that is not here, and
# when a test listed here passes or no longer runs: the list only shrinks.
# Refresh it from the last run with tools/tempest-expected (docs/conformance.md)."""


@dataclass
class Comparison:
    outcomes: dict[str, Outcome]
    expected: dict[str, str]
    counts: Counter = field(init=False)
    new_failures: list[Outcome] = field(init=False)
    now_passing: list[str] = field(init=False)
    not_run: list[str] = field(init=False)  # listed, but skipped or absent

    def __post_init__(self) -> None:
        self.counts = Counter(o.status for o in self.outcomes.values())
        failed = {o.id for o in self.outcomes.values() if o.status == FAILED}
        self.new_failures = sorted((self.outcomes[t] for t in failed - self.expected.keys()),
                                   key=lambda o: o.id)
        self.now_passing = sorted(t for t in self.expected.keys() - failed
                                  if t in self.outcomes and self.outcomes[t].status == PASSED)
        self.not_run = sorted(t for t in self.expected.keys() - failed
                              if t not in self.outcomes or self.outcomes[t].status == SKIPPED)

    @property
    def ok(self) -> bool:
        return bool(self.outcomes) and not (self.new_failures or self.now_passing or self.not_run)

    def summary(self) -> str:
        c = self.counts
        lines = [f"Tempest: {c[PASSED]} passed, {c[FAILED]} failed, {c[SKIPPED]} skipped "
                 f"of {len(self.outcomes)} entries",
                 f"expected failures: {len(self.expected)} listed; "
                 f"{len(self.new_failures)} failed unlisted, {len(self.now_passing)} listed now pass, "
                 f"{len(self.not_run)} listed did not run"]
        for note, n in sorted(Counter(self.expected.values()).items()):
            lines.append(f"  {n:4d}  {note}")
        return "\n".join(lines)

    def skips(self) -> str:
        reasons = Counter(o.reason or "(no reason)" for o in self.outcomes.values()
                          if o.status == SKIPPED)
        return "\n".join(f"  {n:4d}  {reason}" for reason, n in reasons.most_common())

    def report(self) -> str:
        out = [self.summary()]
        if not self.outcomes:
            out.append("Tempest ran no test")
        if self.new_failures:
            out.append("\nFailed, not on the expected-failure list (a regression, or a new "
                       "test to list with the capability it waits for):")
            for o in self.new_failures:
                out.append(f"- {o.id}\n    " + o.reason.replace("\n", "\n    "))
        if self.now_passing:
            out.append("\nListed as expected failures but passed (remove them: "
                       "tools/tempest-expected):")
            out.extend(f"- {t}  ({self.expected[t]})" for t in self.now_passing)
        if self.not_run:
            out.append("\nListed as expected failures but skipped or absent:")
            out.extend(f"- {t}  ({self.outcomes[t].reason if t in self.outcomes else 'not run'})"
                       for t in self.not_run)
        return "\n".join(out)

