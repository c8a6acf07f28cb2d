"""The OpenAPI 3.1 document of the loaded API, generated from the definitions."""
from __future__ import annotations

import re

from neutrino.definitions import Api
from neutrino.definitions.base import Operation, ResourceSpec

ERROR = {"$ref": "#/components/schemas/NeutronError"}


def _schemas(spec: ResourceSpec) -> dict:
    attrs = spec.attributes
    shown = {n: {**a.kind.schema(), "description": a.description}
             for n, a in attrs.items() if a.visible}
    create = {n: a.kind.schema() for n, a in attrs.items() if a.post}
    update = {n: a.kind.schema() for n, a in attrs.items() if a.put}
    title = spec.name.title().replace("_", "")
    return {
        title: {"type": "object", "properties": shown},
        f"{title}Create": {"type": "object", "additionalProperties": False, "properties": create,
                           "required": sorted(n for n, a in attrs.items() if a.required)},
        f"{title}Update": {"type": "object", "additionalProperties": False, "properties": update},
    }


def _responses(ok: str, schema: dict | None) -> dict:
    out: dict = {ok: {"description": "Success"}}
    if schema is not None:
        out[ok]["content"] = {"application/json": {"schema": schema}}
    for code in ("400", "403", "404", "409"):
        out[code] = {"description": "NeutronError",
                     "content": {"application/json": {"schema": ERROR}}}
    return out


def _paths(path: str, spec: ResourceSpec) -> dict:
    title = spec.name.title().replace("_", "")
    ref = {"$ref": f"#/components/schemas/{title}"}
    one = {"type": "object", "properties": {spec.name: ref}}
    many = {"type": "object", "properties": {spec.collection: {"type": "array", "items": ref}}}
    params = [{"name": f, "in": "query", "required": False, "schema": {"type": "string"}}
              for f in sorted(spec.filterable)]
    params += [{"name": p, "in": "query", "required": False, "schema": {"type": "string"}}
               for p in ("fields", "sort_key", "sort_dir", "limit", "marker", "page_reverse")]
    member_id = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
    parent = spec.resource.parent
    if parent is not None:  # /v2.0/<parent>/{id}/<path>/{sub_id}
        params = [*member_id, *params]
        member_id = [*member_id, {"name": "sub_id", "in": "path", "required": True,
                                  "schema": {"type": "string"}}]
    collection: dict = {"get": {"summary": f"List {spec.collection}", "parameters": params,
                                "responses": _responses("200", many)}}
    member: dict = {"get": {"summary": f"Show a {spec.name}", "parameters": member_id,
                            "responses": _responses("200", one)}}
    if spec.resource.writable:
        body = {"type": "object", "properties": {
            spec.name: {"$ref": f"#/components/schemas/{title}Create"}}}
        collection["post"] = {"summary": f"Create a {spec.name}",
                              **({"parameters": member_id[:1]} if parent else {}),
                              "requestBody": {"content": {"application/json": {"schema": body}}},
                              "responses": _responses("201", one)}
        upd = {"type": "object", "properties": {
            spec.name: {"$ref": f"#/components/schemas/{title}Update"}}}
        member["put"] = {"summary": f"Update a {spec.name}", "parameters": member_id,
                         "requestBody": {"content": {"application/json": {"schema": upd}}},
                         "responses": _responses("200", one)}
        member["delete"] = {"summary": f"Delete a {spec.name}", "parameters": member_id,
                            "responses": _responses("204", None)}
    base = f"/v2.0/{path}" if parent is None else f"/v2.0/{parent}/{{id}}/{path}"
    member_path = base + ("/{id}" if parent is None else "/{sub_id}")
    paths = {base: collection, member_path: member}
    for action in spec.resource.member_actions:
        op: dict = {"summary": action.summary or f"{action.name} on a {spec.name}",
                    "parameters": member_id,
                    "requestBody": {"content": {"application/json": {
                        "schema": action.request.schema()}}},
                    "responses": _responses("200", action.response.schema()
                                            if action.response is not None else None)}
        op["x-policy-rule"] = action.rule_name
        paths[f"{member_path}/{action.name}"] = {action.method: op}
    if spec.resource.standard_attributes and parent is None:
        tags = {"type": "object", "properties": {"tags": {"type": "array",
                                                          "items": {"type": "string"}}}}
        paths[f"/v2.0/{path}/{{id}}/tags"] = {
            "get": {"summary": "List tags", "parameters": member_id,
                    "responses": _responses("200", tags)},
            "put": {"summary": "Replace all tags", "parameters": member_id,
                    "responses": _responses("200", tags)},
            "delete": {"summary": "Remove all tags", "parameters": member_id,
                       "responses": _responses("204", None)}}
    return paths


def _operation(op: Operation) -> dict:
    out: dict = {"summary": op.summary,
                 "parameters": [{"name": name, "in": "path", "required": True,
                                 "schema": {"type": "string"}}
                                for name in re.findall(r"{(\w+)}", op.path)],
                 "responses": _responses(str(op.status), op.response)}
    if op.request is not None:
        out["requestBody"] = {"content": {"application/json": {"schema": op.request}}}
    return out


def document(api: Api) -> dict:
    paths: dict = {}
    schemas: dict = {"NeutronError": {"type": "object", "properties": {"NeutronError": {
        "type": "object", "properties": {"type": {"type": "string"},
                                         "message": {"type": "string"},
                                         "detail": {"type": "string"}}}}}}
    for path, spec in api.resources.items():
        paths.update(_paths(path, spec))
        schemas.update(_schemas(spec))
    for ext in api.extensions:
        for op in ext.operations:
            paths.setdefault(op.path, {})[op.method] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Neutrino Networking API", "version": "2.0",
                 "description": "OpenStack Networking v2.0 compatible API. Extensions: "
                                + ", ".join(sorted(api.aliases))},
        "paths": paths,
        "components": {"schemas": schemas},
    }
