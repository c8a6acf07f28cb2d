"""A malformed SR-IOV bond in ``binding:profile`` is refused (400 ``InvalidInput``)
before anything is written; a well-formed one that the host cannot serve is a
``binding_failed`` binding instead, as any unbindable port (ml2/mechanism.py)."""
from __future__ import annotations

from typing import Any

from neutrino import exceptions as exc
from neutrino.ml2 import sriov

PROFILE = "binding:profile"


def check_bond(registry: Any):
    def callback(resource, event, trigger, payload) -> None:
        body = payload.request_body
        if not body or PROFILE not in body:
            return
        problem = sriov.bond_problem(body[PROFILE])
        if problem:
            raise exc.InvalidInput(error_message=problem)
    return callback
