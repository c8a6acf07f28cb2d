"""The OpenAPI 3.1 document of the loaded API, generated from the definitions.

Every schema comes from the attributes' kinds (``Kind.schema()``), so the
document states the constraints the server enforces: formats, enums, ranges,
lengths, patterns, required keys, read-only attributes. Creates carry OpenAPI
links to the operations on what they created, so a client (or a fuzzer) can
follow a new resource's id.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from neutrino.definitions import Api
from neutrino.definitions.base import Attribute, MemberAction, Operation, ResourceSpec

ERROR = {"$ref": "#/components/schemas/NeutronError"}
ERROR_SCHEMA = {"type": "object", "properties": {"NeutronError": {
    "type": "object", "properties": {"type": {"type": "string"}, "message": {"type": "string"},
                                     "detail": {"type": "string"}}}}}
# The API's tag values (see neutrino/api/resources.py: TAG_KIND).
TAG = {"type": "string", "minLength": 1, "maxLength": 255}
TAGS = {"type": "object", "required": ["tags"], "additionalProperties": False,
        "properties": {"tags": {"type": "array", "uniqueItems": True, "items": TAG}}}


# ---- schemas of one resource ---------------------------------------------------------
def _title(spec: ResourceSpec) -> str:
    return spec.name.title().replace("_", "")


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _shown(attr: Attribute) -> dict:
    out = {**attr.kind.schema(), "description": attr.description}
    if not attr.post and not attr.put:
        out["readOnly"] = True
    return out


def _writable(attr: Attribute) -> dict:
    out = {**attr.kind.schema(), "description": attr.description}
    if attr.has_static_default and not callable(attr.default):
        out["default"] = attr.default
    return out


def resource_schemas(spec: ResourceSpec) -> dict:
    """The shown, create and update schemas of a resource (components/schemas)."""
    attrs = spec.attributes
    title = _title(spec)
    return {
        title: {"type": "object",
                "properties": {n: _shown(a) for n, a in attrs.items() if a.visible}},
        f"{title}Create": {"type": "object", "additionalProperties": False,
                           "properties": {n: _writable(a) for n, a in attrs.items() if a.post},
                           "required": sorted(n for n, a in attrs.items() if a.required),
                           **_owner_constraint(spec)},
        f"{title}Update": {"type": "object", "additionalProperties": False,
                           "properties": {n: _writable(a) for n, a in attrs.items() if a.put}},
    }


def _owner_constraint(spec: ResourceSpec) -> dict:
    """tenant_id is the old name of project_id: a create gives one of them (both only
    when they are equal, which JSON Schema cannot say)."""
    if not spec.resource.project_scoped:
        return {}
    return {"dependentSchemas": {"tenant_id": {"not": {"required": ["project_id"]}}}}


def _wrapped(key: str, schema: dict) -> dict:
    """A body holding one object under ``key`` ({"network": {...}})."""
    return {"type": "object", "required": [key], "additionalProperties": False,
            "properties": {key: schema}}


def _create_body(spec: ResourceSpec) -> dict:
    # The bulk form ({"networks": [...]}) is said in the summary, not in the schema: its
    # response has no single id for the links to follow.
    return _wrapped(spec.member_key, _ref(f"{_title(spec)}Create"))


# ---- parameters ---------------------------------------------------------------------
def _param(name: str, where: str, schema: dict, required: bool = False, **extra: object) -> dict:
    return {"name": name, "in": where, "required": required, "schema": schema, **extra}


def _repeatable(schema: dict) -> dict:
    """A query parameter that may be given several times (?status=A&status=B)."""
    return {"type": "array", "items": schema}


def list_parameters(spec: ResourceSpec) -> list[dict]:
    """Filters (typed as the attribute's kind takes them) and the list controls."""
    params = []
    for name in sorted(spec.filterable):
        attr = spec.attributes.get(name)
        if attr is not None:
            value = (attr.filter_kind or attr.kind).query_schema()
        elif name == "changed_since":
            value = {"type": "string", "format": "date-time"}
        else:  # tags filters and plugin-interpreted ones: comma-separated text
            value = {"type": "string"}
        params.append(_param(name, "query", _repeatable(value), explode=True))
    marker = spec.attributes[spec.resource.id_attribute].kind.schema()
    params += [
        _param("fields", "query", _repeatable({"enum": sorted(spec.visible)}), explode=True),
        _param("sort_key", "query", _repeatable({"enum": sorted(spec.sortable)}), explode=True),
        _param("sort_dir", "query", _repeatable({"enum": ["asc", "desc"]}), explode=True,
               description="One per sort_key."),
        _param("limit", "query", {"type": "integer", "minimum": 0}),
        _param("marker", "query", marker,
               description="The last item of the previous page (its id)."),
        _param("page_reverse", "query", {"type": "boolean"}),
    ]
    return params


def _member_parameters(spec: ResourceSpec) -> list[dict]:
    id_kind = spec.attributes[spec.resource.id_attribute].kind
    return [_param("id", "path", id_kind.schema(), required=True)]


def _show_parameters(spec: ResourceSpec) -> list[dict]:
    fields = _repeatable({"enum": sorted(spec.visible)})
    return _member_parameters(spec) + [_param("fields", "query", fields, explode=True)]


def _if_match() -> dict:
    return _param("If-Match", "header", {"type": "string", "pattern": "^revision_number=[0-9]+$"},
                  description="Refuse the change (412) unless the revision is this one.")


# ---- responses ---------------------------------------------------------------------
def _responses(ok: str, schema: dict | None, links: dict | None = None) -> dict:
    out: dict = {ok: {"description": "Success"}}
    if schema is not None:
        out[ok]["content"] = {"application/json": {"schema": schema}}
    if links:
        out[ok]["links"] = links
    for code in ("400", "403", "404", "409"):
        out[code] = {"description": "NeutronError",
                     "content": {"application/json": {"schema": ERROR}}}
    return out


def _json_body(schema: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


# ---- links from a create to the operations on what it created ----------------------
def _op_id(verb: str, spec: ResourceSpec) -> str:
    return f"{verb}_{spec.name}"


def create_links(spec: ResourceSpec, api: Api) -> dict:
    """Links of a create's 201: show, update, delete and tag the new item, and create
    the resources that name it (a network's subnets and ports, a group's rules)."""
    new_id = f"$response.body#/{spec.member_key}/{spec.resource.id_attribute}"
    ops = ["show", "update", "delete"]
    if _has_tags(spec, api):
        ops += ["show_tags_of", "replace_tags_of", "add_tags_to", "remove_tags_of",
                "check_tag_of", "add_tag_to", "remove_tag_of"]
    links = {op: {"operationId": _op_id(op, spec), "parameters": {"path.id": new_id}}
             for op in ops}
    for child in children(spec, api):
        links[f"create_{child.name}"] = {
            "operationId": _op_id("create", child),
            "requestBody": {child.member_key: {f"{spec.name}_id": new_id}}}
    for view in views(spec, api):
        links[f"show_{view.name}"] = {"operationId": _op_id("show", view),
                                      "parameters": {"path.id": new_id}}
    return links


def views(spec: ResourceSpec, api: Api) -> list[ResourceSpec]:
    """Read-only resources named by this one's id (a network's IP availability)."""
    key = f"{spec.name}_id"
    return [other for other in api.resources.values()
            if not other.resource.writable and other.resource.id_attribute == key]


def list_links(spec: ResourceSpec) -> dict:
    """From a list of a read-only resource to its first item (nothing creates them)."""
    if spec.resource.writable:
        return {}
    first = f"$response.body#/{spec.collection}/0/{spec.resource.id_attribute}"
    return {"show_first": {"operationId": _op_id("show", spec), "parameters": {"path.id": first}}}


def children(spec: ResourceSpec, api: Api) -> list[ResourceSpec]:
    """Writable resources whose create names one of these (``<name>_id``)."""
    key = f"{spec.name}_id"
    return [other for other in api.resources.values()
            if other.resource.writable and key in other.attributes
            and other.attributes[key].post]


# ---- paths of one resource ---------------------------------------------------------
def _has_tags(spec: ResourceSpec, api: Api) -> bool:
    return spec.resource.standard_attributes and api.has("standard-attr-tag")


def collection_path(spec: ResourceSpec, api: Api) -> dict:
    ref = _ref(_title(spec))
    many = {"type": "object", "properties": {spec.collection: {"type": "array", "items": ref}}}
    # A sub-resource may share its collection name with a top-level one: its own name.
    listing = f"list_{spec.collection}" if spec.resource.parent is None else f"list_{spec.name}s"
    out: dict = {"get": {"operationId": listing,
                         "summary": f"List {spec.collection}", "parameters": list_parameters(spec),
                         "responses": _responses("200", many, list_links(spec))}}
    if spec.resource.writable and spec.resource.creatable:
        one = {"type": "object", "properties": {spec.member_key: ref}}
        summary = f"Create a {spec.name}"
        if spec.resource.bulk:
            summary += f" (or several: {{\"{spec.collection}\": [...]}})"
        out["post"] = {"operationId": _op_id("create", spec), "summary": summary,
                       "requestBody": _json_body(_create_body(spec)),
                       "responses": _responses("201", one, create_links(spec, api))}
    return out


def member_path(spec: ResourceSpec) -> dict:
    one = {"type": "object", "properties": {spec.member_key: _ref(_title(spec))}}
    out: dict = {"get": {"operationId": _op_id("show", spec), "summary": f"Show a {spec.name}",
                         "parameters": _show_parameters(spec),
                         "responses": _responses("200", one)}}
    if spec.resource.writable:
        params = _member_parameters(spec) + [_if_match()]
        out["put"] = {"operationId": _op_id("update", spec), "summary": f"Update a {spec.name}",
                      "parameters": params,
                      "requestBody": _json_body(_wrapped(spec.member_key, _ref(f"{_title(spec)}Update"))),
                      "responses": _responses("200", one)}
        out["delete"] = {"operationId": _op_id("delete", spec), "summary": f"Delete a {spec.name}",
                         "parameters": params, "responses": _responses("204", None)}
    return out


def tag_paths(base: str, spec: ResourceSpec, api: Api) -> dict:
    """/{collection}/{id}/tags and /{collection}/{id}/tags/{tag}."""
    params = _member_parameters(spec) + [_if_match()]
    tag_params = params + [_param("tag", "path", TAG, required=True)]
    tags = {"get": {"operationId": _op_id("show_tags_of", spec), "summary": "List tags",
                    "parameters": _member_parameters(spec), "responses": _responses("200", TAGS)},
            "put": {"operationId": _op_id("replace_tags_of", spec), "summary": "Replace all tags",
                    "parameters": params, "requestBody": _json_body(TAGS),
                    "responses": _responses("200", TAGS)},
            "delete": {"operationId": _op_id("remove_tags_of", spec), "summary": "Remove all tags",
                       "parameters": params, "responses": _responses("204", None)}}
    if api.has("tag-creation"):
        tags["post"] = {"operationId": _op_id("add_tags_to", spec), "summary": "Add tags",
                        "parameters": params, "requestBody": _json_body(TAGS),
                        "responses": _responses("201", TAGS)}
    tag = {"get": {"operationId": _op_id("check_tag_of", spec), "summary": "Whether it has the tag",
                   "parameters": _member_parameters(spec) + [_param("tag", "path", TAG, True)],
                   "responses": _responses("204", None)},
           "put": {"operationId": _op_id("add_tag_to", spec), "summary": "Add one tag",
                   "parameters": tag_params,
                   "responses": _responses("201", None, _added_tag_links(spec))},
           "delete": {"operationId": _op_id("remove_tag_of", spec), "summary": "Remove one tag",
                      "parameters": tag_params, "responses": _responses("204", None)}}
    return {f"{base}/{{id}}/tags": tags, f"{base}/{{id}}/tags/{{tag}}": tag}


def _added_tag_links(spec: ResourceSpec) -> dict:
    """From adding a tag to checking and removing that very tag."""
    same = {"path.id": "$request.path.id", "path.tag": "$request.path.tag"}
    return {op: {"operationId": _op_id(op, spec), "parameters": same}
            for op in ("check_tag_of", "remove_tag_of")}


def resource_paths(path: str, spec: ResourceSpec, api: Api) -> dict:
    parent, path = spec.resource.parent, spec.resource.url_path
    if parent is None:
        base = f"/v2.0/{path}"
        member = f"{base}/{{id}}"
        paths = {base: collection_path(spec, api), member: member_path(spec)}
        if _has_tags(spec, api):
            paths.update(tag_paths(base, spec, api))
    else:  # a sub-resource: /v2.0/<parent>/{id}/<path>/{sub_id}
        base = f"/v2.0/{parent}/{{id}}/{path}"
        member = f"{base}/{{sub_id}}"
        parent_id = api.resources[parent].attributes["id"].kind.schema()
        paths = {base: _under_parent(collection_path(spec, api), parent_id, False),
                 member: _under_parent(member_path(spec), parent_id, True)}
    for action in spec.resource.member_actions:
        op = action_operation(spec, action)
        if parent is not None:
            op = _under_parent({action.method: op}, parent_id, True)[action.method]
        paths[f"{member}/{action.name}"] = {action.method: op}
    return paths


def action_operation(spec: ResourceSpec, action: MemberAction) -> dict:
    """A member action: its own body, answer and policy rule."""
    response = action.response.schema() if action.response is not None else None
    op = {"operationId": f"{action.name}_{spec.name}",
          "summary": action.summary or f"{action.name} on a {spec.name}",
          "description": f"Policy rule: {action.rule_name}.",
          "parameters": _member_parameters(spec),
          "responses": _responses("200", response)}
    if action.request is not None:
        op["requestBody"] = _json_body(action.request.schema())
    return op


def _under_parent(ops: dict, parent_id: dict, member: bool) -> dict:
    """Operations of a sub-resource: the parent's id is the ``id`` path parameter, the
    member's ``sub_id``; links from top-level creates do not apply."""
    out = {}
    for method, op in ops.items():
        op = dict(op)
        params = [dict(p, name="sub_id") if member and p["in"] == "path" and p["name"] == "id"
                  else p for p in op.get("parameters", [])]
        op["parameters"] = [_param("id", "path", parent_id, required=True), *params]
        op["responses"] = {code: {k: v for k, v in r.items() if k != "links"}
                           for code, r in op["responses"].items()}
        out[method] = op
    return out


# ---- calls served by dedicated modules ---------------------------------------------
def discovery_paths() -> dict:
    """Version and extension discovery (neutrino/api/discovery.py)."""
    link = {"type": "object", "properties": {"rel": {"type": "string"},
                                             "href": {"type": "string"}}}
    ext = {"type": "object", "properties": {k: {"type": "string"} for k in
                                            ("name", "alias", "description", "updated")}}
    versions = {"type": "object", "properties": {"versions": {"type": "array", "items": {
        "type": "object", "properties": {"id": {"type": "string"}, "status": {"type": "string"},
                                         "links": {"type": "array", "items": link}}}}}}
    resources = {"type": "object", "properties": {"resources": {"type": "array", "items": {
        "type": "object", "properties": {"name": {"type": "string"},
                                         "collection": {"type": "string"},
                                         "links": {"type": "array", "items": link}}}}}}
    alias = _param("alias", "path", {"type": "string"}, required=True)
    return {
        "/": {"get": {"operationId": "list_versions", "summary": "API versions",
                      "responses": _responses("200", versions)}},
        "/v2.0": {"get": {"operationId": "list_resources", "summary": "Top-level collections",
                          "responses": _responses("200", resources)}},
        "/v2.0/extensions": {"get": {
            "operationId": "list_extensions", "summary": "Loaded extensions",
            "responses": _responses("200", {"type": "object", "properties": {
                "extensions": {"type": "array", "items": ext}}})}},
        "/v2.0/extensions/{alias}": {"get": {
            "operationId": "show_extension", "summary": "One extension, by alias",
            "parameters": [alias],
            "responses": _responses("200", {"type": "object", "properties": {"extension": ext}})}},
    }


def _operation_id(op: Operation) -> str:
    return re.sub(r"[^a-z0-9_]", "", f"{op.method}_{op.path.strip('/').replace('/', '_')}")


def _path_names(op: Operation) -> set[str]:
    return set(re.findall(r"{(\w+)}", op.path))


def operation_links(op: Operation, ext_ops: tuple[Operation, ...]) -> dict:
    """From a PUT to the extension's other calls on the same path parameters (set a
    project's quotas, then show, detail or reset them)."""
    if op.method != "put" or not _path_names(op):
        return {}
    return {_operation_id(other): {"operationId": _operation_id(other), "parameters": {
                f"path.{name}": f"$request.path.{name}" for name in _path_names(other)}}
            for other in ext_ops
            if other is not op and _path_names(other) and _path_names(other) <= _path_names(op)}


def _operation(op: Operation, links: dict | None = None) -> dict:
    out: dict = {"operationId": _operation_id(op),
                 "summary": op.summary,
                 "parameters": [_param(name, "path", {"type": "string", "minLength": 1}, True)
                                for name in re.findall(r"{(\w+)}", op.path)]
                 + [_param(name, "query", schema, required, description=text)
                    for name, schema, required, text in op.query],
                 "responses": _responses(str(op.status), op.response, links)}
    if op.request is not None:
        out["requestBody"] = _json_body(op.request)
    return out


def extension_paths(api: Api) -> dict:
    paths: dict = {}
    all_ops = tuple(op for ext in api.extensions for op in ext.operations)
    for op in all_ops:
        paths.setdefault(op.path, {})[op.method] = _operation(op, operation_links(op, all_ops))
    return paths


def document(api: Api, operations: Iterable[Operation] = ()) -> dict:
    """The OpenAPI document of the API, plus ``operations`` features serve outside
    /v2.0 (the agent feed)."""
    paths: dict = discovery_paths()
    schemas: dict = {"NeutronError": ERROR_SCHEMA}
    for path, spec in api.resources.items():
        paths.update(resource_paths(path, spec, api))
        schemas.update(resource_schemas(spec))
    paths.update(extension_paths(api))
    for op in operations:
        paths.setdefault(op.path, {})[op.method] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Neutrino Networking API", "version": "2.0",
                 "description": "OpenStack Networking v2.0 compatible API. Extensions: "
                                + ", ".join(sorted(api.aliases))},
        "paths": paths,
        "components": {"schemas": schemas},
    }
