"""Classifications, classification groups and the classification types.

Both are frozen once made: only ``name`` and ``description`` change (the
definitions declare nothing else ``put``), so what a consumer compiled from a
group stays true. A member must exist and be visible to the caller (404), a
shared group holds only shared members (so every project that sees the group can
see what it is made of), and nothing is deleted while it is used (409): a
classification in a group, a group in another group or named by a QoS DSCP
marking rule. Groups nest without cycles by construction: a group can only hold
groups that existed before it, and members never change.
"""
from __future__ import annotations

import ipaddress
import uuid
from typing import Any

import orjson
from sqlalchemy import Connection, Select, delete, insert, select

from neutrino import exceptions as exc
from neutrino.context import Context
from neutrino.core.listing import ListQuery, page_in_memory
from neutrino.core.resource import ResourcePlugin
from neutrino.services.classifications import definitions
from neutrino.services.classifications.models import (
    Classification,
    ClassificationGroup,
    GroupClassification,
    GroupGroup,
)
from neutrino.services.qos.models import DscpMarkingRule

CLASSIFICATIONS = Classification.__table__
GROUPS = ClassificationGroup.__table__
GROUP_CLASSIFICATIONS = GroupClassification.__table__
GROUP_GROUPS = GroupGroup.__table__
DSCP_RULES = DscpMarkingRule.__table__
IP_VERSIONS = {"ipv4": 4, "ipv6": 6}


class ClassificationNotFound(exc.NotFound):
    message = "Classification {id} could not be found."


class ClassificationGroupNotFound(exc.NotFound):
    message = "Classification group {id} could not be found."


class ClassificationInUse(exc.InUse):
    message = "Classification {id} is in use by classification group {group_id}."


class ClassificationGroupInUse(exc.InUse):
    message = "Classification group {id} is in use by {user}."


def _visible(table, ctx: Context):
    if ctx.sees_all_projects:
        return None
    return (table.c.project_id == ctx.project_id) | table.c.shared.is_(True)


def check_definition(c_type: str, definition: dict) -> dict:
    """The definition checked against its type's fields: unknown fields, values out of
    range, a minimum above its maximum, an address of the other IP version (400)."""
    try:
        fields = definitions.TYPES[c_type].convert(definition)
    except ValueError as err:
        raise exc.InvalidInput(error_message=f"Invalid definition for a {c_type} "
                               f"classification: {err}") from None
    for name in fields:
        if name.endswith("_min"):
            base = name[:-4]
            high = fields.get(f"{base}_max")
            if high is not None and fields[name] > high:
                raise exc.InvalidInput(error_message=f"{base}_min {fields[name]} is above "
                                       f"{base}_max {high}")
    version = IP_VERSIONS.get(c_type)
    for name in ("src_addr", "dst_addr"):
        if version and name in fields and ipaddress.ip_network(fields[name]).version != version:
            raise exc.InvalidInput(error_message=f"{name} {fields[name]} is not an IPv{version} "
                                   f"network ({c_type} classification)")
    for name in ("dscp", "flags"):
        mask = fields.get(f"{name}_mask")
        if mask is not None and name not in fields:
            raise exc.InvalidInput(error_message=f"{name}_mask needs {name}")
    return fields


class ClassificationPlugin(ResourcePlugin):
    table = CLASSIFICATIONS
    not_found = ClassificationNotFound
    column_names = {"tenant_id": "project_id", "type": "c_type"}
    json_columns = frozenset({"definition"})

    def visible_clause(self, ctx: Context):
        return _visible(CLASSIFICATIONS, ctx)

    def load(self, conn: Connection, ids_query: Select, rows: list,
             fields: frozenset[str] | None) -> list[dict]:
        tags = self.load_tags(conn, ids_query)
        return [{**self.standard_fields(row, tags), **self.columns_of_row(row._asdict())}
                for row in rows]

    def insert(self, conn: Connection, ctx: Context, body: dict) -> str:
        body = {**body, "definition": check_definition(body["type"], body.get("definition") or {})}
        cid = str(uuid.uuid4())
        conn.execute(insert(CLASSIFICATIONS).values(**self.new_row(ctx, body, cid)))
        return cid

    def apply_update(self, conn: Connection, ctx: Context, original: dict, body: dict) -> None:
        self.update_columns(conn, original, body)

    def remove(self, conn: Connection, ctx: Context, original: dict) -> None:
        group = conn.scalar(select(GROUP_CLASSIFICATIONS.c.group_id).where(
            GROUP_CLASSIFICATIONS.c.classification_id == original["id"]).limit(1))
        if group is not None:
            raise ClassificationInUse(id=original["id"], group_id=group)
        super().remove(conn, ctx, original)


class ClassificationGroupPlugin(ResourcePlugin):
    table = GROUPS
    not_found = ClassificationGroupNotFound
    handles = frozenset({"classifications", "classification_groups"})

    def visible_clause(self, ctx: Context):
        return _visible(GROUPS, ctx)

    def load(self, conn: Connection, ids_query: Select, rows: list,
             fields: frozenset[str] | None) -> list[dict]:
        tags = self.load_tags(conn, ids_query)
        members: dict[str, list[str]] = {}
        nested: dict[str, list[str]] = {}
        for gid, cid in conn.execute(select(GROUP_CLASSIFICATIONS).where(
                GROUP_CLASSIFICATIONS.c.group_id.in_(ids_query))):
            members.setdefault(gid, []).append(cid)
        for gid, mid in conn.execute(select(GROUP_GROUPS).where(
                GROUP_GROUPS.c.group_id.in_(ids_query))):
            nested.setdefault(gid, []).append(mid)
        return [{**self.standard_fields(row, tags), **self.columns_of_row(row._asdict()),
                 "classifications": sorted(members.get(row.id, ())),
                 "classification_groups": sorted(nested.get(row.id, ()))} for row in rows]

    def insert(self, conn: Connection, ctx: Context, body: dict) -> str:
        shared = bool(body.get("shared"))
        cids = sorted(set(body.get("classifications") or ()))
        gids = sorted(set(body.get("classification_groups") or ()))
        for table, ids, missing in ((CLASSIFICATIONS, cids, ClassificationNotFound),
                                    (GROUPS, gids, ClassificationGroupNotFound)):
            stmt = select(table.c.id, table.c.shared).where(table.c.id.in_(ids))
            visible = _visible(table, ctx)
            if visible is not None:
                stmt = stmt.where(visible)
            # Locked: a member cannot be deleted while it is being made part of this group.
            found = dict(conn.execute(stmt.with_for_update()).all()) if ids else {}
            for member in ids:
                if member not in found:
                    raise missing(id=member)
                if shared and not found[member]:
                    raise exc.InvalidInput(error_message=f"A shared classification group holds "
                                           f"only shared members; {member} is not shared")
        gid = str(uuid.uuid4())
        conn.execute(insert(GROUPS).values(**self.new_row(
            ctx, {**body, "operator": body.get("operator", "AND").upper()}, gid)))
        if cids:
            conn.execute(insert(GROUP_CLASSIFICATIONS),
                         [{"group_id": gid, "classification_id": c} for c in cids])
        if gids:
            conn.execute(insert(GROUP_GROUPS), [{"group_id": gid, "member_group_id": g}
                                                for g in gids])
        return gid

    def apply_update(self, conn: Connection, ctx: Context, original: dict, body: dict) -> None:
        self.update_columns(conn, original, body)

    def remove(self, conn: Connection, ctx: Context, original: dict) -> None:
        gid = original["id"]
        container = conn.scalar(select(GROUP_GROUPS.c.group_id).where(
            GROUP_GROUPS.c.member_group_id == gid).limit(1))
        if container is not None:
            raise ClassificationGroupInUse(id=gid, user=f"classification group {container}")
        rule = conn.scalar(select(DSCP_RULES.c.id).where(
            DSCP_RULES.c.classification_group_id == gid).limit(1))
        if rule is not None:
            raise ClassificationGroupInUse(id=gid, user=f"QoS DSCP marking rule {rule}")
        conn.execute(delete(GROUP_CLASSIFICATIONS).where(GROUP_CLASSIFICATIONS.c.group_id == gid))
        conn.execute(delete(GROUP_GROUPS).where(GROUP_GROUPS.c.group_id == gid))
        super().remove(conn, ctx, original)

    def lock_usable(self, conn: Connection, ctx: Context, gid: str) -> None:
        """The group exists and the caller sees it (else 404), locked until the
        transaction ends so that it cannot be deleted meanwhile."""
        stmt = select(GROUPS.c.id).where(GROUPS.c.id == gid)
        visible = _visible(GROUPS, ctx)
        if visible is not None:
            stmt = stmt.where(visible)
        if conn.execute(stmt.with_for_update()).first() is None:
            raise ClassificationGroupNotFound(id=gid)


def resolve(conn: Connection, group_ids: Any) -> dict[str, dict]:
    """These groups and every group nested in them, by id: ``{"id", "operator",
    "classifications": [ids], "classification_groups": [ids]}`` (what the agents
    receive, docs/agent-feed.md ``classification_groups``); one round of queries per
    level of nesting."""
    groups: dict[str, dict] = {}
    pending = set(group_ids)
    while pending:
        batch = sorted(pending - set(groups))
        pending = set()
        if not batch:
            break
        for row in conn.execute(select(GROUPS.c.id, GROUPS.c.operator)
                                .where(GROUPS.c.id.in_(batch))):
            groups[row.id] = {"id": row.id, "operator": row.operator, "classifications": [],
                              "classification_groups": []}
        for gid, cid in conn.execute(select(GROUP_CLASSIFICATIONS).where(
                GROUP_CLASSIFICATIONS.c.group_id.in_(batch))):
            groups[gid]["classifications"].append(cid)
        for gid, mid in conn.execute(select(GROUP_GROUPS).where(
                GROUP_GROUPS.c.group_id.in_(batch))):
            groups[gid]["classification_groups"].append(mid)
            pending.add(mid)
    for group in groups.values():
        group["classifications"].sort()
        group["classification_groups"].sort()
    return groups


def classification_bodies(conn: Connection, ids: Any) -> list[dict]:
    """The classifications (ids) as the agents compile them: type, negated, definition."""
    ids = sorted(set(ids))
    if not ids:
        return []
    return [{"id": row.id, "type": row.c_type, "negated": row.negated,
             "definition": orjson.loads(row.definition)}
            for row in conn.execute(select(CLASSIFICATIONS).where(CLASSIFICATIONS.c.id.in_(ids))
                                    .order_by(CLASSIFICATIONS.c.id))]


class ClassificationTypePlugin:
    """The classification types and the fields each takes (read-only, from code)."""

    @staticmethod
    def not_found(id: str, **_: Any) -> exc.NeutronException:
        return exc.HTTPNotFound(f"Classification type {id} could not be found.")

    def __init__(self, db: Any, conf: Any, registry: Any = None) -> None:
        self.items = [{"type": name, "supported_parameters": sorted(obj.fields)}
                      for name, obj in definitions.TYPES.items()]

    def list(self, ctx: Context, query: ListQuery) -> list[dict]:
        items = [i for i in self.items
                 if all(i.get(k) in v for k, v in query.filters.items())]
        return page_in_memory(items, query, "type")

    def get(self, ctx: Context, id: str, fields: list[str] | None = None) -> dict:
        for item in self.items:
            if item["type"] == id:
                return dict(item)
        raise self.not_found(id)
