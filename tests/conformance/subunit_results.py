"""Turn Tempest's subunit v2 stream into JSON lines: one test per line.

Run by the Tempest virtualenv's Python (it has python-subunit and testtools; the
suite's own virtualenv does not): ``python subunit_results.py < run.subunit``.
Each line is ``{"id": ..., "status": ..., "reason": ...}`` where status is
success, fail, skip (or another subunit status) and reason is the skip reason or
the last lines of the failure's traceback.
"""
from __future__ import annotations

import json
import sys

import subunit
import testtools


def _text(details: dict, *names: str) -> str:
    for name in names:
        if name in details:
            return details[name].as_text()
    return ""


def main() -> None:
    def emit(test: dict) -> None:
        if test["status"] in ("exists", "inprogress"):
            return
        details = test["details"]
        if test["status"] == "skip":
            reason = _text(details, "reason")
        else:
            reason = "\n".join(_text(details, "traceback").rstrip().splitlines()[-12:])
        sys.stdout.write(json.dumps({"id": test["id"], "status": test["status"],
                                     "reason": reason.strip()}) + "\n")

    case = subunit.ByteStreamToStreamResult(sys.stdin.buffer, non_subunit_name="stdout")
    result = testtools.StreamToDict(emit)
    result.startTestRun()
    try:
        case.run(result)
    finally:
        result.stopTestRun()


if __name__ == "__main__":
    main()
