"""Driver health (alias driver-health, ours, experimental): every loaded mechanism,
type and service driver with the status a periodic check in the server last found
(docs/driver-health.md)."""
from neutrino.registry import Feature
from neutrino.services.driver_health import definitions, monitor, plugin, policy

FEATURE = Feature(
    name="driver_health",
    extensions=(definitions.EXTENSION,),
    plugins={definitions.DRIVER_HEALTH: plugin.DriverHealthPlugin},
    policy_rules=tuple(policy.RULES),
    background=(monitor.start,),
)
