"""The throwaway feature's storage: a notes plugin and the port colour extender."""
from __future__ import annotations

import uuid

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    delete,
    exists,
    func,
    insert,
    select,
    update,
)

from neutrino import exceptions as exc
from neutrino.context import Context
from neutrino.core.extenders import AttributeExtender
from neutrino.core.resource import ResourcePlugin
from tests.features.throwaway.definitions import NOTE

METADATA = MetaData()
NOTES = Table(
    "throwaway_notes", METADATA,
    Column("id", String(36), primary_key=True), Column("project_id", String(255)),
    Column("name", String(255)), Column("description", String(255)),
    Column("revision_number", Integer), Column("created_at", String(20)),
    Column("updated_at", String(20)), Column("network_id", String(36), index=True),
    Column("text", String(1000)), Column("pinned", Boolean))
COLOURS = Table("throwaway_port_colours", METADATA,
                Column("port_id", String(36), primary_key=True), Column("colour", String(16)))


class NoteNotFound(exc.NotFound):
    message = "Note {id} could not be found."


class NotePlugin(ResourcePlugin):
    """Everything but the pin action is generic: columns render and store themselves."""

    table = NOTES
    not_found = NoteNotFound
    computed = frozenset({"pinned"})

    def load(self, conn: Connection, ids_query: Select, rows: list,
             fields: frozenset[str] | None) -> list[dict]:
        tags = self.load_tags(conn, ids_query)
        return [{**self.columns_of_row(row._asdict()), "tags": tags.get(row.id, [])}
                for row in rows]

    def insert(self, conn: Connection, ctx: Context, body: dict) -> str:
        note_id = str(uuid.uuid4())
        conn.execute(insert(NOTES).values(**self.new_row(ctx, body, note_id), pinned=False))
        return note_id

    def apply_update(self, conn: Connection, ctx: Context, original: dict, body: dict) -> None:
        self.update_columns(conn, original, body)

    def pin(self, conn: Connection, ctx: Context, current: dict, body: dict) -> dict:
        conn.execute(update(NOTES).where(NOTES.c.id == current["id"])
                     .values(pinned=body["pinned"]))
        return {"pinned": body["pinned"], "was_pinned": current["pinned"]}


class PortColour(AttributeExtender):
    collection = "ports"
    attributes = ("colour",)
    alias = "port-colour"

    def load(self, conn: Connection, ids_query: Select, items: list[dict]) -> None:
        found = dict(conn.execute(select(COLOURS.c.port_id, COLOURS.c.colour)
                                  .where(COLOURS.c.port_id.in_(ids_query))).all())
        self.values(items, "colour", found, "none")

    def filters(self) -> dict:
        ports = self.table

        def by_colour(stmt: Select, values: list[str]) -> Select:
            coloured = exists().where(COLOURS.c.port_id == ports.c.id,
                                      COLOURS.c.colour.in_(values))
            if "none" in values:  # no row is colour "none"
                coloured = coloured | ~exists().where(COLOURS.c.port_id == ports.c.id)
            return stmt.where(coloured)
        return {"colour": by_colour}

    def sort_keys(self) -> dict:
        # The port's colour, "none" where it has no row.
        stored = select(COLOURS.c.colour).where(COLOURS.c.port_id == self.table.c.id)
        return {"colour": func.coalesce(stored.scalar_subquery(), "none")}

    def create(self, conn: Connection, ctx: Context, items: list[dict],
               bodies: list[dict]) -> None:
        for item, body in zip(items, bodies):
            item["colour"] = body.get("colour", "none")
        rows = [{"port_id": i["id"], "colour": i["colour"]} for i in items
                if i["colour"] != "none"]
        if rows:
            conn.execute(insert(COLOURS), rows)

    def update(self, conn: Connection, ctx: Context, original: dict, changes: dict) -> None:
        conn.execute(delete(COLOURS).where(COLOURS.c.port_id == original["id"]))
        if changes["colour"] != "none":
            conn.execute(insert(COLOURS).values(port_id=original["id"],
                                                colour=changes["colour"]))

    def delete(self, conn: Connection, ctx: Context, original: dict) -> None:
        conn.execute(delete(COLOURS).where(COLOURS.c.port_id == original["id"]))


def delete_notes_with_network(registry):
    """A subscription: a network's notes go with it (journaled and announced as deletes)."""
    notes = registry.plugin(NOTE)

    def callback(resource, event, trigger, payload) -> None:
        conn = payload.connection
        ids = list(conn.scalars(select(NOTES.c.id).where(
            NOTES.c.network_id == payload.resource_id)))
        if ids:
            gone = notes.load_ids(conn, ids)
            conn.execute(delete(NOTES).where(NOTES.c.id.in_(ids)))
            notes.deleted_with(conn, payload.context, gone)
    return callback
