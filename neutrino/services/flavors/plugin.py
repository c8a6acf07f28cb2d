"""Flavors and service profiles, the service providers, and a router's flavor.

A router's provider follows from its flavor (the driver of the flavor's first
enabled service profile) or, without one, from its ``ha`` and ``distributed``
flags. The providers are Neutron's in-tree router providers.
"""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, Select, delete, insert, select, update

from neutrino import exceptions as exc
from neutrino.context import Context
from neutrino.core.extenders import AttributeExtender
from neutrino.core.listing import ListQuery, page_in_memory
from neutrino.core.resource import ResourcePlugin
from neutrino.services.flavors import providers
from neutrino.services.flavors.models import Flavor, FlavorServiceProfile, ServiceProfile
from neutrino.services.flavors.providers import L3, flavor_provider
from neutrino.services.l3.models import Router

FLAVORS = Flavor.__table__
PROFILES = ServiceProfile.__table__
BINDINGS = FlavorServiceProfile.__table__
ROUTERS = Router.__table__
# Provider name -> the driver path a service profile names it by (Neutron's).
PROVIDERS = {p.name: p.driver for p in providers.PROVIDERS}
# The service types of the loaded service plugins (as Neutron: L3 and the flavors one).
SERVICE_TYPES = (L3, "FLAVORS")


class ServiceProviderPlugin:
    not_found = exc.ServiceProviderNotFound

    def __init__(self, db: Any, conf: Any, registry: Any = None) -> None:
        self.conf = conf

    def get(self, ctx: Context, id: str, fields: list[str] | None = None) -> dict:
        for provider in self.list(ctx, ListQuery()):
            if provider["name"] == id:
                return provider
        raise self.not_found(id=id)

    def list(self, ctx: Context, query: ListQuery) -> list[dict]:
        items = [{"service_type": L3, "name": name, "default": False} for name in PROVIDERS]
        for key, values in query.filters.items():
            items = [i for i in items if i[key] in values]
        return page_in_memory(items, query, "name")


class _Global(ResourcePlugin):
    """Flavors and profiles belong to no project (admins manage them)."""

    column_names = {"description": "long_description"}

    def visible_clause(self, ctx: Context):
        return None

    def new_row(self, ctx: Context, body: dict, id: str) -> dict:
        # The description (up to 1024 characters) lives in long_description.
        return {**super().new_row(ctx, body, id), "description": ""}

    @staticmethod
    def revision_of(item: dict) -> int:
        return 0

    @staticmethod
    def check_revision(current: dict, if_revision: int | None) -> None:
        """No revision to constrain (If-Match is ignored, as for other resources
        without standard attributes)."""

    def load(self, conn: Connection, ids_query: Select, rows: list,
             fields: frozenset[str] | None) -> list[dict]:
        return [self.columns_of_row(row._asdict()) for row in rows]

    def apply_update(self, conn: Connection, ctx: Context, original: dict, body: dict) -> None:
        self.update_columns(conn, original, body)


class FlavorPlugin(_Global):
    table = FLAVORS
    not_found = exc.FlavorNotFound
    handles = frozenset({"service_profiles"})

    def load(self, conn: Connection, ids_query: Select, rows: list,
             fields: frozenset[str] | None) -> list[dict]:
        profiles: dict[str, list[str]] = {}
        for fid, pid in conn.execute(select(BINDINGS.c.flavor_id, BINDINGS.c.service_profile_id)
                                     .where(BINDINGS.c.flavor_id.in_(ids_query))
                                     .order_by(BINDINGS.c.service_profile_id)):
            profiles.setdefault(fid, []).append(pid)
        items = super().load(conn, ids_query, rows, fields)
        for item in items:
            item["service_profiles"] = profiles.get(item["id"], [])
        return items

    def insert(self, conn: Connection, ctx: Context, body: dict) -> str:
        if body["service_type"] not in SERVICE_TYPES:
            raise exc.InvalidFlavorServiceType(service_type=body["service_type"])
        flavor_id = str(uuid.uuid4())
        conn.execute(insert(FLAVORS).values(**self.new_row(ctx, body, flavor_id)))
        self._bind(conn, flavor_id, body.get("service_profiles", []))
        return flavor_id

    def apply_update(self, conn: Connection, ctx: Context, original: dict, body: dict) -> None:
        super().apply_update(conn, ctx, original, body)
        if "service_profiles" in body:
            conn.execute(delete(BINDINGS).where(BINDINGS.c.flavor_id == original["id"]))
            self._bind(conn, original["id"], body["service_profiles"])

    @staticmethod
    def _bind(conn: Connection, flavor_id: str, profile_ids: list[str]) -> None:
        for pid in profile_ids:
            if not conn.execute(select(PROFILES.c.id).where(PROFILES.c.id == pid)).first():
                raise exc.ServiceProfileNotFound(id=pid)
        if profile_ids:
            conn.execute(insert(BINDINGS), [{"flavor_id": flavor_id, "service_profile_id": p}
                                            for p in profile_ids])

    def remove(self, conn: Connection, ctx: Context, original: dict) -> None:
        if conn.execute(select(ROUTERS.c.id).where(ROUTERS.c.flavor_id == original["id"])
                        .limit(1)).first():
            raise exc.FlavorInUse(flavor_id=original["id"])
        conn.execute(delete(BINDINGS).where(BINDINGS.c.flavor_id == original["id"]))
        super().remove(conn, ctx, original)


class ServiceProfilePlugin(_Global):
    table = PROFILES
    not_found = exc.ServiceProfileNotFound

    def _check(self, body: dict) -> None:
        if not body.get("driver") and not body.get("metainfo"):
            raise exc.ServiceProfileEmpty()
        if body.get("driver") and body["driver"] not in PROVIDERS.values():
            raise exc.ServiceProfileDriverNotFound(driver=body["driver"])

    def insert(self, conn: Connection, ctx: Context, body: dict) -> str:
        self._check(body)
        profile_id = str(uuid.uuid4())
        conn.execute(insert(PROFILES).values(**self.new_row(ctx, body, profile_id)))
        return profile_id

    def apply_update(self, conn: Connection, ctx: Context, original: dict, body: dict) -> None:
        self._check({**original, **body})
        super().apply_update(conn, ctx, original, body)

    def remove(self, conn: Connection, ctx: Context, original: dict) -> None:
        if conn.execute(select(BINDINGS.c.flavor_id).where(
                BINDINGS.c.service_profile_id == original["id"]).limit(1)).first():
            raise exc.ServiceProfileInUse(sp_id=original["id"])
        super().remove(conn, ctx, original)


class FlavorProfilesPlugin:
    """/v2.0/flavors/{id}/service_profiles: a flavor's profile associations. A change
    is a change of the flavor (its ``service_profiles``): the flavor's update events
    and journal row, written by the flavors plugin."""

    def __init__(self, db: Any, conf: Any, registry: Any = None) -> None:
        self.db = db
        self.flavors: FlavorPlugin = registry.plugin("flavors")

    @staticmethod
    def not_found(id: str, **_: Any) -> exc.NeutronException:
        return exc.ServiceProfileNotFound(id=id)

    @staticmethod
    def owned_attributes() -> frozenset[str]:
        return frozenset({"id", "flavor_id"})

    @staticmethod
    def _bound(conn: Connection, flavor_id: str, profile_id: str) -> bool:
        return conn.execute(select(BINDINGS.c.flavor_id).where(
            BINDINGS.c.flavor_id == flavor_id,
            BINDINGS.c.service_profile_id == profile_id)).first() is not None

    def get(self, ctx: Context, id: str, fields: list[str] | None = None,
            parent_id: str | None = None) -> dict:
        with self.db.reader() as conn:
            if parent_id is None or not self._bound(conn, parent_id, id):
                raise exc.FlavorServiceProfileBindingNotFound(sp_id=id, fl_id=parent_id)
        return {"id": id, "flavor_id": parent_id}

    def list(self, ctx: Context, query: ListQuery) -> list[dict]:
        stmt = select(BINDINGS.c.service_profile_id, BINDINGS.c.flavor_id)
        for key, column in (("flavor_id", BINDINGS.c.flavor_id),
                            ("id", BINDINGS.c.service_profile_id)):
            if key in query.filters:
                stmt = stmt.where(column.in_(query.filters[key]))
        with self.db.reader() as conn:
            items = [{"id": pid, "flavor_id": fid} for pid, fid in conn.execute(stmt)]
        return page_in_memory(items, query, "id")

    def create_bulk(self, ctx: Context, bodies: list[dict]) -> list[dict]:
        def txn(conn: Connection) -> list[dict]:
            for body in bodies:
                flavor_id, profile_id = body["flavor_id"], body["id"]
                if not conn.execute(select(PROFILES.c.id).where(PROFILES.c.id == profile_id)).first():
                    raise exc.ServiceProfileNotFound(id=profile_id)
                if self._bound(conn, flavor_id, profile_id):
                    raise exc.FlavorServiceProfileBindingExists(sp_id=profile_id, fl_id=flavor_id)
                conn.execute(insert(BINDINGS).values(flavor_id=flavor_id,
                                                     service_profile_id=profile_id))
            self.flavors.touch(conn, ctx, sorted({b["flavor_id"] for b in bodies}))
            return [{"id": b["id"], "flavor_id": b["flavor_id"]} for b in bodies]
        return self.flavors.write(txn)

    @staticmethod
    def update(*_args: Any, **_kwargs: Any) -> dict:
        raise exc.BadRequest(resource="service_profile",
                             msg="A flavor's service profile association cannot be updated")

    def delete(self, ctx: Context, id: str, if_revision: int | None = None,
               authorize: Any = None, parent_id: str | None = None) -> None:
        def txn(conn: Connection) -> None:
            if parent_id is None or not self._bound(conn, parent_id, id):
                raise exc.FlavorServiceProfileBindingNotFound(sp_id=id, fl_id=parent_id)
            if authorize:
                authorize(conn, {"id": id, "flavor_id": parent_id})
            conn.execute(delete(BINDINGS).where(BINDINGS.c.flavor_id == parent_id,
                                                BINDINGS.c.service_profile_id == id))
            self.flavors.touch(conn, ctx, [parent_id])
        self.flavors.write(txn)


class RouterFlavor(AttributeExtender):
    """A router's ``flavor_id`` (l3-flavors): chosen at create, stored on the router;
    its provider decides ``ha`` and ``distributed``."""

    collection = "routers"
    attributes = ("flavor_id",)
    alias = "l3-flavors"

    def load(self, conn: Connection, ids_query: Select, items: list[dict]) -> None:
        found = dict(conn.execute(select(ROUTERS.c.id, ROUTERS.c.flavor_id)
                                  .where(ROUTERS.c.id.in_(ids_query))).all())
        self.values(items, "flavor_id", found, None)

    def create(self, conn: Connection, ctx: Context, items: list[dict],
               bodies: list[dict]) -> None:
        for item, body in zip(items, bodies):
            flavor_id = body.get("flavor_id")
            item["flavor_id"] = flavor_id
            if flavor_id is None:
                continue
            provider = flavor_provider(conn, flavor_id)
            ha, distributed = provider in ("ha", "dvrha"), provider in ("dvr", "dvrha")
            for flag, value in (("ha", ha), ("distributed", distributed)):
                if body.get(flag) is not None and body[flag] != value:
                    raise exc.BadRequest(resource="router", msg=(
                        f"Provider {provider} does not support {flag}={body[flag]}"))
            conn.execute(update(ROUTERS).where(ROUTERS.c.id == item["id"]).values(
                flavor_id=flavor_id, ha=ha, distributed=distributed))
            item.update(ha=ha, distributed=distributed)
