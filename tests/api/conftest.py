"""Fixtures for API tests: a raw HTTP client and the real openstacksdk client."""
from __future__ import annotations

import uuid

import openstack
import pytest

from tests.support.client import Client


@pytest.fixture
def admin(server) -> Client:
    return Client(server.url)


@pytest.fixture
def project_id() -> str:
    return uuid.uuid4().hex


@pytest.fixture
def member(server, project_id) -> Client:
    """A member of a fresh project: its lists contain only what the test created."""
    return Client(server.url, project_id, "member,reader")


@pytest.fixture
def sdk(server):
    """openstacksdk, configured the way `make run` writes clouds.yaml (no auth)."""
    conn = openstack.connection.Connection(
        auth_type="none", auth={"endpoint": server.url},
        network_endpoint_override=server.url + "/")
    yield conn
    conn.close()
