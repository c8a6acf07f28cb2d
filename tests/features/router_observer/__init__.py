"""A third-party router subscriber, loaded with ``[DEFAULT] extra_features =
tests.features.router_observer``: at a router's precommit create it runs between
the single_node provider (PRIORITY_ROUTER_DRIVER + 10) and the ha one (+ 20) and
writes down which provider served the router when it ran."""
from sqlalchemy import Column, MetaData, String, Table, insert

from neutrino.callbacks import Event
from neutrino.callbacks.priority_group import PRIORITY_ROUTER_DRIVER
from neutrino.registry import Feature, Subscription
from neutrino.services.flavors.providers import provider_of_router

SEEN = Table("test_router_observations", MetaData(),
             Column("router_id", String(36), primary_key=True),
             Column("provider_seen", String(255), nullable=True))


def observe(registry):
    def callback(resource, event, trigger, payload) -> None:
        conn, router_id = payload.connection, payload.desired_state["id"]
        conn.execute(insert(SEEN).values(router_id=router_id,
                                         provider_seen=provider_of_router(conn, router_id)))
    return callback


FEATURE = Feature(
    name="router_observer",
    subscriptions=(Subscription("router", Event.PRECOMMIT_CREATE, observe,
                                PRIORITY_ROUTER_DRIVER + 15),),
    tables=(SEEN,),
)
