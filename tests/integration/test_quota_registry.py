"""The quota registry is generic: the [quotas] options name the resources every
deployment shows, and any plugin that declares a quota resource is counted and
enforced by the same code, with [quotas] default_quota when no option names it."""
from __future__ import annotations

import uuid

import pytest

from neutrino import exceptions as exc
from neutrino.conf.quotas import DEFAULT_LIMITS
from neutrino.context import Context
from neutrino.core import quotas
from neutrino.core.networks import NetworkPlugin
from neutrino.core.ports import PortPlugin
from neutrino.core.quotas import QuotaPlugin, QuotaRegistry
from neutrino.core.subnets import SubnetPlugin
from neutrino.registry import Registry
from neutrino.services.l3.floatingips import FloatingIpPlugin
from neutrino.services.l3.routers import RouterPlugin
from neutrino.services.subnetpools.plugin import SubnetPoolPlugin


# Stands for a feature added later (e.g. trunks): it only declares what it consumes;
# the rows it counts are the networks table's, which exists here.
TRUNK_TABLE = NetworkPlugin.table


def test_registry_shows_the_configured_resources_and_counts_the_declared_ones(conf):
    registry = QuotaRegistry(Registry(conf).quota_tables())
    assert registry.names == tuple(DEFAULT_LIMITS)
    assert registry.tables["network"] is NetworkPlugin.table
    assert registry.tables["subnet"] is SubnetPlugin.table
    assert registry.tables["port"] is PortPlugin.table
    assert registry.tables["subnetpool"] is SubnetPoolPlugin.table
    assert registry.tables["router"] is RouterPlugin.table
    assert registry.tables["floatingip"] is FloatingIpPlugin.table
    assert all(t is not None for t in registry.tables.values())


def test_default_limits_are_read_at_use_time_and_any_negative_is_unlimited(conf):
    assert quotas.default_limit(conf, "network") == 100
    conf.set_override("quota_network", 3, group="quotas")
    try:
        assert quotas.default_limit(conf, "network") == 3
        conf.set_override("quota_network", -5, group="quotas")
        assert quotas.default_limit(conf, "network") == quotas.UNLIMITED
    finally:
        conf.clear_override("quota_network", group="quotas")
    assert quotas.default_limit(conf, "network") == 100


def test_a_newly_declared_resource_is_shown_counted_and_enforced(database, conf):
    registry = QuotaRegistry({**Registry(conf).quota_tables(), "trunk": TRUNK_TABLE})
    project = uuid.uuid4().hex
    ctx = Context(user_id="u", project_id=project, roles=frozenset({"member"}))
    NetworkPlugin(database, conf).create_bulk(ctx, [{"project_id": project}] * 2)
    plugin = QuotaPlugin(database, conf, registry)
    admin = Context.admin()
    assert plugin.details(admin, project)["trunk"] == {"limit": -1, "used": 2, "reserved": 0}
    conf.set_override("default_quota", 2, group="quotas")
    try:
        assert plugin.get(admin, project)["trunk"] == 2
        with database.writer() as conn, pytest.raises(exc.OverQuota, match=r"\['trunk'\]"):
            quotas.enforce(conn, conf, "trunk", TRUNK_TABLE, {project: 1})
    finally:
        conf.clear_override("default_quota", group="quotas")
    plugin.update(admin, project, {"trunk": 3})
    with database.writer() as conn:
        quotas.enforce(conn, conf, "trunk", TRUNK_TABLE, {project: 1})
