"""Errors of trunks, named as Neutron names them (the class name is the NeutronError
type), with Neutron's messages."""
from neutrino import exceptions as exc


class TrunkNotFound(exc.NotFound):
    message = "Trunk {id} could not be found."


class SubPortNotFound(exc.NotFound):
    message = "SubPort on trunk {trunk_id} with parent port {port_id} could not be found."


class TrunkPortInUse(exc.InUse):
    message = "Port {port_id} is in use by another trunk."


class ParentPortInUse(exc.InUse):
    message = ("Port {port_id} is currently in use and is not eligible for use as a parent "
               "port.")


class DuplicateSubPort(exc.Conflict):
    message = ("segmentation_type {segmentation_type} and segmentation_id {segmentation_id} "
               "already in use on trunk {trunk_id}.")


class TrunkDisabled(exc.Conflict):
    message = "Trunk {trunk_id} is currently disabled."


class TrunkInErrorState(exc.Conflict):
    message = ("Trunk {trunk_id} is in error state. Attempt to resolve the error condition "
               "before proceeding.")


class TrunkInUse(exc.InUse):
    message = "Trunk {trunk_id} is currently in use."


class SubPortMtuGreaterThanTrunkPortMtu(exc.Conflict):
    message = ("MTU {port_mtu} of subport {port_id} cannot be greater than MTU {trunk_mtu} "
               "of trunk {trunk_id}.")


class PortInUseAsTrunkParent(exc.InUse):
    message = "Port {port_id} is currently a parent port for trunk {trunk_id}."


class PortInUseAsSubPort(exc.InUse):
    message = "Port {port_id} is currently a subport for trunk {trunk_id}."
