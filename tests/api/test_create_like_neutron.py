"""Create requests as Neutron reads them: bulk items wrapped in the singular key, and
the answer to a project naming another project as owner."""
import uuid

import pytest


def _name() -> str:
    return "wrapped-" + uuid.uuid4().hex[:8]


@pytest.mark.parametrize("path, collection, singular", [
    ("security-groups", "security_groups", "security_group"), ("networks", "networks", "network")])
def test_bulk_items_wrapped_in_the_singular_key_are_created(admin, path, collection, singular):
    names = [_name(), _name()]
    r = admin.post(f"/v2.0/{path}", {collection: [{singular: {"name": n}} for n in names]})
    assert r.status == 201, r
    assert [item["name"] for item in r.json[collection]] == names
    for item in r.json[collection]:
        assert admin.show(path, item["id"])["name"] == item["name"]


def test_bulk_may_mix_wrapped_and_plain_items(admin):
    net = admin.network()
    r = admin.post("/v2.0/ports", {"ports": [{"port": {"network_id": net["id"], "name": "a"}},
                                             {"network_id": net["id"], "name": "b"}]})
    assert r.status == 201, r
    assert [p["name"] for p in r.json["ports"]] == ["a", "b"]


def test_wrapped_bulk_rules_of_a_group_are_created(admin):
    group = admin.create("security-groups", "security_group", name=_name())
    r = admin.post("/v2.0/security-group-rules", {"security_group_rules": [
        {"security_group_rule": {"security_group_id": group["id"], "direction": "ingress",
                                 "protocol": "tcp", "port_range_min": p, "port_range_max": p}}
        for p in (22, 80)]})
    assert r.status == 201, r
    assert sorted(x["port_range_min"] for x in r.json["security_group_rules"]) == [22, 80]


def test_wrapped_item_with_other_keys_beside_it_is_refused(admin):
    before = admin.count_rows()
    r = admin.post("/v2.0/networks", {"networks": [{"network": {"name": _name()},
                                                    "name": "beside"}]})
    assert r.status == 400, r
    assert "network" in r.error_message
    assert admin.count_rows() == before


def test_wrapped_bulk_item_is_validated_like_a_plain_one(admin):
    before = admin.count_rows()
    r = admin.post("/v2.0/networks", {"networks": [{"network": {"name": _name()}},
                                                   {"network": {"mtu": "big"}}]})
    assert r.status == 400, r
    assert "mtu" in r.error_message
    assert admin.count_rows() == before


@pytest.mark.parametrize("path, singular", [("security-groups", "security_group"),
                                            ("networks", "network")])
def test_member_naming_another_project_as_owner_gets_400_and_nothing_is_created(
        member, path, singular):
    other = uuid.uuid4().hex
    r = member.post(f"/v2.0/{path}", {singular: {"name": _name(), "project_id": other}})
    assert r.status == 400, r
    assert "Specifying 'project_id' other than the authenticated project" in r.error_message
    listed = member.get(f"/v2.0/{path}", params={"project_id": other}).json
    assert next(iter(listed.values())) == []


def test_admin_still_creates_for_another_project(admin):
    other = uuid.uuid4().hex
    group = admin.create("security-groups", "security_group", name=_name(), project_id=other)
    assert group["project_id"] == other
