"""Security groups publish events and journal every change like any resource: a new
group journals itself and the rules it starts with, a rule change journals the rule
and the group's new revision, a group delete journals the rules that go with it,
and racing first needs of a project's default group make exactly one."""
from __future__ import annotations

import threading

import pytest

from neutrino.callbacks import Event, Resource
from neutrino.context import Context
from neutrino.core.listing import ListQuery
from neutrino.core.networks import NetworkPlugin
from neutrino.core.ports import PortPlugin
from neutrino.core.security_groups import SecurityGroupPlugin, SecurityGroupRulePlugin
from neutrino.db import journal
from tests.support.events import recording

MEMBER = Context(user_id="u", project_id="p", roles=frozenset({"member", "reader"}))
SG, RULE = Resource.SECURITY_GROUP.value, Resource.SECURITY_GROUP_RULE.value


@pytest.fixture
def events():
    with recording(Resource.SECURITY_GROUP, Resource.SECURITY_GROUP_RULE) as seen:
        yield seen


def last_seq(db) -> int:
    with db.reader() as conn:
        rows = journal.read(conn, 0, limit=100000)
    return rows[-1]["seq"] if rows else 0


def rows_after(db, seq: int) -> list[dict]:
    with db.reader() as conn:
        return journal.read(conn, seq, limit=100000)


def test_group_create_publishes_events_and_journals_the_group_and_its_rules(database, conf,
                                                                            events):
    groups = SecurityGroupPlugin(database, conf)
    groups.ensure_default(MEMBER, "p")
    events.clear()
    start = last_seq(database)
    group = groups.create(MEMBER, {"name": "web", "project_id": "p"})
    assert events == [(SG, Event.BEFORE_CREATE), (SG, Event.PRECOMMIT_CREATE),
                      (SG, Event.AFTER_CREATE)]
    rows = rows_after(database, start)
    assert [(r["resource_type"], r["operation"]) for r in rows] == [
        (SG, "create"), (RULE, "create"), (RULE, "create")]
    assert rows[0]["body"]["id"] == group["id"]
    assert {r["resource_id"] for r in rows[1:]} == {
        r["id"] for r in group["security_group_rules"]}


def test_rule_create_and_delete_journal_the_rule_and_the_groups_revision(database, conf,
                                                                         events):
    groups, rules = SecurityGroupPlugin(database, conf), SecurityGroupRulePlugin(database, conf)
    group = groups.create(MEMBER, {"name": "web", "project_id": "p"})
    events.clear()
    start = last_seq(database)
    rule = rules.create(MEMBER, {"security_group_id": group["id"], "direction": "ingress",
                                 "protocol": "tcp", "project_id": "p"})
    rules.delete(MEMBER, rule["id"])
    assert [e for e in events if e[0] == RULE] == [
        (RULE, Event.BEFORE_CREATE), (RULE, Event.PRECOMMIT_CREATE), (RULE, Event.AFTER_CREATE),
        (RULE, Event.BEFORE_DELETE), (RULE, Event.PRECOMMIT_DELETE), (RULE, Event.AFTER_DELETE)]
    rows = rows_after(database, start)
    assert [(r["resource_type"], r["resource_id"], r["operation"], r["revision_number"])
            for r in rows] == [
        (RULE, rule["id"], "create", 0), (SG, group["id"], "update", 1),
        (SG, group["id"], "update", 2), (RULE, rule["id"], "delete", 1)]
    with_rule, without_rule = rows[1]["body"], rows[2]["body"]
    assert rule["id"] in {r["id"] for r in with_rule["security_group_rules"]}
    assert rule["id"] not in {r["id"] for r in without_rule["security_group_rules"]}


def test_group_delete_journals_the_rules_that_go_with_it(database, conf):
    groups = SecurityGroupPlugin(database, conf)
    group = groups.create(MEMBER, {"name": "web", "project_id": "p"})
    start = last_seq(database)
    groups.delete(MEMBER, group["id"])
    rows = rows_after(database, start)
    assert [(r["resource_type"], r["operation"]) for r in rows] == [
        (RULE, "delete"), (RULE, "delete"), (SG, "delete")]
    assert {r["resource_id"] for r in rows if r["resource_type"] == RULE} == {
        r["id"] for r in group["security_group_rules"]}


def test_port_create_makes_the_default_group_with_the_usual_events(database, conf, events):
    nets, ports = NetworkPlugin(database, conf), PortPlugin(database, conf)
    ctx = Context(user_id="u", project_id="q", roles=frozenset({"member"}))
    net = nets.create(ctx, {"name": "n", "project_id": "q"})
    start = last_seq(database)
    port = ports.create(ctx, {"network_id": net["id"], "project_id": "q"})
    assert events == [(SG, Event.BEFORE_CREATE), (SG, Event.PRECOMMIT_CREATE),
                      (SG, Event.AFTER_CREATE)]
    rows = rows_after(database, start)
    default_id = rows[0]["resource_id"]
    assert (rows[0]["resource_type"], rows[0]["body"]["name"]) == (SG, "default")
    assert port["security_groups"] == [default_id]
    assert rows[-1]["resource_type"] == "port"
    assert rows[-1]["body"]["security_groups"] == [default_id]


def test_racing_first_needs_make_one_default_group(database, conf):
    groups = SecurityGroupPlugin(database, conf)
    ctx = Context(user_id="u", project_id="race", roles=frozenset({"member"}))
    barrier = threading.Barrier(6)
    found: list[str | None] = []

    def need() -> None:
        barrier.wait()
        found.append(groups.ensure_default(ctx, "race"))

    threads = [threading.Thread(target=need) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    listed = groups.list(ctx, ListQuery())
    assert [g["name"] for g in listed] == ["default"]
    assert found == [listed[0]["id"]] * 6
