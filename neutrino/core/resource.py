"""What every standard-attribute resource plugin shares: reading (visibility,
filters, sorting, pagination, tags), and the write path (callbacks, revision
numbers, If-Match, the change journal), written once.

A plugin subclass supplies its table, how to render rows (``load``; attributes
stored in a column of the table render through ``columns_of_row``), and the
resource-specific parts of create / update / delete (attributes stored in a
column are written through ``column_values``). Attribute extenders of the
collection (``core/extenders.py``) are called at the same points.

The order of a write: ``before_*`` callbacks (may refuse; a create's before the
transaction, an update's or delete's in it, once the stored resource is locked and
authorised); in one transaction the quota check, the writes, the revision bump, the
``precommit_*`` callbacks and, last, the journal rows (``journal``: the one writer,
so the bodies include whatever precommit subscribers changed); commit; then the
``after_*`` callbacks, also those of resources the change altered elsewhere
(``after_commit``: cascaded deletes, SLAAC addresses, RBAC policies).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar

import orjson

from sqlalchemy import (
    Connection,
    Row,
    Select,
    Table,
    and_,
    bindparam,
    delete,
    exists,
    insert,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.sql import ColumnElement

from neutrino import exceptions as exc
from neutrino.callbacks import DBEventPayload, Event
from neutrino.context import Context
from neutrino.core import quotas
from neutrino.core.listing import Filter, ListQuery, apply_sort_and_page, column_filter
from neutrino.db import journal
from neutrino.db.engine import Database, utcnow
from neutrino.db.models.tag import Tag

if TYPE_CHECKING:
    from neutrino.registry import Registry

TAGS = Tag.__table__
MAX_TAGS = 50
MAX_RENDERERS = 256  # renderers kept per plugin, one per set of fields asked for
_AFTER_COMMIT = "neutrino.after_commit"
_CHANGED = "neutrino.member_changed"
# Called with the transaction's connection and the stored resource; raises to refuse.
Authorize = Callable[[Connection, dict], None]


class ResourcePlugin:
    """Base of the plugins of standard-attribute resources."""

    table: ClassVar[Table]
    not_found: ClassVar[type[exc.NotFound]]
    # API attribute name -> column name, where they differ.
    column_names: ClassVar[dict[str, str]] = {"tenant_id": "project_id"}
    # Columns holding JSON text (rendered decoded, stored encoded).
    json_columns: ClassVar[frozenset[str]] = frozenset()
    # Attributes the plugin stores in code of its own (child tables, views of other
    # rows), not as a column of ``table`` of the same (or ``column_names``) name.
    handles: ClassVar[frozenset[str]] = frozenset()
    # Attributes that map to a column but are written only by the plugin's own code.
    computed: ClassVar[frozenset[str]] = frozenset()
    # Whether a member action that changes the member bumps its revision (Neutron's
    # trunks: add_subports and remove_subports do not; the change is journaled anyway).
    actions_bump_revision: ClassVar[bool] = True

    def __init__(self, db: Database, conf: Any, registry: Registry | None = None) -> None:
        from neutrino.registry import default_registry

        self.db = db
        self.conf = conf
        if registry is None:  # built on its own (tests, tools): the configured features
            registry = default_registry(conf, db)
            registry.adopt(registry.path_of(type(self)), self)
        self.registry = registry
        self.path = registry.path_of(type(self))
        self.spec = registry.spec(self.path)
        # The resource's name, as definitions declare it: events and journal rows use it.
        self.resource: str = self.spec.name
        # The quota resource each new row counts against (rows of ``table`` by
        # project_id); None: creating is not limited.
        self.quota_resource = registry.quota_resource_of(self.path)
        self.callbacks = registry.callbacks
        self.extenders = registry.extenders(self.path, self)
        self.extended = frozenset(a for e in self.extenders for a in e.attributes)
        self.columns = self._column_map()
        # A sub-resource's attribute naming its parent (set from the URL, never by a body).
        self.parent_key = next((n for n, a in self.spec.attributes.items()
                                if a.references and a.references == self.spec.resource.parent),
                               None)
        self._render_columns = compile_renderer(self.columns, self.json_columns)
        # The same for a Row of ``select(table)``, by position: turning each Row into a
        # dict first cost more than rendering it (a list renders thousands).
        self.column_index = {c.key: i for i, c in enumerate(self.table.c)}
        # One row by id, built once (building and cache-keying a SELECT per request
        # costs more than SQLite takes to run it).
        self._row_by_id = select(self.table).where(self.table.c.id == bindparam("row_id"))
        self._render_table_row = compile_renderer(self.columns, self.json_columns,
                                                   self.column_index)
        self._table_row_renderers: dict[tuple, Callable[..., dict]] = {}
        self.filters: dict[str, Filter] = {}
        for col in self.table.c:
            self.filters[col.name] = column_filter(col)
        for api_name, col_name in self.column_names.items():
            self.filters[api_name] = column_filter(self.table.c[col_name])
        self.filters.update({
            "tags": self._tags_all, "tags-any": self._tags_any,
            "not-tags": lambda s, v: s.where(not_(self._has_all_tags(v))),
            "not-tags-any": lambda s, v: s.where(not_(self._has_any_tag(v))),
            "changed_since": lambda s, v: s.where(self.table.c.updated_at >= max(v)),
        })
        # Sort keys of attributes extenders store (the plugin's own are its columns).
        self.sort_keys: dict[str, Any] = {}
        for extender in self.extenders:
            self.filters.update(extender.filters())
            self.sort_keys.update(extender.sort_keys())

    # ---- attributes stored in columns ---------------------------------------------------
    def _column_map(self) -> dict[str, str]:
        """Attribute -> column, for every attribute of the resource stored as it is in
        a column of ``table`` (and not by an extender or by code of the plugin's own)."""
        out = {}
        for name in self.spec.attributes:
            column = self.column_names.get(name, name)
            if column in self.table.c and name not in self.handles and name not in self.extended:
                out[name] = column
        return out

    def columns_of_row(self, row: dict) -> dict:
        """The column-stored attributes of one row (a plain dict) as the API shows them."""
        return self._render_columns(row)

    def table_row_renderer(self, fields: frozenset[str] | None,
                           given: tuple[str, ...] = ()) -> Callable[..., dict]:
        """``columns_of_table_row`` of only ``fields`` (all when None), with the
        attributes ``given`` as arguments (``compile_renderer``); made once per set of
        fields (``fields=id`` lists render ids, not whole items)."""
        key = (None if fields is None else frozenset(fields & self.spec.attributes.keys()), given)
        found = self._table_row_renderers.get(key)
        if found is None:
            if len(self._table_row_renderers) >= MAX_RENDERERS:
                self._table_row_renderers.clear()
            found = self._table_row_renderers[key] = compile_renderer(
                self.columns, self.json_columns, self.column_index, given, key[0])
        return found

    def columns_of_table_row(self, row: Row) -> dict:
        """``columns_of_row`` for a Row of ``select(table)`` (every column, in the
        table's order), read by position."""
        return self._render_table_row(row)

    def column_values(self, body: dict, action: str) -> dict:
        """The columns a validated POST (``action`` "post") or PUT ("put") body sets."""
        out = {}
        attrs = self.spec.attributes
        for name, value in body.items():
            column = self.columns.get(name)
            if column is None or name in self.computed or not (
                    getattr(attrs[name], action) or (action == "post" and name == self.parent_key)):
                continue
            out[column] = orjson.dumps(value).decode() if column in self.json_columns else value
        return out

    def new_row(self, ctx: Context, body: dict, id: str) -> dict:
        """The row of a new resource: standard attributes and every column a validated
        POST body sets (with its defaults filled in)."""
        return {**self.new_standard_row(ctx, body, id), **self.column_values(body, "post")}

    def owned_attributes(self) -> frozenset[str]:
        """The attributes something of this plugin stores: columns, its own code, its
        extenders (checked at start-up against every POST/PUT attribute)."""
        return frozenset(self.columns) | self.handles | self.extended

    def update_columns(self, conn: Connection, original: dict, body: dict) -> None:
        """Write the column-stored attributes a PUT changes."""
        values = self.column_values(body, "put")
        if values:
            conn.execute(update(self.table).where(self.table.c.id == original["id"])
                         .values(**values))

    # ---- hooks for subclasses ------------------------------------------------
    def load(self, conn: Connection, ids_query: Select, rows: list,
             fields: frozenset[str] | None) -> list[dict]:
        """Render rows (in order) as API dicts; ``ids_query`` selects their ids."""
        raise NotImplementedError

    def visible_clause(self, ctx: Context) -> ColumnElement | None:
        """Rows the caller may see; None for all."""
        if ctx.sees_all_projects:
            return None
        return self.table.c.project_id == ctx.project_id

    def personalize(self, conn: Connection, ctx: Context, items: list[dict]) -> None:
        """Adjust rendered items to what this caller sees (e.g. a network shared with
        the caller's project). ``load`` renders the caller-independent view, which is
        also what the journal records."""

    @staticmethod
    def revision_of(item: dict) -> int:
        """The revision the journal records for a rendered item."""
        return item["revision_number"]

    def render(self, conn: Connection, ids_query: Select, rows: list,
               fields: frozenset[str] | None) -> list[dict]:
        """``load``, then every extender's attributes."""
        items = self.load(conn, ids_query, rows, fields)
        for extender in self.extenders:
            if extender.wanted(fields):
                extender.load(conn, ids_query, items)
        return items

    # ---- reading --------------------------------------------------------------
    def sortable_column(self, name: str):
        if name in self.sort_keys:
            return self.sort_keys[name]
        return self.table.c[self.column_names.get(name, name)]

    def base_query(self, ctx: Context) -> Select:
        stmt = select(self.table)
        clause = self.visible_clause(ctx)
        return stmt if clause is None else stmt.where(clause)

    def list(self, ctx: Context, query: ListQuery) -> list[dict]:
        with self.db.reader() as conn:
            return self._list(conn, ctx, query)

    def _list(self, conn: Connection, ctx: Context, query: ListQuery) -> list[dict]:
        stmt = self.base_query(ctx)
        for name, values in query.filters.items():
            stmt = self.apply_filter(ctx, stmt, name, values)
        columns = {name: self.sortable_column(name) for name, _asc in query.sorts}
        stmt = apply_sort_and_page(conn, stmt, query, columns, self.table.c.id)
        rows = conn.execute(stmt).all()
        if query.page_reverse and query.paginated:
            rows.reverse()
        # The ids of the listed rows, for the queries of their children: the list's own
        # statement selecting only the id, in no order unless a limit needs one.
        ids = stmt.with_only_columns(self.table.c.id, maintain_column_froms=True)
        if not query.paginated:
            ids = ids.order_by(None)
        fields = frozenset(query.fields) if query.fields else None
        items = self.render(conn, ids, rows, fields)
        self.personalize(conn, ctx, items)
        return items

    def get(self, ctx: Context, id: str, fields: list[str] | None = None) -> dict:
        with self.db.reader() as conn:
            return self.get_in(conn, ctx, id, fields)

    def get_in(self, conn: Connection, ctx: Context, id: str,
               fields: list[str] | None = None, for_update: bool = False) -> dict:
        clause = self.visible_clause(ctx)
        if clause is None and not for_update:  # the prebuilt statement (see _row_by_id)
            rows = conn.execute(self._row_by_id, {"row_id": id}).all()
        else:
            stmt = select(self.table).where(self.table.c.id == id)
            if clause is not None:
                stmt = stmt.where(clause)
            if for_update:
                stmt = stmt.with_for_update()
            rows = conn.execute(stmt).all()
        if not rows:
            raise self.not_found(id=id)
        items = self.render(conn, select(self.table.c.id).where(self.table.c.id == id), rows,
                            frozenset(fields) if fields else None)
        self.personalize(conn, ctx, items)
        return items[0]

    def load_ids(self, conn: Connection, ids: list[str],
                 fields: frozenset[str] | None = None) -> list[dict]:
        """Render the given rows (``fields`` at least), in the given order, whoever may
        see them."""
        if not ids:
            return []
        rows = conn.execute(select(self.table).where(self.table.c.id.in_(ids))).all()
        order = {id_: i for i, id_ in enumerate(ids)}
        rows.sort(key=lambda r: order[r.id])
        return self.render(conn, select(self.table.c.id).where(self.table.c.id.in_(ids)), rows,
                           fields)

    def policy_view(self, conn: Connection, ctx: Context, ids: list[str],
                    fields: frozenset[str], visible_only: bool = False) -> list[dict]:
        """The ``fields`` (at least) of these resources as the caller sees them, for
        policy targets of their children; with ``visible_only``, only the ones it may
        see. Plugins may answer this more cheaply than a full rendering."""
        if visible_only:
            clause = self.visible_clause(ctx)
            if clause is not None:
                ids = list(conn.scalars(select(self.table.c.id).where(
                    self.table.c.id.in_(ids), clause)))
        found = self.load_ids(conn, ids, fields)
        self.personalize(conn, ctx, found)
        return found

    def apply_filter(self, ctx: Context, stmt: Select, name: str, values: list) -> Select:
        """Narrow a list to items matching any of ``values``; override for filters whose
        meaning depends on the caller."""
        return self.filters[name](stmt, values)

    # ---- tag filters ----------------------------------------------------------
    def _has_all_tags(self, tags: list[str]) -> ColumnElement:
        return and_(*[exists().where(TAGS.c.resource_id == self.table.c.id, TAGS.c.tag == t)
                      for t in tags])

    def _has_any_tag(self, tags: list[str]) -> ColumnElement:
        return exists().where(TAGS.c.resource_id == self.table.c.id, TAGS.c.tag.in_(tags))

    def _tags_all(self, stmt: Select, tags: list[str]) -> Select:
        return stmt.where(self._has_all_tags(tags))

    def _tags_any(self, stmt: Select, tags: list[str]) -> Select:
        return stmt.where(self._has_any_tag(tags))

    @staticmethod
    def tags_statement(ids: Any) -> Select:
        """(resource id, tag) of the resources ``ids`` names (a subquery or a parameter)."""
        return (select(TAGS.c.resource_id, TAGS.c.tag).where(TAGS.c.resource_id.in_(ids))
                .order_by(TAGS.c.tag))

    @classmethod
    def load_tags(cls, conn: Connection, ids_query: Select) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for rid, tag in conn.execute(cls.tags_statement(ids_query)):
            out.setdefault(rid, []).append(tag)
        return out

    @staticmethod
    def standard_fields(row: Any, tags: dict[str, list[str]]) -> dict:
        return {
            "id": row.id, "name": row.name, "description": row.description,
            "project_id": row.project_id, "tenant_id": row.project_id,
            "created_at": row.created_at, "updated_at": row.updated_at,
            "revision_number": row.revision_number, "tags": tags.get(row.id, []),
        }

    # ---- the write path ---------------------------------------------------------
    def _publish(self, event: Event, payload: DBEventPayload) -> None:
        self.callbacks.publish(self.resource, event, self, payload)

    def create(self, ctx: Context, body: dict) -> dict:
        return self.create_bulk(ctx, [body])[0]

    def create_bulk(self, ctx: Context, bodies: list[dict], count_quota: bool = True
                    ) -> list[dict]:
        """Create all or nothing, in one transaction. ``count_quota`` false: resources
        the server makes for itself (a network's DHCP port), which no quota refuses."""
        for body in bodies:
            self._publish(Event.BEFORE_CREATE,
                          DBEventPayload(ctx, request_body=body, desired_state=body))

        def txn(conn: Connection) -> list[dict]:
            if self.quota_resource and count_quota:
                # A bulk request counts whole: all of it fits in the quota or none is created.
                quotas.enforce(conn, self.conf, self.quota_resource, self.table,
                               Counter(self.owner(ctx, body) for body in bodies))
            created = self.insert_many(conn, ctx, bodies)
            for extender in self.extenders:
                extender.create(conn, ctx, created, bodies)
            return self._committing(conn, ctx, created, "create", Event.PRECOMMIT_CREATE, bodies)

        results = self.write(txn)
        for body, result in zip(bodies, results):
            self._publish(Event.AFTER_CREATE, DBEventPayload(
                ctx, resource_id=result["id"], states=(result,), request_body=body))
        return results

    def _committing(self, conn: Connection, ctx: Context, results: list[dict], operation: str,
                    event: Event, bodies: list[dict | None]) -> list[dict]:
        for body, result in zip(bodies, results):
            self._publish(event, DBEventPayload(ctx, resource_id=result["id"], request_body=body,
                                                desired_state=result, connection=conn))
        self.journal(conn, operation, results)
        self.personalize(conn, ctx, results)
        return results

    # ---- the journal, and changes made by other changes ---------------------------------
    def journal(self, conn: Connection, operation: str, items: list[dict]) -> None:
        """One journal row per item: its full body as rendered for everyone (``load``,
        not personalised) and its revision (for a delete: the next one)."""
        bump = 1 if operation == "delete" else 0
        journal.record(conn, [journal.Change(self.resource, item["id"], operation,
                                             self.revision_of(item) + bump, item)
                              for item in items])

    def write(self, txn: Callable[[Connection], Any]) -> Any:
        """Run ``txn`` in a write transaction (retried on conflicts), then what it left
        for after the commit (``after_commit``): the after-events of changes it caused
        elsewhere."""
        def run(conn: Connection) -> tuple[Any, list]:
            conn.info[_AFTER_COMMIT] = []  # a retried transaction starts afresh
            conn.info.pop(_CHANGED, None)
            try:
                return txn(conn), conn.info[_AFTER_COMMIT]
            finally:
                conn.info.pop(_AFTER_COMMIT, None)
                conn.info.pop(_CHANGED, None)

        result, pending = self.db.write(run)
        for publish in pending:
            publish()
        return result

    def after_commit(self, conn: Connection, event: Event, payload: DBEventPayload) -> None:
        """Publish ``event`` once the transaction of ``conn`` has committed (or now,
        when ``conn`` is not one that ``write`` runs)."""
        pending = conn.info.get(_AFTER_COMMIT)
        if pending is None:
            self._publish(event, payload)
        else:
            pending.append(lambda: self._publish(event, payload))

    def deleted_with(self, conn: Connection, ctx: Context, items: list[dict]) -> None:
        """Resources (rendered before they went) that a change of another resource
        deleted in ``conn``: their precommit events and journal rows now, their
        after-events after the commit."""
        for item in items:
            self._publish(Event.PRECOMMIT_DELETE, DBEventPayload(
                ctx, resource_id=item["id"], states=(item,), connection=conn))
        self.journal(conn, "delete", items)
        for item in items:
            self.after_commit(conn, Event.AFTER_DELETE,
                              DBEventPayload(ctx, resource_id=item["id"], states=(item,)))

    def created_with(self, conn: Connection, ctx: Context, ids: list[str]) -> None:
        """Resources that a change of another resource created in ``conn``."""
        items = self.load_ids(conn, ids)
        for item in items:
            self._publish(Event.PRECOMMIT_CREATE, DBEventPayload(
                ctx, resource_id=item["id"], desired_state=item, connection=conn))
        self.journal(conn, "create", items)
        for item in items:
            self.after_commit(conn, Event.AFTER_CREATE,
                              DBEventPayload(ctx, resource_id=item["id"], states=(item,)))

    def insert_many(self, conn: Connection, ctx: Context, bodies: list[dict]) -> list[dict]:
        """Store new resources from validated bodies; return them as the API shows them.
        Each body is completed by the extenders (``prepare``) just before it is stored,
        so that it sees the rows stored before it (a bulk of subnets from one pool)."""
        return self.load_ids(conn, [self.insert(conn, ctx, self.prepare(conn, ctx, body))
                                    for body in bodies])

    def prepare(self, conn: Connection, ctx: Context, body: dict) -> dict:
        for extender in self.extenders:
            body = extender.prepare(conn, ctx, body)
        return body

    def insert(self, conn: Connection, ctx: Context, body: dict) -> str:
        """Store one new resource from a validated body; return its id."""
        raise NotImplementedError

    def update(self, ctx: Context, id: str, body: dict, if_revision: int | None = None,
               authorize: Authorize | None = None) -> dict:
        """Change a resource; ``authorize(conn, current)`` may refuse (policy). An
        empty change changes nothing: no revision, no events, no journal row."""
        def txn(conn: Connection) -> dict:
            original = self.get_in(conn, ctx, id, for_update=True)
            if authorize:
                authorize(conn, original)
            self.check_revision(original, if_revision)
            if not body:
                return original, None
            self._publish(Event.BEFORE_UPDATE, DBEventPayload(
                ctx, resource_id=id, states=(original,), request_body=body, connection=conn))
            own = {k: v for k, v in body.items() if k not in self.extended}
            if own:
                self.apply_update(conn, ctx, original, own)
            for extender in self.extenders:
                changes = {k: body[k] for k in extender.attributes if k in body}
                if changes:
                    extender.update(conn, ctx, original, changes)
            self.bump(conn, id)
            result = self._committing(conn, ctx, self.load_ids(conn, [id]), "update",
                                      Event.PRECOMMIT_UPDATE, [body])[0]
            return original, result

        original, result = self.write(txn)
        if result is None:
            return original
        self._publish(Event.AFTER_UPDATE, DBEventPayload(
            ctx, resource_id=id, states=(original, result), request_body=body))
        return result

    def apply_update(self, conn: Connection, ctx: Context, original: dict, body: dict) -> None:
        """Store the changes of a validated PUT body."""
        raise NotImplementedError

    def delete(self, ctx: Context, id: str, if_revision: int | None = None,
               authorize: Authorize | None = None) -> None:
        def txn(conn: Connection) -> dict:
            original = self.get_in(conn, ctx, id, for_update=True)
            if authorize:
                authorize(conn, original)
            self.check_revision(original, if_revision)
            self._publish(Event.BEFORE_DELETE, DBEventPayload(
                ctx, resource_id=id, states=(original,), connection=conn))
            for extender in self.extenders:
                extender.delete(conn, ctx, original)
            self.remove(conn, ctx, original)
            self._publish(Event.PRECOMMIT_DELETE, DBEventPayload(
                ctx, resource_id=id, states=(original,), connection=conn))
            self.journal(conn, "delete", [original])
            return original

        original = self.write(txn)
        self._publish(Event.AFTER_DELETE, DBEventPayload(ctx, resource_id=id, states=(original,)))

    def member_action(self, ctx: Context, id: str, action: str, body: dict,
                      authorize: Authorize | None = None) -> dict:
        """Run ``PUT /<collection>/{id}/<action>``: the plugin method named ``action``,
        ``(conn, ctx, current, body) -> response body``, in one transaction with the
        member locked. When the action changed how the member renders, that counts as
        an update of it (revision, precommit/after update events, journal row)."""
        handler = getattr(self, action)

        def txn(conn: Connection) -> tuple[dict, dict, dict | None]:
            current = self.get_in(conn, ctx, id, for_update=True)
            if authorize:
                authorize(conn, current)
            before = self.load_ids(conn, [id])[0]
            response = handler(conn, ctx, current, body)
            after = self.load_ids(conn, [id])[0]
            if after == before and not conn.info.pop(_CHANGED, False):
                return response, current, None
            if self.actions_bump_revision:
                self.bump(conn, id)
            result = self._committing(conn, ctx, self.load_ids(conn, [id]), "update",
                                      Event.PRECOMMIT_UPDATE, [body])[0]
            return response, current, result

        response, original, result = self.write(txn)
        if result is not None:
            self._publish(Event.AFTER_UPDATE, DBEventPayload(
                ctx, resource_id=id, states=(original, result), request_body=body))
        return response

    def member_view(self, ctx: Context, id: str, action: str,
                    authorize: Authorize | None = None) -> dict:
        """Run ``GET /<collection>/{id}/<action>``: the plugin method named ``action``,
        ``(conn, ctx, current) -> response body``, on a reader; nothing changes."""
        with self.db.reader() as conn:
            current = self.get_in(conn, ctx, id)
            if authorize:
                authorize(conn, current)
            return getattr(self, action)(conn, ctx, current)

    @staticmethod
    def changed(conn: Connection) -> None:
        """Make the running member action count as an update of the member although it
        renders the same (a router's interfaces: Neutron bumps the router's revision)."""
        conn.info[_CHANGED] = True

    def remove(self, conn: Connection, ctx: Context, original: dict) -> None:
        """Delete one resource (checks that it may go first)."""
        conn.execute(delete(TAGS).where(TAGS.c.resource_id == original["id"]))
        conn.execute(delete(self.table).where(self.table.c.id == original["id"]))

    @staticmethod
    def check_revision(current: dict, if_revision: int | None) -> None:
        if if_revision is not None and current["revision_number"] != if_revision:
            raise exc.RevisionNumberConstraintFailed(expected=if_revision,
                                                     current=current["revision_number"])

    def bump(self, conn: Connection, id: str) -> None:
        """Count a change of the resource: revision + 1 and updated_at now."""
        bump_revisions(conn, self.table, [id])

    def touch(self, conn: Connection, ctx: Context, ids: list[str],
              change: Callable[[], None] | None = None) -> None:
        """Count a change made elsewhere that alters how these resources render (an RBAC
        policy, a security group's rules, a SLAAC address): a revision bump, precommit
        callbacks and a journal row each, in ``conn``; after-update events after the
        commit. ``change``, when given, makes the change itself (after the resources
        were read as they were, so the after-events show both states)."""
        if not ids:
            return
        before = {item["id"]: item for item in self.load_ids(conn, ids)}
        if change is not None:
            change()
        bump_revisions(conn, self.table, ids)
        for item in self._committing(conn, ctx, self.load_ids(conn, ids), "update",
                                     Event.PRECOMMIT_UPDATE, [None] * len(ids)):
            self.after_commit(conn, Event.AFTER_UPDATE, DBEventPayload(
                ctx, resource_id=item["id"], states=(before[item["id"]], item)))

    @staticmethod
    def owner(ctx: Context, body: dict) -> str:
        """The project a new resource belongs to (as new_standard_row stores it)."""
        return body.get("project_id") or ctx.project_id

    @staticmethod
    def new_standard_row(ctx: Context, body: dict, id: str) -> dict:
        now = utcnow()
        return {"id": id, "project_id": body.get("project_id") or ctx.project_id,
                "name": body.get("name", ""), "description": body.get("description", ""),
                "revision_number": 0, "created_at": now, "updated_at": now}

    # ---- tags sub-resource --------------------------------------------------------
    def change_tags(self, ctx: Context, id: str,
                    change: Callable[[list[str]], Iterable[str]],
                    if_revision: int | None = None,
                    authorize: Authorize | None = None) -> list[str]:
        """Replace the tag set with ``change(current)``; one revision bump."""
        def txn(conn: Connection) -> list[str]:
            current = self.get_in(conn, ctx, id, for_update=True)
            if authorize:
                authorize(conn, current)
            self.check_revision(current, if_revision)
            new = sorted(set(change(current["tags"])))
            if len(new) > MAX_TAGS:
                raise exc.TooManyTags(f"A resource may have at most {MAX_TAGS} tags.")
            if new != sorted(current["tags"]):
                conn.execute(delete(TAGS).where(TAGS.c.resource_id == id))
                if new:
                    conn.execute(insert(TAGS), [{"resource_id": id, "tag": t} for t in new])
            self.bump(conn, id)
            self._committing(conn, ctx, self.load_ids(conn, [id]), "update",
                             Event.PRECOMMIT_UPDATE, [None])
            return new
        return self.write(txn)


def bump_revisions(conn: Connection, table: Table, ids: list[str]) -> None:
    """Count a change of these rows of a standard-attribute table: revision + 1 and
    updated_at now."""
    conn.execute(update(table).where(table.c.id.in_(ids)).values(
        revision_number=table.c.revision_number + 1, updated_at=utcnow()))


def or_all(clauses: list[ColumnElement]) -> ColumnElement:
    return or_(*clauses) if len(clauses) > 1 else clauses[0]


def compile_renderer(columns: dict[str, str], json_columns: frozenset[str],
                     positions: dict[str, int] | None = None, given: tuple[str, ...] = (),
                     fields: frozenset[str] | None = None) -> Callable[..., dict]:
    """A function rendering a row to ``{attribute: value}`` for these columns: a plain
    dict read by column name, or with ``positions`` (column -> index) a Row read by
    index. The attributes ``given`` (read from other tables) follow the row as
    arguments, in that order: ``render(row, *values)``. With ``fields``, only those
    attributes (the arguments stay the same). Generated as one dict display: a loop
    over the mapping, or setting the other attributes afterwards, costs about twice as
    much per row, and lists render thousands of rows."""
    def expr(column: str) -> str:
        key = repr(column) if positions is None else positions[column]
        return f"_loads(r[{key}])" if column in json_columns else f"r[{key}]"

    def shown(name: str) -> bool:
        return fields is None or name in fields

    entries = [f"{name!r}: {expr(column)}" for name, column in columns.items() if shown(name)]
    entries += [f"{name!r}: _{i}" for i, name in enumerate(given) if shown(name)]
    params = "".join(f", _{i}" for i in range(len(given)))
    namespace: dict[str, Any] = {"_loads": orjson.loads}
    # The names are the definitions' own, never a caller's input.
    exec(f"def render(r{params}):\n    return {{{', '.join(entries)}}}\n", namespace)  # noqa: S102
    return namespace["render"]
