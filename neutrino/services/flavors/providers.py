"""The router providers Neutrino ships (Neutron's in-tree ones) and how each serves
its routers, through router events at its own priority.

Which provider serves a router is stored (``router_providers``): the routing data
plane reads it. At a router's precommit create the providers run in priority order
(PRIORITY_ROUTER_DRIVER and after, smaller first) and the first that may serve the
router claims it: the provider of its flavor, or without one the first whose
``ha`` / ``distributed`` support fits the router's flags. Subscribers that must see
the claim subscribe after the providers, those that must not before them (the
L3-flavors ordering bug Neutron's priorities were made for). On an update that
changes the flags, each provider first releases (PRIORITY_ROUTER_CONTROLLER) a
router it no longer fits, then the providers claim it again in order; a router of
a flavor cannot change provider, and its own provider refuses the change before
anything is stored. A deleted router's provider releases it.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from neutrino import exceptions as exc
from neutrino.callbacks import Event
from neutrino.callbacks.priority_group import PRIORITY_ROUTER_CONTROLLER, PRIORITY_ROUTER_DRIVER
from neutrino.registry import Subscription
from neutrino.services.flavors.models import (
    Flavor,
    FlavorServiceProfile,
    RouterProviderAssociation,
    ServiceProfile,
)

ROUTER_PROVIDERS = RouterProviderAssociation.__table__
FLAVORS = Flavor.__table__
PROFILES = ServiceProfile.__table__
BINDINGS = FlavorServiceProfile.__table__
L3 = "L3_ROUTER_NAT"
UNSUPPORTED, OPTIONAL, MANDATORY = "unsupported", "optional", "mandatory"
_DRIVERS = "neutron.services.l3_router.service_providers."


@dataclass(frozen=True)
class RouterProvider:
    """One provider: its name (as /v2.0/service-providers lists it), the driver path
    a service profile names it by, what it supports and its callback priority."""

    name: str
    driver: str
    ha: str
    distributed: str
    priority: int

    def supports(self, ha: bool, distributed: bool) -> bool:
        return all(support == OPTIONAL or (support == MANDATORY) == wanted
                   for support, wanted in ((self.ha, ha), (self.distributed, distributed)))

    def serves(self, conn: Connection, router_id: str) -> bool:
        return provider_of_router(conn, router_id) == self.name

    # ---- what the provider does on router events -------------------------------------
    def claim(self, resource: str, event: Event, trigger: Any, payload: Any) -> None:
        """Serve the router if no provider does yet and it is this one's to serve."""
        router, conn = payload.desired_state, payload.connection
        if provider_of_router(conn, router["id"]) is not None:
            return
        try:
            flavored = flavor_provider(conn, router.get("flavor_id"))
        except exc.NeutronException:
            # Refusing the flavor is the create's business (RouterFlavor); a router whose
            # flavor was disabled since keeps being updatable.
            return
        if (flavored or self.name) != self.name or not self.supports(router["ha"],
                                                                     router["distributed"]):
            return
        conn.execute(insert(ROUTER_PROVIDERS).values(router_id=router["id"], provider=self.name))

    def refuse_unsupported(self, resource: str, event: Event, trigger: Any,
                           payload: Any) -> None:
        """Before an update of one of its routers of a flavor: the flags must stay
        what this provider supports (a flavor's router cannot change provider)."""
        original, body, conn = payload.states[0], payload.request_body or {}, payload.connection
        if not original.get("flavor_id") or not self.serves(conn, original["id"]):
            return
        ha, distributed = (body.get(k, original[k]) for k in ("ha", "distributed"))
        if not self.supports(ha, distributed):
            raise exc.InvalidInput(error_message=(
                "Changing the 'ha' and 'distributed' attributes on a router associated with "
                f"a flavor is not supported (provider {self.name})"))

    def release_unfit(self, resource: str, event: Event, trigger: Any, payload: Any) -> None:
        """An updated router of this provider's whose flags it no longer fits goes
        back to be claimed by the one that fits."""
        router, conn = payload.desired_state, payload.connection
        if self.serves(conn, router["id"]) and not self.supports(router["ha"],
                                                                 router["distributed"]):
            release(conn, router["id"])

    def release_deleted(self, resource: str, event: Event, trigger: Any, payload: Any) -> None:
        conn, router_id = payload.connection, payload.resource_id
        if self.serves(conn, router_id):
            release(conn, router_id)

    def subscriptions(self) -> tuple[Subscription, ...]:
        def bound(method: str) -> Callable[[Any], Callable]:
            return lambda registry: getattr(self, method)
        return (
            Subscription("router", Event.BEFORE_UPDATE, bound("refuse_unsupported"),
                         self.priority),
            Subscription("router", Event.PRECOMMIT_CREATE, bound("claim"), self.priority),
            Subscription("router", Event.PRECOMMIT_UPDATE, bound("release_unfit"),
                         PRIORITY_ROUTER_CONTROLLER),
            Subscription("router", Event.PRECOMMIT_UPDATE, bound("claim"), self.priority),
            Subscription("router", Event.PRECOMMIT_DELETE, bound("release_deleted"),
                         self.priority),
        )


# In priority order: a router without a flavor goes to the first that fits its flags.
PROVIDERS = (
    RouterProvider("single_node", _DRIVERS + "single_node.SingleNodeDriver",
                   ha=UNSUPPORTED, distributed=UNSUPPORTED, priority=PRIORITY_ROUTER_DRIVER + 10),
    RouterProvider("ha", _DRIVERS + "l3_ha.HaDriver", ha=MANDATORY, distributed=UNSUPPORTED,
                   priority=PRIORITY_ROUTER_DRIVER + 20),
    RouterProvider("dvr", _DRIVERS + "dvr.DvrDriver", ha=UNSUPPORTED, distributed=MANDATORY,
                   priority=PRIORITY_ROUTER_DRIVER + 30),
    RouterProvider("dvrha", _DRIVERS + "dvrha.DvrHaDriver", ha=MANDATORY, distributed=MANDATORY,
                   priority=PRIORITY_ROUTER_DRIVER + 40),
)
BY_DRIVER = {p.driver: p for p in PROVIDERS}


def provider_of_router(conn: Connection, router_id: str) -> str | None:
    return conn.execute(select(ROUTER_PROVIDERS.c.provider).where(
        ROUTER_PROVIDERS.c.router_id == router_id)).scalar()


def release(conn: Connection, router_id: str) -> None:
    conn.execute(delete(ROUTER_PROVIDERS).where(ROUTER_PROVIDERS.c.router_id == router_id))


def flavor_provider(conn: Connection, flavor_id: str | None) -> str | None:
    """The provider a router of this flavor gets (None without a flavor); refuses a
    flavor routers cannot use."""
    if flavor_id is None:
        return None
    flavor = conn.execute(select(FLAVORS).where(FLAVORS.c.id == flavor_id)).first()
    if flavor is None:
        raise exc.FlavorNotFound(id=flavor_id)
    if flavor.service_type != L3:
        raise exc.InvalidFlavorServiceType(service_type=flavor.service_type)
    if not flavor.enabled:
        raise exc.FlavorDisabled()
    drivers = [d for d, enabled in conn.execute(
        select(PROFILES.c.driver, PROFILES.c.enabled).join(
            BINDINGS, BINDINGS.c.service_profile_id == PROFILES.c.id)
        .where(BINDINGS.c.flavor_id == flavor_id).order_by(PROFILES.c.id)) if enabled]
    if not drivers:
        raise exc.FlavorDisabled("Flavor is not enabled: it has no enabled service profile.")
    return BY_DRIVER[drivers[0]].name


SUBSCRIPTIONS = tuple(s for p in PROVIDERS for s in p.subscriptions())
