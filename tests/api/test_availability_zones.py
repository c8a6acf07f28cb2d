"""Availability zones: the list, and one zone shown by its name."""
from __future__ import annotations


def test_availability_zone_is_shown_by_name(admin):
    r = admin.get("/v2.0/availability_zones/nova")
    assert r.status == 200, r
    assert r.json == {"availability_zone": {"name": "nova", "resource": "network",
                                            "state": "available"}}


def test_unknown_availability_zone_is_404_naming_it(admin):
    r = admin.get("/v2.0/availability_zones/0")
    assert r.status == 404, r
    assert r.error_type == "AvailabilityZoneNotFound"
    assert "AvailabilityZone 0 could not be found" in r.error_message


def test_availability_zone_show_honours_fields(member):
    r = member.get("/v2.0/availability_zones/nova", params={"fields": "name"})
    assert r.status == 200, r
    assert r.json == {"availability_zone": {"name": "nova"}}
