"""Suite-wide hooks for the Tempest run, registered by tests/conftest.py (under xdist
the controller loads only that conftest): Tempest's summary at the end of the
output, and a scheduler that starts Tempest first."""
from __future__ import annotations

import pytest

GROUP = "tempest"  # the xdist_group of tests/conformance/test_tempest.py
TEST_FILE = "tests/conformance/test_tempest.py::"
SUMMARY_PROPERTY = "tempest_summary"
_summaries: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # Under xdist this runs in the controller, with the worker's user_properties.
    if report.when == "call":
        _summaries.extend(v for k, v in report.user_properties if k == SUMMARY_PROPERTY)


def pytest_terminal_summary(terminalreporter) -> None:
    for summary in _summaries:
        terminalreporter.section("Tempest (network API)")
        terminalreporter.write_line(summary)


@pytest.hookimpl(optionalhook=True)  # known only where xdist is loaded
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class TempestFirstScheduling(LoadGroupScheduling):
        """loadgroup, with Tempest's test (one test, ~10 minutes) sent out first, and
        only the smallest units queued behind it on its worker (a worker runs a test
        only once another is queued), so the other worker runs the rest meanwhile."""

        tempest_node = None
        tempest_scope = ""
        looked = False  # the queue is full at the first assignment only

        def _assign_work_unit(self, node) -> None:
            # The scope is the group name, or the test's own id where the group suffix
            # is not applied (pytest 9 ignores the _nodeid that xdist 3.8 sets).
            scope = "" if self.looked else next(
                (s for s in self.workqueue if s == GROUP or s.startswith(TEST_FILE)), "")
            self.looked = True
            if scope:
                self.workqueue.move_to_end(scope, last=False)
                self.tempest_node, self.tempest_scope = node, scope
            elif node is self.tempest_node and not all(
                    self.assigned_work[node][self.tempest_scope].values()):
                # The queue is ordered largest unit first: take the last.
                self.workqueue.move_to_end(next(reversed(self.workqueue)), last=False)
            super()._assign_work_unit(node)

    return TempestFirstScheduling(config, log)
