"""Fuzz: every operation of /api/openapi.json, as an admin, a member and anonymously, with malformed filters, sorts and
pages, NUL bytes, lone UTF-16 surrogates, wrongly typed bodies and deeply nested JSON: no answer is a 5xx.

The cases are deterministic and bounded (the same requests on every run, about 3,000 per database), so the walk runs
in well under two minutes on SQLite and PostgreSQL. Path parameters are real ids of the built-in CRM installed here
(a record, a workflow, a template, an import job, an upload, a web form, a spare user and token) so requests get past
the 404 and reach validation, the services and the database. Operations that end a session or delete run last.
"""
from __future__ import annotations

import io
import json
from urllib.parse import quote, urlencode

import pytest

from engine.runtime import Actor

#: filters sent one per request to the list operation (each alone, so the ones that pass validation reach the database)
FILTERS = ["id:eq:abc", "id:eq:5", "owner_id:eq:5", "owner_id:eq:abc", "created_by:in:1,x", "created_at:gt:2026-01-01",
           "created_at:gt:yesterday", "updated_at:between:2026-01-01,2026-13-45", "updated_at:between:1", "created_at:contains:1",
           "id:eq:99999999999999999999", "id:in:" + ",".join(["1"] * 1001), "owner:contains:abc", "owner:eq:abc",
           "owner:in:1,abc", "customer:contains:1.5", "tags:contains:", "name:eq:", "name:regex:.*", "name:contains:%_\\",
           "amount:gt:1e400", "amount:gt:nan", "amount:between:inf,-inf", "stage:empty", "id:not_empty", "::", "x", ":eq:",
           "name:eq:a\x00b", "name:eq:\ud800"]
#: typed values of the JSON query (POST .../records/query), one filter per request
QUERY_VALUES = [("id", "eq", "abc"), ("id", "eq", 1.5), ("id", "eq", True), ("id", "in", [1, "x", None]), ("owner_id", "eq", {"a": 1}),
                ("created_at", "gt", 20260101), ("created_at", "between", ["2026-01-01"]), ("name", "eq", {"a": 1}),
                ("name", "in", [[1]]), ("name", "between", "a"), ("amount", "gt", True), ("amount", "gt", "1e400"),
                ("amount", "in", list(range(1001))), ("owner", "contains", "abc"), ("owner", "contains", [1]),
                ("customer", "eq", -1), ("tags", "contains", {"x": 1}), ("name", "contains", None), ("name", "eq", "a\x00b")]
#: values for any query parameter (cycled over the declared ones)
QUERY_JUNK = ["-1", "abc", "0", "1e9", "99999999999999999999", "", "\x00", "\ud800", "%", "true,false", "-", ",,,", "x" * 5000]
SORTS = ["-", "name:up", "\x00", "id,,", "-created_at,nonexistent", "," * 100, "-" * 50, "owner.name", "phone"]
#: a body nested deeper than any parser recursion limit
DEEP_ARRAY = "[" * 3000 + "]" * 3000
DEEP_OBJECT = '{"a":' * 3000 + "1" + "}" * 3000
#: bodies of the wrong shape for any operation that takes one
RAW_BODIES = ["[]", '"text"', "null", "1", "{", '{"data": "\\u0000"}', '{"data": {"name": "\\ud800"}}', '{"\\udfff": 1}',
              '{"filters": [{"field": "amount", "op": "gt", "value": NaN}]}', '{"page": Infinity}', DEEP_ARRAY, DEEP_OBJECT]


@pytest.fixture
def crm_world(app):
    """The built-in CRM with a record of each kind of id a path can carry; an admin, a member and anonymous clients."""
    from engine.imports import jobs
    from engine.services import app_templates, credentials, records, users, web_forms

    rt = app.extensions["formflow"]
    system = Actor.system()
    app_templates.install_template(rt, system, "crm")
    clients = {}
    actors = {}
    for username, role in (("root", "admin"), ("ann", "member")):
        u = users.create_user(rt, system, username, roles=[role], check=False)
        actors[username] = Actor(u["id"], f"user:{u['id']}", frozenset([role]))
        token = credentials.create_token(rt, actors[username], "fuzz")["token"]
        clients[username] = app.test_client()
        clients[username].environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    clients["anonymous"] = app.test_client()
    ann = actors["ann"]
    customer = records.create_record(rt, system, "crm", "customer", {"name": "Fuzz Ltd", "owner": ann.user_id},
                                     owner_id=ann.user_id)
    spare = users.create_user(rt, system, "spare", roles=["viewer"], check=False)
    job = jobs.create_job(rt, ann, "crm", "customer", "fuzz.csv", b"name\nFuzz Two\n")
    upload = clients["ann"].post("/api/attachments", data={"file": (io.BytesIO(b"fuzz\n"), "fuzz.txt")},
                                 content_type="multipart/form-data").get_json()
    attachment = (upload.get("items") or upload.get("files") or [upload])[0]["id"]
    admin = clients["root"]
    real = {
        "app_key": "crm", "form_key": "customer", "record_id": customer["id"], "version": 1,
        "revision": admin.get("/api/apps/crm/forms/customer/draft").get_json()["draft_revision"],
        "workflow_key": admin.get("/api/apps/crm/workflows").get_json()["items"][0]["key"],
        "template_key": admin.get("/api/apps/crm/notification-templates").get_json()["items"][0]["key"],
        "dashboard_key": admin.get("/api/apps/crm/dashboards").get_json()["items"][0]["key"],
        "role_key": "viewer", "user_id": spare["id"], "job_id": job["id"], "attachment_id": attachment,
        "token_id": credentials.create_token(rt, actors["root"], "spare")["id"],
        "web_form_id": web_forms.create_web_form(rt, actors["root"], "crm", "customer")["id"], "message_id": 1,
    }
    return clients, real


def _resolve(schema, components, depth=0):
    while isinstance(schema, dict) and "$ref" in schema and depth < 10:
        schema = components.get(schema["$ref"].rsplit("/", 1)[1], {})
        depth += 1
    return schema if isinstance(schema, dict) else {}


def _types(schema) -> list[str]:
    t = schema.get("type")
    if isinstance(t, list):
        return t
    if t:
        return [t]
    if "enum" in schema:
        return ["string"]
    if "properties" in schema:
        return ["object"]
    return []


def _shaped(schema, components, leaf, depth=0):
    """A body with the schema's properties (two levels deep), each leaf value chosen by *leaf(types)*."""
    schema = _resolve(schema, components)
    types = _types(schema)
    if "object" in types and depth < 2:
        return {name: _shaped(sub, components, leaf, depth + 1) for name, sub in (schema.get("properties") or {}).items()} or {"x": leaf(["string"])}
    if "array" in types and depth < 2:
        return [_shaped(schema.get("items") or {}, components, leaf, depth + 1)]
    return leaf(types)


def _wrong(types):
    """A value of another JSON type than the schema says."""
    if "string" in types:
        return {"not": "a text"}
    if "integer" in types or "number" in types:
        return "12x"
    if "boolean" in types:
        return "yes"
    if "array" in types:
        return {"not": "a list"}
    if "object" in types:
        return ["not", "an", "object"]
    return [{"deep": [None]}]


def _extreme(types):
    """A value of the right type at an edge: huge numbers, odd text."""
    if "integer" in types or "number" in types:
        return 2 ** 70
    if "boolean" in types:
        return True
    if "string" in types:
        return "\u202e<b>x</b>'; --" + "é" * 300
    return None


def _nul(types):
    return "a\x00b" if "string" in types or not types else _extreme(types)


def _cases(path: str, method: str, op: dict, real: dict, components: dict):
    """(url, kwargs for client.open) of every request sent to one operation."""
    params = [p for p in op.get("parameters", []) if p["in"] == "path"]
    query_names = [p["name"] for p in op.get("parameters", []) if p["in"] == "query"]

    def url(overrides: dict | None = None, query: list | None = None) -> str:
        out = path
        for p in params:
            value = (overrides or {}).get(p["name"], real.get(p["name"], 1))
            out = out.replace("{" + p["name"] + "}", quote(str(value), safe="") if not isinstance(value, bytes) else value.decode())
        if query:
            out += "?" + urlencode(query, encoding="utf-8", errors="surrogatepass")
        return out

    body_schema = ((op.get("requestBody") or {}).get("content") or {}).get("application/json", {}).get("schema")
    cases = []
    # the real path with malformed query parameters (every declared one, cycling through junk)
    for shift in range(3):
        query = [(name, QUERY_JUNK[(i + shift * 5) % len(QUERY_JUNK)]) for i, name in enumerate(query_names)]
        cases.append((url(query=query + [("filter", FILTERS[shift]), ("sort", SORTS[shift])]), {}))
    if "filter" in query_names:
        cases += [(url(query=[("filter", f)]), {}) for f in FILTERS]
        cases += [(url(query=[("sort", s)]), {}) for s in SORTS]
        cases += [(url(query=[("search", s)]), {}) for s in ("%", "_", "\\", "a\x00", "\ud800", "x" * 10_000)]
    # path parameters: NUL, a surrogate's UTF-8 bytes, text for an integer, past every integer type
    cases.append((url({p["name"]: "a\x00b" for p in params}), {}))
    cases.append((url({p["name"]: b"%ED%A0%80" for p in params}), {}))
    cases.append((url({p["name"]: "abc" if p["schema"].get("type") == "integer" else "x" * 300 for p in params}), {}))
    cases.append((url({p["name"]: 2 ** 64 for p in params}), {}))
    if method in ("post", "put", "patch") or body_schema is not None:
        target = url()
        if body_schema is not None:
            for leaf in (_wrong, _extreme, _nul):
                cases.append((target, {"json": _shaped(body_schema, components, leaf)}))
        if path.endswith("/records/query"):
            cases += [(target, {"json": {"filters": [{"field": f, "op": o, "value": v}]}}) for f, o, v in QUERY_VALUES]
            cases += [(target, {"json": {"sort": [{"field": s}]}}) for s in SORTS]
        cases += [(target, {"data": raw, "content_type": "application/json"}) for raw in RAW_BODIES]
        cases.append((target, lambda: {"data": {"name": "a\x00b", "file": (io.BytesIO(b"x"), "a\x00b.txt")},
                                       "content_type": "multipart/form-data"}))
        cases.append((target, lambda: {"data": {"file": (io.BytesIO(b"name,email\nA\x00B,x@y.z\n"), "nul.csv")},
                                       "content_type": "multipart/form-data"}))
    return cases


def _order(item):
    """Reads first, then writes, deletes, and the operations that end the caller's session last."""
    path, method = item
    if "sign-out" in path or path.startswith("/api/tokens/"):
        return 4
    return {"get": 0, "post": 1, "put": 1, "patch": 1, "delete": 3}.get(method, 2)


def test_no_operation_answers_5xx_to_malformed_input(app, crm_world):
    clients, real = crm_world
    spec = clients["root"].get("/api/openapi.json").get_json()
    components = spec["components"]["schemas"]
    operations = sorted(((path, method) for path, item in spec["paths"].items() for method in item), key=_order)
    failures, sent, statuses = [], 0, {}
    for path, method in operations:
        op = spec["paths"][path][method]
        for target, kwargs_for in _cases(path, method, op, real, components):
            for who in ("anonymous", "ann", "root"):
                kwargs = kwargs_for() if callable(kwargs_for) else kwargs_for
                response = clients[who].open(target, method=method.upper(), **kwargs)
                response.close()  # streamed exports end their request context here
                sent += 1
                statuses[response.status_code // 100] = statuses.get(response.status_code // 100, 0) + 1
                if response.status_code >= 500:
                    body = json.dumps(kwargs.get("json"))[:120] if "json" in kwargs else repr(kwargs.get("data"))[:120]
                    failures.append(f"{who} {method.upper()} {target[:160]} {body} -> {response.status_code}")
    assert len(operations) >= 100 and sent > 2000
    assert statuses.get(2, 0) > 100 and statuses.get(4, 0) > 1000, statuses  # the walk got past auth and into the services
    assert not failures, f"{len(failures)} of {sent} requests answered 5xx:\n" + "\n".join(failures[:40])
