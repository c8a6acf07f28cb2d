"""A feature added with a definition module and a plugin only (tests/features/throwaway,
loaded through [DEFAULT] extra_features): its attribute on ports, its sub-resource
under networks and its member action work end to end over HTTP, like core ones."""
from __future__ import annotations

import uuid

import pytest

from tests.support.client import Client
from tests.support.server import ServerProcess


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def extended(request):
    url = ""
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres").create_database(
            "feat_" + uuid.uuid4().hex[:8])
    server = ServerProcess(database_url=url,
                           extra_conf="extra_features = tests.features.throwaway").start()
    yield server
    server.stop()


@pytest.fixture
def admin(extended) -> Client:
    return Client(extended.url)


@pytest.fixture
def project() -> str:
    return uuid.uuid4().hex


@pytest.fixture
def owner(extended, project) -> Client:
    return Client(extended.url, project, "member,reader")


def test_extensions_are_advertised_and_documented(admin):
    aliases = {e["alias"] for e in admin.get("/v2.0/extensions").json["extensions"]}
    assert {"port-colour", "network-notes"} <= aliases
    paths = admin.get("/openapi.json").json["paths"]
    assert "/v2.0/networks/{id}/notes" in paths
    assert "/v2.0/networks/{id}/notes/{sub_id}" in paths
    assert "put" in paths["/v2.0/networks/{id}/notes/{sub_id}/pin"]
    assert "/v2.0/notes" not in paths
    port_schema = admin.get("/openapi.json").json["components"]["schemas"]["PortCreate"]
    assert "colour" in port_schema["properties"]


def test_port_attribute_is_stored_updated_filtered_and_rendered(owner):
    net = owner.network()
    red = owner.port(net["id"], colour="red")
    plain = owner.port(net["id"])
    assert red["colour"] == "red" and plain["colour"] == "none"
    assert owner.show("ports", red["id"])["colour"] == "red"
    listed = owner.get(f"/v2.0/ports?network_id={net['id']}&colour=red").json["ports"]
    assert [p["id"] for p in listed] == [red["id"]]
    r = owner.put(f"/v2.0/ports/{plain['id']}", {"port": {"colour": "blue"}})
    assert r.status == 200 and r.json["port"]["colour"] == "blue"
    assert r.json["port"]["revision_number"] == plain["revision_number"] + 1
    assert owner.show("ports", plain["id"])["colour"] == "blue"
    fields = owner.get(f"/v2.0/ports/{plain['id']}?fields=colour").json["port"]
    assert fields == {"colour": "blue"}


def test_port_attribute_sorts_and_paginates_like_a_column(owner):
    net = owner.network()
    made = {colour: owner.port(net["id"], **({"colour": colour} if colour else {}))["id"]
            for colour in ("red", "blue", None, "green")}  # None: the default, "none"
    base = f"/v2.0/ports?network_id={net['id']}&sort_key=colour"
    ascending = [p["colour"] for p in owner.get(base + "&sort_dir=asc").json["ports"]]
    assert ascending == ["blue", "green", "none", "red"]
    descending = [p["id"] for p in owner.get(base + "&sort_dir=desc").json["ports"]]
    assert descending == [made["red"], made[None], made["green"], made["blue"]]
    first = owner.get(base + "&sort_dir=asc&limit=2").json["ports"]
    rest = owner.get(base + f"&sort_dir=asc&limit=2&marker={first[-1]['id']}").json["ports"]
    assert [p["colour"] for p in first + rest] == ["blue", "green", "none", "red"]


def test_bad_attribute_value_is_a_400_naming_it_and_changes_nothing(owner):
    net = owner.network()
    r = owner.post("/v2.0/ports", {"port": {"network_id": net["id"], "colour": "pink"}})
    assert r.status == 400 and "colour" in r.error_message
    assert owner.get(f"/v2.0/ports?network_id={net['id']}").json["ports"] == []


def test_sub_resource_lives_under_its_parent(owner, admin):
    net, other = owner.network(), owner.network()
    r = owner.post(f"/v2.0/networks/{net['id']}/notes", {"note": {"text": "hello"}})
    assert r.status == 201, r
    note = r.json["note"]
    assert note["text"] == "hello" and note["pinned"] is False and "network_id" not in note
    base = f"/v2.0/networks/{net['id']}/notes"
    assert [n["id"] for n in owner.get(base).json["notes"]] == [note["id"]]
    assert owner.get(f"/v2.0/networks/{other['id']}/notes").json["notes"] == []
    assert owner.get(f"{base}/{note['id']}").json["note"]["text"] == "hello"
    # Under another parent it does not exist.
    assert owner.get(f"/v2.0/networks/{other['id']}/notes/{note['id']}").status == 404
    assert owner.delete(f"/v2.0/networks/{other['id']}/notes/{note['id']}").status == 404
    r = owner.put(f"{base}/{note['id']}", {"note": {"text": "changed"}})
    assert r.status == 200 and r.json["note"]["revision_number"] == 1
    # The parent id comes from the URL only.
    r = owner.post(base, {"note": {"text": "x", "network_id": other["id"]}})
    assert r.status == 400 and "network_id" in r.error_message
    assert owner.delete(f"{base}/{note['id']}").status == 204
    assert owner.get(f"{base}/{note['id']}").status == 404


def test_parent_visibility_and_ownership_are_checked(owner, extended, project):
    net = owner.network()
    base = f"/v2.0/networks/{net['id']}/notes"
    stranger = Client(extended.url, uuid.uuid4().hex, "member,reader")
    r = stranger.get(base)
    assert r.status == 404 and r.error_type == "NetworkNotFound"
    assert stranger.post(base, {"note": {"text": "x"}}).status == 404
    missing = f"/v2.0/networks/{uuid.uuid4()}/notes"
    assert owner.get(missing).error_type == "NetworkNotFound"
    # A shared network is visible to others, but only its owner's members may write
    # notes on it (the rule reads network:project_id, the declared parent).
    shared = Client(extended.url).network(shared=True, project_id=project)
    r = stranger.post(f"/v2.0/networks/{shared['id']}/notes", {"note": {"text": "x"}})
    assert r.status == 403
    assert owner.post(f"/v2.0/networks/{shared['id']}/notes", {"note": {"text": "x"}}).status == 201


def test_member_action_validates_authorizes_dispatches_and_counts_as_a_change(owner, extended,
                                                                            project):
    net = owner.network()
    base = f"/v2.0/networks/{net['id']}/notes"
    note = owner.post(base, {"note": {"text": "hello"}}).json["note"]
    r = owner.put(f"{base}/{note['id']}/pin", {"pinned": True})
    assert r.status == 200 and r.json == {"pinned": True, "was_pinned": False}
    after = owner.get(f"{base}/{note['id']}").json["note"]
    assert after["pinned"] is True and after["revision_number"] == note["revision_number"] + 1
    assert owner.get(f"{base}?pinned=true").json["notes"][0]["id"] == note["id"]
    r = owner.put(f"{base}/{note['id']}/pin", {"pinned": "sideways"})
    assert r.status == 400 and "pin" in r.error_message
    r = owner.put(f"{base}/{note['id']}/pin", {"colour": "red"})
    assert r.status == 400
    reader = Client(extended.url, project, "reader")
    r = reader.put(f"{base}/{note['id']}/pin", {"pinned": False})
    assert r.status == 403
    assert owner.get(f"{base}/{note['id']}").json["note"]["pinned"] is True


def test_subscription_deletes_a_networks_notes_with_it(owner, admin, project):
    net = owner.network()
    owner.post(f"/v2.0/networks/{net['id']}/notes", {"note": {"text": "x"}})
    used = admin.get(f"/v2.0/quotas/{project}/details").json["quota"]["note"]["used"]
    assert used == 1  # counted by the feature's quota resource
    assert owner.delete(f"/v2.0/networks/{net['id']}").status == 204
    assert admin.get(f"/v2.0/quotas/{project}/details").json["quota"]["note"]["used"] == 0


def test_server_refuses_to_start_with_an_attribute_nothing_stores():
    server = ServerProcess(extra_conf="extra_features = tests.features.ownerless")
    with pytest.raises(RuntimeError) as failed:
        server.start()
    server.stop()
    assert "networks.motto (POST) has no owner that stores it" in str(failed.value)
