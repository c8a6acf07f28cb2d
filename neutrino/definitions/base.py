"""The declarative model of the API: attributes, resources and extensions.

A definition module declares, without logic, what an extension adds: new
resources, or attributes added to resources other modules declared. The
server (validation, defaults, filters, sort keys, rendering, the extensions
list and /openapi.json) is generated from these declarations.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from neutrino.definitions.kinds import Kind, Uuid


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


REQUIRED = _Marker("REQUIRED")
"""Default of an attribute that a POST must carry."""
COMPUTED = _Marker("COMPUTED")
"""Default of an attribute the plugin fills in when a POST omits it."""


@dataclass(frozen=True)
class Attribute:
    """One attribute of a resource, as clients see it."""

    name: str
    kind: Kind
    description: str = ""
    default: Any = COMPUTED
    post: bool = False
    put: bool = False
    visible: bool = True
    filter: bool = False
    sort: bool = False
    # The value given to POST for a filter-only attribute is not validated
    # against `kind` (e.g. `shared` on subnets); rarely needed.
    filter_kind: Kind | None = None
    # The collection path whose member this attribute holds the id of ("networks" for a
    # port's network_id): policy rules may read that member's attributes as
    # ``<its singular name>:<attribute>`` (``network:project_id``).
    references: str | None = None

    @property
    def required(self) -> bool:
        return self.post and self.default is REQUIRED

    def static_default(self) -> Any:
        """The default value to fill in on POST, copying mutable values."""
        value = self.default
        if isinstance(value, (list, dict)):
            return type(value)(value)
        if callable(value):
            return value()
        return value

    @property
    def has_static_default(self) -> bool:
        return self.default is not REQUIRED and self.default is not COMPUTED


@dataclass(frozen=True)
class MemberAction:
    """``PUT /v2.0/<collection>/{id}/<name>``: an action on one member, served by the
    plugin method of the same name (see ResourcePlugin.member_action).

    ``request`` validates the whole JSON body (an ``Object`` kind names each key);
    ``response`` documents the answer. The policy rule is ``rule`` (default: the
    action's name, as Neutron names e.g. ``add_prefixes``), checked against the
    member like an update. With ``method="get"`` (Neutron's trunk ``get_subports``)
    it is a read: no body (``request`` None), the plugin method answers from a
    reader (ResourcePlugin.member_view)."""

    name: str
    request: Kind | None
    response: Kind | None = None
    summary: str = ""
    rule: str = ""
    method: str = "put"

    @property
    def rule_name(self) -> str:
        return self.rule or self.name


# Compared and hashed by identity: a declaration names one resource (features key
# their plugins by it), and attribute defaults may be lists.
@dataclass(frozen=True, eq=False)
class Resource:
    """A top-level collection (``/v2.0/<path>``) or a sub-resource of one."""

    # The resource's name: policy rules (``create_<name>``), callback events and
    # journal rows; also the singular body key unless ``body_key`` says otherwise.
    name: str  # "network"; a sub-resource as Neutron names it: "flavor_service_profile"
    collection: str  # plural body key: "networks"
    attributes: tuple[Attribute, ...]
    path: str = ""  # URL below /v2.0; defaults to the collection name
    standard_attributes: bool = True  # description, tags, timestamps, revision
    project_scoped: bool = True  # has project_id / tenant_id
    # A sub-resource: the parent's collection path; routed as
    # /v2.0/<parent path>/{parent_id}/<path>[/{id}]. The parent's id is taken from the
    # URL and stored in the ``parent_key`` attribute (default ``<parent name>_id``,
    # added as a hidden filterable attribute when the resource does not declare it).
    parent: str | None = None
    parent_key: str = ""
    member_actions: tuple[MemberAction, ...] = ()  # PUT /<path>/{id}/<action>
    extra_filters: tuple[str, ...] = ()  # query keys that are not attributes
    # Bulk create ({"<collection>": [...]}) is allowed.
    bulk: bool = True
    # Writable through POST/PUT/DELETE (false for e.g. ip availabilities).
    writable: bool = True
    # POST allowed, when writable (false for QoS alias rules: PUT and DELETE by id only;
    # they are created under their policy).
    creatable: bool = True
    # The URL parameter naming a member, e.g. network_id for ip availabilities.
    id_attribute: str = "id"
    # The singular body key when it is not ``name``: a sub-resource whose body key is
    # another resource's name ({"service_profile": ...} under /flavors/{id}).
    body_key: str = ""
    # A sub-resource whose member ids are unique only under one parent (an
    # association, named by the associated resource's id): its plugin's get, update
    # and delete take the parent's id too (``parent_id=``).
    ids_per_parent: bool = False

    @property
    def url_path(self) -> str:
        """The last segment of its URL (below /v2.0, or below its parent's member)."""
        return self.path or self.collection

    @property
    def member_key(self) -> str:
        """The JSON key of one member in request and response bodies."""
        return self.body_key or self.name

    @property
    def key(self) -> str:
        """What names the resource among all (its plugin, spec and extensions):
        ``url_path``, qualified by the parent's path for a sub-resource, so that
        /v2.0/flavors/{id}/service_profiles and /v2.0/service_profiles are two."""
        return self.url_path if self.parent is None else f"{self.parent}/{self.url_path}"


@dataclass(frozen=True)
class Operation:
    """An API call a dedicated API module serves (not generated from a Resource),
    declared so that /openapi.json documents it."""

    method: str  # "get", "put", ...
    path: str  # below the base URL, e.g. "/v2.0/quotas/{project_id}"
    summary: str
    status: int = 200
    response: dict | None = None  # JSON Schema of the success body
    request: dict | None = None  # JSON Schema of the request body
    # Query parameters: (name, JSON Schema, required, description).
    query: tuple[tuple[str, dict, bool, str], ...] = ()


@dataclass(frozen=True)
class Extension:
    """One API extension, advertised by alias in /v2.0/extensions."""

    alias: str
    name: str
    description: str
    updated: str = "2018-08-30T00:00:00-00:00"
    resources: tuple[Resource, ...] = ()
    # Attributes this extension adds to resources declared elsewhere, by collection.
    extends: dict[str, tuple[Attribute, ...]] = field(default_factory=dict)
    # Attributes added to every resource that has standard attributes.
    extends_standard: tuple[Attribute, ...] = ()
    # Extra list-filter keys this extension adds, by collection ("*" = standard-attr ones).
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    requires: tuple[str, ...] = ()
    # Calls served by a dedicated API module (e.g. the quotas API), for /openapi.json.
    operations: tuple[Operation, ...] = ()
    # Whether the extension is active for a given configuration.
    enabled: Callable[[Any], bool] = lambda conf: True


@dataclass(frozen=True)
class ResourceSpec:
    """A resource with every attribute the loaded extensions give it."""

    resource: Resource
    attributes: dict[str, Attribute]
    extra_filters: frozenset[str]

    @property
    def name(self) -> str:
        return self.resource.name

    @property
    def collection(self) -> str:
        return self.resource.collection

    @property
    def member_key(self) -> str:
        return self.resource.member_key

    @property
    def filterable(self) -> frozenset[str]:
        return frozenset(n for n, a in self.attributes.items() if a.filter) | self.extra_filters

    @property
    def sortable(self) -> frozenset[str]:
        return frozenset(n for n, a in self.attributes.items() if a.sort)

    @property
    def visible(self) -> tuple[str, ...]:
        return tuple(n for n, a in self.attributes.items() if a.visible)


def parent_key(res: Resource, parent: Resource) -> str:
    return res.parent_key or f"{parent.name}_id"


def extends_key(res: Resource) -> str:
    """How ``Extension.extends`` and attribute extenders name a resource they add to:
    its collection, qualified by the parent's path for a sub-resource."""
    return res.collection if res.parent is None else f"{res.parent}/{res.collection}"


def compose(extensions: list[Extension], core: list[Resource]) -> dict[str, ResourceSpec]:
    """Merge core resources and extensions into one spec per resource key
    (``Resource.key``: the collection path, or parent/path for a sub-resource)."""
    resources: list[Resource] = list(core)
    for ext in extensions:
        resources.extend(ext.resources)
    by_path = {r.url_path: r for r in resources if r.parent is None}
    specs: dict[str, ResourceSpec] = {}
    for res in resources:
        attrs = {a.name: a for a in res.attributes}
        if res.parent is not None:
            parent = by_path.get(res.parent)
            if parent is None:
                raise ValueError(f"{res.collection}: parent {res.parent!r} is not a resource")
            key = parent_key(res, parent)
            if key not in attrs:
                attrs[key] = Attribute(key, Uuid(), f"The {parent.name} this belongs to.",
                                       visible=False, filter=True, references=res.parent)
        extra = set(res.extra_filters)
        for ext in extensions:
            added = ext.extends.get(extends_key(res), ())
            if res.standard_attributes:
                added = tuple(ext.extends_standard) + tuple(added)
                extra.update(ext.filters.get("*", ()))
            extra.update(ext.filters.get(extends_key(res), ()))
            for attr in added:
                if attr.name in attrs:
                    raise ValueError(f"{ext.alias} redefines {res.collection}.{attr.name}")
                attrs[attr.name] = attr
        if res.key in specs:
            raise ValueError(f"two resources are /v2.0/{res.key}")
        specs[res.key] = ResourceSpec(resource=res, attributes=attrs,
                                      extra_filters=frozenset(extra))
    return specs


def with_changes(attr: Attribute, **changes: Any) -> Attribute:
    """A copy of an attribute with some fields changed (e.g. made writable)."""
    return replace(attr, **changes)
