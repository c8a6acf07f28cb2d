"""Quotas: per-project limits, their defaults and usage, who may read or change them,
and creating beyond a limit (single and bulk) for networks, subnets and ports."""
import uuid

import pytest
from openstack import exceptions as sdk_exc

from tests.support.client import Client

DEFAULTS = {"network": 100, "subnet": 100, "port": 500, "router": 10, "floatingip": 50,
            "security_group": 10, "security_group_rule": 100, "rbac_policy": 10,
            "subnetpool": -1}


def _project() -> str:
    return uuid.uuid4().hex


def _set(admin: Client, project: str, **limits) -> dict:
    r = admin.put(f"/v2.0/quotas/{project}", {"quota": limits})
    assert r.status == 200, r
    return r.json["quota"]


def _listed(admin: Client) -> dict[str, dict]:
    r = admin.get("/v2.0/quotas")
    assert r.status == 200, r
    return {q["project_id"]: q for q in r.json["quotas"]}


def _owned(admin: Client, collection: str, project: str) -> int:
    r = admin.get(f"/v2.0/{collection}", params={"project_id": project, "fields": "id"})
    return len(r.json[collection])


def _net(admin: Client, project: str) -> dict:
    return admin.network(project_id=project)


# ---- reading ----------------------------------------------------------------------
def test_quota_show_has_every_resource_at_its_configured_default(admin):
    project = _project()
    r = admin.get(f"/v2.0/quotas/{project}")
    assert r.status == 200
    assert r.json["quota"] == {**DEFAULTS, "project_id": project, "tenant_id": project}


def test_quota_default_shows_the_configured_defaults_whatever_the_project_set(admin):
    project = _project()
    _set(admin, project, network=3)
    r = admin.get(f"/v2.0/quotas/{project}/default")
    assert r.status == 200 and r.json["quota"] == DEFAULTS


def test_quota_details_count_what_the_project_owns(admin):
    project = _project()
    net = _net(admin, project)
    _net(admin, project)
    admin.subnet(net["id"], "10.1.0.0/24", project_id=project)
    for _ in range(3):
        admin.port(net["id"], project_id=project)
    admin.port(admin.network()["id"])  # another project's port counts elsewhere
    _set(admin, project, port=20)
    r = admin.get(f"/v2.0/quotas/{project}/details")
    assert r.status == 200
    details = r.json["quota"]
    assert set(details) == set(DEFAULTS)
    assert details["network"] == {"limit": 100, "used": 2, "reserved": 0}
    assert details["subnet"] == {"limit": 100, "used": 1, "reserved": 0}
    assert details["port"] == {"limit": 20, "used": 3, "reserved": 0}
    # Resources no plugin creates yet still appear, with nothing used.
    assert details["router"] == {"limit": 10, "used": 0, "reserved": 0}
    assert details["subnetpool"] == {"limit": -1, "used": 0, "reserved": 0}


def test_quotas_project_and_tenant_name_the_callers_project(member, project_id):
    assert member.get("/v2.0/quotas/project").json == {"project": {"project_id": project_id}}
    assert member.get("/v2.0/quotas/tenant").json == {"tenant": {"tenant_id": project_id}}


def test_quota_post_is_not_allowed(admin):
    r = admin.post("/v2.0/quotas", {"quota": {"network": 1}})
    assert r.status == 405 and r.error_type == "HTTPMethodNotAllowed"
    r = admin.post(f"/v2.0/quotas/{_project()}", {"quota": {"network": 1}})
    assert r.status == 405


def test_openapi_documents_the_quota_calls(admin):
    paths = admin.get("/openapi.json").json["paths"]
    assert set(paths["/v2.0/quotas/{project_id}"]) == {"get", "put", "delete"}
    assert "get" in paths["/v2.0/quotas/{project_id}/details"]


# ---- changing -------------------------------------------------------------------
def test_quota_update_sets_limits_shows_them_and_lists_the_project(admin):
    project, untouched = _project(), _project()
    admin.get(f"/v2.0/quotas/{untouched}")
    shown = _set(admin, project, network=5, port=-1)
    assert shown == {**DEFAULTS, "network": 5, "port": -1, "project_id": project,
                     "tenant_id": project}
    assert admin.get(f"/v2.0/quotas/{project}").json["quota"] == shown
    listed = _listed(admin)
    assert listed[project] == shown
    assert untouched not in listed


def test_quota_update_changes_only_the_given_limits(admin):
    project = _project()
    _set(admin, project, network=5, subnet=6)
    shown = _set(admin, project, subnet=7)
    assert (shown["network"], shown["subnet"], shown["port"]) == (5, 7, DEFAULTS["port"])


def test_quota_update_accepts_the_bounds_and_numeric_strings(admin):
    project = _project()
    assert _set(admin, project, network=-1, port=2**31 - 1, subnet="12")["subnet"] == 12
    assert _set(admin, project, network=0)["network"] == 0


@pytest.mark.parametrize("payload, needle", [
    ({"quota": {"network": -2}}, "network"),
    ({"quota": {"network": 2**31}}, "network"),
    ({"quota": {"port": "many"}}, "port"),
    ({"quota": {"port": True}}, "port"),
    ({"quota": {"port": None}}, "port"),
    ({"quota": {"port": 5, "widget": 1}}, "widget"),
    ({"quota": {"network": 5, "tenant_id": "x"}}, "tenant_id"),
    ({"quota": {"network": 5, "force": "maybe"}}, "force"),
    ({"quotas": {"network": 5}}, "quota"),
    ({"quota": [5]}, "quota"),
])
def test_quota_update_rejects_bad_input_and_changes_nothing(admin, payload, needle):
    project = _project()
    r = admin.put(f"/v2.0/quotas/{project}", payload)
    assert r.status == 400 and r.error_type == "HTTPBadRequest", r
    assert needle in r.error_message
    assert admin.get(f"/v2.0/quotas/{project}").json["quota"]["network"] == 100
    assert project not in _listed(admin)


def test_quota_update_rejects_a_body_that_is_not_json(admin):
    r = admin.put(f"/v2.0/quotas/{_project()}", data=b"network=5",
                  headers={"Content-Type": "application/json"})
    assert r.status == 400


def test_quota_update_rejects_an_overlong_project_id(admin):
    r = admin.put(f"/v2.0/quotas/{'p' * 256}", {"quota": {"network": 1}})
    assert r.status == 400 and "project_id" in r.error_message


def test_quota_below_current_usage_is_refused_unless_forced(admin):
    project = _project()
    for _ in range(3):
        _net(admin, project)
    r = admin.put(f"/v2.0/quotas/{project}", {"quota": {"network": 2}})
    assert r.status == 400 and "network" in r.error_message and "3" in r.error_message
    r = admin.put(f"/v2.0/quotas/{project}", {"quota": {"network": 2, "check_limit": True}})
    assert r.status == 400
    assert admin.get(f"/v2.0/quotas/{project}").json["quota"]["network"] == 100
    assert _set(admin, project, network=3)["network"] == 3  # equal to usage is fine
    assert _set(admin, project, network=1, force=True)["network"] == 1
    r = admin.post("/v2.0/networks", {"network": {"project_id": project}})
    assert r.status == 409 and r.error_type == "OverQuota"


def test_quota_delete_resets_to_defaults_and_unlists_the_project(admin):
    project = _project()
    _set(admin, project, network=1, port=2)
    r = admin.delete(f"/v2.0/quotas/{project}")
    assert r.status == 204
    assert admin.get(f"/v2.0/quotas/{project}").json["quota"] == {
        **DEFAULTS, "project_id": project, "tenant_id": project}
    assert project not in _listed(admin)
    _net(admin, project)
    _net(admin, project)  # the limit of 1 is gone
    r = admin.delete(f"/v2.0/quotas/{project}")
    assert r.status == 404 and r.error_type == "TenantQuotaNotFound"


# ---- enforcement ----------------------------------------------------------------
def test_network_beyond_quota_is_refused(admin):
    project = _project()
    _set(admin, project, network=2)
    _net(admin, project)
    _net(admin, project)
    r = admin.post("/v2.0/networks", {"network": {"project_id": project}})
    assert r.status == 409 and r.error_type == "OverQuota"
    assert r.error_message == "Quota exceeded for resources: ['network']."
    assert _owned(admin, "networks", project) == 2


def test_subnet_beyond_quota_is_refused(admin):
    project = _project()
    _set(admin, project, subnet=1)
    net = _net(admin, project)
    admin.subnet(net["id"], "10.2.0.0/24", project_id=project)
    r = admin.post("/v2.0/subnets", {"subnet": {"network_id": net["id"], "ip_version": 4,
                                                "cidr": "10.3.0.0/24", "project_id": project}})
    assert r.status == 409 and r.error_message == "Quota exceeded for resources: ['subnet']."
    assert _owned(admin, "subnets", project) == 1


def test_port_beyond_quota_is_refused_and_a_delete_frees_room(admin):
    project = _project()
    _set(admin, project, port=2)
    net = _net(admin, project)
    first = admin.port(net["id"], project_id=project)
    admin.port(net["id"], project_id=project)
    r = admin.post("/v2.0/ports", {"port": {"network_id": net["id"], "project_id": project}})
    assert r.status == 409 and r.error_message == "Quota exceeded for resources: ['port']."
    assert admin.delete(f"/v2.0/ports/{first['id']}").status == 204
    admin.port(net["id"], project_id=project)
    assert _owned(admin, "ports", project) == 2


def test_zero_quota_refuses_the_first_create(admin):
    project = _project()
    _set(admin, project, network=0)
    r = admin.post("/v2.0/networks", {"network": {"project_id": project}})
    assert r.status == 409 and r.error_type == "OverQuota"


def test_bulk_create_counts_the_whole_bulk(admin):
    project = _project()
    _set(admin, project, port=3, network=2)
    net = _net(admin, project)
    four = [{"network_id": net["id"], "project_id": project} for _ in range(4)]
    r = admin.post("/v2.0/ports", {"ports": four})
    assert r.status == 409 and r.error_message == "Quota exceeded for resources: ['port']."
    assert _owned(admin, "ports", project) == 0
    assert admin.post("/v2.0/ports", {"ports": four[:3]}).status == 201
    assert admin.post("/v2.0/ports", {"ports": four[:1]}).status == 409
    r = admin.post("/v2.0/networks", {"networks": [{"project_id": project}] * 2})
    assert r.status == 409 and r.error_message == "Quota exceeded for resources: ['network']."
    assert _owned(admin, "networks", project) == 1


def test_bulk_create_counts_each_project_against_its_own_quota(admin):
    full, roomy = _project(), _project()
    _set(admin, full, network=1)
    _net(admin, full)
    r = admin.post("/v2.0/networks", {"networks": [{"project_id": roomy},
                                                   {"project_id": full}]})
    assert r.status == 409 and r.error_type == "OverQuota"
    assert _owned(admin, "networks", roomy) == 0
    assert admin.post("/v2.0/networks", {"networks": [{"project_id": roomy}] * 2}).status == 201


def test_quota_applies_to_the_project_not_to_others(admin):
    limited, other = _project(), _project()
    _set(admin, limited, network=1)
    _net(admin, limited)
    _net(admin, other)
    _net(admin, other)
    assert _owned(admin, "networks", other) == 2


# ---- who may do what ------------------------------------------------------------
def test_member_reads_its_own_quota_default_and_details(admin, member, project_id):
    _set(admin, project_id, network=4)
    member.network()
    assert member.get(f"/v2.0/quotas/{project_id}").json["quota"]["network"] == 4
    assert member.get(f"/v2.0/quotas/{project_id}/default").json["quota"]["network"] == 100
    details = member.get(f"/v2.0/quotas/{project_id}/details").json["quota"]
    assert details["network"] == {"limit": 4, "used": 1, "reserved": 0}


def test_member_is_held_to_its_quota(admin, member, project_id):
    _set(admin, project_id, network=1)
    member.network()
    r = member.post("/v2.0/networks", {"network": {"name": "one-too-many"}})
    assert r.status == 409 and r.error_type == "OverQuota"


def test_member_may_not_read_other_projects_quotas(admin, member):
    other = _project()
    r = member.get(f"/v2.0/quotas/{other}")
    assert r.status == 403 and r.error_type == "PolicyNotAuthorized"
    r = member.get(f"/v2.0/quotas/{other}/default")
    assert r.status == 403 and r.error_type == "PolicyNotAuthorized"
    r = member.get(f"/v2.0/quotas/{other}/details")
    assert r.status == 403 and r.error_type == "AdminRequired"
    r = member.get("/v2.0/quotas")
    assert r.status == 403 and r.error_type == "AdminRequired"


def test_member_may_not_change_quotas(admin, member, project_id):
    other = _project()
    _set(admin, other, network=7)
    r = member.put(f"/v2.0/quotas/{project_id}", {"quota": {"network": 1000}})
    assert r.status == 403 and r.error_type == "PolicyNotAuthorized"
    assert member.delete(f"/v2.0/quotas/{project_id}").status == 403
    # Another project's quota is not even visible to a member.
    r = member.put(f"/v2.0/quotas/{other}", {"quota": {"network": 1000}})
    assert r.status == 404
    assert member.delete(f"/v2.0/quotas/{other}").status == 404
    assert admin.get(f"/v2.0/quotas/{project_id}").json["quota"]["network"] == 100
    assert admin.get(f"/v2.0/quotas/{other}").json["quota"]["network"] == 7


# ---- openstacksdk ---------------------------------------------------------------
def test_sdk_update_get_and_list_quotas(sdk):
    project = _project()
    updated = sdk.network.update_quota(project, networks=5, ports=9)
    assert (updated.networks, updated.ports, updated.subnets) == (5, 9, 100)
    fetched = sdk.network.get_quota(project)
    assert (fetched.networks, fetched.ports, fetched.routers) == (5, 9, 10)
    listed = {q.project_id: q for q in sdk.network.quotas()}
    assert listed[project].networks == 5


def test_sdk_quota_details_and_defaults(sdk):
    project = _project()
    sdk.network.update_quota(project, networks=5)
    sdk.network.create_network(name="sdk-quota", project_id=project)
    details = sdk.network.get_quota(project, details=True)
    assert details.networks == {"limit": 5, "used": 1, "reserved": 0}
    assert details.ports == {"limit": 500, "used": 0, "reserved": 0}
    default = sdk.network.get_quota_default(project)
    assert (default.networks, default.ports, default.subnet_pools) == (100, 500, -1)


def test_sdk_delete_quota_resets_and_a_missing_one_is_not_found(sdk):
    project = _project()
    sdk.network.update_quota(project, networks=5)
    sdk.network.delete_quota(project, ignore_missing=False)
    assert sdk.network.get_quota(project).networks == 100
    assert project not in {q.project_id for q in sdk.network.quotas()}
    with pytest.raises(sdk_exc.NotFoundException):
        sdk.network.delete_quota(project, ignore_missing=False)


def test_sdk_create_beyond_quota_raises_conflict(sdk):
    project = _project()
    sdk.network.update_quota(project, networks=1)
    sdk.network.create_network(project_id=project)
    with pytest.raises(sdk_exc.ConflictException, match="Quota exceeded"):
        sdk.network.create_network(project_id=project)
