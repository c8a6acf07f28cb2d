"""[driver_health]: the server's periodic check of its drivers (GET /v2.0/driver-health)."""
from oslo_config import cfg

GROUP = "driver_health"
OPTS = [
    cfg.FloatOpt("check_interval", default=30.0, min=0.5, mutable=True,
                 help="Seconds between the checks of every loaded driver's health that "
                      "/v2.0/driver-health shows (requests read the last result; they never "
                      "run a check)."),
    cfg.FloatOpt("feed_lag_seconds", default=120.0, min=0.5, mutable=True,
                 help="The agent feed's health: a host's watcher is behind when the oldest "
                      "journal row after its last cursor is older than this, and has stopped "
                      "when it last watched longer ago than this. Keep it above the agents' "
                      "watch timeout ([agent] watch_timeout, 30; a watch waits 60 at most)."),
    cfg.IntOpt("feed_lag_rows", default=0, min=0, mutable=True,
               help="The agent feed's health: a host's watcher is also behind when its last "
                    "cursor is more than this many journal rows behind the head (0: no "
                    "limit by rows; rows of other hosts count too). Below [journal] max_rows, "
                    "it warns before a watcher's cursor is pruned."),
]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(OPTS, group=GROUP)
