"""The rbac-policies API: grant, list, show, retarget and revoke access to objects.

Every policy change is also a change of the object it governs (a network's
``shared`` / ``router:external`` view and who may see it), so the object's
revision is bumped and its new state journaled in the same transaction.
"""
from __future__ import annotations


from sqlalchemy import Connection, Select, delete, select, update

from neutrino import exceptions as exc
from neutrino.context import Context
from neutrino.core import rbac
from neutrino.core.resource import ResourcePlugin

POLICIES = rbac.POLICIES


class RbacPolicyPlugin(ResourcePlugin):
    table = POLICIES
    not_found = exc.RbacPolicyNotFound
    column_names = {"tenant_id": "project_id", "target_tenant": "target_project"}

    def object_type(self, name: str) -> rbac.ObjectType:
        return rbac.object_type(self.registry.rbac_types, name)

    def load(self, conn: Connection, ids_query: Select, rows: list,
             fields: frozenset[str] | None) -> list[dict]:
        return [rbac.render(row) for row in rows]

    # ---- create ----------------------------------------------------------------
    def insert(self, conn: Connection, ctx: Context, body: dict) -> str:
        kind = self.object_type(body["object_type"])
        rbac.check_action(kind, body["action"])
        object_id = body["object_id"]
        self._object_owner(conn, ctx, kind, object_id)
        if kind.check_target is not None:
            kind.check_target(conn, object_id, body["target_tenant"])
        policy_id = rbac.add(conn, body["project_id"], kind.name, object_id, body["action"],
                             body["target_tenant"])
        self._object_changed(conn, ctx, kind, object_id)
        return policy_id

    def _object_owner(self, conn: Connection, ctx: Context, kind: rbac.ObjectType,
                      object_id: str) -> str:
        """The object's project, when the caller may manage its policies: the owner or an
        admin. An object the caller only sees through sharing is a 400, one it cannot
        see at all a 404.

        The object row is locked for the rest of the transaction, so that the object
        cannot go, nor gain a user relying on a grant, while its policies change."""
        table = kind.table
        row = conn.execute(select(table.c.project_id).where(table.c.id == object_id)
                           .with_for_update()).first()
        if row is None:
            raise kind.not_found(id=object_id)
        if ctx.is_admin or row.project_id == ctx.project_id:
            return row.project_id
        visible = kind.visible(ctx)
        if visible is not None and conn.execute(
                select(table.c.id).where(table.c.id == object_id, visible)).first() is None:
            raise kind.not_found(id=object_id)
        raise exc.InvalidInput(error_message=f"only admins may manage policies on a "
                                             f"{kind.name} they do not own")

    def _object_changed(self, conn: Connection, ctx: Context, kind: rbac.ObjectType,
                        object_id: str) -> None:
        if kind.collection is not None:
            self.registry.plugin(kind.collection).touch(conn, ctx, [object_id])

    # ---- update: only target_tenant ------------------------------------------------
    def apply_update(self, conn: Connection, ctx: Context, original: dict, body: dict) -> None:
        new, old = body.get("target_tenant"), original["target_tenant"]
        if new is None or new == old:
            return
        kind = self.object_type(original["object_type"])
        object_id, action = original["object_id"], original["action"]
        owner = self._object_owner(conn, ctx, kind, object_id)
        rbac.check_not_duplicate(conn, kind.name, object_id, action, new)
        if kind.check_target is not None:
            kind.check_target(conn, object_id, new)
        rbac.check_access_kept(conn, kind, object_id, owner, action, [old],
                               new if kind.update_keeps_new_target else None,
                               self._in_use(object_id))
        conn.execute(update(POLICIES).where(POLICIES.c.id == original["id"])
                     .values(target_project=new))
        self._object_changed(conn, ctx, kind, object_id)

    @staticmethod
    def _in_use(object_id: str):
        return lambda details: exc.RbacPolicyInUse(object_id=object_id, details=details)

    # ---- delete ----------------------------------------------------------------
    def remove(self, conn: Connection, ctx: Context, original: dict) -> None:
        kind = self.object_type(original["object_type"])
        object_id = original["object_id"]
        # Locked, as in _object_owner; no owner means the object is gone already.
        owner = conn.scalar(select(kind.table.c.project_id).where(kind.table.c.id == object_id)
                            .with_for_update())
        if owner is not None:
            rbac.check_access_kept(conn, kind, object_id, owner, original["action"],
                                   [original["target_tenant"]], None, self._in_use(object_id))
        conn.execute(delete(POLICIES).where(POLICIES.c.id == original["id"]))
        if owner is not None:
            self._object_changed(conn, ctx, kind, object_id)

    # ---- no standard attributes ---------------------------------------------------
    def bump(self, conn: Connection, id: str) -> None:
        """Policies have no revision number; changes are counted on their objects."""

    @staticmethod
    def check_revision(current: dict, if_revision: int | None) -> None:
        if if_revision is not None:
            raise exc.HTTPBadRequest("RBAC policies have no revision_number; an If-Match "
                                     "revision constraint cannot apply to them")

    @staticmethod
    def revision_of(item: dict) -> int:
        return 0
