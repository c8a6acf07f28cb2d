"""The topology page at 100 networks and 1,000 ports: every network is drawn, large
device groups are collapsed and expand on a click, details still open. How long
the drawing took is measured and written to .artifacts/topology-scale.txt (not
asserted: speed is measured, never a test's verdict)."""
from __future__ import annotations

import os
import time
import uuid

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_topology import drawn, network_column
from tests.support.client import Client
from tests.support.server import ServerProcess

NETWORKS, PORTS_PER_NETWORK = 100, 10


@pytest.fixture(scope="module")
def crowded():
    """One project with 100 networks, each with a subnet and 10 server ports (bulk creates:
    the API's own fast path, 1,100 objects in a few requests)."""
    server = ServerProcess().start()
    project = uuid.uuid4().hex
    admin = Client(server.url)
    r = admin.put(f"/v2.0/quotas/{project}", {"quota": {"network": -1, "subnet": -1, "port": -1}})
    assert r.status == 200, r
    r = admin.post("/v2.0/networks", {"networks": [
        {"name": f"scale-{i:03d}", "project_id": project} for i in range(NETWORKS)]})
    assert r.status == 201, r
    nets = r.json["networks"]
    r = admin.post("/v2.0/subnets", {"subnets": [
        {"network_id": n["id"], "ip_version": 4, "cidr": f"10.{i // 250}.{i % 250}.0/24",
         "project_id": project} for i, n in enumerate(nets)]})
    assert r.status == 201, r
    for chunk in range(0, NETWORKS, 20):
        r = admin.post("/v2.0/ports", {"ports": [
            {"network_id": n["id"], "project_id": project, "device_owner": "compute:nova",
             "device_id": str(uuid.uuid4())}
            for n in nets[chunk:chunk + 20] for _ in range(PORTS_PER_NETWORK)]})
        assert r.status == 201, r
    yield server, project, nets
    server.stop()


def test_a_thousand_ports_on_a_hundred_networks_are_drawn_and_stay_usable(tab, crowded):
    server, project, nets = crowded
    page = tab.page
    started = time.monotonic()
    page.goto(f"{server.url}/topology#project={project}&roles=member,reader")
    counts = page.locator("#counts").filter(has_text=f"{NETWORKS} networks")
    counts.wait_for(timeout=60_000)
    first_draw_s = time.monotonic() - started
    render_ms = int(page.locator("body").get_attribute("data-render-ms"))
    assert f"{NETWORKS * PORTS_PER_NETWORK} ports" in counts.inner_text()
    assert page.locator("svg g.network").count() == NETWORKS
    # Ten devices per network: six shown, the rest behind "+4 more devices".
    column = network_column(page, "scale-042")
    assert column.locator("g.port").count() == 6
    toggle = column.locator("g.toggle")
    assert drawn(toggle, "+4 more devices (4 ports)").is_visible()
    started = time.monotonic()
    toggle.click()
    network_column(page, "scale-042").locator("g.port").nth(PORTS_PER_NETWORK - 1).wait_for()
    expand_s = time.monotonic() - started
    assert network_column(page, "scale-042").locator("g.port").count() == PORTS_PER_NETWORK
    network_column(page, "scale-099").locator("g.port").first.click()
    assert page.locator("#details").is_visible()

    os.makedirs(ARTIFACTS, exist_ok=True)
    report = (f"topology page, {NETWORKS} networks and {NETWORKS * PORTS_PER_NETWORK} ports: "
              f"first drawing {first_draw_s:.2f} s after navigation (the page's render "
              f"{render_ms} ms), expanding one network {expand_s * 1000:.0f} ms\n")
    with open(os.path.join(ARTIFACTS, "topology-scale.txt"), "w") as f:
        f.write(report)
    print(report)
    page.screenshot(path=os.path.join(ARTIFACTS, "topology-scale.png"))
