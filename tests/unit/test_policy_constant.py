"""Decisions that do not depend on the target: decided once for a whole list."""
from __future__ import annotations

import pytest

from neutrino import conf as neutrino_conf
from neutrino.context import Context
from neutrino.policy import Policy


@pytest.fixture(scope="module")
def policy() -> Policy:
    return Policy(neutrino_conf.load([]))


def member() -> Context:
    return Context(user_id="u1", project_id="p1", roles=frozenset({"member", "reader"}))


def test_admin_sees_every_port_whatever_the_port(policy):
    assert policy.request(Context.admin()).constant("get_port") is True


def test_member_seeing_a_port_depends_on_the_port(policy):
    decisions = policy.request(member())
    assert decisions.constant("get_port") is None
    assert decisions.can("get_port", {"project_id": "p1", "network_id": ""})
    assert not decisions.can("get_port", {"project_id": "p2", "network_id": ""})


def test_member_never_sees_binding_details_whatever_the_port(policy):
    assert policy.request(member()).constant("get_port:binding:vif_type") is False
    assert policy.request(Context.admin()).constant("get_port:binding:vif_type") is True
