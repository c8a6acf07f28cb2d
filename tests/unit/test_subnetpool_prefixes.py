"""Prefix arithmetic of subnet pools (neutrino/services/subnetpools/prefixes.py)."""
import ipaddress

import pytest

from neutrino import exceptions as exc
from neutrino.services.subnetpools import prefixes as px


def nets(*cidrs: str) -> list:
    return [ipaddress.ip_network(c) for c in cidrs]


def test_compact_joins_adjacent_halves_and_merges_overlaps():
    assert px.texts(px.compact(nets("10.0.0.0/16", "10.1.0.0/16", "10.0.5.0/24"))) == [
        "10.0.0.0/15"]


def test_compact_keeps_disjoint_prefixes_in_address_order():
    assert px.texts(px.compact(nets("192.168.0.0/24", "10.0.0.0/24"))) == [
        "10.0.0.0/24", "192.168.0.0/24"]


def test_version_of_refuses_mixed_and_empty_lists():
    with pytest.raises(exc.PrefixVersionMismatch):
        px.version_of(nets("10.0.0.0/8", "2001:db8::/32"))
    with pytest.raises(exc.EmptySubnetPoolPrefixList):
        px.version_of([])


def test_difference_splits_a_prefix_around_the_taken_part():
    free = px.difference(nets("10.0.0.0/24"), nets("10.0.0.0/26"))
    assert px.texts(free) == ["10.0.0.64/26", "10.0.0.128/25"]


def test_choose_takes_the_smallest_free_block_that_fits():
    # /26 left over in the first /24 is used before the untouched /24
    chosen = px.choose(nets("10.0.0.0/24", "10.0.1.0/24"), nets("10.0.0.0/25", "10.0.0.128/26"),
                       26)
    assert str(chosen) == "10.0.0.192/26"


def test_choose_never_returns_an_allocated_network():
    pool = nets("10.0.0.0/28")
    taken: list = []
    while (chosen := px.choose(pool, taken, 30)) is not None:
        assert not px.overlaps([chosen], taken)
        taken.append(chosen)
    assert len(taken) == 4


def test_covers_a_network_spanning_two_joined_prefixes():
    assert px.covers(nets("10.0.0.0/24", "10.0.1.0/24"), ipaddress.ip_network("10.0.0.0/23"))
    assert not px.covers(nets("10.0.0.0/24"), ipaddress.ip_network("10.0.0.0/23"))


def test_quota_units_count_addresses_for_ipv4_and_slash64s_for_ipv6():
    assert px.quota_units(ipaddress.ip_network("10.0.0.0/24")) == 256
    assert px.quota_units(ipaddress.ip_network("2001:db8::/60")) == 16
    assert px.quota_units(ipaddress.ip_network("2001:db8::/65")) * 2 == 1


@pytest.mark.parametrize("low,high,default,kind", [
    (8, 33, 24, "max_prefixlen"), (25, 24, 24, "min_prefixlen"),
    (16, 24, 12, "default_prefixlen"), (16, 24, 28, "default_prefixlen")])
def test_check_bounds_names_the_bound_that_is_wrong(low, high, default, kind):
    with pytest.raises(exc.IllegalSubnetPoolPrefixBounds) as err:
        px.check_bounds(4, low, high, default)
    assert kind in str(err.value)
