"""The agent feed (docs/agent-feed.md): a host's desired state in one call and a
long-poll watch of the journal changes that concern it, for the host agents;
and the pruning of the journal those watches read. (Registration and device
reports, /feed/v1/agents and /feed/v1/hosts/{host}/devices, are the agents
feature's.)"""
from __future__ import annotations

from typing import Any

from neutrino.registry import Feature
from neutrino.services.agent_feed import models  # noqa: F401  (its tables on Base.metadata)
from neutrino.services.agent_feed.schemas import OPERATIONS


def install(app: Any, registry: Any, policy: Any) -> None:
    from neutrino.services.agent_feed.api import HostState, HostWatch
    from neutrino.services.agent_feed.watch import Feed

    feed = Feed(registry)
    app.add_route("/feed/v1/hosts/{host}/state", HostState(feed, registry))
    app.add_route("/feed/v1/hosts/{host}/watch", HostWatch(feed, registry))


def start_pruner(registry: Any) -> None:
    from neutrino.services.agent_feed.prune import Pruner

    if registry.db is not None:
        Pruner(registry.db, registry.conf).start()


FEATURE = Feature(name="agent_feed", routes=(install,), background=(start_pruner,),
                  operations=OPERATIONS)
