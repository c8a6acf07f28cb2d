"""RBAC: which projects may use an object they do not own, and how.

A policy grants one target project (or ``*``, every project) one action on one
object. Each shareable object type is declared by its feature (``rbac_types``): its
table, the actions a policy may grant on it, who may see its objects, and which
projects rely on a grant (so that taking the grant away can be refused while
they do). The RBAC API (``rbac_policies.py``) and the object's own plugin (e.g.
the ``shared`` flag of networks) both go through these helpers, so the policies
table stays the one record of who may use what.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, delete, exists, insert, select
from sqlalchemy.sql import ColumnElement

from neutrino import exceptions as exc
from neutrino.context import Context
from neutrino.db.models.rbac import RbacPolicy

POLICIES = RbacPolicy.__table__
ACCESS_SHARED = "access_as_shared"
ACCESS_EXTERNAL = "access_as_external"
WILDCARD = "*"


@dataclass(frozen=True)
class ObjectType:
    """What the RBAC code needs to know about one kind of shareable object."""

    name: str  # object_type in the API: "network"
    table: Table  # the objects' table; it has ``id`` and ``project_id`` columns
    actions: tuple[str, ...]
    not_found: type[exc.NotFound]
    # Objects the caller may see (None: all of them), as a clause on ``table``.
    visible: Callable[[Context], ColumnElement | None]
    # Projects that use the object through ``action`` today: (conn, object_id, action).
    relying_projects: Callable[[Connection, str, str], set[str]]
    # The collection path of the plugin whose rendering of an object depends on its
    # policies; a policy change counts as a change of the object (revision, journal).
    collection: str | None = None
    # Refuses (raises) granting the object to a target project: (conn, object_id, target).
    check_target: Callable[[Connection, str, str], None] | None = None
    # The owner's own users count as relying on a grant too (QoS policies: Neutron
    # refuses to unshare a policy that its owner's own network uses).
    owner_relies: bool = False
    # A policy's new target counts when it is changed (false: a change of target is
    # checked as the deletion of the old one, as Neutron checks QoS policies').
    update_keeps_new_target: bool = True


def object_type(types: dict[str, ObjectType], name: str) -> ObjectType:
    """The declared type called ``name`` (case and spaces ignored), or a 400."""
    found = types.get(name.strip().lower())
    if found is None:
        raise exc.InvalidInput(error_message=f"'{name}' is not a valid RBAC object type; "
                                             f"valid types: {sorted(types)}")
    return found


def check_action(kind: ObjectType, action: str) -> None:
    if action not in kind.actions:
        raise exc.InvalidActionForType(action=action, object_type=kind.name,
                                       valid_actions=", ".join(kind.actions))


# ---- clauses ------------------------------------------------------------------
def granted(kind: str, object_id: Any, actions: Iterable[str],
            project_id: Any) -> ColumnElement:
    """A policy grants one of ``actions`` on the object to ``project_id`` (a value or a
    bound parameter) or to everyone."""
    targets = [WILDCARD] if project_id is None else [WILDCARD, project_id]
    return exists().where(POLICIES.c.object_type == kind, POLICIES.c.object_id == object_id,
                          POLICIES.c.action.in_(list(actions)),
                          POLICIES.c.target_project.in_(targets))


def any_policy(kind: str, object_id: Any, action: str,
               target: str | None = None) -> ColumnElement:
    """The object has a policy for ``action`` (to ``target`` only, when given)."""
    clause = exists().where(POLICIES.c.object_type == kind, POLICIES.c.object_id == object_id,
                            POLICIES.c.action == action)
    return clause if target is None else clause.where(POLICIES.c.target_project == target)


# ---- reading and writing policies -----------------------------------------------
def render(row: Any) -> dict:
    return {"id": row.id, "project_id": row.project_id, "tenant_id": row.project_id,
            "object_type": row.object_type, "object_id": row.object_id,
            "action": row.action, "target_tenant": row.target_project}


def policies(conn: Connection, kind: str, object_id: str, action: str | None = None) -> list:
    stmt = select(POLICIES).where(POLICIES.c.object_type == kind,
                                  POLICIES.c.object_id == object_id)
    if action is not None:
        stmt = stmt.where(POLICIES.c.action == action)
    return conn.execute(stmt.order_by(POLICIES.c.id)).all()


def check_not_duplicate(conn: Connection, kind: str, object_id: str, action: str,
                        target: str) -> None:
    # The unique key has the last word: a racing insert fails it, the transaction is
    # run again and then stops here.
    if conn.execute(select(POLICIES.c.id).where(
            POLICIES.c.object_type == kind, POLICIES.c.object_id == object_id,
            POLICIES.c.action == action, POLICIES.c.target_project == target)).first():
        raise exc.DuplicateRbacPolicy()


def add(conn: Connection, project_id: str, kind: str, object_id: str, action: str,
        target: str) -> str:
    """Store one policy (its journal row and events are the RBAC plugin's)."""
    check_not_duplicate(conn, kind, object_id, action, target)
    policy_id = str(uuid.uuid4())
    conn.execute(insert(POLICIES).values(id=policy_id, project_id=project_id, object_type=kind,
                                         object_id=object_id, action=action,
                                         target_project=target))
    return policy_id


def remove(conn: Connection, rows: list) -> None:
    """Delete these policies (their journal rows and events are the RBAC plugin's)."""
    if rows:
        conn.execute(delete(POLICIES).where(POLICIES.c.id.in_([r.id for r in rows])))


def check_access_kept(conn: Connection, kind: ObjectType, object_id: str, owner: str,
                      action: str, removed: Iterable[str], added: str | None,
                      error: Callable[[str], Exception]) -> None:
    """Refuse (with ``error(details)``) to take away targets ``removed`` of ``action``
    (adding ``added``) while a project other than the owner still relies on them."""
    relying = kind.relying_projects(conn, object_id, action)
    if not kind.owner_relies:
        relying -= {owner}
    if not relying:
        return
    remaining = {r.target_project for r in policies(conn, kind.name, object_id, action)}
    remaining -= set(removed)
    if added is not None:
        remaining.add(added)
    if WILDCARD in remaining:
        return
    lost = sorted(relying - remaining)
    if lost:
        raise error(f"project(s) {', '.join(lost)} use {kind.name} {object_id} through "
                    f"{action}")
