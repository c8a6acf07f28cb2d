"""auth_strategy = keystone against a real Keystone started by the suite
(tests/support/keystone.py): openstacksdk and the `openstack` command
authenticate with passwords and find Neutrino through the catalog; tokens
decide who the caller is, never headers the client sends itself."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import falcon
import falcon.testing
import openstack
import pytest
from oslo_config import cfg

from neutrino.api import identity
from neutrino.conf import default as default_conf
from tests.support.client import Client
from tests.support.keystone import TokenAuth

# One test process starts Keystone; every test that needs it runs there.
pytestmark = pytest.mark.xdist_group("keystone")

BIN = os.path.dirname(sys.executable)


@pytest.fixture(scope="module")
def project_a(keystone):
    return keystone.projects["project-a"]


@pytest.fixture(scope="module")
def project_b(keystone):
    return keystone.projects["project-b"]


def _client(keystone, server, user, headers: dict | None = None) -> Client:
    return Client(server.url, auth=TokenAuth(keystone.session(user)), headers=headers)


def _sdk(keystone, user):
    return openstack.connect(load_yaml_config=False, load_envvars=False,
                             **user.connect_args(keystone.auth_url))


# ---- clients reach Neutrino through the catalog ----------------------------------------

def test_sdk_finds_neutrino_in_the_catalog_and_creates_in_the_token_project(
        keystone, keystone_server, project_a):
    conn = _sdk(keystone, project_a.member)
    try:
        assert conn.network.get_endpoint().rstrip("/") in (keystone_server.url,
                                                           keystone_server.url + "/v2.0")
        name = "sdk-" + uuid.uuid4().hex[:8]
        net = conn.network.create_network(name=name)
        assert net.project_id == project_a.id
        assert name in [n.name for n in conn.network.networks()]
        assert conn.network.get_network(net.id).project_id == project_a.id
        conn.network.delete_network(net.id)
        assert name not in [n.name for n in conn.network.networks()]
    finally:
        conn.close()


def test_openstack_cli_lists_networks_through_keystone(keystone, keystone_server, project_a,
                                                       tmp_path):
    name = "cli-" + uuid.uuid4().hex[:8]
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path),
           **project_a.member.environ(keystone.auth_url)}

    def openstack_cmd(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([os.path.join(BIN, "openstack"), *args], env=env,
                              capture_output=True, text=True, timeout=180)

    created = openstack_cmd("network", "create", name, "-f", "json")
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["project_id"] == project_a.id
    listed = openstack_cmd("network", "list", "-f", "json")
    assert listed.returncode == 0, listed.stderr
    assert name in [n["Name"] for n in json.loads(listed.stdout)]


def test_member_network_belongs_to_the_token_project(keystone, keystone_server, project_a):
    member = _client(keystone, keystone_server, project_a.member)
    net = member.network()
    assert net["project_id"] == net["tenant_id"] == project_a.id


# ---- requests without a valid token ----------------------------------------------------

def _assert_unauthenticated(r, keystone) -> None:
    assert r.status == 401, r
    # Neutron answers with keystonemiddleware's own body and points at Keystone.
    assert r.json["error"]["code"] == 401
    assert r.raw.headers["WWW-Authenticate"] == f'Keystone uri="{keystone.auth_url}"'


def test_request_without_token_is_401_and_changes_nothing(keystone, keystone_server):
    anonymous = Client(keystone_server.url)
    admin = _client(keystone, keystone_server, keystone.admin)
    before = admin.count_rows()
    _assert_unauthenticated(anonymous.get("/v2.0/networks"), keystone)
    _assert_unauthenticated(anonymous.post("/v2.0/networks", {"network": {"name": "x"}}),
                            keystone)
    assert admin.count_rows() == before


def test_garbage_token_is_401(keystone, keystone_server):
    garbage = Client(keystone_server.url, headers={"X-Auth-Token": "gAAAAAB" + "x" * 180})
    _assert_unauthenticated(garbage.get("/v2.0/networks"), keystone)


def test_revoked_token_is_401(keystone, keystone_server, project_a):
    sess = keystone.session(project_a.reader)
    token = sess.get_token()
    # Revoke it before Neutrino ever saw (and cached) it.
    admin = keystone.admin_connection()
    try:
        resp = admin.identity.delete("/auth/tokens", headers={"X-Subject-Token": token},
                                     raise_exc=False)
        assert resp.status_code == 204, resp.text
    finally:
        admin.close()
    revoked = Client(keystone_server.url, headers={"X-Auth-Token": token})
    _assert_unauthenticated(revoked.get("/v2.0/networks"), keystone)


def test_garbage_token_with_forged_identity_headers_is_401(keystone, keystone_server, project_a):
    forged = Client(keystone_server.url, headers={
        "X-Auth-Token": "not-a-token", "X-Identity-Status": "Confirmed", "X-Roles": "admin",
        "X-Project-Id": project_a.id, "X-User-Id": "admin"})
    _assert_unauthenticated(forged.get("/v2.0/networks"), keystone)


def test_version_list_needs_no_token(keystone_server):
    r = Client(keystone_server.url).get("/")
    assert r.status == 200, r
    assert [v["id"] for v in r.json["versions"]] == ["v2.0"]


# ---- headers a client sends are not identity --------------------------------------------

def test_spoofed_admin_roles_do_not_make_a_member_admin(keystone, keystone_server, project_a,
                                                        project_b):
    owner = _client(keystone, keystone_server, project_a.member)
    hidden = owner.network()
    spoofer = _client(keystone, keystone_server, project_b.member, headers={
        "X-Roles": "admin", "X-Project-Id": project_a.id, "X-Tenant-Id": project_a.id,
        "X-User-Id": project_a.member.id, "X-Identity-Status": "Confirmed",
        "X-Is-Admin-Project": "True"})
    listed = spoofer.get("/v2.0/networks")
    assert listed.status == 200, listed
    assert hidden["id"] not in [n["id"] for n in listed.json["networks"]]
    assert spoofer.get(f"/v2.0/networks/{hidden['id']}").status == 404
    assert spoofer.network()["project_id"] == project_b.id
    # The admin does see it: the difference is the token, not the headers.
    admin = _client(keystone, keystone_server, keystone.admin)
    assert admin.show("networks", hidden["id"])["project_id"] == project_a.id


# ---- the request context built from a token -------------------------------------------

class _EchoContext:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = req.context.neutrino.to_policy_values() | {
            "user_name": req.context.neutrino.user_name,
            "project_name": req.context.neutrino.project_name}


@pytest.fixture(scope="module")
def context_probe(keystone, tmp_path_factory):
    """Neutrino's identity layer (auth_token + KeystoneIdentity) around a resource that
    shows the request context, driven in-process with real tokens."""
    path = tmp_path_factory.mktemp("probe") / "neutrino.conf"
    path.write_text("[DEFAULT]\n" + keystone.authtoken_conf())
    conf = cfg.ConfigOpts()
    default_conf.register(conf)
    conf(["--config-file", str(path)], project="neutrino", default_config_files=[])
    app = falcon.App(middleware=[identity.middleware(conf)])
    app.add_route("/context", _EchoContext())
    return falcon.testing.TestClient(identity.protect(app, conf))


def _context(probe, keystone, user, headers: dict | None = None) -> dict:
    r = probe.simulate_get("/context", headers={"X-Auth-Token": keystone.token(user),
                                                **(headers or {})})
    assert r.status_code == 200, r.text
    return r.json


def test_member_token_context(keystone, project_a, context_probe):
    user = project_a.member
    ctx = _context(context_probe, keystone, user)
    assert ctx["user_id"] == user.id and ctx["user_name"] == user.name
    assert ctx["project_id"] == ctx["tenant_id"] == project_a.id
    assert ctx["project_name"] == project_a.name
    assert ctx["user_domain_id"] == ctx["project_domain_id"] == "default"
    # Keystone puts implied roles in the token: member implies reader.
    assert ctx["roles"] == ["member", "reader"]
    assert ctx["is_admin"] is False
    assert ctx["system_scope"] is None and ctx["service_roles"] == []


def test_reader_token_context_has_role_reader_only(keystone, project_a, context_probe):
    ctx = _context(context_probe, keystone, project_a.reader)
    assert ctx["roles"] == ["reader"]
    assert ctx["is_admin"] is False


def test_admin_token_context_is_admin(keystone, context_probe):
    ctx = _context(context_probe, keystone, keystone.admin)
    assert {"admin", "manager", "member", "reader"} <= set(ctx["roles"])
    assert ctx["is_admin"] is True
    assert ctx["project_id"] == keystone.admin.project_id


def test_identity_headers_sent_with_a_token_are_replaced(keystone, project_b, context_probe):
    ctx = _context(context_probe, keystone, project_b.reader, headers={
        "X-Roles": "admin,member", "X-User-Id": "someone", "X-Project-Id": "elsewhere",
        "X-Service-Roles": "service", "X-Service-Identity-Status": "Confirmed",
        "OpenStack-System-Scope": "all"})
    assert ctx["roles"] == ["reader"]
    assert ctx["user_id"] == project_b.reader.id
    assert ctx["project_id"] == project_b.id
    assert ctx["service_roles"] == [] and ctx["system_scope"] is None


def test_service_token_context(keystone, project_a, context_probe):
    """A service (the neutron user has role service) acting with a user's token."""
    ctx = _context(context_probe, keystone, project_a.member,
                   headers={"X-Service-Token": keystone.token(keystone.service_user)})
    assert ctx["roles"] == ["member", "reader"]
    assert ctx["service_roles"] == ["service"]
    assert ctx["service_user_id"] == keystone.service_user.id
    assert ctx["service_project_id"] == keystone.service_user.project_id
