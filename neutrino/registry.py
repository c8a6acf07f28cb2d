"""The plugin registry: the features a server runs, built once per application.

A feature is a package that declares, in one ``FEATURE = Feature(...)`` object in
its ``__init__.py``, everything the server needs of it: its definitions (API
extensions, and resources that have no alias), the plugin class serving each of
its collections, the attribute extenders storing attributes it adds to other
features' resources, its policy rules, quota resources, RBAC object types and
callback subscriptions. ``FEATURES`` lists the in-tree feature modules in one
place; ``[DEFAULT] extra_features`` adds more (e.g. a test's). Nothing registers
by being imported.

Plugins are made by the registry, lazily, one per collection, and reach each
other through it (``registry.plugin("networks")``), never by constructing one.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from neutrino.callbacks import Event, Registry as CallbackRegistry, get_registry
from neutrino.callbacks.registry import PRIORITY_DEFAULT
from neutrino.definitions.base import extends_key

if TYPE_CHECKING:
    from sqlalchemy import Table

    from neutrino.db.engine import Database
    from neutrino.definitions import Api
    from neutrino.definitions.base import Extension, Resource

# The features every server runs, in order (later ones may extend earlier ones).
FEATURES: tuple[str, ...] = ("neutrino.core", "neutrino.services.subnetpools",
                             "neutrino.services.address_scopes", "neutrino.services.l3",
                             "neutrino.services.port_forwarding", "neutrino.services.flavors",
                             "neutrino.services.agents", "neutrino.services.agent_feed",
                             "neutrino.services.qos", "neutrino.services.l3_agent_scheduler",
                             "neutrino.services.logging", "neutrino.services.segments",
                             "neutrino.services.segment_ranges",
                             "neutrino.services.classifications", "neutrino.services.trunk",
                             "neutrino.services.sriov", "neutrino.services.driver_health")


@dataclass(frozen=True)
class Subscription:
    """A callback a feature subscribes: ``make(registry)`` returns the callable
    (so that it can reach plugins), subscribed to ``event`` of ``resource`` (the
    singular name of a resource some feature declares)."""

    resource: str
    event: Event
    make: Callable[[Registry], Callable]
    priority: int = PRIORITY_DEFAULT
    cancellable: bool = False


@dataclass(frozen=True)
class Feature:
    """What one feature package brings; see the module docstring and
    docs/development.md ("Adding a feature")."""

    name: str
    # API extensions (advertised by alias) and resources without an alias (core).
    extensions: tuple[Extension, ...] = ()
    resources: tuple[Resource, ...] = ()
    # Plugin class per resource: its Resource declaration (or its collection path,
    # "rbac-policies"), so that the name is written once, in definitions.
    plugins: dict[Any, type] = field(default_factory=dict)
    # AttributeExtender classes: attributes this feature adds to other resources.
    extenders: tuple[type, ...] = ()
    # oslo.policy RuleDefaults (or a callable returning them).
    policy_rules: tuple[Any, ...] | Callable[[], Iterable[Any]] = ()
    # Resources whose rows (by project_id) count against a quota of their name: their
    # Resource declarations (or paths), or quota name -> collection path.
    quota_resources: dict[str, str] | tuple[Any, ...] = ()
    # neutrino.core.rbac.ObjectType values: objects that RBAC policies may share.
    rbac_types: tuple[Any, ...] = ()
    subscriptions: tuple[Subscription, ...] = ()
    # Routes served by API modules of the feature's own (calls that are not a resource
    # of a definition): ``install(app, registry, policy)``, run once per application.
    routes: tuple[Callable[..., None], ...] = ()
    # Background work of a server process: ``start(registry)`` runs once per
    # application, after its plugins are made (e.g. a periodic check).
    background: tuple[Callable[..., None], ...] = ()
    # Tables a feature outside the tree (e.g. a test's) creates at start-up when
    # missing; in-tree features add an Alembic migration instead.
    tables: tuple[Table, ...] = ()
    # Calls outside /v2.0 that ``routes`` install (definitions.base.Operation values):
    # /openapi.json documents them.
    operations: tuple[Any, ...] = ()

    def rules(self) -> list[Any]:
        rules = self.policy_rules
        return list(rules() if callable(rules) else rules)


def feature_modules(conf: Any = None) -> list[str]:
    extra = list(getattr(conf, "extra_features", None) or []) if conf is not None else []
    return [*FEATURES, *(m for m in extra if m not in FEATURES)]


def load_features(modules: Iterable[str]) -> list[Feature]:
    """The ``FEATURE`` of each module, in order."""
    out = []
    for name in modules:
        module = importlib.import_module(name)
        feature = getattr(module, "FEATURE", None)
        if not isinstance(feature, Feature):
            raise RuntimeError(f"feature module {name} declares no FEATURE = Feature(...)")
        out.append(feature)
    names = [f.name for f in out]
    if len(names) != len(set(names)):
        raise RuntimeError(f"duplicate feature names: {names}")
    return out


class Registry:
    """The features of one application and the plugins serving them."""

    def __init__(self, conf: Any, db: Database | None = None,
                 features: list[Feature] | None = None,
                 callbacks: CallbackRegistry | None = None) -> None:
        from neutrino.definitions import Api

        self.conf = conf
        self.db = db
        self.features = features if features is not None else load_features(
            feature_modules(conf))
        self.callbacks = callbacks or get_registry()
        self.api: Api = Api(conf, [e for f in self.features for e in f.extensions],
                            [r for f in self.features for r in f.resources])
        self.plugin_classes: dict[str, type] = {}
        for feature in self.features:
            for key, cls in feature.plugins.items():
                path = _path(key)
                if path in self.plugin_classes:
                    raise RuntimeError(f"two features serve /v2.0/{path}")
                self.plugin_classes[path] = cls
        self._plugins: dict[str, Any] = {}
        self.by_name = {spec.name: path for path, spec in self.api.resources.items()}
        self.quota_resources: dict[str, str] = {}
        for feature in self.features:
            declared = feature.quota_resources
            if isinstance(declared, dict):
                self.quota_resources.update(declared)
            else:
                for key in declared:
                    path = _path(key)
                    self.quota_resources[self.api.resources[path].name] = path
        self.rbac_types: dict[str, Any] = {t.name: t for f in self.features for t in f.rbac_types}
        self.extender_classes: dict[str, list[type]] = {}
        for feature in self.features:
            for cls in feature.extenders:
                self.extender_classes.setdefault(cls.collection, []).append(cls)
        self._subscribed = False

    # ---- plugins -----------------------------------------------------------------
    def plugin(self, path: Any) -> Any:
        """The one plugin serving /v2.0/<path> (a resource key, or its Resource
        declaration), made on first use."""
        path = _path(path)
        found = self._plugins.get(path)
        if found is None:
            cls = self.plugin_classes.get(path)
            if cls is None:
                raise RuntimeError(f"no plugin serves /v2.0/{path}")
            found = cls(self.db, self.conf, registry=self)
            self._plugins.setdefault(path, found)
        return self._plugins[path]

    def adopt(self, path: str, plugin: Any) -> None:
        """Make ``plugin`` (built outside the registry, e.g. by a test) the one for ``path``."""
        self._plugins.setdefault(path, plugin)

    def path_of(self, plugin_cls: type) -> str:
        for path, cls in self.plugin_classes.items():
            if cls is plugin_cls:
                return path
        for path, cls in self.plugin_classes.items():  # a subclass (e.g. a test's)
            if issubclass(plugin_cls, cls):
                return path
        raise RuntimeError(f"{plugin_cls.__name__} serves no collection of this registry")

    def plugin_by_name(self, name: str) -> Any:
        """The plugin of the resource whose singular name is ``name`` ("network")."""
        return self.plugin(self.by_name[name])

    def spec(self, path: str) -> Any:
        return self.api.resources[path]

    def extenders(self, path: str, plugin: Any) -> list[Any]:
        """Attribute extenders of a collection, made for its plugin."""
        spec = self.api.resources[path]
        return [cls(self, spec, plugin)
                for cls in self.extender_classes.get(extends_key(spec.resource), [])
                if cls.enabled(self.api)]

    def quota_resource_of(self, path: str) -> str | None:
        for name, owner in self.quota_resources.items():
            if owner == path:
                return name
        return None

    def quota_tables(self) -> dict[str, Table]:
        return {name: self.plugin_classes[path].table
                for name, path in self.quota_resources.items() if path in self.plugin_classes}

    def policy_rules(self) -> list[Any]:
        return [r for f in self.features for r in f.rules()]

    # ---- start-up ------------------------------------------------------------------
    def start(self) -> None:
        """Make every plugin, subscribe the features' callbacks, create test tables."""
        for path in self.api.resources:
            self.plugin(path)
        self.subscribe()
        tables = [t for f in self.features for t in f.tables]
        if tables and self.db is not None:
            with self.db.writer() as conn:
                for table in tables:
                    table.create(conn, checkfirst=True)

    def subscribe(self) -> None:
        if self._subscribed:
            return
        for feature in self.features:
            for sub in feature.subscriptions:
                if sub.resource not in self.by_name:
                    raise RuntimeError(f"feature {feature.name} subscribes to unknown resource "
                                       f"{sub.resource!r}")
                self.callbacks.subscribe(sub.make(self), sub.resource, sub.event, sub.priority,
                                         sub.cancellable)
        self._subscribed = True


def _path(key: Any) -> str:
    """A resource key (``Resource.key``) from a Resource declaration or the key itself."""
    return key if isinstance(key, str) else key.key


_DEFAULT: dict[int, Registry] = {}


def default_registry(conf: Any, db: Database | None) -> Registry:
    """A registry of the configured features for plugins built on their own (tests,
    tools): one per database."""
    key = id(db)
    found = _DEFAULT.get(key)
    if found is None or found.db is not db:
        found = _DEFAULT[key] = Registry(conf, db)
    return found
