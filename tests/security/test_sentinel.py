"""The sentinel test (issue 18): no planted value reaches a caller who may not see it, through any operation.

``sentinel_world`` plants distinctive values in hidden fields (customer phone; opportunity amount and what is derived
from it: weighted amount, the customer's won amount, dashboard sums), in records outside a caller's row scope, in
workflow secrets, in another user's import file and upload. The walk below loads ``/api/openapi.json`` and calls
EVERY operation in it as a member (ann), a viewer (vic), ops (otto) and an outsider (oscar, a member of the other
team), with real path ids (the planted records, workflows, templates, dashboards, imports, inbox messages...) and,
for the operations that answer data, bodies and query strings that try to reveal a sentinel (duplicate checks on a
hidden phone, dry-runs and previews of out-of-scope records, filters on derived fields, follow-ups that fetch a
hidden phone). Operations that change the world for later calls (deletes, resets, grants, deactivation) run last.
It then walks every GET page of the designer as each caller's browser session, and reads the inbox after the
scheduler ran. No response body or header may hold any of the caller's sentinels (JSON, CSV, the XML inside an
XLSX, HTML, JavaScript), and no firing, run, duplicate match or import problem may name (by ``record_id``) a record
the caller may not read. Probes that must carry a sentinel (a hidden phone in a duplicate check) say so, and an echo
of what a request itself carried is not counted; names are probed in upper case (the checks fold case, the sentinel
match does not), so a record named back is still caught.

A new endpoint is walked automatically: the coverage assertion fails for an operation of the OpenAPI document that
the walk did not call (``EXCLUDED`` lists the reasoned exceptions: none today).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import io
import re
from collections import defaultdict
from itertools import product
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.security import sentinel_world as sw
from tests.security.sentinel_world import (PHONE_ANN, PHONE_BOB, PHONE_OUT, WALKERS, Sentinel, leaks, owned_text,
                                           response_text)

#: operations of the OpenAPI document the walk does not call, with the reason (keyed "METHOD /path")
EXCLUDED: dict[str, str] = {}

#: operations that change the world for the calls after them: walked last, after every read
DESTRUCTIVE = {
    "delete_record", "restore_record", "deactivate_user", "set_password", "save_role", "set_form_permission",
    "remove_form_permission", "revoke_token", "reset_app_template", "apply_template_update", "install_app_template",
    "disable_workflow", "enable_workflow", "commit_import", "revoke_web_form", "restore_web_form", "replace_dashboard", "delete_dashboard",
    "save_draft", "publish_form", "update_app", "save_workflow_draft", "update_notification_template", "mark_inbox_read_all",
    "sign_out_everywhere",
}

#: designer pages not walked as a signed-in caller, with the reason
PAGES_EXCLUDED = {"/login": "the sign-in page (walked signed out: shows no data)", "/logout": "POST only"}


#: operations whose answers name records by ``record_id`` (firings, runs, duplicate matches, import problems): each one
#: must be a record the caller may read (the inbox is not here: a workflow's publisher chooses whom it tells)
ID_ANSWERS = {"workflow_fire_times", "workflow_runs", "record_fire_times", "check_duplicates", "preview_import", "get_import",
              "create_record", "update_record", "dry_run_form", "upload_import"}


def _record_ids(node) -> set[int]:
    if isinstance(node, dict):
        out = {v for k, v in node.items() if k == "record_id" and isinstance(v, int) and not isinstance(v, bool)}
        for v in node.values():
            out |= _record_ids(v)
        return out
    if isinstance(node, list):
        return set().union(*map(_record_ids, node)) if node else set()
    return set()


def _line(text: str) -> str:
    return re.sub(r"\s+", " ", text)


class Walk:
    """Calls operations as one caller and records, per operation, the statuses seen and any sentinel found."""

    def __init__(self, world: sw.World):
        self.world = world
        self.calls: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        self.sentinels: dict[str, list[Sentinel]] = {}
        self.found: list[tuple[str, str, str]] = []  # (operation, sentinel, one line saying who, what, where)
        admin = world.people["root"].api
        self.template_form = {t["key"]: t.get("form") or t.get("form_key") for t in admin.get("/api/apps/crm/notification-templates")
                              .get_json()["items"]}
        self.workflow_form = {}
        for key in world.workflow_keys:
            body = admin.get(f"/api/apps/crm/workflows/{key}").get_json()
            self.workflow_form[key] = (body.get("draft") or body.get("definition") or {}).get("form") or body.get("form")

    # -- requests ----------------------------------------------------------------------------

    def call(self, who: str, op: str, method: str, url: str, *, client=None, sent: tuple[str, ...] = (), **kwargs):
        """One request; ``sent`` names the sentinels whose value the request itself carries (an echo of them is no leak)."""
        person = self.world.people[who]
        client = client or person.api
        response = client.open(url, method=method, **kwargs)
        self.calls[op][who].append(response.status_code)
        if who not in self.sentinels:
            self.sentinels[who] = self.world.sentinels_for(who)
        mine = [s for s in self.sentinels[who] if s.name not in sent]
        for name, where in leaks(response_text(response), mine):
            self.found.append((op, name, f"{who} ({person.role}) {method} {url} -> {response.status_code}: ...{_line(where)}..."))
        if op in ID_ANSWERS and response.is_json:
            for rid in _record_ids(response.get_json()):
                if not self.world.record_readable(who, rid):
                    self.found.append((op, "the id of an out-of-scope record (a firing, run, duplicate match...)",
                                       f"{who} ({person.role}) {method} {url} -> {response.status_code}: record {rid}"))
        return response

    def report(self) -> str:
        """The leaks grouped by operation and sentinel: who got it, how often, and one example each."""
        groups: dict[tuple[str, str], list[str]] = defaultdict(list)
        for op, name, line in self.found:
            groups[(op, re.sub(r"^(ann|bob|oscar)'s ", "<owner>'s ", re.sub(r" [\d.]+$", "", name)))].append(line)
        out = []
        for (op, name), lines in sorted(groups.items()):
            callers = sorted({line.split(" ", 1)[0] for line in lines})
            out.append(f"- {op}: {name} ({len(lines)}x, to {', '.join(callers)})\n    e.g. {lines[0][:400]}")
        return "\n".join(out)

    # -- path parameters ------------------------------------------------------------------------

    def bindings(self, path: str, op: str):
        """Every assignment of real values to the path's parameters worth calling."""
        w = self.world
        names = re.findall(r"\{(\w+)\}", path)
        records = [(f, rid) for f, _, rid in w.planted] + [(f, rid) for f, rid in w.extra]
        fixed: list[dict] = [{}]
        if "record_id" in names and "form_key" in names:
            fixed = [{"form_key": f, "record_id": rid} for f, rid in records]
        elif "record_id" in names:
            fixed = [{"record_id": rid} for _, rid in records]
        elif "job_id" in names:
            fixed = [{"form_key": f, "job_id": j} for f, j in w.import_jobs]
        elif "form_key" in names:
            fixed = [{"form_key": f} for f in w.forms]
        if "workflow_key" in names:
            fixed = [{**b, "workflow_key": k} for b in fixed for k in w.workflow_keys]
        if "template_key" in names:
            fixed = [{**b, "template_key": k} for b in fixed for k in w.template_keys]
        values = {
            "app_key": ["crm"], "version": [1], "revision": [1], "dashboard_key": w.dashboard_keys,
            "user_id": [w.people[u].id for u in ("root", "ann", "oscar", "bob")] if op not in DESTRUCTIVE else [w.people["bob"].id],
            "token_id": w.token_ids, "role_key": ["member", "viewer"], "message_id": w.message_ids,
            "attachment_id": w.attachment_ids, "web_form_id": w.web_form_ids,
        }
        rest = [n for n in names if n not in fixed[0]]
        for b in fixed:
            for combo in product(*[values.get(n, ["x"]) for n in rest]):
                yield {**b, **dict(zip(rest, combo))}

    # -- bodies and query strings ------------------------------------------------------------

    def requests(self, op: str, method: str, binding: dict):
        """(query string, keyword arguments for the request, sentinels the request carries) to send for one binding."""
        w = self.world
        form = binding.get("form_key")
        rid = binding.get("record_id")
        ids_of = lambda f: w.ids(f) + [r for g, r in w.extra if g == f]  # noqa: E731
        if method == "GET":
            if op == "list_records":
                for q in ("", "?search=Qz7", "?filter=weighted_amount:gt:1000", "?filter=amount:gt:1000", "?filter=phone:contains:1",
                          "?fields=phone,amount,weighted_amount,won_amount", "?sort=-amount", "?sort=-weighted_amount",
                          "?sort=-won_amount", "?include_deleted=true", "?page_size=500"):
                    yield q, {}, ()
            elif op in ("export_records_csv", "export_records_xlsx"):  # the export shares list_records' query: fewer variants
                for q in ("", "?search=Qz7", "?fields=phone,amount,weighted_amount,won_amount", "?include_deleted=true"):
                    yield q, {}, ()
            elif op == "records_table":
                for q in ("", "?search=Qz7", "?per_page=500", "?sort=-amount", "?filter.phone=1"):
                    yield q, {}, ()
            elif op in ("workflow_fire_times", "workflow_runs"):
                yield "", {}, ()
                for r in ids_of(self.workflow_form.get(binding["workflow_key"])):
                    yield f"?record_id={r}", {}, ()
            elif op == "list_users":
                for q in ("", "?search=o", "?include_inactive=true"):
                    yield q, {}, ()
            elif op == "list_inbox":
                yield "?page_size=100", {}, ()
            else:
                yield "", {}, ()
            return
        if op == "query_records":
            for body in ({}, {"search": "Qz7", "page_size": 500}, {"fields": ["phone", "amount", "weighted_amount", "won_amount"]},
                         {"filters": [{"field": "weighted_amount", "op": "gt", "value": 1000}]},
                         {"filters": [{"field": "amount", "op": "gt", "value": 1000}]},
                         {"filters": [{"field": "phone", "op": "contains", "value": "1"}]},
                         {"sort": [{"field": "amount", "direction": "desc"}]}, {"sort": [{"field": "weighted_amount", "direction": "desc"}]},
                         {"include_deleted": True}):
                yield "", {"json": body}, ()
        elif op == "check_duplicates":
            for phone, name in ((PHONE_ANN, "ann's customer phone"), (PHONE_OUT, "oscar's customer phone"), (PHONE_BOB, "bob's customer phone")):
                yield "", {"json": {"data": {"phone": phone}}}, (name,)
            for owner in ("ann", "bob", "oscar"):  # the name in upper case: the duplicate check folds case, an echo is no leak
                yield "", {"json": {"data": {"name": owned_text(owner, form or "customer").upper()}}}, ()
        elif op == "create_record":
            n = len(self.found) + sum(len(v) for v in self.calls[op].values())
            customers = ids_of("customer")
            if form == "customer":
                yield "", {"json": {"data": {"name": f"probe customer {n}", "phone": PHONE_OUT}}}, ("oscar's customer phone",)
                yield "", {"json": {"data": {"name": owned_text("oscar", "customer").upper()}}}, ()
            elif form == "contact":
                yield "", {"json": {"data": {"name": f"probe contact {n}", "phone": PHONE_OUT}}}, ("oscar's customer phone",)
            elif form == "follow_up":
                for c in customers:
                    yield "", {"json": {"data": {"customer": c, "method": "call", "content": "probe"}}}, ()
            elif form == "opportunity":
                for c in customers:
                    yield "", {"json": {"data": {"name": f"probe {n}", "customer": c, "stage": "won"}}}, ()
            elif form == "contract":
                for o in ids_of("opportunity"):
                    yield "", {"json": {"data": {"title": f"probe {n}", "opportunity": o, "customer": customers[0]}}}, ()
            else:
                yield "", {"json": {"data": {}}}, ()
        elif op == "dry_run_form":
            yield "", {"json": {"data": {}}}, ()
            for r in ids_of(form):
                yield "", {"json": {"data": {}, "record_id": r}}, ()
            for c in ids_of("customer"):
                yield "", {"json": {"data": {"customer": c}}}, ()
            for o in ids_of("opportunity"):
                yield "", {"json": {"data": {"opportunity": o}}}, ()
        elif op == "workflow_dry_run":
            for r in ids_of(self.workflow_form.get(binding["workflow_key"])):
                for draft in (True, False):
                    yield "", {"json": {"record_id": r, "use_draft": draft}}, ()
        elif op in ("preview_notification_template", "test_send_notification_template"):
            yield "", {}, ()
            for r in ids_of(self.template_form.get(binding["template_key"])):
                yield "", {"json": {"record_id": r}}, ()
                if op == "preview_notification_template":
                    yield "", {"json": {"record_id": r, "channel": "email"}}, ()
        elif op == "update_record":
            yield "", {"json": {"data": {}}}, ()
        elif op in ("submit_approval", "approve_record", "reject_record", "withdraw_approval", "approve_notification_template",
                    "reject_notification_template"):
            yield "", {"json": {"comment": "probe"}}, ()
        elif op == "upload_import":
            # names of others' customers in upper case (the duplicate check folds case): the preview must not name the records
            text = f"name,remarks\n{owned_text('oscar', 'customer').upper()},y\n{owned_text('bob', 'customer').upper()},z\n"
            yield "", {"data": {"file": (io.BytesIO(text.encode()), "probe.csv")}, "content_type": "multipart/form-data"}, ()
            text = f"name,phone\nprobe import,{PHONE_OUT}\n"  # a hidden field's column: refused, never matched
            yield "", {"data": {"file": (io.BytesIO(text.encode()), "probe.csv")}, "content_type": "multipart/form-data"}, (
                "oscar's customer phone",)
        elif op == "upload_attachment":
            yield "", {"data": {"file": (io.BytesIO(b"probe"), "probe.txt")}, "content_type": "multipart/form-data"}, ()
        elif op == "create_token":
            yield "", {"json": {"name": "probe"}}, ()
        elif op == "commit_import":
            yield "", {"json": {}}, ()
        elif op == "enable_workflow" or op == "disable_workflow" or op.startswith(("publish", "submit", "withdraw", "deactivate")) \
                or op in ("restore_record", "preview_import", "mark_inbox_message_read", "mark_inbox_read_all", "revoke_web_form",
                          "restore_web_form"):
            yield "", {}, ()
        else:
            yield "", {"json": {}}, ()

    # -- after an upload: the caller's own import, previewed ------------------------------------

    def follow_import(self, who: str, response, form: str):
        if response.status_code not in (200, 201):
            return
        job = response.get_json()["id"]
        base = f"/api/apps/crm/forms/{form}/imports/{job}"
        carried = ("oscar's customer phone",)  # the second file's own phone, echoed in its refused rows
        self.call(who, "preview_import", "POST", f"{base}/preview", sent=carried)
        self.call(who, "get_import", "GET", base, sent=carried)
        self.call(who, "refused_import_rows", "GET", f"{base}/refused.csv", sent=carried)

    # -- one pass over the document -------------------------------------------------------------

    def operations(self, spec: dict):
        for path, item in spec["paths"].items():
            for method, op in item.items():
                yield method.upper(), path, op["operationId"]

    def walk(self, spec: dict, who: str, *, destructive: bool):
        for method, path, op in self.operations(spec):
            if f"{method} {path}" in EXCLUDED or (op in DESTRUCTIVE or method == "DELETE") != destructive:
                continue
            for binding in self.bindings(path, op):
                url = re.sub(r"\{(\w+)\}", lambda m: str(binding[m.group(1)]), path)
                for query, kwargs, sent in self.requests(op, method, binding):
                    response = self.call(who, op, method, url + query, sent=sent, **kwargs)
                    if op == "upload_import":
                        self.follow_import(who, response, binding["form_key"])


def _pages(app, world: sw.World):
    """Every GET page of the designer with real ids (records, dashboards, inbox...), as (rule, url)."""
    values = {"app_key": ["crm"], "dashboard_key": world.dashboard_keys, "message_id": world.message_ids,
              "token": world.web_form_tokens, "action": ["approve"]}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith("/api") or "static" in rule.endpoint or rule.rule in PAGES_EXCLUDED:
            continue
        names = re.findall(r"<(?:\w+:)?(\w+)>", rule.rule)
        if "record_id" in names:
            fixed = [{"form_key": f, "record_id": rid} for f, _, rid in world.planted] + [{"form_key": f, "record_id": r} for f, r in world.extra]
        elif "form_key" in names:
            fixed = [{"form_key": f} for f in world.forms]
        else:
            fixed = [{}]
        rest = [n for n in names if n not in fixed[0]]
        for b in fixed:
            for combo in product(*[values.get(n, ["x"]) for n in rest]):
                binding = {**b, **dict(zip(rest, combo))}
                yield rule.rule, re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(binding[m.group(1)]), rule.rule)


@pytest.fixture
def world(app):
    built = sw.build(app)
    yield built
    built.receiver.close()


def test_sentinel_world_plants_what_it_says(world):
    """The admin sees every planted value where it was put, so the walk's silence means the values were kept back."""
    admin = world.people["root"].api
    texts = [response_text(admin.get(f"/api/apps/crm/forms/{f}/records?page_size=500")) for f in world.forms]
    joined = "\n".join(texts)
    for s in [sw.phone_sentinel("p", p) for p in (PHONE_ANN, PHONE_OUT, PHONE_BOB, sw.PHONE_BELLA)]:
        assert s.found_in(joined), s.name
    for owner in ("ann", "oscar"):
        for amount in sw.amount_sentinels(owner)[:3 if owner == "ann" else 2]:
            assert sw.amount_sentinel("a", amount).found_in(joined), (owner, amount)
    for form, owner, _ in world.planted:
        assert owned_text(owner, form) in joined, (form, owner)
    # ann's won opportunity rolls up into her customer's won amount, and the dashboard sums ann's amounts for her
    ann_customer = admin.get(f"/api/apps/crm/forms/customer/records/{world.record('customer', 'ann')}").get_json()
    assert sw.amount_sentinel("w", sw.AMOUNT_ANN_WON).found_in(str(ann_customer["data"].get("won_amount")))
    # and each walker reaches records of its own scope (so a 404 everywhere would not pass for safety)
    assert world.people["ann"].api.get(f"/api/apps/crm/forms/customer/records/{world.record('customer', 'ann')}").status_code == 200
    assert world.people["vic"].api.get(f"/api/apps/crm/forms/customer/records/{world.record('customer', 'oscar')}").status_code == 200
    assert world.people["ann"].api.get(f"/api/apps/crm/forms/customer/records/{world.record('customer', 'oscar')}").status_code == 404
    assert world.message_ids, "the scheduler delivered no message"
    assert world.attachment_ids and world.import_jobs
    # the workflow's secrets were kept: the senders used them (URL key, webhook signature, robot token and signature)
    calls = world.receiver.calls
    hooks = [c for c in calls if c["path"].startswith("/hook?") and sw.SECRET_URL_KEY in c["path"]]
    assert hooks, calls
    signed = [c for c in hooks if "X-Formflow-Signature" in c["headers"]]
    assert signed, hooks
    stamp = signed[0]["headers"]["X-Formflow-Timestamp"].encode()
    digest = hmac.new(sw.SECRET_SIGNING.encode(), stamp + b"." + signed[0]["body"], hashlib.sha256).hexdigest()
    assert signed[0]["headers"]["X-Formflow-Signature"] == f"sha256={digest}"
    robot = [c for c in calls if c["path"].startswith("/robot/send?") and f"access_token={sw.SECRET_ROBOT_TOKEN}" in c["path"]]
    assert robot and "sign=" in robot[0]["path"], calls
    query = parse_qs(urlsplit(robot[0]["path"]).query)
    expected = base64.b64encode(hmac.new(sw.SECRET_ROBOT_SIGN.encode(), f"{query['timestamp'][0]}\n{sw.SECRET_ROBOT_SIGN}".encode(),
                                         hashlib.sha256).digest()).decode()
    assert query["sign"][0] == expected
    # the sentinel matchers find every spelling
    phone = sw.phone_sentinel("p", PHONE_ANN)
    assert all(phone.found_in(x) for x in ("+8613975318642", "139 7531 8642", "139-7531-8642", "(139) 7531-8642"))
    money = sw.amount_sentinel("m", sw.AMOUNT_ANN_WON)
    assert all(money.found_in(x) for x in ("8264913.57", "8,264,913.57", "8264913.5", "8 264 913", "<v>8264913.57</v>"))
    assert not money.found_in("18264913.57") and not money.found_in("82649135")


def test_no_sentinel_reaches_a_caller_who_may_not_see_it(app, world):
    """Every operation of the OpenAPI document as member, viewer, ops and outsider; then every designer page, the inbox."""
    spec = world.people["root"].api.get("/api/openapi.json").get_json()
    walk = Walk(world)
    for who in WALKERS:
        walk.walk(spec, who, destructive=False)
        for rule, url in _pages(app, world):
            walk.call(who, f"page {rule}", "GET", url, client=world.people[who].browser)
        walk.call(who, "page /login", "GET", "/login", client=app.test_client())
    # the scheduler runs again after the walk's writes (record events, reminders) and each inbox is read once more
    world.rt.clock.set("2026-03-20T02:00:00Z")
    from engine.scheduler import tick

    tick(world.rt)
    for who in WALKERS:
        walk.call(who, "list_inbox", "GET", "/api/inbox?page_size=100")
        world.people[who].browser = sw.sign_in(app, who)  # a week later: the first session has expired
        response = walk.call(who, "page /inbox", "GET", "/inbox", client=world.people[who].browser)
        assert response.status_code == 200, (who, response.status_code)
    for who in WALKERS:
        walk.walk(spec, who, destructive=True)

    walked = {op for op in walk.calls}
    documented = {(m, p, op) for m, p, op in walk.operations(spec)}
    missing = sorted(f"{m} {p}" for m, p, op in documented if op not in walked and f"{m} {p}" not in EXCLUDED)
    summary = "\n".join(f"  {op}: " + ", ".join(f"{who} {len(codes)}x {sorted(set(codes))}" for who, codes in sorted(by.items()))
                        for op, by in sorted(walk.calls.items()))
    print(f"\nsentinel walk: {sum(len(c) for by in walk.calls.values() for c in by.values())} requests over {len(walked)} operations"
          f" and pages\n{summary}")
    assert not missing, f"operations of the OpenAPI document the walk did not call: {missing}"
    # the walk reached the data (a walk refused everywhere would find nothing): each caller read a record by API and by page
    for who in WALKERS:
        for op in ("get_record", "list_records", "export_records_xlsx", "page /apps/<app_key>/forms/<form_key>/records/<int:record_id>",
                   "page /apps/<app_key>/forms/<form_key>/records", "page /inbox", "list_inbox"):
            assert 200 in walk.calls[op][who], (who, op, walk.calls[op][who])
    assert len(documented) >= 100
    if walk.found:
        pytest.fail(f"{len(walk.found)} sentinel leaks, by operation and sentinel:\n{walk.report()}", pytrace=False)


def test_no_planted_value_reaches_a_caller_who_is_not_signed_in(app, world):
    """Every GET operation and designer page, signed out: none of the planted values, of any kind."""
    spec = world.people["root"].api.get("/api/openapi.json").get_json()
    walk = Walk(world)
    for method, path, op in walk.operations(spec):
        if method != "GET":
            continue
        binding = next(walk.bindings(path, op))
        walk.call(sw.ANONYMOUS, op, method, re.sub(r"\{(\w+)\}", lambda m: str(binding[m.group(1)]), path))
    for rule, url in _pages(app, world):
        walk.call(sw.ANONYMOUS, f"page {rule}", "GET", url)
    # the public form: a submission colliding with a customer (by name in another case, by phone) names no record

    token = world.web_form_tokens[0]
    # the rate limit is counted in this test's own database, and each submission comes from its own address
    for i, (data, sent) in enumerate([({"name": owned_text("oscar", "customer").upper()}, ()),
                                      ({"name": "someone new", "phone": PHONE_OUT}, ("oscar's customer phone",)),
                                      ({"name": "someone else", "phone": PHONE_ANN}, ("ann's customer phone",))]):
        walk.call(sw.ANONYMOUS, "public form submit", "POST", f"/f/{token}", json=data, sent=sent,
                  environ_base={"REMOTE_ADDR": f"10.9.0.{i + 1}"})
    assert set(walk.calls["public form submit"][sw.ANONYMOUS]) == {409}, walk.calls["public form submit"]
    statuses = {code for op, by in walk.calls.items() if op != "public form submit" for code in by[sw.ANONYMOUS]}
    assert statuses <= {200, 302, 401, 404}, statuses  # the document itself, sign-in redirects, refusals
    if walk.found:
        pytest.fail(f"{len(walk.found)} leaks to a caller who is not signed in:\n{walk.report()}", pytrace=False)


def test_workflow_secrets_come_back_to_no_one_not_even_an_admin(world):
    """Secrets are write-only: the admin and the builder read the workflow (list, one, versions, dry-run, editor page), masked."""
    secrets = world.secret_sentinels()
    assert len(secrets) == 4
    customer = world.record("customer", "ann")
    for who in ("root", "bella"):
        client = world.people[who].api
        answers = [client.get("/api/apps/crm/workflows"), client.get("/api/apps/crm/workflows/sentinel_watch"),
                   client.get("/api/apps/crm/workflows/sentinel_watch/versions"),
                   client.post("/api/apps/crm/workflows/sentinel_watch/dry-run", json={"record_id": customer}),
                   client.get("/api/apps/crm/workflows/sentinel_watch/runs"), client.get("/apps/crm/workflows/editor"),
                   client.get("/api/apps/crm/template-update"), client.get("/api/admin/audit"),
                   client.post("/api/apps/crm/workflows/validate", json=client.get("/api/apps/crm/workflows/sentinel_watch")
                               .get_json().get("draft", {}))]
        assert answers[1].status_code == 200, (who, answers[1].get_data(as_text=True)[:300])
        for response in answers:
            found = leaks(response_text(response), secrets)
            assert not found, (who, response.request.path, found)


#: per role: (form, field, a filter that narrows to a planted hidden value, its opposite) the role may not see
HIDDEN_FILTERS = {
    "member": [("opportunity", "amount", "gt:8000000", "lt:8000000"), ("opportunity", "weighted_amount", "gt:8000000", "lt:8000000"),
               ("customer", "won_amount", "gt:8000000", "lt:8000000"), ("customer", "phone", "contains:75318642", "contains:99999999"),
               ("follow_up", "phone", "contains:75318642", "contains:99999999")],
    "viewer": [("customer", "phone", "contains:75318642", "contains:99999999"), ("follow_up", "phone", "contains:75318642", "contains:99999999")],
    "ops": [("customer", "phone", "contains:75318642", "contains:99999999"), ("follow_up", "phone", "contains:75318642", "contains:99999999")],
}


def test_hidden_values_answer_no_search_filter_sort_or_count_oracle(world):
    """A value that never appears can still be guessed from counts: a filter, search or chart over a field the caller may not
    see is refused, or answers exactly what it answers without it."""
    admin = world.people["root"].api
    charts = []
    for role, probes in HIDDEN_FILTERS.items():
        for form, fid, narrow, _ in probes:
            op, _, value = narrow.partition(":")
            charts.append({"key": f"c{len(charts)}", "type": "number", "title": f"{role} {fid}", "form": form, "aggregate": {"op": "count"},
                           "filters": [{"field": fid, "op": op, "value": float(value) if op != "contains" else value}]})
    charts += [{"key": f"all_{form}", "type": "number", "title": form, "form": form, "aggregate": {"op": "count"}}
               for form in ("customer", "opportunity", "follow_up")]
    made = admin.post("/api/apps/crm/dashboards", json={"key": "oracle", "label": "oracle", "charts": charts})
    assert made.status_code == 201, made.get_data(as_text=True)
    problems = []
    for who in WALKERS:
        client, role = world.people[who].api, sw.ROLES[who]
        base = {form: client.get(f"/api/apps/crm/forms/{form}/records?page_size=1").get_json()["total"]
                for form in ("customer", "opportunity", "follow_up")}
        for form, fid, narrow, wide in HIDDEN_FILTERS[role]:
            url = f"/api/apps/crm/forms/{form}/records"
            for flt in (narrow, wide):
                op, _, value = flt.partition(":")
                answers = {"list": client.get(f"{url}?filter={fid}:{flt}"),
                           "query": client.post(f"{url}/query", json={"filters": [{"field": fid, "op": op, "value": value}]}),
                           "sort": client.get(f"{url}?sort=-{fid}")}
                for how, r in answers.items():
                    if r.status_code == 200 and how != "sort" and r.get_json()["total"] != base[form]:
                        problems.append(f"{who} ({role}) {how} filter {fid}:{flt} on {form}: {r.get_json()['total']} of {base[form]}")
                    elif r.status_code == 200 and how == "sort":
                        problems.append(f"{who} ({role}) sorts {form} by hidden {fid}")
                    elif r.status_code not in (200, 422):
                        problems.append(f"{who} ({role}) {how} {fid}:{flt} on {form}: {r.status_code}")
        for digits in ("75318642", "13975318642", "24680975"):
            for form in ("customer", "follow_up"):
                found = client.get(f"/api/apps/crm/forms/{form}/records?search={digits}").get_json()
                if found["total"]:
                    problems.append(f"{who} ({role}) finds {found['total']} {form} record(s) searching a hidden phone {digits}")
        data = client.get("/api/apps/crm/dashboards/oracle/data")
        assert data.status_code == 200, (who, data.status_code)
        by_key = {c["key"]: c for c in data.get_json()["charts"]}
        for chart in charts:
            mine = [p for p in HIDDEN_FILTERS[role] if f"{role} {p[1]}" == chart["title"] and p[0] == chart["form"]]
            got = by_key[chart["key"]]
            if mine and got.get("error") is None and got.get("value") != by_key[f"all_{chart['form']}"].get("value"):
                problems.append(f"{who} ({role}) dashboard count filtered on hidden {chart['form']}.{mine[0][1]}: {got.get('value')}")
    assert not problems, "\n".join(problems)


def test_attack_a_copied_manager_reads_no_field_their_role_hides(world):
    """A workflow tells a record's owner (a builder, who sees phones) and copies her manager (a member, who does not): the copy
    in the manager's inbox, like the owner's own message, leaves the phone out (a message several people read shows what
    all of them may see)."""
    phone = sw.phone_sentinel("bella's customer phone", sw.PHONE_BELLA)
    for who in ("ann", "bella"):
        items = world.people[who].api.get("/api/inbox?page_size=100").get_json()["items"]
        about = [m for m in items if "Bella Trading" in m["title"]]
        assert about, (who, [m["title"] for m in items])
        assert not phone.found_in(str(about)), (who, about)
