"""The logging API's errors, named as Neutron names them (the class name is the
NeutronError type). Neutron answers RouterNotEnabledSnat and RouterGatewayNotSet
with 500 (bare NeutronException); they are bad requests here."""
from neutrino import exceptions as exc


class LogResourceNotFound(exc.NotFound):
    message = "Log resource {id} could not be found."


class InvalidLogResourceType(exc.InvalidInput):
    message = "Invalid log resource_type: {resource_type}."


class LoggingTypeNotSupported(exc.Conflict):
    message = "Logging type {log_type} is not supported on port {port_id}."


class TargetResourceNotFound(exc.NotFound):
    message = "Target resource {target_id} could not be found."


class ResourceNotFound(exc.NotFound):
    message = "Resource {resource_id} could not be found."


class InvalidResourceConstraint(exc.InvalidInput):
    message = ("Invalid resource constraint between resource ({resource} {resource_id}) and "
               "target resource ({target_resource} {target_id}).")


class ResourceIdNotSpecified(exc.InvalidInput):
    message = "'resource_id' should be specified for {resource_type}."


class EventsDisabled(exc.InvalidInput):
    message = "List of events {events} were disabled for {resource_type}."


class RouterNotEnabledSnat(exc.InvalidInput):
    message = "SNAT is not enabled for router {resource_id}."


class RouterGatewayNotSet(exc.InvalidInput):
    message = "Router gateway is not set for router {resource_id}."


class TargetIdNotUsed(exc.InvalidInput):
    """Not Neutron's: its snat validator ignores target_id; a snat log names a router
    only, so a port given with it would be silently meaningless."""

    message = "'target_id' is not used by {resource_type} logs."
