"""The callback registry: priorities, uniform payloads, veto and abort semantics."""
from __future__ import annotations

import pytest

from neutrino.callbacks import (PRIORITY_DEFAULT, CallbackFailure, EventPayload, Registry,
                                Event, Resource)


def recorder(calls: list, name: str, fail: bool = False):
    def cb(resource, event, trigger, payload):
        calls.append((name, event))
        if fail:
            raise ValueError(name)
    cb.__name__ = name
    return cb


def test_subscribers_run_smaller_priority_first_then_in_registration_order():
    reg, calls = Registry(), []
    reg.subscribe(recorder(calls, "late"), Resource.PORT, Event.AFTER_CREATE, PRIORITY_DEFAULT + 1)
    reg.subscribe(recorder(calls, "a"), Resource.PORT, Event.AFTER_CREATE)
    reg.subscribe(recorder(calls, "b"), Resource.PORT, Event.AFTER_CREATE)
    reg.subscribe(recorder(calls, "early"), Resource.PORT, Event.AFTER_CREATE, 10)
    reg.publish(Resource.PORT, Event.AFTER_CREATE, None, EventPayload(context=None))
    assert [c[0] for c in calls] == ["early", "a", "b", "late"]


def test_publish_refuses_payloads_that_are_not_event_payloads():
    reg = Registry()
    reg.subscribe(lambda *a: None, Resource.PORT, Event.AFTER_CREATE)
    with pytest.raises(TypeError):
        reg.publish(Resource.PORT, Event.AFTER_CREATE, None, {"id": "x"})


def test_failed_before_event_runs_everyone_then_aborts_and_raises():
    reg, calls = Registry(), []
    reg.subscribe(recorder(calls, "veto", fail=True), Resource.NETWORK, Event.BEFORE_CREATE, 1)
    reg.subscribe(recorder(calls, "other"), Resource.NETWORK, Event.BEFORE_CREATE, 2)
    reg.subscribe(recorder(calls, "undo"), Resource.NETWORK, Event.ABORT_CREATE)
    with pytest.raises(CallbackFailure) as info:
        reg.publish(Resource.NETWORK, Event.BEFORE_CREATE, None, EventPayload(context=None))
    assert calls == [("veto", Event.BEFORE_CREATE), ("other", Event.BEFORE_CREATE),
                     ("undo", Event.ABORT_CREATE)]
    assert [str(e) for e in info.value.inner_exceptions] == ["veto"]


def test_failed_precommit_raises_without_abort():
    reg, calls = Registry(), []
    reg.subscribe(recorder(calls, "veto", fail=True), Resource.PORT, Event.PRECOMMIT_UPDATE)
    reg.subscribe(recorder(calls, "undo"), Resource.PORT, Event.ABORT_UPDATE)
    with pytest.raises(CallbackFailure):
        reg.publish(Resource.PORT, Event.PRECOMMIT_UPDATE, None, EventPayload(context=None))
    assert calls == [("veto", Event.PRECOMMIT_UPDATE)]


def test_failed_after_event_is_logged_not_raised_unless_cancellable():
    reg, calls = Registry(), []
    reg.subscribe(recorder(calls, "boom", fail=True), Resource.PORT, Event.AFTER_DELETE)
    reg.publish(Resource.PORT, Event.AFTER_DELETE, None, EventPayload(context=None))
    reg.subscribe(recorder(calls, "strict", fail=True), Resource.PORT, Event.AFTER_DELETE,
                  cancellable=True)
    with pytest.raises(CallbackFailure):
        reg.publish(Resource.PORT, Event.AFTER_DELETE, None, EventPayload(context=None))


def test_payload_states_run_oldest_to_newest():
    payload = EventPayload(context=None, states=({"v": 1}, {"v": 2}))
    assert payload.latest_state == {"v": 2}
