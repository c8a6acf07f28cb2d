"""Errors of segments, routed networks and multiple port bindings, named as Neutron
names them (the class name is the NeutronError type). Neutron answers a binding the
drivers cannot make (PortBindingError) with 500; it is a 409 here."""
from neutrino import exceptions as exc


class SegmentNotFound(exc.NotFound):
    message = "Segment {id} could not be found."


class SegmentInUse(exc.InUse):
    message = "Segment '{segment_id}' cannot be deleted: {reason}."


class NetworkIdsDontMatch(exc.BadRequest):
    message = ("The subnet's network id, '{subnet_network}', doesn't match the network_id "
               "of segment '{segment_id}'")


class SubnetsNotAllAssociatedWithSegments(exc.BadRequest):
    message = ("All of the subnets on network '{network_id}' must either all be associated "
               "with segments or all not associated with any segment.")


class SubnetSegmentAssociationChangeNotAllowed(exc.BadRequest):
    message = ("A subnet that is already associated with a segment cannot have its segment "
               "association changed.")


class NoUpdateSubnetWhenMultipleSegmentsOnNetwork(exc.BadRequest):
    message = ("The network '{network_id}' has multiple segments, it is only possible to "
               "associate an existing subnet with a segment on networks with a single segment.")


class HostNotConnectedToAnySegment(exc.Conflict):
    message = ("Host {host} is not connected to any segments on routed provider network "
               "'{network_id}'.  It should be connected to one.")


class HostConnectedToMultipleSegments(exc.Conflict):
    message = ("Host {host} is connected to multiple segments on routed provider network "
               "'{network_id}'.  It should be connected to one.")


class PortBindingNotFound(exc.NotFound):
    message = "Binding for port {port_id} for host {host} could not be found."


class PortBindingAlreadyExists(exc.Conflict):
    message = "Binding for port {port_id} on host {host} already exists."


class PortBindingAlreadyActive(exc.Conflict):
    message = "Binding for port {port_id} on host {host} is already active."


class PortBindingError(exc.Conflict):
    message = "Binding for port {port_id} on host {host} could not be created or updated."
