"""What a new user sees from the commands besides `serve`: `neutrino config sample`
documents every option without a warning, and the agent's `--help` is just its help."""
from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys

import pytest

from neutrino.conf.opts import list_opts

BIN = os.path.dirname(sys.executable)


def run(*cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def test_config_sample_documents_every_option_without_warnings():
    out = run(os.path.join(BIN, "neutrino"), "config", "sample")
    assert out.returncode == 0, out.stderr
    # oslo.config's generator warns on stderr about options without a help string.
    assert out.stderr == ""
    for group, opts in list_opts():
        assert f"[{group}]" in out.stdout
        for opt in opts:
            assert opt.help, f"[{group}] {opt.name} has no help string"
            assert re.search(rf"^#{opt.dest} =", out.stdout, re.M), opt.name


def test_agent_help_prints_only_its_usage():
    if importlib.util.find_spec("eventlet") is None:
        pytest.skip("eventlet is not installed here, so ovs cannot import it")
    out = run(os.path.join(BIN, "neutrino"), "agent", "--help")
    assert out.returncode == 0
    assert out.stdout.startswith("usage: neutrino agent")
    assert out.stderr == ""  # no EventletDeprecationWarning


def test_agent_never_loads_eventlet_although_it_is_installed():
    if importlib.util.find_spec("eventlet") is None:
        pytest.skip("eventlet is not installed here, so ovs cannot import it")
    code = ("import sys, warnings; warnings.simplefilter('error');"
            "import neutrino.cli.agent, neutrino.agent.service, neutrino.agent.feed,"
            " neutrino.agent.ovsdb, ovs.poller;"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'eventlet'))")
    out = run(sys.executable, "-c", code)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
