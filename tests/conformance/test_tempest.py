"""OpenStack Tempest's network API tests (tempest.api.network, neutron_tempest_plugin.api)
against Neutrino with Keystone: what fails must be exactly the committed list of
expected failures (tests/conformance/expected.py, docs/conformance.md).

One test, in its own xdist group, so that the long run overlaps the rest of the suite.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.conformance.plugin import GROUP, SUMMARY_PROPERTY
from tests.conformance.expected import Comparison, parse_results, read_expected
from tests.support.tempest import RESULTS, WORKSPACE, TempestRun

EXPECTED_FAILURES = Path(__file__).with_name("tempest_expected_failures.txt")

pytestmark = pytest.mark.xdist_group(GROUP)


def test_tempest_network_api_fails_only_the_listed_tests(tempest_keystone, tempest_admin,
                                                         tempest_agents, record_property):
    result = TempestRun(tempest_keystone, tempest_admin).run()
    comparison = Comparison(parse_results(result.lines), read_expected(EXPECTED_FAILURES))
    summary = (f"{comparison.summary()}\nrun time {result.seconds:.0f} s "
               f"(tempest exit {result.returncode}); results: {RESULTS}, log: {WORKSPACE}\n"
               f"skipped, by reason:\n{comparison.skips()}")
    record_property(SUMMARY_PROPERTY, summary)
    print(summary)
    assert comparison.ok, comparison.report()
