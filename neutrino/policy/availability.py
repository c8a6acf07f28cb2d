"""Read-only views: network IP availability (admins) and availability zones."""
from neutrino.policy.base import ADMIN, ANY, rule

RULES = [
    rule("get_network_ip_availability", ADMIN,
         "Show or list network IP availabilities.",
         [{"method": "GET", "path": "/network-ip-availabilities"},
          {"method": "GET", "path": "/network-ip-availabilities/{network_id}"}]),
    rule("get_availability_zone", ANY, "List availability zones.",
         [{"method": "GET", "path": "/availability_zones"}]),
]
