"""Policy checks of one resource's API calls: step 3 of the request flow.

- create: the action rule, then ``create_<resource>:<attribute>`` for every
  attribute the body sets to something other than its default (and
  ``<attribute>:<key>`` for keys inside list/dict values, e.g.
  ``create_port:fixed_ips:ip_address``). Denied: 403.
- show / list: items the caller may not ``get`` are not found (404 / absent);
  attributes whose ``get_<resource>:<attribute>`` rule denies are left out of
  responses and may not be used as filters or sort keys (400).
- update / delete: checked inside the plugin's transaction against the stored
  resource; denied is 403 when the caller may see the resource, else 404.

Targets carry the resource's attributes plus, when a rule reads them, its
parents' attributes under ``<parent>:`` (``network:project_id`` for a port). The
parents are the members its attributes declare they reference
(``Attribute.references``; a sub-resource's parent key does), never guessed.
"""
from __future__ import annotations

from collections import ChainMap
from collections.abc import Callable, Iterable, Mapping
from operator import itemgetter
from typing import Any

from neutrino import exceptions as exc
from neutrino.definitions.base import ResourceSpec
from neutrino.policy import Decisions, Policy
from neutrino.policy.enforcer import LazyParent, hashable


class Parent:
    """A parent resource a rule may read through ``<name>:<attribute>`` keys."""

    def __init__(self, name: str, id_attribute: str, plugin: Any) -> None:
        self.name = name
        self.id_attribute = id_attribute
        self.plugin = plugin

    def _fields(self, d: Decisions) -> list[str]:
        return ["id", *d.policy.parent_fields(self.name)]

    def _keep(self, d: Decisions, found: Iterable[dict]) -> None:
        for parent in found:
            d.parents[(self.name, parent["id"])] = {f"{self.name}:{k}": v
                                                    for k, v in parent.items()}

    def load(self, conn: Any, d: Decisions, ids: Iterable[str]) -> dict[str, dict]:
        """The parents' rule-relevant attributes, as the caller would see them (e.g.
        ``shared`` for its project); loaded once per request."""
        ids = {i for i in ids if i}
        missing = sorted(i for i in ids if (self.name, i) not in d.parents)
        if missing:
            if conn is None:
                with self.plugin.db.reader() as conn:
                    return self.load(conn, d, ids)
            self._keep(d, self.plugin.policy_view(conn, d.ctx, missing,
                                                  frozenset(self._fields(d))))
        return {i: d.parents[(self.name, i)] for i in ids if (self.name, i) in d.parents}

    def lazy(self, d: Decisions, id_: str | None,
             batch: Callable[[], set[str]] | None = None,
             conn: Any = None, visible_only: bool = False) -> LazyParent:
        """The parent's keys for one target, loaded when a rule first reads them (for a
        list: the parents of the whole ``batch()`` at once)."""
        def load() -> Mapping:
            if not id_:
                return {}
            if visible_only:
                return self.visible(d, id_)
            return self.load(conn, d, (batch() if batch else None) or {id_}).get(id_, {})
        return LazyParent(self.name + ":", load)

    def visible(self, d: Decisions, id_: str) -> dict:
        """The parent as the caller sees it; its not-found error when invisible."""
        with self.plugin.db.reader() as conn:
            found = self.plugin.policy_view(conn, d.ctx, [id_], frozenset(self._fields(d)),
                                            visible_only=True)
        if not found:
            raise self.plugin.not_found(id=id_)
        self._keep(d, found)
        return d.parents[(self.name, id_)]


class Authz:
    def __init__(self, spec: ResourceSpec, policy: Policy, parents: list[Parent],
                 not_found: Callable[[str], exc.NeutronException]) -> None:
        self.spec = spec
        self.not_found = not_found
        self.singular = spec.name
        self.policy = policy
        self.parents = parents

    # ---- rule lookup ----------------------------------------------------------------
    def _attribute_rules(self, action: str) -> list[tuple[str, str, str | None]]:
        """(rule, attribute, key inside the value) of the ``<action>:<attribute>`` rules."""
        return self.policy.attribute_rules(action, self.singular, self.spec.attributes)

    def _keys(self, rules: Iterable[str]) -> set[str]:
        """The target keys any of these rules reads."""
        keys: set[str] = set()
        for rule in rules:
            keys |= self.policy.target_keys(rule)
        return keys

    def _needed_parents(self, rules: Iterable[str]) -> list[Parent]:
        keys = self._keys(rules)
        return [p for p in self.parents if any(k.startswith(p.name + ":") for k in keys)]

    def _target_maker(self, d: Decisions, items: list[dict], parents: list[Parent],
                      conn: Any = None, visible_only: bool = False) -> Callable[[dict], Mapping]:
        """Makes an item a policy target: its own attributes, then its parents' keys
        (``network:project_id``), loaded only if a rule reads them (for all ``items``'
        parents at once)."""
        if not parents:
            return lambda item: item
        batches: dict[str, set[str]] = {}

        def batch_of(p: Parent) -> Callable[[], set[str]]:
            def batch() -> set[str]:
                # Only when a rule reads a parent: most lists never do (admin, owner).
                if p.name not in batches:
                    batches[p.name] = {i.get(p.id_attribute) for i in items} - {None}
                return batches[p.name]
            return batch
        lazy_batches = {p.name: batch_of(p) for p in parents}
        return lambda item: ChainMap(item, *(p.lazy(d, item.get(p.id_attribute),
                                                    lazy_batches[p.name], conn, visible_only)
                                             for p in parents))

    def _targets(self, d: Decisions, items: list[dict], rules: Iterable[str],
                 conn: Any = None, visible_only: bool = False) -> list[Mapping]:
        make = self._target_maker(d, items, self._needed_parents(rules), conn, visible_only)
        return [make(item) for item in items]

    # ---- create -----------------------------------------------------------------------
    def check_create(self, d: Decisions, items: list[dict],
                     explicit: list[frozenset[str]]) -> None:
        action = f"create_{self.singular}"
        attr_rules = self._attribute_rules("create")
        # Parents are loaded as the caller sees them: one the caller may not see is a
        # 404 (a port on an invisible network: NetworkNotFound), never a 403.
        targets = self._targets(d, items, [action, *(r for r, _a, _k in attr_rules)],
                                visible_only=True)
        for target, keys in zip(targets, explicit):
            try:
                d.authorize(action, target)
                for rule, attribute, key in attr_rules:
                    if attribute in keys and self._sets(attribute, key, target[attribute]):
                        d.authorize(rule, target)
            except exc.PolicyNotAuthorized:
                for parent in getattr(target, "maps", ())[1:]:
                    len(parent)  # loads it: not found when the caller may not see it
                raise

    def _sets(self, attribute: str, key: str | None, value: Any) -> bool:
        """Whether a create sets ``attribute`` (or ``key`` inside it) beyond its default."""
        if key is not None:
            if isinstance(value, dict):
                return key in value
            return isinstance(value, list) and any(isinstance(v, dict) and key in v for v in value)
        attr = self.spec.attributes[attribute]
        return not (attr.has_static_default and value == attr.static_default())

    # ---- update / delete (called inside the plugin's transaction) -----------------------
    def for_update(self, d: Decisions, changes: dict) -> Callable[[Any, dict], None]:
        action = f"update_{self.singular}"
        attr_rules = [r for r in self._attribute_rules("update") if r[1] in changes]

        def check(conn: Any, original: dict) -> None:
            target = self._targets(d, [original], [action, f"get_{self.singular}",
                                                       *(r for r, _a, _k in attr_rules)], conn)[0]
            self._authorize_or_hide(d, action, target)
            changed = ChainMap(changes, *getattr(target, "maps", (target,)))
            for rule, attribute, key in attr_rules:
                if key is None or self._sets(attribute, key, changes[attribute]):
                    d.authorize(rule, changed)
        return check

    def for_delete(self, d: Decisions) -> Callable[[Any, dict], None]:
        action = f"delete_{self.singular}"

        def check(conn: Any, original: dict) -> None:
            target = self._targets(d, [original], [action, f"get_{self.singular}"], conn)[0]
            self._authorize_or_hide(d, action, target)
        return check

    def for_action(self, d: Decisions, rule: str) -> Callable[[Any, dict], None]:
        """A member action's rule, checked like an update against the stored member."""
        def check(conn: Any, original: dict) -> None:
            target = self._targets(d, [original], [rule, f"get_{self.singular}"], conn)[0]
            self._authorize_or_hide(d, rule, target)
        return check

    def refuse_untargeted(self, d: Decisions, action: str) -> None:
        """403 now when the ``action`` rule reads nothing of its target and denies:
        no lookup (of a sub-resource's parent) could change the answer, so a project
        creating a QoS rule is refused as Neutron refuses it, whether or not it sees
        the policy."""
        rule = f"{action}_{self.singular}"
        if not self._keys([rule]) and not d.can(rule, {}):
            raise exc.PolicyNotAuthorized(action=rule)

    def _authorize_or_hide(self, d: Decisions, action: str, target: Mapping) -> None:
        if d.can(action, target):
            return
        if d.can(f"get_{self.singular}", target):
            raise exc.PolicyNotAuthorized(action=action)
        raise self.not_found(id=target["id"])

    # ---- reading -------------------------------------------------------------------------
    def read_fields(self, fields: list[str] | None) -> list[str] | None:
        """The fields to load so that ``get`` rules can be evaluated on them."""
        if not fields:
            return fields
        rules = [f"get_{self.singular}", *(r for r, _a, _k in self._attribute_rules("get"))]
        keys = self._keys(rules) | {p.id_attribute for p in self._needed_parents(rules)}
        extra = sorted(k for k in keys if k in self.spec.attributes and k not in fields)
        return [*fields, "id", *extra]

    def readable(self, d: Decisions, items: list[dict], drop: bool = True) -> list[dict]:
        """The items the caller may see, without the attributes it may not see."""
        if not items:
            return items
        get = f"get_{self.singular}"
        attr_rules = [(r, a) for r, a, k in self._attribute_rules("get") if k is None]
        # Decided once for all items when no rule reads the item (an admin's list).
        visible = d.constant(get)
        attributes_seen = [d.constant(r) for r, _a in attr_rules]
        if visible is not None and None not in attributes_seen:
            if not visible and drop:
                return []
            hidden = {a for (_r, a), seen in zip(attr_rules, attributes_seen) if not seen}
            if not hidden:
                return items
            return [{k: v for k, v in item.items() if k not in hidden} for item in items]
        rules = [get, *(r for r, _a in attr_rules)]
        # Items agreeing on these agree on every decision: their own attributes that
        # rules read, and which parent they have (the parent's values follow from it).
        parents = self._needed_parents(rules)
        group_keys = sorted({k for k in self._keys(rules)
                             if ":" not in k or k in self.spec.attributes}
                            | {p.id_attribute for p in parents})
        make_target = self._target_maker(d, items, parents)
        # The group of most items is the plain values of their keys, read at C speed;
        # an item missing a key or holding a list or dict there takes the slow way.
        fast = itemgetter(*group_keys) if group_keys else lambda _item: ()
        fast_groups: dict[Any, tuple[bool, tuple[str, ...]]] = {}
        groups: dict[tuple, tuple[bool, tuple[str, ...]]] = {}
        out = []
        for item in items:
            try:
                group = fast(item)
                verdict = fast_groups.get(group)
            except (KeyError, TypeError):
                group, verdict = None, None
            if verdict is None:
                slow = tuple(hashable(item.get(k)) for k in group_keys)
                verdict = groups.get(slow)
                if verdict is None:
                    target = make_target(item)
                    verdict = groups[slow] = (
                        d.can(get, target),
                        tuple(a for r, a in attr_rules if a in item and not d.can(r, target)))
                if group is not None:
                    fast_groups[group] = verdict
            visible, hidden = verdict
            if not visible and drop:
                continue
            if hidden:
                item = {k: v for k, v in item.items() if k not in hidden}
            out.append(item)
        return out
