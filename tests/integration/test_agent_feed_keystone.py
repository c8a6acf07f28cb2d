"""The agent feed under Keystone: agents call it with a service (or admin) token;
project users get 403, callers without a valid token 401."""
from __future__ import annotations

import uuid

import pytest

from tests.support.client import Client
from tests.support.keystone import TokenAuth

pytestmark = pytest.mark.xdist_group("keystone")


def _registration(host: str) -> dict:
    return {"agent": {"host": host, "agent_type": "Open vSwitch agent",
                      "binary": "neutron-openvswitch-agent", "topic": "N/A",
                      "configurations": {"tunnel_types": ["vxlan"]}}}


def test_service_user_registers_and_reports_devices(keystone, keystone_server):
    service = Client(keystone_server.url, auth=TokenAuth(keystone.session(keystone.service_user)))
    host = "ks-" + uuid.uuid4().hex[:8]
    r = service.post("/feed/v1/agents", _registration(host))
    assert r.status == 200 and r.json["agent"]["host"] == host, r
    r = service.post(f"/feed/v1/hosts/{host}/devices", {"up": [], "down": []})
    assert r.status == 200 and r.json == {"ports": {}}, r


def test_project_member_may_not_use_the_feed(keystone, keystone_server):
    member = Client(keystone_server.url,
                    auth=TokenAuth(keystone.session(keystone.projects["project-a"].member)))
    r = member.post("/feed/v1/agents", _registration("ks-" + uuid.uuid4().hex[:8]))
    assert r.status == 403 and r.error_type == "FeedNotAuthorized", r
    r = member.post("/feed/v1/hosts/anyhost/devices", {"up": []})
    assert r.status == 403, r


def test_feed_without_a_token_is_401(keystone_server):
    r = Client(keystone_server.url).post("/feed/v1/agents", _registration("ks-none"))
    assert r.status == 401, r
