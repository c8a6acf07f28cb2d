"""Fuzzing from the API reference: Schemathesis generates requests from the served
/openapi.json (valid ones and invalid ones, then stateful sequences that follow the
document's links from creates to what they created) against a real `neutrino serve`.
The pass condition: no request gets a 5xx.

The budget is bounded and the seed fixed, so `make test` runs the same requests every
time; `make fuzz` runs a larger budget (FUZZ_EXAMPLES, FUZZ_SEED and FUZZ_STEPS
override the defaults).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

import pytest

from tests.conftest import _unlimited_admin
from tests.support.server import ServerProcess

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ST = os.path.join(os.path.dirname(sys.executable), "st")
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
SEED = int(os.environ.get("FUZZ_SEED", "20261201"))
# Calls per stateful scenario (create a network, a subnet on it, a port, tag it, ...).
STEPS = int(os.environ.get("FUZZ_STEPS", "10"))

CONFIG = """\
[generation]
# NUL cannot be stored (every string kind refuses it with a 400); leave it to the
# negative cases instead of spending positive ones on it.
allow-x00 = false
database = "none"

[phases.stateful]
max-steps = {steps}

[phases.stateful.inference]
# Follow the document's own links (creates to what they created), not guessed ones.
algorithms = []

[phases.stateful.generation]
max-examples = {scenarios}
"""


@pytest.fixture(scope="module")
def fuzz_server():
    server = _unlimited_admin(ServerProcess(workers=1, threads=4).start())
    yield server
    server.stop()


def _run(server: ServerProcess, workdir: str) -> tuple[subprocess.CompletedProcess, dict]:
    config = os.path.join(workdir, "schemathesis.toml")
    with open(config, "w") as f:
        f.write(CONFIG.format(steps=STEPS, scenarios=EXAMPLES * 2))
    report = os.path.join(workdir, "report.json")
    cmd = [ST, "--config-file", config, "--no-color", "run", f"{server.url}/openapi.json",
           "--checks", "no_server_error_but_documented_ones", "--max-examples", str(EXAMPLES),
           "--seed", str(SEED), "--workers", "1", "--request-timeout", "60",
           "--report", "json", "--report-json-path", report]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.fuzz.hooks",
           "PYTHONPATH": REPO + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True,
                          timeout=max(1800, EXAMPLES * 60))
    with open(report) as f:
        return proc, json.load(f)


def _section(output: str, title: str) -> str:
    """One ``==== TITLE ====`` section of the CLI's output."""
    lines, out, inside = output.splitlines(), [], False
    for line in lines:
        if line.startswith("====="):
            inside = f" {title} " in line
            continue
        if inside:
            out.append(line)
    return "\n".join(out).strip()


def test_fuzzing_from_the_openapi_document_finds_no_server_error(fuzz_server, record_property):
    with tempfile.TemporaryDirectory(prefix="neutrino-fuzz-") as workdir:
        proc, report = _run(fuzz_server, workdir)
    cases = report["test_cases"]
    warnings = sorted(f"{kind}: {len(ops)} operations" for kind, ops in report["warnings"].items()
                      if ops)
    summary = (f"fuzz: {cases['generated']} generated requests (seed {SEED}, {EXAMPLES} examples "
               f"per operation, {report['operations']['tested']} operations) in "
               f"{report['running_time']:.0f}s, {cases['with_failures']} failed; "
               f"warnings: {', '.join(warnings) or 'none'}")
    record_property("fuzz_summary", summary)
    # Shown with `pytest -s` (make fuzz) or -rP: which operations the warnings name.
    print(summary, _section(proc.stdout, "WARNINGS"), sep="\n")
    failures = _section(proc.stdout, "FAILURES")
    assert report["complete"], f"the fuzzer stopped early:\n{proc.stdout[-5000:]}\n{proc.stderr}"
    assert not report["errors"], f"the fuzzer could not run some operations:\n{proc.stdout[-8000:]}"
    assert cases["generated"] > 0, proc.stdout[-5000:]
    assert not report["failures"], (
        f"{summary}\n{failures}\n\nserver log:\n{fuzz_server.log()}")
