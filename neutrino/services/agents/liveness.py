"""When an agent counts as alive, and the timestamp formats agents use.

An agent is alive while its last heartbeat is newer than ``agent_down_time``; a
pseudo-agent (pseudo.py) never heartbeats and is always alive."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, or_

from neutrino.ml2.mechanism import PSEUDO_AGENT

STORED = "%Y-%m-%dT%H:%M:%SZ"  # as every table stores time (orders as text)
NEUTRON = "%Y-%m-%d %H:%M:%S"  # as Neutron renders agent timestamps


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def stored(moment: datetime) -> str:
    return moment.strftime(STORED)


def rendered(value: str | None) -> str | None:
    """A stored timestamp the way Neutron shows an agent's."""
    if not value:
        return value
    return datetime.strptime(value, STORED).strftime(NEUTRON)


def alive_since(conf: Any, moment: datetime | None = None) -> str:
    """The stored timestamp a heartbeat must be newer than (strictly) to be alive."""
    return stored((moment or now()) - timedelta(seconds=conf.agent_down_time))


def is_alive(heartbeat: str, conf: Any, moment: datetime | None = None) -> bool:
    return heartbeat > alive_since(conf, moment)


def alive_clause(agents: Table, conf: Any) -> ColumnElement:
    """SQL: the agent row is alive."""
    return or_(agents.c.agent_type == PSEUDO_AGENT,
               agents.c.heartbeat_timestamp > alive_since(conf))

