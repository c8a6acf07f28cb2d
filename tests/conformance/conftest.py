"""Tempest's run: its Keystone and its Neutrino (the hooks are in plugin.py)."""
from __future__ import annotations

import pytest

from tests.support.client import Client
from tests.support.keystone import Keystone, TokenAuth
from tests.support.requirements import unavailable
from tests.support.server import ServerProcess
from tests.support.tempest import KEYSTONE_CACHE_CONF, missing_install


@pytest.fixture(scope="session")
def tempest_keystone():
    """A Keystone of Tempest's own: it fills it with hundreds of users and projects."""
    if reason := missing_install():
        unavailable(reason)
    # The neutron service user has admin besides service, as in a real deployment.
    ks = Keystone(extra_conf=KEYSTONE_CACHE_CONF, service_roles=("admin", "service"),
                  threads=1)
    try:
        ks.start()
    except Exception as err:  # noqa: BLE001
        log = ks.log()
        ks.stop()
        unavailable(f"cannot start Keystone: {err}\n{log}")
    yield ks
    ks.stop()


@pytest.fixture(scope="session")
def tempest_neutrino(tempest_keystone):
    """Neutrino as the catalog's network endpoint: one worker, one thread (SQLite)."""
    server = ServerProcess(extra_conf=tempest_keystone.authtoken_conf(), workers=1, threads=1)
    tempest_keystone.register_network_endpoint(server.url)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def tempest_admin(tempest_keystone, tempest_neutrino) -> Client:
    return Client(tempest_neutrino.url,
                  auth=TokenAuth(tempest_keystone.session(tempest_keystone.admin)))

