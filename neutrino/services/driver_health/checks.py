"""What is checked: one entry per loaded driver, each with the check that judges it.

The list is made from what the server loaded, never written out: the mechanism
drivers of ``[ml2] mechanism_drivers``, the type drivers of ``[ml2] type_drivers``
and the service drivers of the features it runs (``SERVICES``). Neutrino has no
ML2 extension drivers to load (its extensions are features), so none is listed.

A check is a function of one ``Facts`` (read once per pass: the agents' records)
returning a ``Health``; an entry without a check is UNKNOWN. The rules
(docs/driver-health.md):

- agent-backed drivers (a mechanism driver and its agents' type; the L3 and DHCP
  agents): among the agents administratively up, all alive OK, some dead
  DEGRADED, all dead ERROR; none at all UNKNOWN (nothing says whether it works:
  a deployment without SR-IOV NICs registers no NIC Switch agent). Pseudo-agents
  never die, so the pseudo_agent driver is OK once one is registered;
- type drivers with tenant ranges (vlan, vxlan, geneve): OK while under 90% of
  their segmentation ids are allocated, DEGRADED from 90%, ERROR when none is
  free (a network of that type without an explicit id cannot be created); a
  type driver with nothing to allocate (flat; vlan without ranges) UNKNOWN;
- Placement: not configured UNKNOWN; unreachable ERROR; reachable OK, DEGRADED
  when some agents' last sync into it failed (``resources_synced`` false);
- the agent feed: among the hosts whose watcher is live (it watched within
  ``feed_lag_seconds``, or an agent of its host is alive), all up to date OK,
  some behind or stopped DEGRADED, all ERROR; no host ever watched, or none live,
  UNKNOWN.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, or_, select

from neutrino.db.models.network import SegmentAllocation
from neutrino.ml2 import mechanism, types
from neutrino.services.agents import liveness
from neutrino.services.agents.models import Agent

if TYPE_CHECKING:
    from neutrino.services.agent_feed.consumers import Lag

AGENTS = Agent.__table__
ALLOCATIONS = SegmentAllocation.__table__
NEARLY_FULL = 0.9
OK, DEGRADED, ERROR, UNKNOWN = "OK", "DEGRADED", "ERROR", "UNKNOWN"
L3_AGENT, DHCP_AGENT = "L3 agent", "DHCP agent"


@dataclass(frozen=True)
class Health:
    status: str
    detail: str


@dataclass(frozen=True)
class AgentFact:
    agent_type: str
    host: str
    admin_state_up: bool
    alive: bool
    resources_synced: bool | None


@dataclass(frozen=True)
class Facts:
    """What one pass of the checks reads of the database, once: the agents, and per
    type driver the (allocated, total) segmentation ids of its tenant ranges."""

    agents: tuple[AgentFact, ...]
    pools: dict[str, tuple[int, int]]

    @classmethod
    def read(cls, registry: Any) -> Facts:
        with registry.db.reader() as conn:
            rows = conn.execute(select(
                AGENTS.c.agent_type, AGENTS.c.host, AGENTS.c.admin_state_up,
                liveness.alive_clause(AGENTS, registry.conf).label("alive"),
                AGENTS.c.resources_synced)).all()
            pools = {}
            for network_type, driver in types.load(registry.conf).items():
                ranges = driver.tenant_ranges()  # (physical network, low, high) spans
                if not ranges:
                    continue
                used = conn.execute(select(func.count()).where(
                    ALLOCATIONS.c.network_type == network_type, or_(*(and_(
                        ALLOCATIONS.c.physical_network == physnet,
                        ALLOCATIONS.c.segmentation_id.between(lo, hi))
                        for physnet, lo, hi in ranges)))).scalar()
                pools[network_type] = (used, sum(hi - lo + 1 for _p, lo, hi in ranges))
        return cls(tuple(AgentFact(r.agent_type, r.host, bool(r.admin_state_up), bool(r.alive),
                                   r.resources_synced) for r in rows), pools)


Check = Callable[[Any, Facts], Health]


@dataclass(frozen=True)
class Entry:
    name: str
    type: str  # mechanism, type, extension, service
    service_type: str
    check: Check | None = None


def _hosts(agents: list[AgentFact]) -> str:
    hosts = sorted(a.host for a in agents)
    return ", ".join(hosts[:5]) + (f" and {len(hosts) - 5} more" if len(hosts) > 5 else "")


def agents_alive(agent_type: str) -> Check:
    """The rule of agent-backed drivers (module docstring)."""
    def check(registry: Any, facts: Facts) -> Health:
        mine = [a for a in facts.agents if a.agent_type == agent_type]
        up = [a for a in mine if a.admin_state_up]
        aside = len(mine) - len(up)
        note = f"; {aside} administratively down, not counted" if aside else ""
        if not up:
            return Health(UNKNOWN, f"no {agent_type} is registered and administratively "
                                   f"up{note}")
        dead = [a for a in up if not a.alive]
        if not dead:
            return Health(OK, f"{len(up)} of {len(up)} {agent_type}s alive{note}")
        status = ERROR if len(dead) == len(up) else DEGRADED
        return Health(status, f"{len(up) - len(dead)} of {len(up)} {agent_type}s alive; "
                              f"dead on {_hosts(dead)}{note}")
    return check


def segmentation_ids(network_type: str) -> Check:
    """The rule of type drivers (module docstring)."""
    def check(registry: Any, facts: Facts) -> Health:
        if network_type not in facts.pools:
            return Health(UNKNOWN, "no tenant segmentation ids to allocate (provider "
                                   "networks only)")
        used, total = facts.pools[network_type]
        detail = f"{used} of {total} tenant segmentation ids allocated"
        if used >= total:
            return Health(ERROR, f"{detail}: a {network_type} network without a "
                                 "segmentation id cannot be created")
        return Health(DEGRADED if used >= NEARLY_FULL * total else OK, detail)
    return check


def placement(registry: Any, facts: Facts) -> Health:
    """Placement answers its root document, and the agents' last syncs succeeded."""
    from keystoneauth1 import exceptions as ksa_exc

    from neutrino.services.qos.placement import names
    from neutrino.services.qos.placement.client import adapter_from_conf

    adapter = adapter_from_conf(registry.conf)
    if adapter is None:
        return Health(UNKNOWN, "Placement is not configured ([placement] auth_type unset)")
    try:
        resp = adapter.get("/", raise_exc=False, timeout=registry.conf.placement.sync_timeout)
    except ksa_exc.ClientException as err:
        return Health(ERROR, f"Placement is unreachable: {err}")
    if resp.status_code != 200:
        return Health(ERROR, f"Placement answers GET / with {resp.status_code}")
    failed = [a for a in facts.agents
              if a.agent_type in names.NAMESPACES and a.resources_synced is False]
    if failed:
        return Health(DEGRADED, f"Placement is reachable; the last sync of {len(failed)} "
                                f"agent(s) failed: {_hosts(failed)}")
    return Health(OK, "Placement is reachable")


def feed_lag(registry: Any, facts: Facts) -> Health:
    """The host agents' watchers keep up with the journal (``judge_feed``)."""
    from neutrino.services.agent_feed import consumers

    group = registry.conf.driver_health
    with registry.db.reader() as conn:
        lags = consumers.read(conn)
    return judge_feed(lags, {a.host for a in facts.agents if a.alive},
                      group.feed_lag_seconds, group.feed_lag_rows)


def judge_feed(lags: list[Lag], alive: set[str], limit: float, rows: int) -> Health:
    """The rule of the agent feed (module docstring), over each host's last watch
    (``agent_feed.consumers.Lag``) and the hosts with an alive agent."""
    if not lags:
        return Health(UNKNOWN, "no host agent has watched the feed yet")
    live = [lag for lag in lags if lag.polled_ago <= limit or lag.host in alive]
    if not live:
        return Health(UNKNOWN, f"no host agent watched the feed in the last {limit:g} s, "
                               f"nor is one alive ({len(lags)} watched before)")
    behind = []
    for lag in live:
        found = []
        if lag.pruned:
            found.append(f"behind the pruned journal by {lag.rows} rows (must fetch its "
                         "state again)")
        elif lag.seconds > limit or (rows and lag.rows > rows):
            found.append(f"{lag.rows} rows ({lag.seconds:.0f} s) behind")
        if lag.polled_ago > limit:
            found.append(f"last watched {lag.polled_ago:.0f} s ago, its agent alive")
        if found:
            behind.append(f"{lag.host} " + " and ".join(found))
    counted = f"{len(live) - len(behind)} of {len(live)} feed watchers up to date"
    if not behind:
        return Health(OK, counted)
    shown = "; ".join(behind[:5]) + (f"; and {len(behind) - 5} more" if len(behind) > 5 else "")
    return Health(ERROR if len(behind) == len(live) else DEGRADED, f"{counted}; {shown}")


# The service drivers of each feature, when the server runs it.
SERVICES: dict[str, tuple[Entry, ...]] = {
    "l3": (Entry("l3_router", "service", "L3_ROUTER_NAT", agents_alive(L3_AGENT)),),
    "agents": (Entry("dhcp", "service", "CORE", agents_alive(DHCP_AGENT)),),
    "qos": (Entry("placement", "service", "QOS", placement),),
    "agent_feed": (Entry("agent_feed", "service", "CORE", feed_lag),),
}


def loaded(registry: Any) -> list[Entry]:
    """Every driver this server loaded, mechanism drivers first."""
    conf = registry.conf
    entries = [Entry(d.name, "mechanism", "CORE",
                     agents_alive(d.agent_type) if d.agent_type else None)
               for d in mechanism.load(conf.ml2.mechanism_drivers)]
    entries += [Entry(t, "type", "CORE", segmentation_ids(t)) for t in conf.ml2.type_drivers]
    features = {f.name for f in registry.features}
    entries += [e for name, found in SERVICES.items() if name in features for e in found]
    return entries
