"""[journal] options (pruning of the change journal) and [agent_feed] options
(the agents' long-poll watch, docs/agent-feed.md). Read at use time: mutable."""
from oslo_config import cfg

JOURNAL = [
    cfg.IntOpt("retention_seconds", default=86400, min=0, mutable=True,
               help="Journal rows older than this are pruned (0: never by age). A feed cursor "
                    "behind the pruned rows answers 410 ResyncRequired."),
    cfg.IntOpt("max_rows", default=200000, min=0, mutable=True,
               help="At most this many journal rows are kept, the newest (0: no limit)."),
    cfg.FloatOpt("prune_interval", default=60.0, min=0.1, mutable=True,
                 help="Seconds between two prunings of the journal (by each server process)."),
]

AGENT_FEED = [
    cfg.IntOpt("watch_threads", default=128, min=1,
               help="Long-poll watches one server process holds open at once; each holds one "
                    "gunicorn thread (added to api_threads, which stay for the rest of the API). "
                    "A watch beyond it answers 503 at once."),
    cfg.FloatOpt("poll_interval", default=0.05, min=0.005, mutable=True,
                 help="Seconds between two reads of the journal by a server process's one "
                      "poller, while watches wait; it wakes the watches a change concerns."),
]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(JOURNAL, group="journal")
    conf.register_opts(AGENT_FEED, group="agent_feed")
