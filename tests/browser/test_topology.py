"""The topology page in a real browser, against a real server filled through
openstacksdk: what a person sees, live updates without a reload, and each
project seeing only its own resources (noauth identities; Keystone tokens in
test_topology_keystone.py)."""
from __future__ import annotations

import uuid

import openstack
import pytest

from tests.browser.conftest import save_artifact
from tests.support.client import Client
from tests.support.server import ServerProcess

# The page polls every 2 s; a change must show within a few polls.
LIVE_MS = 15_000


@pytest.fixture(scope="module")
def server():
    started = ServerProcess().start()
    yield started
    started.stop()


@pytest.fixture(scope="module")
def sdk(server):
    """openstacksdk as `make run` configures it (noauth: the admin)."""
    conn = openstack.connection.Connection(auth_type="none", auth={"endpoint": server.url},
                                           network_endpoint_override=server.url + "/")
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def public(sdk):
    """The external network every project's routers and floating IPs use."""
    net = sdk.network.create_network(name="public", is_router_external=True)
    sdk.network.create_subnet(network_id=net.id, ip_version=4, cidr="203.0.113.0/24",
                              name="public-v4")
    return net


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


class Cloud:
    """One project's resources, made by the admin on the project's behalf."""

    def __init__(self, sdk, public, project: str) -> None:
        self.sdk, self.public, self.project = sdk, public, project

    def network(self, cidr: str, name: str | None = None):
        net = self.sdk.network.create_network(name=name or _name("net"), project_id=self.project)
        subnet = self.sdk.network.create_subnet(network_id=net.id, ip_version=4, cidr=cidr,
                                                project_id=self.project)
        return net, subnet

    def server_port(self, net, host: str | None = None):
        attrs = {"binding_host_id": host} if host else {}
        return self.sdk.network.create_port(network_id=net.id, project_id=self.project,
                                            device_owner="compute:nova",
                                            device_id=str(uuid.uuid4()), name=_name("vm"),
                                            **attrs)

    def router(self, *subnets, name: str | None = None):
        router = self.sdk.network.create_router(
            name=name or _name("router"), project_id=self.project,
            external_gateway_info={"network_id": self.public.id})
        for subnet in subnets:
            self.sdk.network.add_interface_to_router(router, subnet_id=subnet.id)
        return router


def open_page(tab, server, project: str | None = None, roles: str = "member,reader"):
    """The page as a person opens it: as a project (noauth headers) or as the admin."""
    fragment = f"#project={project}&roles={roles}" if project else ""
    tab.page.goto(f"{server.url}/topology{fragment}")
    tab.page.locator("#counts").filter(has_text="networks").wait_for()
    return tab.page


def drawn(scope, words: str):
    """The drawn text (SVG <text>, not tooltips) that contains ``words``."""
    return scope.locator("svg text, text").filter(has_text=words)


def network_column(page, name: str):
    return page.locator("svg g.network", has=page.locator("text.title", has_text=name)).first


def test_page_shows_networks_subnets_routers_ports_and_floating_ips(tab, server, sdk, public,
                                                                    tmp_path):
    project = uuid.uuid4().hex
    cloud = Cloud(sdk, public, project)
    web, web_v4 = cloud.network("10.10.0.0/24", name=_name("web"))
    db, db_v4 = cloud.network("10.20.0.0/24", name=_name("db"))
    servers = [cloud.server_port(web, host="compute-1") for _ in range(3)]
    cloud.server_port(db, host="compute-2")
    router = cloud.router(web_v4, db_v4, name=_name("edge"))
    fip = sdk.network.create_ip(floating_network_id=public.id, port_id=servers[0].id,
                                project_id=project)

    page = open_page(tab, server, project)
    for words in (web.name, db.name, router.name, "public", "10.10.0.0/24", "10.20.0.0/24",
                  "203.0.113.0/24"):
        assert drawn(page, words).first.is_visible(), words
    column = network_column(page, web.name)
    # Three servers and the router's interface; the servers are drawn as port rows.
    assert column.locator("text.count").text_content() == "4 ports · 3 devices"
    assert column.locator("g.port").count() == 3
    # binding:host_id is the admin's to see (policy): a member's page shows no host.
    assert drawn(column, "@compute-1").count() == 0
    assert drawn(page, fip.floating_ip_address).first.is_visible()
    gateway = sdk.network.get_router(router.id).external_gateway_info["external_fixed_ips"][0]
    assert drawn(page.locator("g.router"), gateway["ip_address"]).is_visible()
    # Without an agent, ports stay DOWN: the legend's grey.
    assert column.locator("g.port.DOWN").count() == 3
    assert page.locator("#error").is_hidden()
    # One project's own view: nothing to filter by (the shared external network aside).
    assert page.locator("#project").is_hidden()

    shot = tmp_path / "topology.png"
    page.screenshot(path=str(shot), full_page=True)
    save_artifact(str(shot), "topology.png")


def test_clicking_a_port_shows_its_details(tab, server, sdk, public):
    project = uuid.uuid4().hex
    cloud = Cloud(sdk, public, project)
    net, _ = cloud.network("10.30.0.0/24")
    port = cloud.server_port(net)
    page = open_page(tab, server, project)
    network_column(page, net.name).locator("g.port").first.click()
    details = page.locator("#details")
    assert details.is_visible()
    assert port.id in details.inner_text() and port.mac_address in details.inner_text()


def test_a_router_created_through_the_api_appears_without_a_reload(tab, server, sdk, public):
    project = uuid.uuid4().hex
    cloud = Cloud(sdk, public, project)
    net, subnet = cloud.network("10.40.0.0/24")
    page = open_page(tab, server, project)
    column = network_column(page, net.name)
    assert column.locator("text.count").text_content() == "0 ports · 0 devices"
    router = cloud.router(subnet, name=_name("late"))
    page.locator("g.router", has_text=router.name).wait_for(timeout=LIVE_MS)
    assert column.locator("text.count").text_content() == "1 port · 0 devices"


def test_a_deleted_port_disappears_without_a_reload(tab, server, sdk, public):
    project = uuid.uuid4().hex
    cloud = Cloud(sdk, public, project)
    net, _ = cloud.network("10.50.0.0/24")
    ports = [cloud.server_port(net) for _ in range(2)]
    page = open_page(tab, server, project)
    column = network_column(page, net.name)
    assert column.locator("g.port").count() == 2
    sdk.network.delete_port(ports[0])
    column.locator("text.count", has_text="1 port · 1 device").wait_for(timeout=LIVE_MS)
    assert column.locator("g.port").count() == 1


def test_a_member_of_another_project_sees_none_of_the_first_projects_resources(
        tab, server, sdk, public):
    owner, other = uuid.uuid4().hex, uuid.uuid4().hex
    cloud = Cloud(sdk, public, owner)
    net, subnet = cloud.network("10.60.0.0/24", name=_name("private"))
    cloud.server_port(net)
    router = cloud.router(subnet, name=_name("private-router"))
    theirs = Cloud(sdk, public, other).network("10.70.0.0/24", name=_name("theirs"))[0]

    page = open_page(tab, server, other)
    assert drawn(page, theirs.name).is_visible()
    # Nowhere on the page, tooltips and details included.
    for words in (net.name, router.name, net.id, router.id, "10.60.0.0/24"):
        assert words not in page.content(), words
    # The API agrees: the other project's lists hold none of them either.
    api = Client(server.url, other, "member,reader")
    assert net.id not in {n["id"] for n in api.get("/v2.0/networks").json["networks"]}
    assert router.id not in {r["id"] for r in api.get("/v2.0/routers").json["routers"]}


def test_an_admin_narrows_the_page_to_one_project_and_sees_binding_hosts(
        tab, server, sdk, public):
    first, second = uuid.uuid4().hex, uuid.uuid4().hex
    cloud = Cloud(sdk, public, first)
    mine = cloud.network("10.80.0.0/24", name=_name("first"))[0]
    cloud.server_port(mine, host="compute-1")
    other = Cloud(sdk, public, second).network("10.90.0.0/24", name=_name("second"))[0]
    page = open_page(tab, server)  # no identity headers: the noauth admin
    assert drawn(page, mine.name).is_visible() and drawn(page, other.name).is_visible()
    page.locator("#project").select_option(first)
    assert drawn(page, mine.name).is_visible()
    assert drawn(page, other.name).count() == 0
    assert drawn(network_column(page, mine.name), "@compute-1").is_visible()


def test_hosts_with_their_agents_and_a_port_turning_active_show_without_a_reload(
        tab, server, sdk, public):
    admin = Client(server.url)
    if admin.get("/v2.0/agents").status == 404:
        pytest.skip("this server has no agents API (/v2.0/agents is 404): the page draws no hosts")
    host = _name("compute")
    r = admin.post("/feed/v1/agents", {"agent": {
        "host": host, "agent_type": "Open vSwitch agent", "binary": "neutrino-agent",
        "topic": "N/A",
        # What the agent reaches: any tenant network type, so the port binds.
        "configurations": {"tunnel_types": ["vxlan", "geneve"],
                           "bridge_mappings": {"physnet1": "br-physnet1"}}}})
    assert r.status in (200, 201), r
    project = uuid.uuid4().hex
    cloud = Cloud(sdk, public, project)
    net, _ = cloud.network("10.45.0.0/24")
    port = cloud.server_port(net, host=host)
    page = open_page(tab, server)  # the admin: agents and binding hosts are theirs to see
    hosts = page.locator("g.host", has=drawn(page, host))
    assert drawn(hosts, "Open vSwitch agent alive").is_visible()
    assert drawn(hosts, "1 ports bound").is_visible()
    column = network_column(page, net.name)
    assert column.locator("g.port.DOWN").count() == 1  # bound, not yet wired
    r = admin.post(f"/feed/v1/hosts/{host}/devices", {"up": [port.id]})
    assert r.status == 200 and r.json["ports"] == {port.id: "ACTIVE"}, r
    column.locator("g.port.ACTIVE").wait_for(timeout=LIVE_MS)


def test_a_server_that_pages_its_lists_still_shows_every_port(tab):
    paging = ServerProcess(extra_conf="pagination_max_limit = 4").start()
    try:
        admin = Client(paging.url)
        net = admin.network(name=_name("paged"))
        admin.subnet(net["id"], cidr="10.55.0.0/24")
        for _ in range(7):
            admin.port(net["id"], device_owner="compute:nova", device_id=str(uuid.uuid4()))
        assert len(admin.get("/v2.0/ports").json["ports"]) == 4  # one page of four
        page = open_page(tab, paging)
        column = network_column(page, net["name"])
        assert column.locator("text.count").text_content() == "7 ports · 7 devices"
        assert column.locator("g.port").count() == 7
    finally:
        paging.stop()
