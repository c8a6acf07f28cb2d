"""Enforcing the policy for the API: actions, attributes being set, attributes
shown. One ``Policy`` per application, over oslo.policy's Enforcer.

- ``authorize`` raises 403 PolicyNotAuthorized for a denied action or attribute.
- ``can`` answers yes/no (for visibility: items and attributes the caller may
  not see are dropped, never reported as forbidden).
- Decisions depend on the caller's credentials and on a few keys of the target
  only (e.g. ``project_id``, ``network:project_id``); they are cached on exactly
  those, so a list of 10,000 ports, or the thousandth request of one caller,
  costs no rule evaluation at all. The cache is dropped whenever the rules change.
- A changed policy file is picked up within a second (its modification time is
  checked at most once a second), without restart.
"""
from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from oslo_policy import _checks, policy

from neutrino import exceptions as exc
from neutrino.context import Context
from neutrino.policy import base
from neutrino.policy.rules import list_rules

_TEMPLATE_KEY = re.compile(r"%\((.+?)\)s")


def credentials(ctx: Context) -> dict:
    """oslo.policy credentials of the caller, with implied roles added."""
    creds = ctx.to_policy_values()
    roles = base.with_implied(ctx.roles)
    creds["roles"] = sorted(roles)
    creds["is_admin"] = "admin" in roles
    return creds


class LazyParent(Mapping):
    """The ``<parent>:<attribute>`` keys of a target, loaded only when a rule reads one:
    an admin or owner rule that passes first never costs the parent's query."""

    def __init__(self, prefix: str, load: Callable[[], Mapping]) -> None:
        self.prefix = prefix
        self._load = load
        self._data: Mapping | None = None
        self.reads = 0

    def _values(self) -> Mapping:
        if self._data is None:
            self._data = self._load()
        return self._data

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str) or not key.startswith(self.prefix):
            return False
        self.reads += 1
        return key in self._values()

    def __getitem__(self, key: str) -> Any:
        if not key.startswith(self.prefix):
            raise KeyError(key)
        self.reads += 1
        return self._values()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values())

    def __len__(self) -> int:
        return len(self._values())


_UNREAD = object()  # the cache key part of ``Decisions.constant``, and its "not yet"


class _ReadProbe(Mapping):
    """A target with no keys that notes whether a rule looked at it at all."""

    def __init__(self) -> None:
        self.read = False

    def __getitem__(self, key: str) -> Any:
        self.read = True
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        self.read = True
        return False

    def __iter__(self) -> Iterator[str]:
        self.read = True
        return iter(())

    def __len__(self) -> int:
        self.read = True
        return 0


RELOAD_INTERVAL = 1.0  # seconds between looks at the policy file
CACHE_SIZE = 50_000  # decisions kept; the cache starts afresh when full


class Policy:
    def __init__(self, conf: Any, rules: list | None = None) -> None:
        """``rules``: the features' default rules (by default the in-tree features')."""
        self.enforcer = make_enforcer(conf, rules)
        self._lock = threading.Lock()
        self._checked = 0.0
        self._rules: Any = None
        self._keys_cache: dict[str, Any] = {}
        self.decisions: dict[tuple, bool] = {}
        # Decision keys (caller, action, the target's own values) whose outcome also
        # depended on a parent's values.
        self.dependent: set[tuple] = set()
        self.refresh(force=True)

    def refresh(self, force: bool = False) -> None:
        """Re-read the policy file if it changed (at most once a second). Between
        looks, oslo.policy's own per-check file lookups are switched off."""
        now = time.monotonic()
        if not force and now - self._checked < RELOAD_INTERVAL:
            return
        with self._lock:
            if not force and now - self._checked < RELOAD_INTERVAL:
                return
            self.enforcer.use_conf = True
            try:
                self.enforcer.load_rules()
            finally:
                self.enforcer.use_conf = False
            self._checked = now
            if self.enforcer.rules is not self._rules:  # new rules: forget every decision
                self._rules = self.enforcer.rules
                self._keys_cache = {}
                self.decisions = {}
                self.dependent = set()

    # ---- decisions ------------------------------------------------------------------
    def request(self, ctx: Context) -> Decisions:
        """The policy as one request sees it."""
        self.refresh()
        return Decisions(self, ctx)

    def target_keys(self, action: str) -> frozenset[str]:
        """The target keys the current rule of ``action`` reads."""
        found = self._keys_cache.get(action)
        if found is None:
            found = frozenset(self._walk(self.enforcer.rules.get(action), set()))
            self._keys_cache[action] = found
        return found

    def _walk(self, check: Any, seen: set[str]) -> Iterable[str]:
        if check is None:
            return
        if isinstance(check, _checks.RuleCheck):
            if check.match not in seen:
                seen.add(check.match)
                yield from self._walk(self.enforcer.rules.get(check.match), seen)
        elif isinstance(check, (_checks.AndCheck, _checks.OrCheck)):
            for sub in check.rules:
                yield from self._walk(sub, seen)
        elif isinstance(check, _checks.NotCheck):
            yield from self._walk(check.rule, seen)
        elif isinstance(check, base.FieldCheck):
            yield from check.target_keys()
        elif isinstance(check, _checks.Check):
            yield from _TEMPLATE_KEY.findall(str(getattr(check, "match", "")))

    def parent_fields(self, parent: str) -> frozenset[str]:
        """The attributes of a parent (``network``) any rule reads through
        ``<parent>:<attribute>`` target keys."""
        key = "parent:" + parent
        found = self._keys_cache.get(key)
        if found is None:
            prefix = parent + ":"
            found = frozenset(k[len(prefix):] for rule in self.enforcer.rules
                              for k in self.target_keys(rule) if k.startswith(prefix))
            self._keys_cache[key] = found
        return found

    def attribute_rules(self, action: str, singular: str,
                        attributes: Iterable[str]) -> list[tuple[str, str, str | None]]:
        """(rule, attribute, key inside the value) of the ``<action>_<singular>:...``
        rules over these attributes (``create_port:fixed_ips:ip_address``)."""
        cache_key = f"attrs:{action}_{singular}"
        found = self._keys_cache.get(cache_key)
        if found is None:
            attributes = set(attributes)
            prefix = f"{action}_{singular}:"
            found = []
            for name in self.enforcer.rules:
                if not name.startswith(prefix):
                    continue
                rest = name[len(prefix):]
                if rest in attributes:
                    found.append((name, rest, None))
                    continue
                attribute, _, key = rest.rpartition(":")
                if attribute in attributes:
                    found.append((name, attribute, key))
            self._keys_cache[cache_key] = found
        return found

    def has_rule(self, action: str) -> bool:
        return action in self.enforcer.registered_rules


class Decisions:
    """Policy decisions for one caller, cached on its credentials and on the target
    keys each rule reads."""

    def __init__(self, policy_: Policy, ctx: Context) -> None:
        self.policy = policy_
        self.ctx = ctx
        self.creds = credentials(ctx)
        self._creds_key = hashable(self.creds)
        self.cache = policy_.decisions
        # Parents loaded for this request's targets, by (parent, id).
        self.parents: dict[tuple[str, str], dict] = {}

    def can(self, action: str, target: Mapping) -> bool:
        keys = sorted(self.policy.target_keys(action))
        lazies = [m for m in getattr(target, "maps", ()) if isinstance(m, LazyParent)]
        if not lazies:
            key = (self._creds_key, action, *(hashable(target.get(k)) for k in keys))
            found = self.cache.get(key)
            if found is None:
                found = self._decide(key, action, target)
            return found
        # Parents are read only if the rule gets to them: decide on the target's own
        # values first, and remember which of those decisions needed the parent.
        prefixes = tuple(m.prefix for m in lazies)
        own = (self._creds_key, action,
               *(hashable(target.get(k)) for k in keys if not k.startswith(prefixes)))
        found = self.cache.get(own)
        if found is not None:
            return found
        if own in self.policy.dependent:
            found = self.cache.get(own + self._parent_values(target, keys, prefixes))
            if found is not None:
                return found
        before = [m.reads for m in lazies]
        found = self._decide(None, action, target)
        if any(m.reads != n for m, n in zip(lazies, before)):
            self.policy.dependent.add(own)
            self.cache[own + self._parent_values(target, keys, prefixes)] = found
        else:
            self.cache[own] = found
        return found

    @staticmethod
    def _parent_values(target: Mapping, keys: list[str], prefixes: tuple[str, ...]) -> tuple:
        return tuple(hashable(target.get(k)) for k in keys if k.startswith(prefixes))

    def _decide(self, key: tuple | None, action: str, target: Mapping) -> bool:
        try:
            found = bool(self.policy.enforcer.authorize(action, target, self.creds))
        except policy.InvalidScope:
            found = False
        if len(self.cache) >= CACHE_SIZE:
            self.cache.clear()
            self.policy.dependent.clear()
        if key is not None:
            self.cache[key] = found
        return found

    def constant(self, action: str) -> bool | None:
        """The decision of ``action`` on any target, when the rule decides for this
        caller without reading the target (an admin's ``rule:admin_only or ...``);
        None when it depends on the target. Lets a list decide once for all its items."""
        key = (self._creds_key, action, _UNREAD)
        found = self.cache.get(key, _UNREAD)
        if found is _UNREAD:
            probe = _ReadProbe()
            found = self._decide(None, action, probe)
            self.cache[key] = found = None if probe.read else found
        return found

    def authorize(self, action: str, target: dict) -> None:
        if not self.can(action, target):
            raise exc.PolicyNotAuthorized(action=action)



def hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, hashable(v)) for k, v in value.items()))
    return value


def make_enforcer(conf: Any, rules: list | None = None) -> policy.Enforcer:
    enforcer = policy.Enforcer(conf)
    enforcer.register_defaults(list_rules(rules))
    return enforcer
