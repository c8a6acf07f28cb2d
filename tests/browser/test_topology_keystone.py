"""The topology page with auth_strategy = keystone: the page itself is public (it
holds no data); its script reads the API with the token the person gives it, so
a missing or bad token shows the API's own 401, and a member sees only their
project's resources."""
from __future__ import annotations

import uuid

import pytest
import requests

from tests.browser.conftest import Tab
from tests.browser.test_topology import drawn, network_column
from tests.support.client import Client
from tests.support.keystone import TokenAuth

# One test process starts Keystone; every test that needs it runs there.
pytestmark = pytest.mark.xdist_group("keystone")


@pytest.fixture(scope="module")
def project_a_network(keystone, keystone_server):
    member = Client(keystone_server.url,
                    auth=TokenAuth(keystone.session(keystone.projects["project-a"].member)))
    net = member.network(name="topology-a-" + uuid.uuid4().hex[:6])
    member.subnet(net["id"], cidr="10.99.0.0/24")
    member.port(net["id"], device_owner="compute:nova", device_id=str(uuid.uuid4()))
    return net


def open_with(tab, server, token: str | None):
    fragment = f"#token={token}" if token is not None else ""
    tab.page.goto(f"{server.url}/topology{fragment}")
    return tab.page


def api_refusal(server, headers: dict) -> tuple[int, str]:
    r = requests.get(server.url + "/v2.0/networks", headers=headers, timeout=30)
    return r.status_code, r.json()["error"]["message"]


def test_the_page_and_its_files_need_no_token_but_the_api_still_does(keystone_server):
    for path in ("/topology", "/topology/topology.js", "/topology/api.js", "/topology/draw.js",
                 "/topology/topology.css"):
        r = requests.get(keystone_server.url + path, timeout=30)
        assert r.status_code == 200, path
    assert 'data-auth="keystone"' in requests.get(keystone_server.url + "/topology", timeout=30).text
    assert requests.get(keystone_server.url + "/topology/nothing", timeout=30).status_code == 401
    assert requests.get(keystone_server.url + "/v2.0/networks", timeout=30).status_code == 401


@pytest.mark.parametrize("token", [None, "not-a-token-" + uuid.uuid4().hex],
                         ids=["missing token", "invalid token"])
def test_a_missing_or_invalid_token_shows_the_apis_401_and_no_resources(
        tab, keystone_server, project_a_network, token):
    status, message = api_refusal(keystone_server, {"X-Auth-Token": token} if token else {})
    assert status == 401
    page = open_with(tab, keystone_server, token)
    error = page.locator("#error")
    error.wait_for()
    assert error.get_attribute("data-status") == "401"
    assert error.inner_text() == f"401 Unauthorized: {message}"
    assert "Traceback" not in page.content()
    assert project_a_network["name"] not in page.content()
    assert page.locator("svg").count() == 0


def test_the_token_stays_out_of_the_address_bar(tab, keystone, keystone_server,
                                                project_a_network):
    token = keystone.token(keystone.projects["project-a"].member)
    page = open_with(tab, keystone_server, token)
    drawn(page, project_a_network["name"]).wait_for()
    assert "#" not in page.url and token not in page.url


def test_members_see_their_own_project_and_not_another(tab, browser, keystone, keystone_server,
                                                       project_a_network):
    a_token = keystone.token(keystone.projects["project-a"].member)
    page = open_with(tab, keystone_server, a_token)
    column = network_column(page, project_a_network["name"])
    assert column.locator("text.count").text_content() == "1 port · 1 device"
    assert drawn(column, "10.99.0.0/24").is_visible()

    b_token = keystone.token(keystone.projects["project-b"].member)
    b_tab = Tab(browser)  # a person of project B, in a browser of their own
    try:
        other = open_with(b_tab, keystone_server, b_token)
        other.locator("#counts").filter(has_text="networks").wait_for()
        for words in (project_a_network["name"], project_a_network["id"], "10.99.0.0/24"):
            assert words not in other.content(), words
        assert not b_tab.script_errors
    finally:
        b_tab.close()
