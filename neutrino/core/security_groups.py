"""Security groups and their rules: each project's default group (made on first
need, exactly once however many requests race for it), the rules a new group
starts with, rule checks and duplicates, and the revision bump of a group when
its rules change."""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, Select, bindparam, delete, exists, insert, or_, select

from neutrino import exceptions as exc
from neutrino.callbacks import Event
from neutrino.context import Context
from neutrino.core import quotas
from neutrino.core import security_group_rules as rules
from neutrino.core.listing import ListQuery
from neutrino.core.resource import TAGS, ResourcePlugin
from neutrino.db.engine import utcnow
from neutrino.db.models.security_group import (
    DefaultSecurityGroup,
    SecurityGroup,
    SecurityGroupPortBinding,
    SecurityGroupRule,
)

GROUPS = SecurityGroup.__table__
RULES = SecurityGroupRule.__table__
DEFAULTS = DefaultSecurityGroup.__table__
BINDINGS = SecurityGroupPortBinding.__table__

DEFAULT_NAME = "default"
DEFAULT_DESCRIPTION = "Default security group"
# Marks the body of a project's default group; clients cannot send it (not an attribute).
_DEFAULT = "__default__"


class _DefaultExists(Exception):
    """Another request made the project's default group first."""

    def __init__(self, group_id: str) -> None:
        super().__init__(group_id)
        self.group_id = group_id


DEFAULT_OF_PROJECT = select(DEFAULTS.c.security_group_id).where(
    DEFAULTS.c.project_id == bindparam("project_id"))


def default_group_id(conn: Connection, project_id: str) -> str | None:
    return conn.scalar(DEFAULT_OF_PROJECT, {"project_id": project_id})


def _check_name(name: str) -> None:
    if name.lower() == DEFAULT_NAME:
        raise exc.SecurityGroupDefaultAlreadyExists()


def _listing_project(ctx: Context, query: ListQuery) -> str | None:
    """Whose default group a list request makes sure of: the caller's, or for an
    admin the one project the list is filtered on."""
    if ctx.sees_all_projects:
        wanted = query.filters.get("project_id") or query.filters.get("tenant_id")
        if wanted and len(wanted) == 1:
            return wanted[0]
    return ctx.project_id


def _rule_row(group_id: str, project_id: str, rule: dict, description: str = "") -> dict:
    now = utcnow()
    return {
        "id": str(uuid.uuid4()), "project_id": project_id, "name": "",
        "description": description, "revision_number": 0, "created_at": now, "updated_at": now,
        "security_group_id": group_id, "remote_group_id": rule.get("remote_group_id"),
        "direction": rule["direction"], "ethertype": rule["ethertype"],
        "protocol": rule.get("protocol"), "port_range_min": rule.get("port_range_min"),
        "port_range_max": rule.get("port_range_max"),
        "remote_ip_prefix": rule.get("remote_ip_prefix"),
        "normalized_cidr": rule.get("normalized_cidr"), "match_key": rules.match_key(rule),
    }


class SecurityGroupPlugin(ResourcePlugin):
    table = GROUPS
    not_found = exc.SecurityGroupNotFound

    # ---- the default group -------------------------------------------------------
    def ensure_default(self, ctx: Context, project_id: str | None) -> str | None:
        """The project's default group, made (with events and journal rows) if missing."""
        if not project_id:
            return None
        with self.db.reader() as conn:
            found = default_group_id(conn, project_id)
        if found:
            return found
        try:
            return self.create_bulk(ctx, [self._default_body(project_id)])[0]["id"]
        except _DefaultExists as made:
            return made.group_id

    def default_in(self, conn: Connection, ctx: Context, project_id: str) -> str:
        """The project's default group, made inside the caller's transaction if missing."""
        found = default_group_id(conn, project_id)
        if found:
            return found
        body = self._default_body(project_id)
        group_id = self.insert(conn, ctx, body)
        self._committing(conn, ctx, self.load_ids(conn, [group_id]), "create",
                         Event.PRECOMMIT_CREATE, [body])
        return group_id

    @staticmethod
    def _default_body(project_id: str) -> dict:
        return {"name": DEFAULT_NAME, "description": DEFAULT_DESCRIPTION,
                "project_id": project_id, "stateful": True, _DEFAULT: True}

    # ---- reading -----------------------------------------------------------------
    def list(self, ctx: Context, query: ListQuery) -> list[dict]:
        self.ensure_default(ctx, _listing_project(ctx, query))
        return super().list(ctx, query)

    def get(self, ctx: Context, id: str, fields: list[str] | None = None) -> dict:
        self.ensure_default(ctx, ctx.project_id)
        return super().get(ctx, id, fields)

    def load(self, conn: Connection, ids_query: Select, rows: list,
             fields: frozenset[str] | None) -> list[dict]:
        def wanted(name: str) -> bool:
            return fields is None or name in fields

        tags = self.load_tags(conn, ids_query) if wanted("tags") else {}
        by_group: dict[str, list[dict]] = {}
        if wanted("security_group_rules"):
            of_groups = RULES.c.security_group_id.in_(ids_query)
            rule_rows = conn.execute(select(RULES).where(of_groups)
                                     .order_by(RULES.c.created_at, RULES.c.id)).all()
            rule_tags = self.load_tags(conn, select(RULES.c.id).where(of_groups))
            defaults = set(conn.scalars(select(DEFAULTS.c.security_group_id)
                                        .where(DEFAULTS.c.security_group_id.in_(ids_query))))
            render_rule = self.registry.plugin("security-group-rules").render_row
            for row in rule_rows:
                by_group.setdefault(row.security_group_id, []).append(
                    render_rule(row, rule_tags, defaults))
        out = []
        for row in rows:
            group = self.columns_of_table_row(row)
            group["tags"] = tags.get(row.id, [])
            group["security_group_rules"] = by_group.get(row.id, [])
            out.append(group)
        return out

    # ---- create ------------------------------------------------------------------
    def create_bulk(self, ctx: Context, bodies: list[dict]) -> list[dict]:
        requested = [b for b in bodies if not b.get(_DEFAULT)]
        for body in requested:
            _check_name(body.get("name", ""))
        for project in sorted({b.get("project_id") or ctx.project_id for b in requested}):
            self.ensure_default(ctx, project)
        return super().create_bulk(ctx, bodies)

    def insert(self, conn: Connection, ctx: Context, body: dict) -> str:
        is_default = bool(body.get(_DEFAULT))
        project_id = body.get("project_id") or ctx.project_id
        if is_default:
            found = default_group_id(conn, project_id)
            if found:
                raise _DefaultExists(found)
        group_id = str(uuid.uuid4())
        conn.execute(insert(GROUPS).values(
            **self.new_standard_row(ctx, {**body, "project_id": project_id}, group_id),
            stateful=body.get("stateful", True)))
        if is_default:
            # A racing request inserting the same project hits the primary key; the
            # database layer runs this one again and it then finds that group.
            conn.execute(insert(DEFAULTS).values(project_id=project_id,
                                                 security_group_id=group_id))
        starting = [_rule_row(group_id, project_id, rule)
                    for rule in rules.default_rules(group_id, is_default)]
        # The rules a group starts with count against the rule quota (as Neutron): a group
        # whose rules do not fit is refused (409 OverQuota), not created without them.
        quotas.enforce(conn, self.conf, "security_group_rule", RULES, {project_id: len(starting)})
        conn.execute(insert(RULES), starting)
        return group_id

    def _committing(self, conn: Connection, ctx: Context, results: list[dict], operation: str,
                    event: Event, bodies: list[dict | None]) -> list[dict]:
        results = super()._committing(conn, ctx, results, operation, event, bodies)
        if operation == "create":  # the rules a new group starts with: part of its creation
            self.registry.plugin("security-group-rules").journal(
                conn, "create", [rule for group in results for rule in group["security_group_rules"]])
        return results

    # ---- update ------------------------------------------------------------------
    def apply_update(self, conn: Connection, ctx: Context, original: dict, body: dict) -> None:
        group_id = original["id"]
        if "name" in body:
            _check_name(body["name"])
            if default_group_id(conn, original["project_id"]) == group_id:
                raise exc.SecurityGroupCannotUpdateDefault()
        if ("stateful" in body and body["stateful"] != original["stateful"]
                and self.in_use(conn, group_id)):
            raise exc.SecurityGroupInUse(id=group_id)
        self.update_columns(conn, original, body)

    # ---- delete ------------------------------------------------------------------
    @staticmethod
    def in_use(conn: Connection, group_id: str) -> bool:
        return bool(conn.scalar(select(exists().where(BINDINGS.c.security_group_id == group_id))))

    def remove(self, conn: Connection, ctx: Context, original: dict) -> None:
        group_id = original["id"]
        if self.in_use(conn, group_id):
            raise exc.SecurityGroupInUse(id=group_id)
        if not ctx.is_admin and default_group_id(conn, original["project_id"]) == group_id:
            raise exc.SecurityGroupCannotRemoveDefault()
        # Its rules go, and so do other groups' rules naming it as their remote group.
        rule_ids = list(conn.scalars(select(RULES.c.id).where(
            or_(RULES.c.security_group_id == group_id, RULES.c.remote_group_id == group_id))
            .order_by(RULES.c.created_at, RULES.c.id)))
        if rule_ids:
            rules_plugin = self.registry.plugin("security-group-rules")
            doomed = rules_plugin.load_ids(conn, rule_ids)
            conn.execute(delete(TAGS).where(TAGS.c.resource_id.in_(rule_ids)))
            conn.execute(delete(RULES).where(RULES.c.id.in_(rule_ids)))
            rules_plugin.deleted_with(conn, ctx, doomed)
            self.touch(conn, ctx, sorted({r["security_group_id"] for r in doomed} - {group_id}))
        super().remove(conn, ctx, original)


class SecurityGroupRulePlugin(ResourcePlugin):
    table = RULES
    not_found = exc.SecurityGroupRuleNotFound

    def __init__(self, db: Any, conf: Any, registry: Any = None) -> None:
        super().__init__(db, conf, registry)
        self.groups: SecurityGroupPlugin = self.registry.plugin("security-groups")
        self.filters["belongs_to_default_sg"] = self._belongs_to_default_filter

    @staticmethod
    def _belongs_to_default_filter(stmt: Select, values: list[bool]) -> Select:
        if len(set(values)) > 1:
            return stmt
        in_default = RULES.c.security_group_id.in_(select(DEFAULTS.c.security_group_id))
        return stmt.where(in_default if values[0] else ~in_default)

    # ---- reading -----------------------------------------------------------------
    def list(self, ctx: Context, query: ListQuery) -> list[dict]:
        self.groups.ensure_default(ctx, _listing_project(ctx, query))
        return super().list(ctx, query)

    def load(self, conn: Connection, ids_query: Select, rows: list,
             fields: frozenset[str] | None) -> list[dict]:
        tags = self.load_tags(conn, ids_query)
        groups = select(RULES.c.security_group_id).where(RULES.c.id.in_(ids_query))
        defaults = set(conn.scalars(select(DEFAULTS.c.security_group_id)
                                    .where(DEFAULTS.c.security_group_id.in_(groups))))
        return [self.render_row(row, tags, defaults) for row in rows]

    def render_row(self, row: Any, tags: dict[str, list[str]], default_groups: set[str]) -> dict:
        """A rule as the API shows it: its columns as the definition maps them, its
        tags and whether its group is a default one (a group shows its rules so)."""
        rule = self.columns_of_table_row(row)
        rule["tags"] = tags.get(row.id, [])
        rule["belongs_to_default_sg"] = row.security_group_id in default_groups
        return rule

    # ---- create ------------------------------------------------------------------
    def create_bulk(self, ctx: Context, bodies: list[dict]) -> list[dict]:
        checked = [rules.normalise(body) for body in bodies]
        seen = set()
        for body in checked:
            key = (body["security_group_id"], rules.match_key(body))
            if key in seen:
                raise exc.DuplicateSecurityGroupRuleInPost()
            seen.add(key)
        self.groups.ensure_default(ctx, ctx.project_id)
        return super().create_bulk(ctx, checked)

    def _visible_group(self, conn: Connection, ctx: Context, group_id: str) -> Any:
        stmt = select(GROUPS.c.id, GROUPS.c.project_id).where(GROUPS.c.id == group_id)
        clause = self.groups.visible_clause(ctx)
        row = conn.execute(stmt if clause is None else stmt.where(clause)).first()
        if row is None:
            raise exc.SecurityGroupNotFound(id=group_id)
        return row

    def insert(self, conn: Connection, ctx: Context, body: dict) -> str:
        group = self._visible_group(conn, ctx, body["security_group_id"])
        remote = body.get("remote_group_id")
        if remote is not None and remote != group.id:
            self._visible_group(conn, ctx, remote)
        # A rule belongs to its group's project, whoever adds it.
        row = _rule_row(group.id, group.project_id, body, body.get("description", ""))
        existing = conn.scalar(select(RULES.c.id).where(RULES.c.security_group_id == group.id,
                                                        RULES.c.match_key == row["match_key"]))
        if existing:
            raise exc.SecurityGroupRuleExists(rule_id=existing)
        conn.execute(insert(RULES).values(**row))
        return row["id"]

    def _committing(self, conn: Connection, ctx: Context, results: list[dict], operation: str,
                    event: Event, bodies: list[dict | None]) -> list[dict]:
        results = super()._committing(conn, ctx, results, operation, event, bodies)
        # The group shows its rules, so a rule change is a change of the group.
        self.groups.touch(conn, ctx, sorted({r["security_group_id"] for r in results}))
        return results

    # ---- update and delete ----------------------------------------------------------
    def apply_update(self, conn: Connection, ctx: Context, original: dict, body: dict) -> None:
        self.update_columns(conn, original, body)

    def remove(self, conn: Connection, ctx: Context, original: dict) -> None:
        super().remove(conn, ctx, original)
        self.groups.touch(conn, ctx, [original["security_group_id"]])
