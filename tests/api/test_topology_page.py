"""GET /topology and its files, and GET / for browsers: HTTP as a client sees it.
(What the page draws is tested in a real browser: tests/browser.)"""
from __future__ import annotations

import requests

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def _versions(server) -> dict:
    """Neutron's version document, key for key (Tempest reads every top-level value of it
    as a list of versions; keystoneauth follows the rel=self link)."""
    return {"versions": [{"id": "v2.0", "status": "CURRENT", "links": [
        {"rel": "self", "href": server.url + "/v2.0/"}]}]}


def test_topology_page_is_html_that_loads_only_its_own_files(server):
    r = requests.get(server.url + "/topology", timeout=30)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/html")
    assert 'data-auth="noauth"' in r.text
    assert 'src="topology/topology.js"' in r.text and 'href="topology/topology.css"' in r.text
    policy = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_topology_files_are_served_with_their_types_and_revalidate_with_etags(server):
    for name, kind in (("topology.js", "text/javascript"), ("api.js", "text/javascript"),
                       ("draw.js", "text/javascript"), ("topology.css", "text/css")):
        r = requests.get(f"{server.url}/topology/{name}", timeout=30)
        assert r.status_code == 200 and r.headers["Content-Type"].startswith(kind), name
        again = requests.get(f"{server.url}/topology/{name}", timeout=30,
                             headers={"If-None-Match": r.headers["ETag"]})
        assert again.status_code == 304 and again.content == b"", name


def test_topology_with_a_trailing_slash_redirects_to_the_page(server):
    r = requests.get(server.url + "/topology/", timeout=30, allow_redirects=False)
    assert r.status_code == 301
    assert requests.get(server.url + "/topology/", timeout=30).url == server.url + "/topology"


def test_a_browser_asking_for_the_root_gets_a_page_linking_the_topology(server):
    r = requests.get(server.url + "/", headers={"Accept": BROWSER_ACCEPT}, timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    assert 'href="topology"' in r.text and 'href="v2.0/"' in r.text
    assert "Accept" in r.headers["Vary"]


def test_api_clients_still_get_neutrons_version_document_unchanged(server):
    for accept in (None, "*/*", "application/json", "application/json, text/html;q=0.5"):
        headers = {"Accept": accept} if accept else {}
        r = requests.get(server.url + "/", headers=headers, timeout=30)
        assert r.status_code == 200 and r.headers["Content-Type"] == "application/json", accept
        assert r.json() == _versions(server), accept

