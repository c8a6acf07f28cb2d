"""SR-IOV: the port attributes of uplink status propagation and NUMA affinity, and
the check of SR-IOV bonds in ``binding:profile``; see docs/sriov.md. The mechanism
driver is ml2/mechanism.py's ``sriovnicswitch``, the agent neutrino/agent/sriov/."""
from neutrino.callbacks import Event
from neutrino.registry import Feature, Subscription
from neutrino.services.sriov import definitions, profile

FEATURE = Feature(
    name="sriov",
    extensions=tuple(definitions.EXTENSIONS),
    subscriptions=(
        Subscription("port", Event.BEFORE_CREATE, profile.check_bond),
        Subscription("port", Event.BEFORE_UPDATE, profile.check_bond),
    ),
)
