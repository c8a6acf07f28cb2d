"""A small Placement client on keystoneauth1: the calls the provider sync makes.

Every call sends ``OpenStack-API-Version: placement 1.37`` (nested providers,
POST returning the provider, consumer generations). A write refused because a
provider's generation moved on (409 with ``placement.concurrent_update``) is
read again and retried. Any other failure raises ``PlacementError``; an
unreachable Placement raises it too, so that the caller counts the sync as failed.
"""
from __future__ import annotations

import logging
from typing import Any

LOG = logging.getLogger(__name__)
MICROVERSION = "placement 1.37"
GROUP = "placement"


class PlacementError(Exception):
    """Placement refused a call or could not be reached."""


class GenerationConflict(PlacementError):
    """A provider's (or a consumer's) generation changed between reading and writing it."""


class Unreachable(PlacementError):
    """No answer from Placement (refused, timed out, no endpoint)."""


class AllocationRefused(PlacementError):
    """Placement refused a consumer's new allocations (no room, no such inventory) or
    the consumer has no allocation to change."""


def adapter_from_conf(conf: Any) -> Any | None:
    """A keystoneauth1 Adapter for Placement from the [placement] options, or None
    when no auth_type is configured (no Placement)."""
    from keystoneauth1 import loading

    loading.register_auth_conf_options(conf, GROUP)
    loading.register_session_conf_options(conf, GROUP)
    loading.register_adapter_conf_options(conf, GROUP)
    if not conf[GROUP].auth_type:
        return None
    auth = loading.load_auth_from_conf_options(conf, GROUP)
    session = loading.load_session_from_conf_options(conf, GROUP, auth=auth)
    return loading.load_adapter_from_conf_options(conf, GROUP, session=session, auth=auth,
                                                  service_type="placement")


class PlacementClient:
    def __init__(self, adapter: Any, timeout: float = 10.0, retries: int = 5) -> None:
        self.adapter = adapter
        self.timeout = timeout
        self.retries = retries
        # Custom traits known to exist (never deleted by us): created once per process.
        self.known_traits: set[str] = set()

    # ---- plumbing -----------------------------------------------------------------
    def _call(self, method: str, path: str, body: Any = None, ok: tuple[int, ...] = (200,),
              params: dict | None = None) -> Any:
        from keystoneauth1 import exceptions as ksa_exc

        headers = {"OpenStack-API-Version": MICROVERSION, "Accept": "application/json"}
        try:
            resp = self.adapter.request(path, method, json=body, headers=headers, params=params,
                                        raise_exc=False, timeout=self.timeout)
        except ksa_exc.ClientException as err:  # connection refused, timeout, no endpoint
            raise Unreachable(f"{method} {path}: {err}") from err
        if resp.status_code in ok:
            return resp.json() if resp.content else None
        if resp.status_code == 409 and "placement.concurrent_update" in resp.text:
            raise GenerationConflict(f"{method} {path}: {resp.text}")
        if resp.status_code in (400, 409) and path.startswith("/allocations/"):
            raise AllocationRefused(f"{method} {path}: {resp.status_code} {resp.text[:500]}")
        raise PlacementError(f"{method} {path}: {resp.status_code} {resp.text[:500]}")

    def _replace(self, path: str, key: str, wanted: Any, known: tuple[Any, int] | None = None
                 ) -> int:
        """Make ``key`` of ``path`` (a provider's traits or inventories) ``wanted``, and
        return the provider's generation after. ``known`` is (what it holds, its
        generation) when the caller knows it (a provider it just created): no read.
        Otherwise it is read; either way it is written only if it differs, and read
        again and retried while another writer moves the generation on."""
        for attempt in range(self.retries + 1):
            if known is None:
                current = self._call("GET", path)
                known = (current[key], current["resource_provider_generation"])
            have, generation = known
            known = None
            if (sorted(have) if key == "traits" else have) == wanted:
                return generation
            try:
                return self._call("PUT", path, {key: wanted, "resource_provider_generation":
                                                generation})["resource_provider_generation"]
            except GenerationConflict:
                if attempt == self.retries:
                    raise
                LOG.debug("provider generation moved on; retrying %s", path)
        raise AssertionError("unreachable")

    # ---- providers ------------------------------------------------------------------
    def provider_by_name(self, name: str) -> dict | None:
        found = self._call("GET", "/resource_providers", params={"name": name})
        providers = found["resource_providers"]
        return providers[0] if providers else None

    def providers_in_tree(self, rp_uuid: str) -> list[dict]:
        return self._call("GET", "/resource_providers",
                          params={"in_tree": rp_uuid})["resource_providers"]

    def create_provider(self, rp_uuid: str, name: str, parent: str) -> dict:
        """A new provider (as Placement returns it: with its generation)."""
        return self._call("POST", "/resource_providers",
                          {"uuid": rp_uuid, "name": name, "parent_provider_uuid": parent})

    def update_provider(self, rp_uuid: str, name: str, parent: str) -> dict:
        return self._call("PUT", f"/resource_providers/{rp_uuid}",
                          {"name": name, "parent_provider_uuid": parent})

    def delete_provider(self, rp_uuid: str) -> None:
        self._call("DELETE", f"/resource_providers/{rp_uuid}", ok=(204, 404))

    # ---- traits and inventories ----------------------------------------------------------
    def ensure_custom_traits(self, traits: set[str]) -> None:
        for trait in sorted(t for t in traits if t.startswith("CUSTOM_")):
            if trait not in self.known_traits:
                self._call("PUT", f"/traits/{trait}", ok=(201, 204))
                self.known_traits.add(trait)

    def set_traits(self, rp_uuid: str, traits: set[str],
                   known: tuple[list[str], int] | None = None) -> int:
        """The provider's traits are ``traits``; ``known``: (what it has, its
        generation) when the caller knows. Returns its generation after."""
        return self._replace(f"/resource_providers/{rp_uuid}/traits", "traits", sorted(traits),
                             known)

    def set_inventories(self, rp_uuid: str, inventories: dict[str, dict],
                        known: tuple[dict, int] | None = None) -> int:
        return self._replace(f"/resource_providers/{rp_uuid}/inventories", "inventories",
                             inventories, known)

    # ---- a consumer's allocations ---------------------------------------------------------
    def change_allocation(self, consumer: str, diff: dict[str, dict[str, int]],
                          add_providers: bool = False,
                          owner: tuple[str, str] | None = None) -> tuple[str, str]:
        """Add ``diff`` ({provider: {resource class: amount}}, amounts may be negative)
        to the consumer's allocations, with its consumer generation (re-read and retried
        while another writer moves it on); a class falling to 0 goes, and so does a
        provider left with none. ``AllocationRefused`` when the consumer has no
        allocation on such a provider (unless ``add_providers``) or Placement refuses
        the result (no room). Returns the consumer's (project, user); ``owner`` gives
        them for a consumer that has no allocation left to read them from."""
        path = f"/allocations/{consumer}"
        for attempt in range(self.retries + 1):
            current = self._call("GET", path)
            allocations = {rp: dict(a["resources"]) for rp, a in current["allocations"].items()}
            for rp, classes in diff.items():
                if rp not in allocations and add_providers:
                    allocations[rp] = {}
                elif rp not in allocations:
                    raise AllocationRefused(f"consumer {consumer} has no allocation on "
                                            f"resource provider {rp}")
                for rc, amount in classes.items():
                    allocations[rp][rc] = allocations[rp].get(rc, 0) + amount
                    if allocations[rp][rc] <= 0:
                        allocations[rp].pop(rc)
            project, user = (current.get("project_id"), current.get("user_id")) if \
                current["allocations"] else owner or (None, None)
            body = {"allocations": {rp: {"resources": r} for rp, r in allocations.items() if r},
                    "project_id": project, "user_id": user,
                    "consumer_generation": current.get("consumer_generation")}
            try:
                self._call("PUT", path, body, ok=(204,))
                return project, user
            except GenerationConflict:
                if attempt == self.retries:
                    raise
                LOG.debug("consumer generation of %s moved on; retrying", consumer)
        raise AssertionError("unreachable")
