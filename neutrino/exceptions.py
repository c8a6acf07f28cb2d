"""The project's exception types.

Each class maps to exactly one HTTP status; the class name is the
``NeutronError.type`` clients see, so names follow Neutron's where one exists.
"""
from __future__ import annotations


class NeutronException(Exception):
    """Base of every error a request may end in."""

    status = 500
    message = "An unknown exception occurred."

    def __init__(self, message: str | None = None, **kwargs: object) -> None:
        self.kwargs = kwargs
        text = message if message is not None else self.message
        if kwargs and message is None:
            text = text.format(**kwargs)
        self.msg = text
        super().__init__(text)

    @property
    def type(self) -> str:
        return type(self).__name__


# --- 400 ---------------------------------------------------------------------
class BadRequest(NeutronException):
    status = 400
    message = "Bad {resource} request: {msg}."


class HTTPBadRequest(NeutronException):
    """Request-level validation failures (body shape, attributes, query string)."""

    status = 400


class InvalidInput(NeutronException):
    status = 400
    message = "Invalid input for operation: {error_message}."


class InvalidIpForNetwork(NeutronException):
    status = 400
    message = "IP address {ip_address} is not a valid IP for any of the subnets on the specified network."


class InvalidIpForSubnet(NeutronException):
    status = 400
    message = "IP address {ip_address} is not a valid IP for the specified subnet."


class AllocationOnAutoAddressSubnet(InvalidInput):
    message = ("IPv6 address {ip} cannot be directly assigned to a port on subnet {subnet_id} as "
               "the subnet is configured for automatic addresses")


class InvalidAllocationPool(NeutronException):
    status = 400
    message = "The allocation pool {pool} is not valid."


class OverlappingAllocationPools(NeutronException):
    status = 400
    message = "Found overlapping allocation pools: {pool_1} and {pool_2} for subnet {subnet_cidr}."


class OutOfBoundsAllocationPool(NeutronException):
    status = 400
    message = "The allocation pool {pool} spans beyond the subnet cidr {subnet_cidr}."


class GatewayConflictWithAllocationPools(NeutronException):
    status = 400
    message = "Gateway ip {ip_address} conflicts with allocation pool {pool}."


class InvalidCIDR(NeutronException):
    status = 400
    message = "Invalid CIDR {cidr}."


class DuplicateSubnetCidr(NeutronException):
    status = 400
    message = ("Invalid input for cidr. Reason: Requested subnet with cidr: {cidr} for network: "
               "{network_id} overlaps with another subnet{other}.")


class InvalidSortKey(NeutronException):
    status = 400


# --- 400: address scopes and subnet pools --------------------------------------
class AddressScopeUpdateError(BadRequest):
    message = "Unable to update address scope {address_scope_id} : {reason}."


class SubnetPoolDeleteError(BadRequest):
    message = "Unable to delete subnet pool: {reason}."


class IllegalSubnetPoolPrefixUpdate(BadRequest):
    message = "Illegal update to prefixes: {msg}."


class IllegalSubnetPoolUpdate(BadRequest):
    message = "Illegal subnetpool update : {reason}."


class IllegalSubnetPoolPrefixBounds(BadRequest):
    message = "Illegal prefix bounds: {prefix_type}={prefixlen}, {base_prefix_type}={base_prefixlen}."


class PrefixVersionMismatch(BadRequest):
    message = "Cannot mix IPv4 and IPv6 prefixes in a subnet pool."


class EmptySubnetPoolPrefixList(BadRequest):
    message = "Empty subnet pool prefix list."


class IllegalSubnetPoolAssociationToAddressScope(BadRequest):
    message = ("Illegal subnetpool association: subnetpool {subnetpool_id} cannot be associated "
               "with address scope {address_scope_id}.")


class IllegalSubnetPoolIpVersionAssociationToAddressScope(BadRequest):
    message = ("Illegal subnetpool association: subnetpool {subnetpool_id} cannot associate with "
               "address scope {address_scope_id} because subnetpool ip_version is not "
               "{ip_version}.")


class MaxPrefixSubnetAllocationError(BadRequest):
    message = ("Unable to allocate subnet with prefix length {prefixlen}, maximum allowed prefix "
               "is {max_prefixlen}.")


class MinPrefixSubnetAllocationError(BadRequest):
    message = ("Unable to allocate subnet with prefix length {prefixlen}, minimum allowed prefix "
               "is {min_prefixlen}.")


class NetworkSubnetPoolAffinityError(BadRequest):
    message = "Subnets hosted on the same network must be allocated from the same subnet pool."


class VlanTransparencyDriverError(NeutronException):
    status = 400
    message = "Backend does not support VLAN Transparency."


class InvalidNetworkType(NeutronException):
    status = 400
    message = "Invalid network type {network_type}: {reason}."


class TooManyTags(NeutronException):
    status = 400


class QuotaMissingTenant(NeutronException):
    status = 400
    message = "Tenant-id was missing from quota request."


class InvalidActionForType(InvalidInput):
    message = ("Invalid action '{action}' for object type '{object_type}'. Valid actions: "
               "{valid_actions}.")


# Security groups and their rules (400).
class SecurityGroupInvalidPortRange(InvalidInput):
    message = ("For TCP/UDP/SCTP/DCCP/UDPLITE protocols, port_range_min must be <= "
               "port_range_max")


class SecurityGroupInvalidPortValue(InvalidInput):
    message = "Invalid value for port {port}."


class SecurityGroupInvalidIcmpValue(InvalidInput):
    message = "Invalid value for ICMP {field} ({attr}) {value}. It must be 0 to 255."


class SecurityGroupMissingIcmpType(InvalidInput):
    message = "ICMP code (port-range-max) {value} is provided but ICMP type (port-range-min) is missing."


class SecurityGroupInvalidProtocolForPort(InvalidInput):
    message = ("Invalid protocol {protocol} for port range, only supported for TCP, UDP, UDPLITE, "
               "SCTP and DCCP.")


class SecurityGroupProtocolRequiredWithPorts(InvalidInput):
    message = "Must also specify protocol if port range is given."


class SecurityGroupRuleInvalidProtocol(InvalidInput):
    message = ("Security group rule protocol {protocol} not supported. Only protocol values "
               "{values} and integer representations [0 to 255] are supported.")


class SecurityGroupRuleParameterConflict(InvalidInput):
    message = "Conflicting value ethertype {ethertype} for CIDR {cidr}."


class SecurityGroupEthertypeConflictWithProtocol(InvalidInput):
    message = "Invalid ethertype {ethertype} for protocol {protocol}."


class SecurityGroupRemoteGroupAndRemoteIpPrefix(InvalidInput):
    message = "Only remote_ip_prefix or remote_group_id may be provided."


# --- 403 ---------------------------------------------------------------------
class NotAuthorized(NeutronException):
    status = 403
    message = "Not authorized."


class PolicyNotAuthorized(NotAuthorized):
    message = "({action}) is disallowed by policy."


class AdminRequired(NotAuthorized):
    message = "User does not have admin privileges: {reason}."


# --- 404 ---------------------------------------------------------------------
class NotFound(NeutronException):
    status = 404
    message = "An unknown resource was not found."


class HTTPNotFound(NotFound):
    message = "The resource could not be found."


class NetworkNotFound(NotFound):
    message = "Network {id} could not be found."


class SubnetNotFound(NotFound):
    message = "Subnet {id} could not be found."


class PortNotFound(NotFound):
    message = "Port {id} could not be found."


class ExtensionNotFound(NotFound):
    message = "Extension with alias {alias} does not exist."


class TagNotFound(NotFound):
    message = "Tag {tag} could not be found for {resource} {resource_id}."


class MarkerNotFound(NotFound):
    message = "Marker {marker} could not be found."


class AvailabilityZoneNotFound(NotFound):
    message = "AvailabilityZone {availability_zone} could not be found."


class SecurityGroupNotFound(NotFound):
    message = "Security group {id} does not exist."


class SecurityGroupRuleNotFound(NotFound):
    message = "Security group rule {id} does not exist."


class ResourceNotFound(NotFound):
    message = "{resource} {id} could not be found."


class TenantQuotaNotFound(NotFound):
    message = "Quota for tenant {tenant_id} could not be found."


class RbacPolicyNotFound(NotFound):
    message = "RBAC policy {id} could not be found."


class AddressScopeNotFound(NotFound):
    message = "Address scope {id} could not be found."


class SubnetPoolNotFound(NotFound):
    message = "Subnet pool {id} could not be found."


# --- 409 ---------------------------------------------------------------------
class Conflict(NeutronException):
    status = 409


class InUse(Conflict):
    message = "The resource is in use."


class NetworkInUse(InUse):
    message = ("Unable to complete operation on network {net_id}. There are one or more ports "
               "still in use on the network, id for these ports is: {ports}.")


class SubnetInUse(InUse):
    message = ("Unable to complete operation on subnet {subnet_id}: One or more ports have an IP "
               "allocation from this subnet.")


class IpAddressInUse(InUse):
    message = "Unable to complete operation for network {net_id}. The IP address {ip_address} is in use."


class GatewayIpInUse(InUse):
    message = ("Current gateway ip {ip_address} already in use by port {port_id}. "
               "Unable to update.")


class MacAddressInUse(InUse):
    message = "Unable to complete operation for network {net_id}. The mac address {mac} is in use."


class IpAddressGenerationFailure(Conflict):
    message = "No more IP addresses available for subnet {subnet_id}."


class MacAddressGenerationFailure(Conflict):
    message = "Unable to generate unique mac on network {net_id}."


class PortBound(InUse):
    message = ("Unable to complete operation on port {port_id}, port is already bound, "
               "port type: {vif_type}, old_mac {old_mac}, new_mac {new_mac}.")


class AddressPairAndPortSecurityRequired(Conflict):
    message = "Port Security must be enabled in order to have allowed address pairs on a port."


class PortSecurityAndIPRequiredForSecurityGroups(Conflict):
    message = ("Port security must be enabled and port must have an IP address in order to use "
               "security groups.")


class PortSecurityPortHasSecurityGroup(InUse):
    message = ("Port has security group associated. Cannot disable port security or IP address "
               "until security group is removed.")


class SecurityGroupInUse(InUse):
    message = "Security Group {id} {reason}."

    def __init__(self, message: str | None = None, **kwargs: object) -> None:
        kwargs.setdefault("reason", "in use")
        super().__init__(message, **kwargs)


class SecurityGroupConflict(Conflict):
    message = "Error {reason} while attempting the operation."


class SecurityGroupCannotRemoveDefault(InUse):
    message = "Insufficient rights for removing default security group."


class SecurityGroupCannotUpdateDefault(InUse):
    message = "Updating default security group not allowed."


class SecurityGroupDefaultAlreadyExists(InUse):
    message = "Default security group already exists."


class SecurityGroupRuleExists(InUse):
    message = "Security group rule already exists. Rule id is {rule_id}."


class DuplicateSecurityGroupRuleInPost(InUse):
    message = "Duplicate Security Group Rule in POST."


class NetworkMTUSubnetConflict(Conflict):
    message = "MTU of {net_id} is not valid, subnet requires a minimum of {mtu}"


class NoNetworkAvailable(Conflict):
    message = "Unable to create the network. No tenant network is available for allocation."


class SegmentationIdInUse(InUse):
    message = ("Unable to create the network. The {network_type} {segmentation_id} on physical "
               "network {physical_network} is in use.")


class FlatNetworkInUse(InUse):
    message = ("Unable to create the flat network. Physical network {physical_network} is in use.")


class InvalidSharedSetting(Conflict):
    message = ("Unable to reconfigure sharing settings for network {network}: projects other "
               "than its owner have ports on it that depend on this sharing.")


class ExternalNetworkInUse(InUse):
    message = ("External network {net_id} cannot be updated to be non-external: it has one or "
               "more router gateway ports.")


class RbacPolicyInUse(InUse):
    message = ("RBAC policy on object {object_id} cannot be removed because other objects depend "
               "on it. Details: {details}")


class DuplicateRbacPolicy(Conflict):
    message = "An RBAC policy with the same object, action and target project already exists."


class OverQuota(Conflict):
    message = "Quota exceeded for resources: {overs}."


class SubnetPoolQuotaExceeded(OverQuota):
    message = "Per-tenant subnet pool prefix quota exceeded."


class AddressScopeInUse(InUse):
    message = ("Unable to complete operation on address scope {address_scope_id}. There are one "
               "or more subnet pools in use on the address scope.")


class AddressScopePrefixConflict(Conflict):
    message = ("Failed to associate address scope: subnetpools within an address scope must have "
               "unique prefixes.")


class SubnetAllocationError(Conflict):
    message = "Failed to allocate subnet: {reason}."


# --- 412 ---------------------------------------------------------------------
class RevisionNumberConstraintFailed(NeutronException):
    status = 412
    message = "Constrained to {expected}, but current revision is {current}"


# --- 503 ---------------------------------------------------------------------
class ServiceUnavailable(NeutronException):
    status = 503
    message = "The service is unavailable."


# --- L3: routers and floating IPs (neutrino/services/l3) --------------------------
class RouterNotFound(NotFound):
    message = "Router {id} could not be found."


class FloatingIPNotFound(NotFound):
    message = "Floating IP {id} could not be found."


class RouterInterfaceNotFound(NotFound):
    message = "Router {router_id} does not have an interface with id {port_id}."


class RouterInterfaceNotFoundForSubnet(NotFound):
    message = "Router {router_id} has no interface on subnet {subnet_id}."


class ExternalGatewayForFloatingIPNotFound(NotFound):
    message = ("External network {external_network_id} is not reachable from subnet "
               "{subnet_id}. Therefore, cannot associate Port {port_id} with a Floating IP.")


class InvalidRoutes(InvalidInput):
    message = "Invalid format for routes: {routes}, {reason}."


class RoutesExhausted(BadRequest):
    message = ("Unable to complete operation for {router_id}. The number of routes exceeds the "
               "maximum {quota}.")


class RouterInUse(InUse):
    message = "Router {router_id} {reason}."

    def __init__(self, message: str | None = None, **kwargs: object) -> None:
        kwargs.setdefault("reason", "still has ports")
        super().__init__(message, **kwargs)


class RouterInterfaceInUseByRoute(InUse):
    message = ("Router interface for subnet {subnet_id} on router {router_id} cannot be deleted, "
               "as it is required by one or more routes.")


class RouterInterfaceInUseByFloatingIP(InUse):
    message = ("Router interface for subnet {subnet_id} on router {router_id} cannot be deleted, "
               "as it is required by one or more floating IPs.")


class RouterExternalGatewayInUseByFloatingIp(InUse):
    message = ("Gateway cannot be updated for router {router_id}, since a gateway to external "
               "network {net_id} is required by one or more floating IPs.")


class PortInUse(InUse):
    message = ("Unable to complete operation on port {port_id} for network {net_id}. Port "
               "already has an attached device {device_id}.")


class ServicePortInUse(InUse):
    message = "Port {port_id} cannot be deleted directly via the port API: {reason}."


class FloatingIPPortAlreadyAssociated(InUse):
    message = ("Cannot associate floating IP {floating_ip_address} ({fip_id}) with port "
               "{port_id} using fixed IP {fixed_ip}, as that fixed IP already has a floating IP "
               "on external network {net_id}.")


# --- port forwarding (neutrino/services/port_forwarding) ---------------------------
class PortForwardingNotFound(NotFound):
    message = "Port Forwarding {id} could not be found."


class PortHasBindingFloatingIP(InUse):
    message = ("Cannot create port forwarding to the port {port_id} because the port already "
               "has a binding floating IP {fip_id}.")


class FipInUseByPortForwarding(InUse):
    message = ("Floating IP {id} has port forwardings; a floating IP is 1:1 NAT or port "
               "forwarding, never both, and goes only once its port forwardings are deleted.")


class FloatingIPPoolNotFound(NotFound):
    message = "Floating IP pool {id} could not be found."


class ServiceProviderNotFound(NotFound):
    message = "Service provider {id} could not be found."


# --- flavors and service profiles (neutrino/services/flavors) ---------------------
class FlavorNotFound(NotFound):
    message = "Flavor {id} could not be found."


class ServiceProfileNotFound(NotFound):
    message = "Service Profile {id} could not be found."


class IPAddressChangeNotAllowed(BadRequest):
    message = "IP updates for port {port_id} are not allowed"


class FlavorServiceProfileBindingExists(Conflict):
    message = "Service Profile {sp_id} is already associated with flavor {fl_id}."


class FlavorServiceProfileBindingNotFound(NotFound):
    message = "Service Profile {sp_id} is not associated with flavor {fl_id}."


class ServiceProfileDriverNotFound(NotFound):
    message = "Service Profile driver {driver} could not be found."


class ServiceProfileEmpty(InvalidInput):
    message = "Service Profile needs either a driver or metainfo."


class InvalidFlavorServiceType(InvalidInput):
    message = "Invalid service type {service_type}."


class FlavorInUse(InUse):
    message = "Flavor {flavor_id} is used by some service instance."


class ServiceProfileInUse(InUse):
    message = "Service Profile {sp_id} is used by some service instance."


class FlavorDisabled(NeutronException):
    status = 503
    message = "Flavor is not enabled."


# --- QoS (neutrino/services/qos) --------------------------------------------------
class QosPolicyNotFound(NotFound):
    message = "QoS policy {id} could not be found."


class QosRuleNotFound(NotFound):
    message = "QoS rule {id} could not be found."


class QosRuleTypeNotFound(NotFound):
    message = "QoS rule type {id} could not be found."


class QosPolicyInUse(InUse):
    message = "QoS Policy {policy_id} is used by {object_type} {object_id}."


class QoSPolicyDefaultAlreadyExists(Conflict):
    message = "A default QoS policy exists for project {project_id}."


class QoSRulesConflict(Conflict):
    message = ("Rule {new_rule_type} conflicts with rule {rule_id} which already exists in "
               "QoS Policy {policy_id}.")


class NeutronDbObjectDuplicateEntry(Conflict):
    message = ("Failed to create a duplicate {object_type}: for attribute(s) {attributes} with "
               "value(s) {values}")


class QoSRuleParameterConflict(Conflict):
    message = ("Unable to add the rule with value {rule_value} to the policy {policy_id} as the "
               "existing rule of type {existing_rule} restricts the bandwidth to "
               "{existing_value}.")


class QosRuleNotSupported(Conflict):
    message = "Rule {rule_type} is not supported by port {port_id}."


class QosRuleNotSupportedByNetwork(Conflict):
    message = "Rule {rule_type} is not supported by network {network_id}."


class QosPlacementAllocationUpdateConflict(Conflict):
    message = ("Updating placement allocation with {alloc_diff} for consumer {consumer} failed. "
               "The requested resources would exceed the capacity available.")


class PortBindingAllocationRequired(InvalidInput):
    message = ("Port {port_id} asks Placement for resources (resource_request): binding it "
               "needs binding:profile.allocation naming {what}")


class SegmentsContainDuplicateEntry(InvalidInput):
    """Two equal segments in a multi-provider network's ``segments``."""

    message = "Duplicate segment entry in request."
