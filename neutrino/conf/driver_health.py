"""[driver_health]: the server's periodic check of its drivers (GET /v2.0/driver-health)."""
from oslo_config import cfg

GROUP = "driver_health"
OPTS = [
    cfg.FloatOpt("check_interval", default=30.0, min=0.5, mutable=True,
                 help="Seconds between the checks of every loaded driver's health that "
                      "/v2.0/driver-health shows (requests read the last result; they never "
                      "run a check)."),
]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(OPTS, group=GROUP)
