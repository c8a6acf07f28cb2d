"""The expected-failure list of the Tempest run (tests/conformance/expected.py)."""
from __future__ import annotations

import json

import pytest

from tests.conformance.expected import (FAILED, PASSED, SKIPPED, Comparison, Outcome, normalize,
                                        parse_results, read_expected, write_expected)

A = "tempest.api.network.test_ports.PortsTestJSON.test_create_port"
B = "neutron_tempest_plugin.api.test_routers.RoutersTest.test_create_router"
C = "neutron_tempest_plugin.api.test_versions.VersionsTest"


def _line(test_id: str, status: str, reason: str = "") -> str:
    return json.dumps({"id": test_id, "status": status, "reason": reason})


def test_test_ids_lose_their_attributes_and_a_failed_setupclass_is_named_after_its_class():
    assert normalize(A + "[id-0a1b,smoke]") == A
    assert normalize(f"setUpClass ({C})") == C
    assert normalize(f"tearDownClass ({C})") == C + ".tearDownClass"


def test_a_failure_outweighs_a_pass_of_the_same_test():
    outcomes = parse_results([_line(A + "[id-1]", "success"), _line(A + "[id-1]", "fail", "boom")])
    assert outcomes[A].status == FAILED


def test_failures_exactly_as_listed_match():
    outcomes = parse_results([_line(A, "success"), _line(B, "fail"), _line(C, "skip", "no versions")])
    comparison = Comparison(outcomes, {B: "routers: L3 API issue"})
    assert comparison.ok
    assert comparison.counts == {PASSED: 1, FAILED: 1, SKIPPED: 1}


def test_a_failure_not_on_the_list_is_a_regression():
    comparison = Comparison(parse_results([_line(A, "fail", "AssertionError: 400 != 201")]), {})
    assert not comparison.ok
    assert [o.id for o in comparison.new_failures] == [A]
    assert "AssertionError: 400 != 201" in comparison.report()


def test_a_listed_test_that_passes_must_leave_the_list():
    comparison = Comparison(parse_results([_line(B, "success")]), {B: "routers: L3 API issue"})
    assert not comparison.ok
    assert comparison.now_passing == [B]


def test_a_listed_test_that_is_skipped_or_absent_must_leave_the_list():
    comparison = Comparison(parse_results([_line(C, "skip", "no versions")]),
                            {C: "versions: some issue", B: "routers: L3 API issue"})
    assert not comparison.ok
    assert comparison.not_run == sorted([B, C])


def test_a_run_without_tests_never_matches():
    assert not Comparison({}, {}).ok


def test_an_entry_must_name_the_capability_it_waits_for(tmp_path):
    path = tmp_path / "list.txt"
    path.write_text(f"# comment\n{B}  routers: L3 API issue\n{A}\n")
    with pytest.raises(ValueError, match="names no capability"):
        read_expected(path)


def test_rewriting_keeps_the_notes_of_entries_that_stay_and_drops_passing_ones(tmp_path):
    path = tmp_path / "list.txt"
    old = {B: "routers: L3 API issue", A: "defect: ports"}
    outcomes = {A: Outcome(A, PASSED), B: Outcome(B, FAILED),
                C: Outcome(C, FAILED, "Traceback\nKeyError: 'qos'")}
    write_expected(path, outcomes, old)
    assert read_expected(path) == {B: "routers: L3 API issue", C: "unclassified: KeyError: 'qos'"}
