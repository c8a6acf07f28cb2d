"""Enforcing the policy for the API: actions, attributes being set, attributes
shown. One ``Policy`` per application, over oslo.policy's Enforcer.

- ``authorize`` raises 403 PolicyNotAuthorized for a denied action or attribute.
- ``can`` answers yes/no (for visibility: items and attributes the caller may
  not see are dropped, never reported as forbidden).
- Decisions depend on the caller and on a few keys of the target only (e.g.
  ``project_id``, ``network:project_id``); within a request they are memoised
  on those keys, so a list of 10,000 ports costs a handful of rule evaluations.
- A changed policy file is picked up on the next request (oslo.policy checks
  its modification time), without restart.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
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


class Policy:
    def __init__(self, conf: Any) -> None:
        self.enforcer = make_enforcer(conf)
        self.enforcer.load_rules()
        self._keys_cache: dict[tuple[int, str], frozenset[str]] = {}

    # ---- decisions ------------------------------------------------------------------
    def request(self, ctx: Context) -> Decisions:
        """The policy as one request sees it (reloading a changed file first)."""
        self.enforcer.load_rules()
        return Decisions(self, ctx)

    def target_keys(self, action: str) -> frozenset[str]:
        """The target keys the current rule of ``action`` reads."""
        rules = self.enforcer.rules
        key = (id(rules.get(action)), action)
        found = self._keys_cache.get(key)
        if found is None:
            found = frozenset(self._walk(rules.get(action), set()))
            self._keys_cache[key] = found
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

    def has_rule(self, action: str) -> bool:
        return action in self.enforcer.registered_rules


class Decisions:
    """Policy decisions for one caller, memoised on the target keys each rule reads."""

    def __init__(self, policy_: Policy, ctx: Context) -> None:
        self.policy = policy_
        self.ctx = ctx
        self.creds = credentials(ctx)
        self._memo: dict[tuple, bool] = {}

    def can(self, action: str, target: dict) -> bool:
        keys = self.policy.target_keys(action)
        memo_key = (action, *(hashable(target.get(k)) for k in sorted(keys)))
        found = self._memo.get(memo_key)
        if found is None:
            try:
                found = bool(self.policy.enforcer.authorize(action, target, self.creds))
            except policy.InvalidScope:
                found = False
            self._memo[memo_key] = found
        return found

    def authorize(self, action: str, target: dict) -> None:
        if not self.can(action, target):
            raise exc.PolicyNotAuthorized(action=action)

    def needs_parent(self, action: str, parent: str) -> bool:
        prefix = parent + ":"
        return any(k.startswith(prefix) for k in self.policy.target_keys(action))


def hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, hashable(v)) for k, v in value.items()))
    return value


def make_enforcer(conf: Any) -> policy.Enforcer:
    enforcer = policy.Enforcer(conf)
    enforcer.register_defaults(list_rules())
    return enforcer
