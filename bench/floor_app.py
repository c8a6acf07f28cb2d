"""The floor of the API benchmark: a bare Falcon app that does the least a port API could.

    python -m bench.floor_app --port PORT --state-dir DIR

It answers the same paths as the port API (``/v2.0/ports`` and ``/v2.0/ports/{id}``)
with no validation, no policy, no IPAM, no journal and no callbacks: POST inserts one
row per port (a bulk POST one per item), GET of an item reads one row, PUT updates
one column of one row, DELETE deletes one row, and GET of the collection reads every
row, rendered with orjson. Everything underneath is what `neutrino serve` uses: the
same gunicorn master and gthread worker settings (``neutrino.cli.serve._Server``),
the same SQLite engine (``neutrino.db.engine.Database``: WAL, BEGIN IMMEDIATE for
writers) and the same JSON library. Absolute figures move by a factor of 3 between
machines of one kind; the API's figures divided by this app's, measured in the same
run by the same client, move much less (bench/README.md).
"""
from __future__ import annotations

import argparse
import os
import sys
import uuid
from types import SimpleNamespace

import falcon
import orjson
from sqlalchemy import (
    Boolean, Column, Integer, MetaData, String, Table, delete, insert, select, update,
)

from neutrino.db.engine import Database, utcnow

METADATA = MetaData()
# One row holds a port's scalar attributes under the API's names (about 550 of the
# ~950 bytes of JSON a port has); what the API adds from other tables (fixed IPs,
# security groups, DNS assignment, tags) has no counterpart here.
ITEMS = Table(
    "items", METADATA,
    Column("id", String(36), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("description", String(255), nullable=False),
    Column("project_id", String(255), nullable=False),
    Column("tenant_id", String(255), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("updated_at", String(32), nullable=False),
    Column("revision_number", Integer, nullable=False),
    Column("network_id", String(36), nullable=False),
    Column("mac_address", String(32), nullable=False),
    Column("admin_state_up", Boolean, nullable=False),
    Column("status", String(16), nullable=False),
    Column("device_id", String(255), nullable=False),
    Column("device_owner", String(255), nullable=False),
    Column("port_security_enabled", Boolean, nullable=False),
    Column("ip_allocation", String(16), nullable=False),
    Column("dns_name", String(255), nullable=False),
    Column("binding:host_id", String(255), nullable=False),
    Column("binding:vnic_type", String(64), nullable=False),
    Column("binding:vif_type", String(64), nullable=False),
)
# Plain str keys: SQLAlchemy's column names are a str subclass, which orjson refuses.
KEYS = tuple(str(c.name) for c in ITEMS.columns)


def new_row(item: dict) -> dict:
    now = utcnow()
    return {"id": str(uuid.uuid4()), "name": item.get("name", ""), "description": "",
            "project_id": "floor", "tenant_id": "floor", "created_at": now, "updated_at": now,
            "revision_number": 0, "network_id": item["network_id"],
            "mac_address": "fa:16:3e:%02x:%02x:%02x" % tuple(os.urandom(3)),
            "admin_state_up": True, "status": "DOWN", "device_id": item.get("device_id", ""),
            "device_owner": "", "port_security_enabled": True, "ip_allocation": "immediate",
            "dns_name": "", "binding:host_id": "", "binding:vnic_type": "normal",
            "binding:vif_type": "unbound"}


class Collection:
    def __init__(self, db: Database) -> None:
        self.db = db

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = orjson.loads(req.bounded_stream.read())
        if "ports" in body:  # bulk, used only to fill the table before the timed lists
            rows = [new_row(item) for item in body["ports"]]
            self.db.write(lambda conn: conn.execute(insert(ITEMS), rows))
            out: dict = {"ports": rows}
        else:
            row = new_row(body["port"])
            self.db.write(lambda conn: conn.execute(insert(ITEMS).values(row)))
            out = {"port": row}
        resp.status = falcon.HTTP_201
        resp.content_type = falcon.MEDIA_JSON
        resp.data = orjson.dumps(out)

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        with self.db.reader() as conn:
            rows = [dict(zip(KEYS, r)) for r in conn.execute(select(ITEMS))]
        resp.content_type = falcon.MEDIA_JSON
        resp.data = orjson.dumps({"ports": rows})


class Item:
    def __init__(self, db: Database) -> None:
        self.db = db

    def _one(self, conn, item_id: str) -> dict:
        row = conn.execute(select(ITEMS).where(ITEMS.c.id == item_id)).first()
        if row is None:
            raise falcon.HTTPNotFound()
        return dict(zip(KEYS, row))

    def on_get(self, req: falcon.Request, resp: falcon.Response, item_id: str) -> None:
        with self.db.reader() as conn:
            row = self._one(conn, item_id)
        resp.content_type = falcon.MEDIA_JSON
        resp.data = orjson.dumps({"port": row})

    def on_put(self, req: falcon.Request, resp: falcon.Response, item_id: str) -> None:
        name = orjson.loads(req.bounded_stream.read())["port"]["name"]

        def change(conn) -> dict:
            conn.execute(update(ITEMS).where(ITEMS.c.id == item_id).values(name=name))
            return self._one(conn, item_id)
        resp.content_type = falcon.MEDIA_JSON
        resp.data = orjson.dumps({"port": self.db.write(change)})

    def on_delete(self, req: falcon.Request, resp: falcon.Response, item_id: str) -> None:
        gone = self.db.write(lambda conn: conn.execute(
            delete(ITEMS).where(ITEMS.c.id == item_id)).rowcount)
        if not gone:
            raise falcon.HTTPNotFound()
        resp.status = falcon.HTTP_204


class Root:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.data = b'{"floor": true}'


def build_app(state_dir: str) -> falcon.App:
    db = Database(f"sqlite:///{os.path.abspath(os.path.join(state_dir, 'floor.db'))}")
    METADATA.create_all(db.engine)
    app = falcon.App()
    app.add_route("/", Root())
    app.add_route("/v2.0/ports", Collection(db))
    app.add_route("/v2.0/ports/{item_id}", Item(db))
    return app


def main(argv: list[str] | None = None) -> int:
    from neutrino.cli.serve import _Server, listen

    parser = argparse.ArgumentParser(prog="python -m bench.floor_app", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)
    os.makedirs(args.state_dir, exist_ok=True)
    # Exactly the settings `neutrino serve` gives gunicorn, from the same class; only the
    # application each worker loads differs.
    # The floor serves no feed watches; their threads are started only when used.
    conf = SimpleNamespace(bind_host="127.0.0.1", bind_port=args.port, api_workers=1,
                           api_threads=args.threads, debug=False,
                           agent_feed=SimpleNamespace(watch_threads=0))

    class FloorServer(_Server):
        def load(self) -> falcon.App:
            return build_app(args.state_dir)

    sock = listen(conf.bind_host, conf.bind_port)
    FloorServer(conf, sock.detach(), lambda _arbiter: None).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
