"""Router providers serve routers through router events, in priority order: with a
third-party subscriber between two of them (tests/features/router_observer), the
one before it has claimed the router when it runs and the one after has not; a
provider refuses an update it cannot serve before anything is stored; only the
router's own provider acts on it."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from neutrino.db.engine import Database
from neutrino.services.flavors.providers import ROUTER_PROVIDERS
from tests.features.router_observer import SEEN
from tests.support.client import Client
from tests.support.server import ServerProcess

DRIVERS = "neutron.services.l3_router.service_providers."


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def setup(request, tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('rp')}/rp.db"
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres").create_database("rp_" + uuid.uuid4().hex[:8])
    server = ServerProcess(database_url=url,
                           extra_conf="extra_features = tests.features.router_observer").start()
    db = Database(url)
    yield Client(server.url), db
    db.dispose()
    server.stop()


def providers(db: Database, router_id: str) -> list[str]:
    with db.reader() as conn:
        return list(conn.scalars(select(ROUTER_PROVIDERS.c.provider).where(
            ROUTER_PROVIDERS.c.router_id == router_id)))


def seen(db: Database, router_id: str) -> list[str | None]:
    with db.reader() as conn:
        return list(conn.scalars(select(SEEN.c.provider_seen).where(
            SEEN.c.router_id == router_id)))


def ha_flavor(c: Client) -> dict:
    sp = c.create("service_profiles", "service_profile", driver=DRIVERS + "l3_ha.HaDriver")
    return c.create("flavors", "flavor", service_type="L3_ROUTER_NAT",
                    service_profiles=[sp["id"]])


def test_providers_and_a_third_subscriber_run_in_priority_order(setup):
    c, db = setup
    single = c.create("routers", "router")
    # single_node (DRIVER + 10) ran before the observer (+ 15): the router was its.
    assert providers(db, single["id"]) == ["single_node"]
    assert seen(db, single["id"]) == ["single_node"]
    for flags, provider in (({"ha": True}, "ha"), ({"distributed": True}, "dvr"),
                            ({"ha": True, "distributed": True}, "dvrha")):
        router = c.create("routers", "router", **flags)
        # ha (+ 20) and the others run after the observer: nothing served it yet.
        assert seen(db, router["id"]) == [None], flags
        assert providers(db, router["id"]) == [provider], flags


def test_a_flavors_provider_serves_its_routers(setup):
    c, db = setup
    router = c.create("routers", "router", flavor_id=ha_flavor(c)["id"])
    assert router["ha"] is True and providers(db, router["id"]) == ["ha"]
    assert seen(db, router["id"]) == [None]


def test_a_provider_refusing_an_update_before_it_happens_leaves_nothing_stored(setup):
    c, db = setup
    router = c.create("routers", "router", flavor_id=ha_flavor(c)["id"])
    down = c.put(f"/v2.0/routers/{router['id']}", {"router": {"admin_state_up": False}})
    assert down.status == 200
    before = c.show("routers", router["id"])
    r = c.put(f"/v2.0/routers/{router['id']}", {"router": {"ha": False, "name": "moved"}})
    assert r.status == 400 and r.error_type == "InvalidInput", r
    assert "flavor" in r.error_message and "provider ha" in r.error_message
    assert c.show("routers", router["id"]) == before
    assert providers(db, router["id"]) == ["ha"]
    # What the provider supports goes through.
    assert c.put(f"/v2.0/routers/{router['id']}", {"router": {"name": "kept"}}).status == 200


def test_only_the_routers_own_provider_acts_on_it(setup):
    c, db = setup
    router = c.create("routers", "router", admin_state_up=False)
    assert providers(db, router["id"]) == ["single_node"]
    # Without a flavor a router may change provider: single_node lets it go, ha takes
    # it; dvr and dvrha, which do not fit, leave it alone.
    r = c.put(f"/v2.0/routers/{router['id']}", {"router": {"ha": True}})
    assert r.status == 200, r
    assert providers(db, router["id"]) == ["ha"]
    r = c.put(f"/v2.0/routers/{router['id']}", {"router": {"distributed": True}})
    assert r.status == 200 and providers(db, router["id"]) == ["dvrha"]
    other = c.create("routers", "router")
    assert c.delete(f"/v2.0/routers/{router['id']}").status == 204
    assert providers(db, router["id"]) == []
    assert providers(db, other["id"]) == ["single_node"]
