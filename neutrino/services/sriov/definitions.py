"""SR-IOV port attributes: uplink status propagation and the NUMA affinity policy.

Both are columns of the ports table (``db/models/port.py``): the ports plugin
stores and renders them from these declarations, with no query of their own.
"""
from neutrino.definitions.base import Attribute, Extension
from neutrino.definitions.kinds import Boolean, Nullable, OneOf

# neutron-lib's constants.PORT_NUMA_POLICIES; "socket" came with its own alias.
NUMA_POLICIES = ("required", "preferred", "legacy", "socket")

UPLINK_STATUS_PROPAGATION = Extension(
    alias="uplink-status-propagation", name="Uplink status propagation extension",
    description="Provides ability to propagate port uplink status.",
    # Updatable since uplink-status-propagation-updatable, which this server has. The
    # default is Rocky's; neutron-lib made it true in 2020 (docs/sriov.md).
    extends={"ports": (Attribute("propagate_uplink_status", Boolean(),
                                 "The VF's link follows its physical uplink (SR-IOV).",
                                 default=False, post=True, put=True),)},
)
UPLINK_STATUS_PROPAGATION_UPDATABLE = Extension(
    alias="uplink-status-propagation-updatable",
    name="Uplink status propagation updatable extension",
    description="Provides ability to update the port uplink status.",
    requires=("uplink-status-propagation",),
)
PORT_NUMA_AFFINITY_POLICY = Extension(
    alias="port-numa-affinity-policy", name="Port NUMA affinity policy",
    description="Expose the port NUMA affinity policy",
    extends={"ports": (Attribute("numa_affinity_policy", Nullable(OneOf(NUMA_POLICIES)),
                                 "NUMA affinity Nova applies to the port's device: "
                                 "required, preferred, legacy, socket, or null (Nova's "
                                 "flavor decides).",
                                 default=None, post=True, put=True),)},
)
PORT_NUMA_AFFINITY_POLICY_SOCKET = Extension(
    alias="port-numa-affinity-policy-socket", name='Port NUMA affinity policy "socket"',
    description='Adds "socket" to the supported port NUMA affinity policies',
    requires=("port-numa-affinity-policy",),
)

EXTENSIONS = [UPLINK_STATUS_PROPAGATION, UPLINK_STATUS_PROPAGATION_UPDATABLE,
              PORT_NUMA_AFFINITY_POLICY, PORT_NUMA_AFFINITY_POLICY_SOCKET]
