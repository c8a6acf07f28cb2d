"""Quotas: how many of each resource a project may own.

Who may read or change which quota is the policy's call (neutrino/policy/quotas.py,
checked in neutrino/api/quotas.py).

A limit is the project's own (a row in ``quotas``, set through the API) or the
configured default ([quotas] quota_<resource>, read at use time so SIGHUP
changes it). Usage is counted from the resource's table by project_id, inside
the transaction that creates new rows, so the database decides: on PostgreSQL
creators of the same (project, resource) are serialised by a transaction-scoped
advisory lock; on SQLite every writer already holds the database lock.
"""
from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Table, bindparam, delete, func, insert, select

from neutrino import exceptions as exc
from neutrino.conf import quotas as quota_opts
from neutrino.context import Context
from neutrino.db import journal
from neutrino.db.engine import Database
from neutrino.db.models.quota import Quota

QUOTAS = Quota.__table__
UNLIMITED = -1


# ---- limits and usage ---------------------------------------------------------------
def default_limit(conf: Any, resource: str) -> int:
    """The configured limit of a resource, read now (options are mutable); any
    negative value configured means unlimited and is shown as -1."""
    group = conf.quotas
    option = f"quota_{resource}"
    limit = getattr(group, option) if option in group else group.default_quota
    return max(limit, UNLIMITED)


def stored_limits(conn: Connection, project_id: str) -> dict[str, int]:
    return {r.resource: r.limit for r in conn.execute(
        select(QUOTAS.c.resource, QUOTAS.c.limit).where(QUOTAS.c.project_id == project_id))}


_COUNT_OWNED: dict[Table, Any] = {}


def count_owned(conn: Connection, table: Table, project_id: str) -> int:
    # One statement per table, built once: every create of a limited resource counts.
    stmt = _COUNT_OWNED.get(table)
    if stmt is None:
        stmt = _COUNT_OWNED[table] = select(func.count()).select_from(table).where(
            table.c.project_id == bindparam("project_id"))
    return conn.execute(stmt, {"project_id": project_id}).scalar_one()


def serialise(conn: Connection, project_id: str, resource: str) -> bool:
    """Make concurrent transactions counting (project, resource) take turns; whether
    it took a lock for that (what was read before may then be out of date).

    PostgreSQL: an advisory lock held until this transaction ends; read-committed
    statements after it see every row the previous holder committed. SQLite: the
    writer already holds the database lock (BEGIN IMMEDIATE)."""
    if conn.dialect.name != "postgresql":
        return False
    digest = hashlib.blake2b(f"quota:{project_id}:{resource}".encode(), digest_size=8).digest()
    conn.execute(select(func.pg_advisory_xact_lock(int.from_bytes(digest, "big", signed=True))))
    return True


def enforce(conn: Connection, conf: Any, resource: str, table: Table,
            requested: Mapping[str, int]) -> None:
    """Refuse (409 OverQuota) creating ``requested[project]`` more rows of ``resource``
    for any project whose usage would go beyond its limit. Call inside the creating
    transaction, before its inserts."""
    for project_id in sorted(requested):  # one order everywhere: no lock-order deadlocks
        limit = _limit(conn, conf, resource, project_id)
        if limit == UNLIMITED:
            continue
        if serialise(conn, project_id, resource):
            # Read again under the lock: a PUT may have changed the limit meanwhile.
            limit = _limit(conn, conf, resource, project_id)
            if limit == UNLIMITED:
                continue
        if count_owned(conn, table, project_id) + requested[project_id] > limit:
            raise exc.OverQuota(overs=[resource])


STORED_LIMIT = select(QUOTAS.c.limit).where(QUOTAS.c.project_id == bindparam("project_id"),
                                            QUOTAS.c.resource == bindparam("resource"))


def _limit(conn: Connection, conf: Any, resource: str, project_id: str) -> int:
    stored = conn.execute(STORED_LIMIT, {"project_id": project_id,
                                         "resource": resource}).scalar_one_or_none()
    return default_limit(conf, resource) if stored is None else stored


class QuotaRegistry:
    """The quota resources the API shows and the table each one is counted in.

    The [quotas] options name the resources every deployment has; a feature
    declaring a quota resource (``Feature.quota_resources``, counted in the table of
    the plugin it names) makes that resource counted and enforced, and adds it to
    the API if no option names it (its default is then [quotas] default_quota)."""

    def __init__(self, tables: Mapping[str, Table]) -> None:
        self.tables: dict[str, Table | None] = dict.fromkeys(quota_opts.DEFAULT_LIMITS)
        self.tables.update(tables)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.tables)


class QuotaPlugin:
    """The quotas API: limits per project, their defaults, and usage."""

    def __init__(self, db: Database, conf: Any, registry: QuotaRegistry) -> None:
        self.db = db
        self.conf = conf
        self.registry = registry

    def defaults(self) -> dict[str, int]:
        return {name: default_limit(self.conf, name) for name in self.registry.names}

    def _limits(self, conn: Connection, project_id: str) -> dict[str, int]:
        limits = self.defaults()
        limits.update((k, v) for k, v in stored_limits(conn, project_id).items() if k in limits)
        return limits

    def list(self, ctx: Context) -> list[dict]:
        """Every project with limits of its own: all its limits, default or not."""
        defaults = self.defaults()
        out: dict[str, dict] = {}
        with self.db.reader() as conn:
            rows = conn.execute(select(QUOTAS).order_by(QUOTAS.c.project_id)).all()
        for row in rows:
            entry = out.setdefault(row.project_id, {**defaults, "project_id": row.project_id,
                                                    "tenant_id": row.project_id})
            if row.resource in defaults:
                entry[row.resource] = row.limit
        return list(out.values())

    def get(self, ctx: Context, project_id: str) -> dict:
        with self.db.reader() as conn:
            return self._shown(conn, project_id)

    def _shown(self, conn: Connection, project_id: str) -> dict:
        return {**self._limits(conn, project_id), "project_id": project_id,
                "tenant_id": project_id}

    def get_defaults(self, ctx: Context, project_id: str) -> dict:
        return self.defaults()

    def details(self, ctx: Context, project_id: str) -> dict:
        """Limit, used and reserved (always 0: nothing is reserved ahead of creation)."""
        with self.db.reader() as conn:
            limits = self._limits(conn, project_id)
            used = {name: count_owned(conn, table, project_id)
                    for name, table in self.registry.tables.items() if table is not None}
        return {name: {"limit": limit, "used": used.get(name, 0), "reserved": 0}
                for name, limit in limits.items()}

    def update(self, ctx: Context, project_id: str, limits: dict[str, int],
               force: bool = False) -> dict:
        """Set limits; one below what the project already uses is refused unless forced."""
        def txn(conn: Connection) -> dict:
            if not force:
                for name in sorted(limits):
                    self._check_not_below_usage(conn, project_id, name, limits[name])
            if limits:
                conn.execute(delete(QUOTAS).where(QUOTAS.c.project_id == project_id,
                                                  QUOTAS.c.resource.in_(list(limits))))
                conn.execute(insert(QUOTAS), [{"project_id": project_id, "resource": name,
                                               "limit": limit} for name, limit in limits.items()])
            shown = self._shown(conn, project_id)
            if limits:
                # Quotas have no revision number: the journal records 0.
                journal.record(conn, [journal.Change("quota", project_id, "update", 0, shown)])
            return shown

        return self.db.write(txn)

    def _check_not_below_usage(self, conn: Connection, project_id: str, name: str,
                               limit: int) -> None:
        table = self.registry.tables[name]
        if limit == UNLIMITED or table is None:
            return
        serialise(conn, project_id, name)  # no create may slip in between count and write
        used = count_owned(conn, table, project_id)
        if used > limit:
            raise exc.HTTPBadRequest(f"Quota limit {limit} for {name} must be greater than "
                                     f"or equal to already used {used}.")

    def reset(self, ctx: Context, project_id: str) -> None:
        """Forget the project's own limits: the defaults apply again."""
        def txn(conn: Connection) -> None:
            before = self._shown(conn, project_id)
            deleted = conn.execute(delete(QUOTAS).where(QUOTAS.c.project_id == project_id))
            if deleted.rowcount == 0:
                raise exc.TenantQuotaNotFound(tenant_id=project_id)
            journal.record(conn, [journal.Change("quota", project_id, "delete", 0, before)])

        self.db.write(txn)

    @staticmethod
    def caller_project(ctx: Context) -> str:
        if not ctx.project_id:
            raise exc.QuotaMissingTenant()
        return ctx.project_id
