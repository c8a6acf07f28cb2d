"""The plugin registry: features declare, the registry assembles and refuses what
cannot work, before any request."""
from __future__ import annotations

import pytest

from neutrino import conf as neutrino_conf
from neutrino.callbacks import Event, Registry as Callbacks
from neutrino.core import FEATURE as CORE
from neutrino.core.networks import NetworkPlugin
from neutrino.definitions import core as core_definitions
from neutrino.registry import Feature, Registry, Subscription, load_features


@pytest.fixture(scope="module")
def conf():
    return neutrino_conf.load([])


def test_plugins_are_made_once_and_reach_each_other_through_the_registry(conf):
    registry = Registry(conf, None, [CORE], Callbacks())
    ports = registry.plugin("ports")
    assert registry.plugin("ports") is ports
    assert ports.security_groups.groups is registry.plugin("security-groups")
    assert registry.plugin("security-group-rules").groups is registry.plugin("security-groups")
    assert ports.resource == "port" and ports.quota_resource == "port"
    assert registry.quota_resource_of("rbac-policies") == "rbac_policy"


def test_two_features_serving_one_collection_are_refused(conf):
    twin = Feature(name="twin", plugins={core_definitions.NETWORK: NetworkPlugin})
    with pytest.raises(RuntimeError, match="two features serve /v2.0/networks"):
        Registry(conf, None, [CORE, twin], Callbacks())


def test_a_subscription_to_an_undeclared_resource_is_refused(conf):
    typo = Feature(name="typo", subscriptions=(
        Subscription("netwrok", Event.AFTER_CREATE, lambda registry: lambda *a: None),))
    registry = Registry(conf, None, [CORE, typo], Callbacks())
    with pytest.raises(RuntimeError, match="unknown resource 'netwrok'"):
        registry.subscribe()


def test_subscriptions_are_made_with_the_registry_and_subscribed(conf):
    made = []

    def make(registry):
        made.append(registry)
        return lambda *a: None

    callbacks = Callbacks()
    feature = Feature(name="listener",
                      subscriptions=(Subscription("network", Event.AFTER_CREATE, make),))
    registry = Registry(conf, None, [CORE, feature], callbacks)
    registry.subscribe()
    assert made == [registry]
    assert callbacks.has_subscribers("network", Event.AFTER_CREATE)


def test_a_module_without_a_feature_declaration_is_refused():
    with pytest.raises(RuntimeError, match="declares no FEATURE"):
        load_features(["neutrino.core.listing"])


def test_a_sortable_attribute_whose_extender_gives_no_sort_key_is_refused(conf):
    from neutrino.api.app import check_owners
    from neutrino.core.extenders import AttributeExtender
    from neutrino.definitions.base import Attribute, Extension
    from neutrino.definitions.kinds import String

    class Motto(AttributeExtender):
        collection = "networks"
        attributes = ("motto",)

    extension = Extension(alias="network-motto", name="Motto", description="A motto.", extends={
        "networks": (Attribute("motto", String(64), "A motto.", default="", post=True,
                               filter=True, sort=True),)})
    feature = Feature(name="motto", extensions=(extension,), extenders=(Motto,))
    registry = Registry(conf, None, [CORE, feature], Callbacks())
    with pytest.raises(RuntimeError, match="networks.motto is sortable but its extender Motto "
                                           "gives no sort key"):
        check_owners(registry)
