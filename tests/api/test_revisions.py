"""Revision numbers, timestamps and If-Match revision constraints
(standard-attr-revisions, standard-attr-timestamp, revision-if-match) on
networks, subnets and ports."""
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.client import Client

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
# A name no other module uses: tests elsewhere find resources by name.
RENAMED = "renamed-" + uuid.uuid4().hex[:8]
UPDATES = {"networks": {"network": {"name": RENAMED}},
           "subnets": {"subnet": {"name": RENAMED}},
           "ports": {"port": {"name": RENAMED}}}


@pytest.fixture(params=["networks", "subnets", "ports"])
def coll(request):
    return request.param


@pytest.fixture
def item(admin, coll):
    net = admin.network()
    if coll == "networks":
        return net
    sub = admin.subnet(net["id"], "10.60.0.0/24")
    return sub if coll == "subnets" else admin.port(net["id"])


def path(coll: str, item: dict) -> str:
    return f"/v2.0/{coll}/{item['id']}"


def if_match(revision) -> dict:
    return {"If-Match": f"revision_number={revision}"}


# ---- revision numbers ----------------------------------------------------------------
def test_new_resource_has_revision_zero(item):
    assert item["revision_number"] == 0


def test_update_bumps_the_revision(admin, coll, item):
    r = admin.put(path(coll, item), UPDATES[coll])
    assert r.status == 200
    body = next(iter(r.json.values()))
    assert body["revision_number"] > item["revision_number"]
    assert admin.show(coll, item["id"])["revision_number"] == body["revision_number"]


def test_successive_updates_keep_bumping(admin, coll, item):
    revisions = [item["revision_number"]]
    for i in range(3):
        key = next(iter(UPDATES[coll]))
        r = admin.put(path(coll, item), {key: {"description": f"d{i}"}})
        revisions.append(next(iter(r.json.values()))["revision_number"])
    assert revisions == sorted(set(revisions))


def test_reads_do_not_bump_the_revision(admin, coll, item):
    admin.get(path(coll, item))
    admin.get(f"/v2.0/{coll}", params={"id": item["id"]})
    assert admin.show(coll, item["id"])["revision_number"] == item["revision_number"]


def test_failed_update_does_not_bump_the_revision(admin):
    net = admin.network()
    admin.subnet(net["id"], "10.61.0.0/24")
    taken = admin.port(net["id"], fixed_ips=[{"ip_address": "10.61.0.10"}])
    port = admin.port(net["id"])
    r = admin.put(f"/v2.0/ports/{port['id']}", {"port": {
        "name": "changed", "fixed_ips": [{"ip_address": taken["fixed_ips"][0]["ip_address"]}]}})
    assert r.status == 409
    assert admin.show("ports", port["id"]) == port


def test_port_revision_bumps_when_its_addresses_change(admin):
    net = admin.network()
    sub = admin.subnet(net["id"], "10.62.0.0/24")
    port = admin.port(net["id"])
    r = admin.put(f"/v2.0/ports/{port['id']}", {"port": {"fixed_ips": [
        *port["fixed_ips"], {"subnet_id": sub["id"], "ip_address": "10.62.0.99"}]}})
    assert r.json["port"]["revision_number"] > port["revision_number"]


def test_new_slaac_subnet_bumps_the_revision_of_ports_it_addresses(admin):
    net = admin.network()
    port = admin.port(net["id"])
    admin.subnet(net["id"], "fd62::/64", ipv6_ra_mode="slaac", ipv6_address_mode="slaac")
    now = admin.show("ports", port["id"])
    assert len(now["fixed_ips"]) == 1
    assert now["revision_number"] > port["revision_number"]


def test_deleting_a_slaac_subnet_bumps_the_revision_of_ports_that_lose_an_address(admin):
    net = admin.network()
    sub = admin.subnet(net["id"], "fd63::/64", ipv6_ra_mode="slaac", ipv6_address_mode="slaac")
    port = admin.port(net["id"])
    assert len(port["fixed_ips"]) == 1
    assert admin.delete(f"/v2.0/subnets/{sub['id']}").status == 204
    now = admin.show("ports", port["id"])
    assert now["fixed_ips"] == [] and now["revision_number"] > port["revision_number"]


# ---- timestamps ------------------------------------------------------------------------
def test_timestamps_are_utc_seconds_with_z(coll, item):
    for key in ("created_at", "updated_at"):
        assert TIMESTAMP.match(item[key]), item[key]
    created = datetime.strptime(item["created_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    # Written in UTC: a local-time clock would be off by the zone's offset.
    assert abs(datetime.now(UTC) - created) < timedelta(minutes=30)
    assert item["created_at"] <= item["updated_at"]


def test_update_keeps_created_at_and_moves_updated_at_forward(admin, coll, item):
    body = next(iter(admin.put(path(coll, item), UPDATES[coll]).json.values()))
    assert body["created_at"] == item["created_at"]
    assert TIMESTAMP.match(body["updated_at"]) and body["updated_at"] >= item["updated_at"]


# ---- If-Match ----------------------------------------------------------------------------
def test_put_with_matching_revision_succeeds(admin, coll, item):
    r = admin.put(path(coll, item), UPDATES[coll], headers=if_match(item["revision_number"]))
    assert r.status == 200
    body = next(iter(r.json.values()))
    assert body["name"] == RENAMED and body["revision_number"] > item["revision_number"]


def test_put_with_stale_revision_is_412_and_changes_nothing(admin, coll, item):
    admin.put(path(coll, item), {next(iter(UPDATES[coll])): {"description": "moved on"}})
    before = admin.show(coll, item["id"])
    r = admin.put(path(coll, item), UPDATES[coll], headers=if_match(item["revision_number"]))
    assert r.status == 412, r
    assert r.error_type == "RevisionNumberConstraintFailed"
    assert str(before["revision_number"]) in r.error_message
    assert admin.show(coll, item["id"]) == before


def test_put_with_future_revision_is_412(admin, coll, item):
    r = admin.put(path(coll, item), UPDATES[coll],
                  headers=if_match(item["revision_number"] + 1))
    assert r.status == 412 and r.error_type == "RevisionNumberConstraintFailed"
    assert admin.show(coll, item["id"]) == item


def test_delete_with_stale_revision_is_412_and_keeps_the_resource(admin, coll, item):
    admin.put(path(coll, item), UPDATES[coll])
    before = admin.show(coll, item["id"])
    r = admin.delete(path(coll, item), headers=if_match(item["revision_number"]))
    assert r.status == 412 and r.error_type == "RevisionNumberConstraintFailed"
    assert admin.show(coll, item["id"]) == before


def test_delete_with_matching_revision_deletes(admin, coll, item):
    r = admin.delete(path(coll, item), headers=if_match(item["revision_number"]))
    assert r.status == 204
    assert admin.get(path(coll, item)).status == 404


def test_a_tag_change_makes_an_earlier_revision_stale(admin, coll, item):
    assert admin.put(path(coll, item) + "/tags/red").status == 201
    r = admin.put(path(coll, item), UPDATES[coll], headers=if_match(item["revision_number"]))
    assert r.status == 412
    assert admin.show(coll, item["id"])["name"] != RENAMED


def test_read_modify_write_loses_to_a_concurrent_writer_then_retries(admin):
    net = admin.network(name="original")
    other = Client(admin.base)  # a second caller with its own session
    seen = admin.show("networks", net["id"])
    assert other.put(f"/v2.0/networks/{net['id']}", {"network": {"name": "theirs"}}).status == 200
    r = admin.put(f"/v2.0/networks/{net['id']}", {"network": {"name": "mine"}},
                  headers=if_match(seen["revision_number"]))
    assert r.status == 412
    assert admin.show("networks", net["id"])["name"] == "theirs"
    fresh = admin.show("networks", net["id"])
    r = admin.put(f"/v2.0/networks/{net['id']}", {"network": {"name": "mine"}},
                  headers=if_match(fresh["revision_number"]))
    assert r.status == 200 and r.json["network"]["name"] == "mine"


@pytest.mark.parametrize("header", ["revision_number=abc", "revision_number=", "revision_number=1.5",
                                    "revision_number=1, revision_number=2"],
                         ids=["not-a-number", "empty", "fraction", "two-constraints"])
def test_malformed_revision_constraint_is_400_and_changes_nothing(admin, coll, item, header):
    r = admin.put(path(coll, item), UPDATES[coll], headers={"If-Match": header})
    assert r.status == 400 and "revision_number" in r.error_message
    r = admin.delete(path(coll, item), headers={"If-Match": header})
    assert r.status == 400
    assert admin.show(coll, item["id"]) == item


@pytest.mark.parametrize("header", ['"0123abc"', "*", 'W/"x"'], ids=["etag", "star", "weak"])
def test_other_entity_tags_are_ignored(admin, coll, item, header):
    r = admin.put(path(coll, item), UPDATES[coll], headers={"If-Match": header})
    assert r.status == 200


def test_constraint_among_other_entity_tags_is_honoured(admin, coll, item):
    stale = f'"abc", revision_number={item["revision_number"] + 5}'
    r = admin.put(path(coll, item), UPDATES[coll], headers={"If-Match": stale})
    assert r.status == 412
    fresh = f'"abc", revision_number={item["revision_number"]}'
    assert admin.put(path(coll, item), UPDATES[coll], headers={"If-Match": fresh}).status == 200


def test_if_match_on_unknown_resource_is_404(admin, coll):
    r = admin.put(f"/v2.0/{coll}/{uuid.uuid4()}", UPDATES[coll], headers=if_match(0))
    assert r.status == 404


def test_empty_update_changes_nothing_not_even_the_revision(admin):
    net = admin.network()
    r = admin.put(f"/v2.0/networks/{net['id']}", {"network": {}})
    assert r.status == 200
    assert r.json["network"]["revision_number"] == net["revision_number"]
    assert r.json["network"]["updated_at"] == net["updated_at"]
    shown = admin.get(f"/v2.0/networks/{net['id']}").json["network"]
    assert shown["revision_number"] == net["revision_number"]
