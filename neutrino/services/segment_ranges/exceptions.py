"""Errors of network segment ranges, named as neutron-lib names them (the class name
is the NeutronError type). Neutron answers an invalid VLAN or tunnel range with 500
(its NetworkVlanRangeError and NetworkTunnelRangeError have no HTTP status); they are
400s here."""
from neutrino import exceptions as exc


class NetworkSegmentRangeNotFound(exc.NotFound):
    message = "Network Segment Range {id} could not be found."


class NetworkSegmentRangeNetTypeNotSupported(exc.BadRequest):
    message = "Network type {type} does not support network segment ranges."


class NetworkSegmentRangeDefaultReadOnly(exc.BadRequest):
    message = ("Network Segment Range {range_id} is a default segment range which could "
               "not be updated or deleted.")


class NetworkSegmentRangeReferencedByProject(exc.InUse):
    message = "Network Segment Range {range_id} is referenced by one or more project networks."


class NetworkSegmentRangeOverlaps(exc.Conflict):
    message = "Network segment range overlaps with range(s) with id {range_id}"


class NetworkVlanRangeError(exc.BadRequest):
    message = "Invalid network VLAN range: '{vlan_range}' - '{error}'."


class NetworkTunnelRangeError(exc.BadRequest):
    message = "Invalid network tunnel range: '{tunnel_range}' - {error}."
