"""Flavors, service profiles and router flavors over HTTP (both backends) and
through openstacksdk."""
from __future__ import annotations

import uuid

DRIVERS = "neutron.services.l3_router.service_providers."
HA = DRIVERS + "l3_ha.HaDriver"
SINGLE = DRIVERS + "single_node.SingleNodeDriver"


def profile(admin, driver: str = SINGLE, **attrs) -> dict:
    return admin.create("service_profiles", "service_profile", driver=driver, **attrs)


def flavor(admin, profiles: list[str], **attrs) -> dict:
    return admin.create("flavors", "flavor", service_type="L3_ROUTER_NAT",
                        service_profiles=profiles, **attrs)


def test_flavor_and_profile_crud(admin, member):
    sp = profile(admin, description="x" * 1000)
    assert sp["driver"] == SINGLE and sp["enabled"] is True and len(sp["description"]) == 1000
    fl = flavor(admin, [sp["id"]], name="gold")
    assert fl["service_profiles"] == [sp["id"]] and fl["enabled"] is True
    assert member.show("flavors", fl["id"])["name"] == "gold"
    assert member.get(f"/v2.0/service_profiles/{sp['id']}").status in (403, 404)
    assert member.post("/v2.0/flavors", {"flavor": {"service_type": "L3_ROUTER_NAT"}}).status \
        == 403
    up = admin.put(f"/v2.0/flavors/{fl['id']}", {"flavor": {"service_profiles": []}})
    assert up.status == 200 and up.json["flavor"]["service_profiles"] == []
    assert admin.delete(f"/v2.0/service_profiles/{sp['id']}").status == 204
    assert admin.delete(f"/v2.0/flavors/{fl['id']}").status == 204


def test_bad_flavors_and_profiles_are_refused(admin):
    r = admin.post("/v2.0/flavors", {"flavor": {"service_type": "NOPE"}})
    assert r.status == 400 and r.error_type == "InvalidFlavorServiceType"
    r = admin.post("/v2.0/service_profiles", {"service_profile": {}})
    assert r.status == 400 and r.error_type == "ServiceProfileEmpty"
    r = admin.post("/v2.0/service_profiles", {"service_profile": {"driver": "no.such.Driver"}})
    assert r.status == 404 and r.error_type == "ServiceProfileDriverNotFound"
    r = admin.post("/v2.0/flavors", {"flavor": {"service_type": "L3_ROUTER_NAT",
                                                "service_profiles": [str(uuid.uuid4())]}})
    assert r.status == 404 and r.error_type == "ServiceProfileNotFound"


def test_router_flavor_chooses_the_provider(admin, member):
    sp = profile(admin, HA)
    fl = flavor(admin, [sp["id"]])
    r = member.create("routers", "router", flavor_id=fl["id"])
    assert r["flavor_id"] == fl["id"]
    assert admin.show("routers", r["id"])["ha"] is True
    again = member.put(f"/v2.0/routers/{r['id']}", {"router": {"flavor_id": None}})
    assert again.status == 400
    bad = admin.post("/v2.0/routers", {"router": {"flavor_id": fl["id"], "ha": False}})
    assert bad.status == 400 and "does not support" in bad.error_message
    # In use: neither the flavor nor its profile can go.
    assert admin.delete(f"/v2.0/flavors/{fl['id']}").error_type == "FlavorInUse"
    assert admin.delete(f"/v2.0/service_profiles/{sp['id']}").error_type == \
        "ServiceProfileInUse"
    off = admin.put(f"/v2.0/flavors/{fl['id']}", {"flavor": {"enabled": False}})
    assert off.status == 200
    disabled = member.post("/v2.0/routers", {"router": {"flavor_id": fl["id"]}})
    assert disabled.status == 503 and disabled.error_type == "FlavorDisabled"
    missing = member.post("/v2.0/routers", {"router": {"flavor_id": str(uuid.uuid4())}})
    assert missing.status == 404 and missing.error_type == "FlavorNotFound"
    assert member.delete(f"/v2.0/routers/{r['id']}").status == 204
    assert admin.delete(f"/v2.0/flavors/{fl['id']}").status == 204


def test_sdk_flavor_and_profile(sdk):
    sp = sdk.network.create_service_profile(driver=SINGLE, description="sdk")
    fl = sdk.network.create_flavor(name="sdk-" + uuid.uuid4().hex[:6],
                                   service_type="L3_ROUTER_NAT")
    assert fl.service_type == "L3_ROUTER_NAT"
    assert sp.id in {p.id for p in sdk.network.service_profiles()}
    fl = sdk.network.update_flavor(fl, service_profile_ids=[sp.id])
    assert sdk.network.get_flavor(fl.id).service_profile_ids == [sp.id]
    sdk.network.delete_flavor(fl)
    sdk.network.delete_service_profile(sp)


def test_an_id_filter_that_is_no_uuid_finds_nothing(admin):
    # As Neutron (Tempest's test_list_flavors asks for ?id=33).
    assert admin.get("/v2.0/flavors?id=33").json["flavors"] == []
    assert admin.get("/v2.0/service_profiles?id=33").json["service_profiles"] == []


# ---- /v2.0/flavors/{id}/service_profiles: associating profiles --------------------------
def test_associating_a_profile_adds_it_to_the_flavor(admin):
    sp, other = profile(admin), profile(admin, HA)
    fl = flavor(admin, [])
    r = admin.post(f"/v2.0/flavors/{fl['id']}/service_profiles",
                   {"service_profile": {"id": sp["id"]}})
    assert r.status == 201 and r.json["service_profile"]["id"] == sp["id"]
    assert admin.show("flavors", fl["id"])["service_profiles"] == [sp["id"]]
    # The top-level collection of the same name is still the profiles themselves.
    assert admin.show("service_profiles", sp["id"])["driver"] == SINGLE
    listed = admin.get(f"/v2.0/flavors/{fl['id']}/service_profiles").json["service_profiles"]
    assert listed == [{"id": sp["id"]}]
    assert {p["id"] for p in admin.get("/v2.0/service_profiles").json["service_profiles"]} >= {
        sp["id"], other["id"]}
    shown = admin.get(f"/v2.0/flavors/{fl['id']}/service_profiles/{sp['id']}")
    assert shown.status == 200 and shown.json["service_profile"] == {"id": sp["id"]}


def test_dissociating_a_profile_removes_it_from_the_flavor(admin):
    sp = profile(admin)
    fl = flavor(admin, [sp["id"]])
    r = admin.delete(f"/v2.0/flavors/{fl['id']}/service_profiles/{sp['id']}")
    assert r.status == 204
    assert admin.show("flavors", fl["id"])["service_profiles"] == []
    assert admin.show("service_profiles", sp["id"])["id"] == sp["id"]  # the profile stays
    # Now unbound, the profile may go.
    assert admin.delete(f"/v2.0/service_profiles/{sp['id']}").status == 204


def test_associating_a_profile_twice_is_409(admin):
    sp = profile(admin)
    fl = flavor(admin, [sp["id"]])
    r = admin.post(f"/v2.0/flavors/{fl['id']}/service_profiles",
                   {"service_profile": {"id": sp["id"]}})
    assert r.status == 409 and r.error_type == "FlavorServiceProfileBindingExists", r
    assert sp["id"] in r.error_message and fl["id"] in r.error_message
    assert admin.show("flavors", fl["id"])["service_profiles"] == [sp["id"]]


def test_dissociating_an_unassociated_profile_is_404(admin):
    sp = profile(admin)
    fl = flavor(admin, [])
    for path in (f"/v2.0/flavors/{fl['id']}/service_profiles/{sp['id']}",):
        r = admin.delete(path)
        assert r.status == 404 and r.error_type == "FlavorServiceProfileBindingNotFound", r
        assert admin.get(path).error_type == "FlavorServiceProfileBindingNotFound"
    # A profile bound to another flavor is not this flavor's.
    flavor(admin, [sp["id"]])
    r = admin.delete(f"/v2.0/flavors/{fl['id']}/service_profiles/{sp['id']}")
    assert r.status == 404 and r.error_type == "FlavorServiceProfileBindingNotFound"


def test_associating_a_missing_profile_or_with_a_missing_flavor_is_404(admin):
    fl = flavor(admin, [])
    r = admin.post(f"/v2.0/flavors/{fl['id']}/service_profiles",
                   {"service_profile": {"id": str(uuid.uuid4())}})
    assert r.status == 404 and r.error_type == "ServiceProfileNotFound", r
    sp = profile(admin)
    r = admin.post(f"/v2.0/flavors/{uuid.uuid4()}/service_profiles",
                   {"service_profile": {"id": sp["id"]}})
    assert r.status == 404 and r.error_type == "FlavorNotFound", r
    assert admin.show("flavors", fl["id"])["service_profiles"] == []


def test_association_bodies_are_validated(admin):
    fl = flavor(admin, [])
    base = f"/v2.0/flavors/{fl['id']}/service_profiles"
    for body in ({"service_profile": {}}, {"service_profile": {"id": "nope"}},
                 {"service_profile": {"id": str(uuid.uuid4()), "driver": SINGLE}}, {}):
        r = admin.post(base, body)
        assert r.status == 400, (body, r)
    assert admin.show("flavors", fl["id"])["service_profiles"] == []


def test_only_admins_associate_profiles(admin, member):
    sp = profile(admin)
    fl = flavor(admin, [])
    r = member.post(f"/v2.0/flavors/{fl['id']}/service_profiles",
                    {"service_profile": {"id": sp["id"]}})
    assert r.status in (403, 404), r
    assert admin.show("flavors", fl["id"])["service_profiles"] == []


def test_sdk_associates_and_dissociates_a_profile(sdk):
    sp = sdk.network.create_service_profile(driver=SINGLE)
    fl = sdk.network.create_flavor(name="sdk-" + uuid.uuid4().hex[:6],
                                   service_type="L3_ROUTER_NAT")
    sdk.network.associate_flavor_with_service_profile(fl, sp)
    assert sdk.network.get_flavor(fl.id).service_profile_ids == [sp.id]
    sdk.network.disassociate_flavor_from_service_profile(fl, sp)
    assert sdk.network.get_flavor(fl.id).service_profile_ids == []
    sdk.network.delete_flavor(fl)
    sdk.network.delete_service_profile(sp)
