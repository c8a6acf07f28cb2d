"""The agent feed (docs/agent-feed.md): a host's desired state in one call and a
long-poll watch of the journal changes that concern it, for the host agents;
and the pruning of the journal those watches read."""
from __future__ import annotations

from typing import Any

from neutrino.definitions.base import Operation
from neutrino.registry import Feature
from neutrino.services.agent_feed import models  # noqa: F401  (its tables on Base.metadata)
from neutrino.services.agent_feed.schemas import OPERATIONS


def install(app: Any, registry: Any, policy: Any) -> None:
    from neutrino.services.agent_feed.api import HostState, HostWatch
    from neutrino.services.agent_feed.prune import Pruner
    from neutrino.services.agent_feed.watch import Feed

    feed = Feed(registry)
    Pruner(registry.db, registry.conf).start()
    app.add_route("/feed/v1/hosts/{host}/state", HostState(feed, registry.conf))
    app.add_route("/feed/v1/hosts/{host}/watch", HostWatch(feed, registry.conf))


FEATURE = Feature(name="agent_feed", routes=(install,), operations=OPERATIONS)

__all__ = ["FEATURE", "Operation"]
