"""The tags sub-resource of networks, subnets and ports (standard-attr-tag,
tag-creation): reading, replacing, adding and removing tags, what each change
does to the parent's revision, tag validation, and the four tag list filters."""
import uuid

import pytest

from tests.support.client import Client

PARENTS = ["networks", "subnets", "ports"]
UNKNOWN_ID = "0b6a8e1e-6c1c-4d0e-9a8f-5d6f7e8a9b0c"


def make(admin, collection: str, name: str = "") -> dict:
    """A fresh, untagged resource of the collection."""
    name = name or "tag-" + uuid.uuid4().hex[:8]
    if collection == "networks":
        return admin.network(name=name)
    net = admin.network()
    if collection == "subnets":
        return admin.subnet(net["id"], "10.40.0.0/24", name=name)
    return admin.port(net["id"], name=name)


@pytest.fixture(scope="module", params=PARENTS)
def coll(request):
    return request.param


@pytest.fixture(scope="module")
def module_admin(server):
    return Client(server.url)


@pytest.fixture
def parent(admin, coll):
    return make(admin, coll)


def tags_path(coll: str, item: dict) -> str:
    return f"/v2.0/{coll}/{item['id']}/tags"


def current(admin, coll: str, item: dict) -> dict:
    return admin.show(coll, item["id"])


# ---- reading and writing -----------------------------------------------------------
def test_new_resource_has_no_tags(admin, coll, parent):
    assert parent["tags"] == []
    r = admin.get(tags_path(coll, parent))
    assert r.status == 200 and r.json == {"tags": []}


def test_put_all_replaces_the_whole_set(admin, coll, parent):
    path = tags_path(coll, parent)
    r = admin.put(path, {"tags": ["red", "blue"]})
    assert r.status == 200 and sorted(r.json["tags"]) == ["blue", "red"]
    r = admin.put(path, {"tags": ["green"]})
    assert r.status == 200 and r.json["tags"] == ["green"]
    assert admin.get(path).json["tags"] == ["green"]
    assert current(admin, coll, parent)["tags"] == ["green"]


def test_put_all_with_empty_list_removes_every_tag(admin, coll, parent):
    path = tags_path(coll, parent)
    admin.put(path, {"tags": ["red", "blue"]})
    r = admin.put(path, {"tags": []})
    assert r.status == 200 and r.json["tags"] == []
    assert current(admin, coll, parent)["tags"] == []


def test_put_one_adds_a_tag_with_201_and_no_body(admin, coll, parent):
    path = tags_path(coll, parent)
    r = admin.put(path + "/red")
    assert r.status == 201 and r.raw.content == b""
    admin.put(path + "/blue")
    assert sorted(admin.get(path).json["tags"]) == ["blue", "red"]


def test_put_one_existing_tag_is_idempotent(admin, coll, parent):
    path = tags_path(coll, parent)
    assert admin.put(path + "/red").status == 201
    assert admin.put(path + "/red").status == 201
    assert admin.get(path).json["tags"] == ["red"]


def test_put_one_keeps_characters_a_path_can_carry(admin, coll, parent):
    path = tags_path(coll, parent)
    assert admin.put(path + "/with%20space").status == 201
    assert admin.get(path).json["tags"] == ["with space"]
    assert admin.get(path + "/with%20space").status == 204


def test_post_adds_several_tags_to_the_existing_ones(admin, coll, parent):
    path = tags_path(coll, parent)
    admin.put(path, {"tags": ["red"]})
    r = admin.post(path, {"tags": ["blue", "green"]})
    assert r.status == 201 and sorted(r.json["tags"]) == ["blue", "green", "red"]
    assert sorted(admin.get(path).json["tags"]) == ["blue", "green", "red"]


def test_get_one_is_204_when_present_and_404_tag_not_found_when_absent(admin, coll, parent):
    path = tags_path(coll, parent)
    admin.put(path, {"tags": ["red"]})
    r = admin.get(path + "/red")
    assert r.status == 204 and r.raw.content == b""
    r = admin.get(path + "/blue")
    assert r.status == 404 and r.error_type == "TagNotFound" and "blue" in r.error_message


def test_delete_one_removes_only_that_tag(admin, coll, parent):
    path = tags_path(coll, parent)
    admin.put(path, {"tags": ["red", "blue"]})
    r = admin.delete(path + "/red")
    assert r.status == 204 and r.raw.content == b""
    assert admin.get(path).json["tags"] == ["blue"]


def test_delete_one_absent_tag_is_404_tag_not_found_and_changes_nothing(admin, coll, parent):
    path = tags_path(coll, parent)
    admin.put(path, {"tags": ["red"]})
    before = current(admin, coll, parent)
    r = admin.delete(path + "/blue")
    assert r.status == 404 and r.error_type == "TagNotFound" and "blue" in r.error_message
    assert current(admin, coll, parent) == before


def test_delete_all_removes_every_tag(admin, coll, parent):
    path = tags_path(coll, parent)
    admin.put(path, {"tags": ["red", "blue"]})
    r = admin.delete(path)
    assert r.status == 204 and r.raw.content == b""
    assert admin.get(path).json["tags"] == []
    assert current(admin, coll, parent)["tags"] == []


def test_tags_show_in_the_parent_list(admin, coll, parent):
    admin.put(tags_path(coll, parent), {"tags": ["red"]})
    r = admin.get(f"/v2.0/{coll}", params={"id": parent["id"], "fields": "tags"})
    assert r.json[coll] == [{"tags": ["red"]}]


# ---- revision numbers ----------------------------------------------------------------
def test_every_tag_change_bumps_the_parent_revision(admin, coll, parent):
    path = tags_path(coll, parent)
    changes = [
        lambda: admin.put(path, {"tags": ["a", "b"]}),
        lambda: admin.put(path + "/c"),
        lambda: admin.post(path, {"tags": ["d"]}),
        lambda: admin.delete(path + "/a"),
        lambda: admin.delete(path),
    ]
    revision = parent["revision_number"]
    for change in changes:
        assert change().status in (200, 201, 204)
        now = current(admin, coll, parent)
        assert now["revision_number"] > revision
        assert now["updated_at"] >= parent["updated_at"]
        revision = now["revision_number"]


def test_tag_reads_do_not_bump_the_revision(admin, coll, parent):
    path = tags_path(coll, parent)
    admin.put(path, {"tags": ["red"]})
    before = current(admin, coll, parent)
    admin.get(path)
    admin.get(path + "/red")
    admin.get(path + "/blue")
    assert current(admin, coll, parent) == before


# ---- validation ------------------------------------------------------------------------
INVALID_TAG_BODIES = [
    pytest.param({"tags": [""]}, id="empty-tag"),
    pytest.param({"tags": ["x" * 256]}, id="tag-longer-than-255"),
    pytest.param({"tags": [1]}, id="integer-tag"),
    pytest.param({"tags": [None]}, id="null-tag"),
    pytest.param({"tags": [["nested"]]}, id="list-tag"),
    pytest.param({"tags": [{"a": "b"}]}, id="object-tag"),
    pytest.param({"tags": ["same", "same"]}, id="duplicate-tags"),
    pytest.param({"tags": "red"}, id="tags-not-a-list"),
    pytest.param({"tags": None}, id="tags-null"),
    pytest.param({"tag": ["red"]}, id="body-without-tags-key"),
    pytest.param(["red"], id="body-a-list"),
    pytest.param({"tags": [f"t{i}" for i in range(51)]}, id="more-than-50-tags"),
]


def _assert_rejected(admin, coll, parent, method, body):
    path = tags_path(coll, parent)
    admin.put(path, {"tags": ["keep"]})
    before = current(admin, coll, parent)
    r = admin.request(method, path, json=body)
    assert r.status == 400, r
    assert r.error_type and "tag" in r.error_message.lower()
    assert current(admin, coll, parent) == before


@pytest.mark.parametrize("body", INVALID_TAG_BODIES)
def test_invalid_tags_put_is_400_and_changes_nothing(admin, coll, parent, body):
    _assert_rejected(admin, coll, parent, "PUT", body)


@pytest.mark.parametrize("body", [
    pytest.param({"tags": [1]}, id="integer-tag"),
    pytest.param({"tags": ["x" * 256]}, id="tag-longer-than-255"),
    pytest.param({"tag": ["red"]}, id="body-without-tags-key"),
])
def test_invalid_tags_post_is_400_and_changes_nothing(admin, coll, parent, body):
    _assert_rejected(admin, coll, parent, "POST", body)


def test_put_one_tag_longer_than_255_is_400_and_changes_nothing(admin, coll, parent):
    before = current(admin, coll, parent)
    r = admin.put(tags_path(coll, parent) + "/" + "x" * 256)
    assert r.status == 400 and "tag" in r.error_message.lower()
    assert current(admin, coll, parent) == before


def test_tag_of_255_characters_is_accepted(admin, coll, parent):
    tag = "x" * 255
    assert admin.put(tags_path(coll, parent) + "/" + tag).status == 201
    assert current(admin, coll, parent)["tags"] == [tag]


def test_fifty_tags_are_accepted_and_a_51st_is_400(admin, coll, parent):
    path = tags_path(coll, parent)
    fifty = sorted(f"t{i:02d}" for i in range(50))
    assert admin.put(path, {"tags": fifty}).status == 200
    before = current(admin, coll, parent)
    for r in (admin.put(path + "/one-more"), admin.post(path, {"tags": ["one-more"]})):
        assert r.status == 400 and "50" in r.error_message
    assert current(admin, coll, parent) == before
    # Adding a tag it already has is no growth.
    assert admin.put(path + "/t00").status == 201
    assert sorted(current(admin, coll, parent)["tags"]) == fifty


@pytest.mark.parametrize("method,suffix", [("GET", ""), ("PUT", "/red"), ("GET", "/red"),
                                           ("DELETE", "/red"), ("DELETE", "")],
                         ids=["get-all", "put-one", "get-one", "delete-one", "delete-all"])
def test_tags_of_unknown_parent_are_404(admin, coll, method, suffix):
    r = admin.request(method, f"/v2.0/{coll}/{UNKNOWN_ID}/tags{suffix}")
    assert r.status == 404 and r.error_type.endswith("NotFound")
    assert r.error_type != "TagNotFound"


def test_put_all_on_unknown_parent_is_404(admin, coll):
    r = admin.put(f"/v2.0/{coll}/{UNKNOWN_ID}/tags", {"tags": ["red"]})
    assert r.status == 404


def test_other_project_cannot_see_or_change_tags(admin, member, coll, parent):
    path = tags_path(coll, parent)
    admin.put(path, {"tags": ["red"]})
    assert member.get(path).status == 404
    assert member.put(path, {"tags": ["mine"]}).status == 404
    assert member.delete(path).status == 404
    assert admin.get(path).json["tags"] == ["red"]


def test_owner_may_tag_its_own_resource(member):
    net = member.network()
    path = f"/v2.0/networks/{net['id']}/tags"
    assert member.put(path + "/mine").status == 201
    assert member.get(path).json["tags"] == ["mine"]


# ---- tag filters on lists ----------------------------------------------------------
@pytest.fixture(scope="module")
def tagged(module_admin, coll):
    """Four resources: A red+blue, B red, C blue+green, D untagged (read-only here)."""
    sets = {"A": ["red", "blue"], "B": ["red"], "C": ["blue", "green"], "D": []}
    made = {}
    for label, tags in sets.items():
        item = make(module_admin, coll)
        if tags:
            assert module_admin.put(tags_path(coll, item), {"tags": tags}).status == 200
        made[label] = item["id"]
    return made


def _labels(admin, coll, tagged, params: list[tuple[str, str]]) -> set[str]:
    """Which of the four resources a filtered list returns (scoped to them by id)."""
    scope = [("id", i) for i in tagged.values()]
    r = admin.get(f"/v2.0/{coll}", params=params + scope + [("fields", "id")])
    assert r.status == 200, r
    by_id = {v: k for k, v in tagged.items()}
    return {by_id[item["id"]] for item in r.json[coll]}


@pytest.mark.parametrize("params,expected", [
    ([("tags", "red")], {"A", "B"}),
    ([("tags", "red,blue")], {"A"}),
    ([("tags", "red"), ("tags", "blue")], {"A"}),
    ([("tags", "red,green")], set()),
    ([("tags-any", "red,green")], {"A", "B", "C"}),
    ([("tags-any", "green"), ("tags-any", "red")], {"A", "B", "C"}),
    ([("tags-any", "nosuch")], set()),
    ([("not-tags", "red,blue")], {"B", "C", "D"}),
    ([("not-tags", "red")], {"C", "D"}),
    ([("not-tags-any", "red,green")], {"D"}),
    ([("not-tags-any", "nosuch")], {"A", "B", "C", "D"}),
    ([("tags", "blue"), ("not-tags", "green")], {"A"}),
    ([("tags-any", "red,blue"), ("not-tags-any", "green")], {"A", "B"}),
], ids=["tags-one", "tags-all-comma", "tags-all-repeated", "tags-none-has-both",
        "tags-any-comma", "tags-any-repeated", "tags-any-unknown", "not-tags-pair",
        "not-tags-one", "not-tags-any", "not-tags-any-unknown", "tags-and-not-tags",
        "tags-any-and-not-tags-any"])
def test_tag_filters(admin, coll, tagged, params, expected):
    assert _labels(admin, coll, tagged, params) == expected
