"""Static smoke test of the front-end: the vendored libraries load, our
component scripts parse, and the designer template renders into a working
page under a strict CSP (script-src 'self'), without the real app.

The templates are rendered standalone with jinja2 and served, with
designer_ui/static, by a tiny werkzeug app. Its screenshots go to a temporary
folder; the ones in docs/screenshots come from the real app (test_real_app.py).
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path


import pytest

from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip
from jinja2 import Environment, FileSystemLoader, select_autoescape
from werkzeug.middleware.shared_data import SharedDataMiddleware
from werkzeug.wrappers import Request, Response

from designer_ui import field_widgets, i18n
from engine.fields import FIELD_TYPES
from engine.rules import JS_RUNTIME
from engine.services.field_types import field_types

REPO_ROOT = Path(__file__).resolve().parents[2]
STATIC_DIR = REPO_ROOT / "designer_ui" / "static"
TEMPLATES = REPO_ROOT / "designer_ui" / "templates"
#: harness screenshots are for debugging only; docs/screenshots comes from the real app (test_real_app.py)
SCREENSHOTS = Path(tempfile.gettempdir()) / "formflow-harness-screenshots"
#: The browser rule runtime written by the rules work (served as /rules-runtime.js when present).
RUNTIME_JS = REPO_ROOT / "engine" / "rules" / "runtime.js"

#: The policy the real app is meant to send; the pages must work under it.
STRICT_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
              "object-src 'none'; base-uri 'none'; frame-ancestors 'none'")

SAMPLE_FOLLOW_UP = {
    "key": "follow_up",
    "label": {"en": "Follow-up record", "zh-CN": "跟进记录"},
    "fields": [
        {"id": "customer", "name": "customer", "type": "reference", "label": {"en": "Customer", "zh-CN": "客户"},
         "required": True, "options": {"form": "customer", "multiple": False}},
        {"id": "method", "name": "method", "type": "select", "label": {"en": "Method", "zh-CN": "跟进方式"},
         "required": True, "options": {"choices": [
             {"value": "call", "label": {"en": "Call", "zh-CN": "电话"}},
             {"value": "visit", "label": {"en": "Visit", "zh-CN": "拜访"}},
             {"value": "wechat", "label": {"en": "WeChat", "zh-CN": "微信"}},
             {"value": "email", "label": {"en": "Email", "zh-CN": "邮件"}}]}},
        {"id": "content", "name": "content", "type": "textarea", "label": {"en": "Content", "zh-CN": "跟进内容"},
         "options": {"max_length": 10000}},
        {"id": "result", "name": "result", "type": "text", "label": {"en": "Result", "zh-CN": "跟进结果"}},
        {"id": "enable_reminder", "name": "enable_reminder", "type": "boolean",
         "label": {"en": "Enable follow-up reminder", "zh-CN": "开启跟进提醒"}},
        {"id": "next_follow_up", "name": "next_follow_up", "type": "datetime",
         "label": {"en": "Next follow-up time", "zh-CN": "下次跟进时间"}},
        {"id": "old_note", "name": "old_note", "type": "text", "label": "Old note", "deleted": True},
    ],
    "layout": {"sections": [
        {"id": "main", "label": {"en": "Follow-up", "zh-CN": "跟进"}, "columns": 2,
         "fields": ["customer", "method", "content", "result"]},
        {"id": "reminder", "label": {"en": "Reminder", "zh-CN": "提醒"}, "columns": 2,
         "fields": ["enable_reminder", "next_follow_up"]},
    ]},
    "settings": {"hidden_values": "drop", "title_field": "customer"},
    "rules": [{"id": "r1", "name": "Show next follow-up when reminder is on",
               "when": "enable_reminder == true",
               "effects": [{"field": "next_follow_up", "visible": True, "required": True}]}],
}


def render(template: str, locale: str = "en", **context) -> str:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))
    i18n.install(env, locale)
    field_widgets.install(env)
    return env.get_template(template).render(**context)


def _libs_page() -> str:
    return """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>libs</title>
<meta name="htmx-config" content='{"allowEval": false, "includeIndicatorStyles": false}'></head><body>
<div x-data="probe"><span id="probe" x-text="message"></span></div>
<script src="/static/vendor/htmx.org/htmx.min.js"></script>
<script src="/static/vendor/sortablejs/Sortable.min.js"></script>
<script src="/static/vendor/chart.js/chart.umd.min.js"></script>
<script src="/static/common.js"></script>
<script src="/static/rulebuilder.js"></script>
<script src="/static/designer.js"></script>
<script src="/static/formfill.js"></script>
<script src="/static/records.js"></script>
<script src="/static/probe.js"></script>
<script src="/static/vendor/alpinejs-csp/alpine-csp.min.js"></script>
</body></html>"""


#: What the server's compiled rules.js looks like for the follow-up form.
RULES_JS = """window.formflowRules = [{id: "r1", when: function (values, ctx) { return values["enable_reminder"] === true; },
  effects: [{field: "next_follow_up", visible: true, required: true}]}];"""

def _compiled_rules_js() -> str:
    """rules.js as the server is meant to serve it: the engine's compiled JS for each rule."""
    from engine.rules import RuleScope, compile_rule

    scope = RuleScope.from_fields([f for f in SAMPLE_FOLLOW_UP["fields"] if not f.get("deleted")])
    entries = []
    for rule in SAMPLE_FOLLOW_UP["rules"] + [{"id": "r2", "when": "method == 'visit' and enable_reminder == true",
                                               "effects": [{"field": "result", "readonly": True}]}]:
        compiled = compile_rule(rule["when"], scope, expect="boolean")
        entries.append("{id: %s, when: %s, effects: %s}" % (json.dumps(rule["id"]), compiled.js, json.dumps(rule["effects"])))
    return "window.formflowRules = [" + ",\n".join(entries) + "];"


PROBE_JS = "document.addEventListener('alpine:init', function () { Alpine.data('probe', function () { return { message: 'alpine-ok' }; }); });"


@pytest.fixture(scope="module")
def static_site(wsgi_server):
    pages = {
        "/libs.html": _libs_page(),
        "/designer.html": render(
            "designer.html", app={"key": "crm", "label": {"en": "Sales CRM", "zh-CN": "销售CRM"}},
            form={"key": "follow_up", "label": SAMPLE_FOLLOW_UP["label"]},
            forms=[{"key": "customer", "label": {"en": "Customer", "zh-CN": "客户"}}],
            definition=SAMPLE_FOLLOW_UP, field_types=field_types(), user={"name": "Li Lei"}, unread_count=3, active_nav="apps"),
        "/form.html": render(
            "form_fill.html", app={"key": "crm", "label": "CRM"}, form={"key": "follow_up", "label": SAMPLE_FOLLOW_UP["label"]},
            definition=SAMPLE_FOLLOW_UP, version=3, rules_js_url="/rules.js", rules_runtime_url="/rules-runtime.js",
            timezone="Asia/Shanghai"),
        "/form-compiled.html": render(
            "form_fill.html", app={"key": "crm", "label": "CRM"}, form={"key": "follow_up", "label": SAMPLE_FOLLOW_UP["label"]},
            definition=SAMPLE_FOLLOW_UP, version=3, rules_js_url="/rules-compiled.js", rules_runtime_url="/rules-runtime.js"),
        "/designer-zh.html": render(
            "designer.html", locale="zh-CN", app={"key": "crm", "label": {"en": "Sales CRM", "zh-CN": "销售CRM"}},
            form={"key": "follow_up", "label": SAMPLE_FOLLOW_UP["label"]}, forms=[], field_types=field_types(), user={"name": "韩梅梅"}),
        "/records.html": render(
            "records_list.html", app={"key": "crm", "label": "CRM"}, form={"key": "follow_up", "label": SAMPLE_FOLLOW_UP["label"]},
            definition=SAMPLE_FOLLOW_UP, active_nav="apps"),
        "/index.html": render("index.html", active_nav="apps", unread_count=2, user={"name": "Li Lei"}, apps=[
            {"key": "crm", "label": {"en": "Sales CRM", "zh-CN": "销售CRM"}, "description": {"en": "Customers and follow-ups"},
             "forms": [{"key": "customer", "label": {"en": "Customer"}, "published_version": 2},
                       {"key": "follow_up", "label": SAMPLE_FOLLOW_UP["label"], "published_version": None, "has_draft": True}]}]),
        "/record.html": render(
            "record_detail.html", app={"key": "crm", "label": "CRM"}, form={"key": "follow_up", "label": SAMPLE_FOLLOW_UP["label"]},
            record={"id": 7, "title": "Acme Trading · visit", "fields": [
                {"id": "method", "label": {"en": "Method"}, "text": "Visit"}, {"id": "result", "label": "Result", "text": None}]},
            history=[{"at": "2026-11-20 10:00", "user": "Li Lei", "action": "update",
                      "changes": [{"field": {"en": "Method"}, "old": "Call", "new": "Visit"}]},
                     {"at": "2026-11-19 09:00", "user": "Li Lei", "action": "create"}],
            related=[{"label": {"en": "Follow-up reminders"}, "records": [{"id": 3, "title": "Reminder #3", "url": "/r/3"}]}]),
        "/inbox.html": render("inbox.html", active_nav="inbox", unread_count=1, read_all_url="/inbox/read", messages=[
            {"id": 1, "subject": "Follow up Acme tomorrow 10:00", "body": "Visit planned", "created_at": "2026-11-20 09:00",
             "read": False, "url": "/r/3", "read_url": "/inbox/1/read"},
            {"id": 2, "subject": "Template approved", "created_at": "2026-11-19", "read": True}]),
    }
    scripts = {"/static/probe.js": PROBE_JS, "/rules.js": RULES_JS}
    submitted, drafts, queries = [], [], []

    @Request.application
    def app(request):
        if request.path in pages:
            return Response(pages[request.path], content_type="text/html; charset=utf-8",
                            headers={"Content-Security-Policy": STRICT_CSP})
        if request.path == "/api/apps/crm/forms/follow_up/records" and request.method == "POST":
            body = request.get_json()
            submitted.append(body)
            if len(submitted) == 1:
                envelope = {"error": {"code": "invalid", "message": "Record refused", "errors": [
                    {"path": "data.next_follow_up", "field_id": "next_follow_up", "message": "must be later than now"},
                    {"path": "data.content", "field_id": None, "message": "at least 10 characters"}]}}
                return Response(json.dumps(envelope), status=422, content_type="application/json")
            return Response(json.dumps({"id": 7, "data": body["data"]}), status=201, content_type="application/json")
        if request.path == "/api/apps/crm/forms/follow_up/draft" and request.method == "GET":
            return Response(json.dumps(SAMPLE_FOLLOW_UP), content_type="application/json")
        if request.path == "/api/apps/crm/forms/follow_up/draft" and request.method == "PUT":
            body = request.get_json()
            drafts.append(body)
            bad = [{"path": f"fields[{i}].options.format", "field_id": f["id"], "message": "unknown token {QQ}"}
                   for i, f in enumerate(body["fields"]) if "{QQ}" in (f.get("options") or {}).get("format", "")]
            bad += [{"path": f"rules[{i}].when", "field_id": None, "message": "unknown symbol", "position": r["when"].find("nope")}
                    for i, r in enumerate(body.get("rules", [])) if "nope" in r.get("when", "")]
            if bad:
                envelope = {"error": {"code": "invalid_definition", "message": "Definition refused", "errors": bad}}
                return Response(json.dumps(envelope), status=422, content_type="application/json")
            return Response(json.dumps(body), content_type="application/json")
        if request.path == "/api/apps/crm/forms/follow_up/publish" and request.method == "POST":
            envelope = {"error": {"code": "publish_refused", "message": "Fix the definition first", "errors": [
                {"path": "/fields/1/options/choices", "field_id": "method", "message": "duplicate choice value 'call'"},
                {"path": "/settings/title_field", "field_id": None, "message": "title field must exist"}]}}
            return Response(json.dumps(envelope), status=422, content_type="application/json")
        if request.path == "/api/apps/crm/forms/follow_up/diff/readable" and request.method == "POST":
            changes = {"published_version": 1, "groups": [{"group": "fields", "title": "字段", "items": [
                {"text": "字段“跟进方式”的选项已修改——0 条记录有值", "records": 0}]}]}
            return Response(json.dumps(changes), content_type="application/json")
        if request.path == "/api/apps/crm/forms/follow_up/records" and request.method == "GET":
            queries.append(dict(request.args))
            rows = [{"id": i, "data": {"method": "visit" if i % 2 else "call", "content": f"report {i}",
                                        "enable_reminder": i % 3 == 0}} for i in range(1, 21)]
            return Response(json.dumps({"items": rows, "total": 45, "page": 1, "per_page": 20}), content_type="application/json")
        if request.path in ("/api/apps/crm/forms/customer/records", "/api/apps/crm/forms/customer/records/table"):
            rows = [{"id": 1, "title": "Acme Ltd"}, {"id": 2, "title": "Acme Trading"}]
            return Response(json.dumps({"items": rows}), content_type="application/json")
        if request.path == "/rules-compiled.js":
            return Response(_compiled_rules_js(), content_type="text/javascript")
        if request.path == "/rules-runtime.js" and RUNTIME_JS.exists():  # runtime.js with decimal.js and re2js
            return Response(JS_RUNTIME, content_type="text/javascript")
        if request.path in scripts:
            return Response(scripts[request.path], content_type="text/javascript")
        return Response("not found", status=404)

    wsgi = SharedDataMiddleware(app, {"/static": str(STATIC_DIR)})
    base = wsgi_server(wsgi)
    return {"url": base, "submitted": submitted, "drafts": drafts, "queries": queries}


def _csp_watch(page):
    violations = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    return violations


def test_vendored_libraries_and_components_load(page, static_site):
    csp = _csp_watch(page)
    page.goto(static_site["url"] + "/libs.html")
    page.wait_for_function("() => document.getElementById('probe').textContent === 'alpine-ok'")
    globals_ = page.evaluate("() => ({htmx: typeof htmx, Alpine: typeof Alpine, Sortable: typeof Sortable, Chart: typeof Chart,"
                             " formflow: typeof formflow, designer: typeof formflowDesigner, rules: typeof formflowRuleBuilder})")
    assert globals_ == {"htmx": "object", "Alpine": "object", "Sortable": "function", "Chart": "function",
                        "formflow": "object", "designer": "object", "rules": "object"}
    assert page.js_errors == []
    assert csp == []


def test_rule_builder_round_trips_expressions(page, static_site):
    page.goto(static_site["url"] + "/libs.html")
    out = page.evaluate("""() => {
        const rb = window.formflowRuleBuilder;
        const text = "enable_reminder == true and (method == 'visit' or method == 'call')";
        const tree = rb.parse(text);
        return {again: rb.serialize(tree, {enable_reminder: 'boolean', method: 'select'}).text,
                mixed: rb.parse("a == 1 and b == 2 or c == 3"), weird: rb.parse("a + 1 > 2")};
    }""")
    assert out["again"] == "enable_reminder == true and (method == 'visit' or method == 'call')"
    assert out["mixed"] is None and out["weird"] is None


def test_designer_renders_under_strict_csp(page, static_site, axe_check):
    csp = _csp_watch(page)
    page.goto(static_site["url"] + "/designer.html")
    page.get_by_test_id("field-customer").wait_for()
    assert page.get_by_test_id("section-main").is_visible()
    assert page.get_by_test_id("palette-serial").is_visible()
    page.get_by_test_id("field-method").click()
    page.wait_for_timeout(100)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "designer.png"), full_page=False)

    # keyboard move, undo, redo
    order = "() => [...document.querySelectorAll('[data-testid=section-main] .field-card')].map(e => e.dataset.id)"
    before = page.evaluate(order)
    page.get_by_test_id("field-method").get_by_test_id("move-up").click()
    assert page.evaluate(order) == ["method", "customer", "content", "result"] == [before[1], before[0]] + before[2:]
    page.get_by_test_id("undo").click()
    assert page.evaluate(order) == before
    page.get_by_test_id("redo").click()
    assert page.evaluate(order)[0] == "method"

    # add from the palette by keyboard, then delete and restore
    page.get_by_test_id("palette-serial").focus()
    page.keyboard.press("Enter")
    page.get_by_test_id("field-serial").wait_for()
    page.get_by_test_id("field-serial").get_by_test_id("delete").click()
    expect(page.get_by_test_id("field-serial")).to_have_count(0)  # used nowhere: deleted without a warning
    page.get_by_test_id("deleted-fields").locator("summary").click()
    page.get_by_test_id("restore-serial").click()
    page.get_by_test_id("field-serial").wait_for()

    # the rules tab shows the rule in the builder
    page.get_by_test_id("tab-rules").click()
    assert page.get_by_test_id("rule-expression").first.inner_text() == "enable_reminder == true"
    assert page.get_by_test_id("cond-field").first.input_value() == "enable_reminder"
    assert page.get_by_test_id("effect-field").first.input_value() == "next_follow_up"

    assert page.js_errors == []
    assert csp == []
    violations = axe_check(page)
    assert [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations] == []


def test_designer_definition_block_is_json():
    html = render("designer.html", app={"key": "crm", "label": "CRM"}, form={"key": "f", "label": "F"},
                  definition={"key": "f", "label": "</script><script>alert(1)</script>", "fields": []})
    start = html.index('id="designer-config">') + len('id="designer-config">')
    block = html[start:html.index("</script>", start)]
    assert json.loads(block)["definition"]["label"].startswith("</script>")


def test_form_fill_rules_errors_and_submit(page, static_site, axe_check):
    csp = _csp_watch(page)
    page.goto(static_site["url"] + "/form.html")
    page.get_by_test_id("fill-customer").wait_for()
    next_wrap = page.get_by_test_id("fill-next_follow_up")
    expect(next_wrap).to_be_hidden()                       # hidden until the reminder is on

    page.get_by_test_id("input-customer").fill("acme")
    page.get_by_role("option", name="Acme Trading").click()
    page.get_by_test_id("input-method").select_option("visit")
    page.get_by_test_id("input-content").fill("short")
    page.get_by_test_id("input-enable_reminder").check()
    expect(next_wrap).to_be_visible()
    expect(next_wrap.locator(".req")).to_be_visible()      # required while shown
    page.get_by_test_id("input-next_follow_up").fill("2020-01-01T09:00")
    page.get_by_test_id("input-next_follow_up").dispatch_event("change")

    page.get_by_test_id("submit").click()
    page.get_by_test_id("error-next_follow_up").wait_for()
    assert page.get_by_test_id("error-next_follow_up").inner_text() == "must be later than now"
    assert page.get_by_test_id("error-content").inner_text() == "at least 10 characters"   # mapped by path
    assert page.get_by_test_id("input-content").input_value() == "short"                   # nothing typed is lost
    first = static_site["submitted"][0]["data"]
    assert first["customer"] == 2 and first["method"] == "visit" and first["enable_reminder"] is True
    assert first["next_follow_up"].endswith("Z")

    # switching the reminder off hides the time and drops its value
    page.get_by_test_id("input-content").fill("a long enough visit report")
    page.get_by_test_id("input-enable_reminder").uncheck()
    expect(next_wrap).to_be_hidden()
    page.get_by_test_id("submit").click()
    page.get_by_test_id("form-success").wait_for()
    assert "next_follow_up" not in static_site["submitted"][1]["data"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.get_by_test_id("input-enable_reminder").check()
    page.screenshot(path=str(SCREENSHOTS / "form_fill.png"), full_page=True)
    assert page.js_errors == []
    assert csp == []
    violations = axe_check(page)
    assert [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations] == []


def test_designer_shows_server_errors_in_place(page, static_site):
    page.goto(static_site["url"] + "/designer-zh.html")       # loads the draft with GET …/draft
    page.get_by_test_id("field-customer").wait_for()
    assert page.get_by_test_id("tab-rules").inner_text() == "规则"
    page.get_by_test_id("palette-serial").focus()
    page.keyboard.press("Enter")
    page.get_by_test_id("field-serial").wait_for()
    page.locator("#p-options-format").fill("KH-{QQ}-{0000}")
    page.get_by_test_id("save-draft").click()
    card = page.get_by_test_id("field-serial")
    expect(card).to_have_class(re.compile("has-error"))
    expect(card).to_contain_text("unknown token {QQ}")
    expect(page.locator("#p-options-format")).to_have_class(re.compile("has-error"))
    assert page.locator("#p-options-format").input_value() == "KH-{QQ}-{0000}"      # what was typed stays
    page.locator("#p-options-format").fill("KH-{YYYYMMDD}-{0000}")
    expect(card).not_to_have_class(re.compile("has-error"))

    # a rule error with a position lands on the raw expression
    page.get_by_test_id("tab-rules").click()
    page.get_by_test_id("rule-raw-mode").click()
    page.get_by_test_id("rule-raw").fill("enable_reminder == nope")
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("rule-error")).to_contain_text("unknown symbol (@19)")
    page.get_by_test_id("rule-raw").fill("enable_reminder == true and (method == 'visit' or method == 'call')")
    page.get_by_test_id("rule-builder-mode").click()
    expect(page.get_by_test_id("cond-row")).to_have_count(3)
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("status")).to_have_text("草稿已保存")
    saved = static_site["drafts"][-1]
    assert saved["rules"][0]["when"] == "enable_reminder == true and (method == 'visit' or method == 'call')"
    assert any(f["id"] == "serial" and f["options"]["format"] == "KH-{YYYYMMDD}-{0000}" for f in saved["fields"])
    assert page.js_errors == []


def test_designer_undo_keeps_fifty_steps_and_phone_preview(page, static_site, axe_check):
    page.goto(static_site["url"] + "/designer.html")
    page.get_by_test_id("field-customer").wait_for()
    for _ in range(55):
        page.get_by_test_id("palette-text").click()
    assert page.locator(".field-card").count() == 6 + 55
    for _ in range(50):
        page.keyboard.press("Control+z")
    assert page.locator(".field-card").count() == 6 + 5
    page.keyboard.press("Control+Shift+z")
    assert page.locator(".field-card").count() == 6 + 6
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_test_id("tab-preview").click()
    page.get_by_test_id("preview-phone").click()
    assert [v["id"] for v in axe_check(page)] == []                  # phone layout too
    assert page.js_errors == []


@pytest.mark.parametrize("path", ["/index.html", "/records.html", "/record.html", "/inbox.html", "/designer-zh.html"])
def test_pages_are_accessible(page, static_site, axe_check, path):
    csp = _csp_watch(page)
    page.goto(static_site["url"] + path)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(100)
    assert page.js_errors == []
    assert csp == []
    violations = axe_check(page)
    assert [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations] == []
    page.screenshot(path=str(SCREENSHOTS / ("page_" + path.strip("/").replace(".html", ".png"))), full_page=True)


def test_record_list_sort_filter_search_and_export(page, static_site):
    page.goto(static_site["url"] + "/records.html")
    expect(page.get_by_test_id("records-table").locator("tbody tr")).to_have_count(20)
    assert "Visit" in page.get_by_test_id("records-table").locator("tbody tr").first.inner_text()
    page.get_by_test_id("sort-method").click()
    page.get_by_test_id("sort-method").click()
    page.get_by_test_id("filter-content").fill("report 1")
    page.get_by_test_id("records-search").fill("acme")
    page.wait_for_timeout(500)
    page.get_by_test_id("next-page").click()
    page.wait_for_timeout(100)
    last = static_site["queries"][-1]
    assert last["sort"] == "-method" and last["filter.content"] == "report 1" and last["search"] == "acme" and last["page"] == "2"
    href = page.get_by_test_id("export-csv").get_attribute("href")
    assert href.startswith("/api/apps/crm/forms/follow_up/records/export.csv?") and "sort=-method" in href


def test_designer_drag_and_drop(page, static_site):
    page.goto(static_site["url"] + "/designer.html")
    page.get_by_test_id("field-customer").wait_for()
    order = "s => [...document.querySelectorAll('[data-testid=section-' + s + '] .field-card')].map(e => e.dataset.id)"
    # from the palette into the second section, before the first card there
    page.get_by_test_id("palette-email").drag_to(page.get_by_test_id("field-enable_reminder"), target_position={"x": 20, "y": 5})
    expect(page.get_by_test_id("field-email")).to_be_visible()
    assert "email" in page.evaluate(order, "reminder")
    assert page.locator(".palette-item").count() == len(FIELD_TYPES.names())  # the palette keeps all types
    page.get_by_test_id("palette-search").fill("mail")
    expect(page.locator(".palette-item:visible")).to_have_count(1)
    page.get_by_test_id("palette-search").fill("")
    # reorder across sections
    page.get_by_test_id("field-result").drag_to(page.get_by_test_id("field-next_follow_up"), target_position={"x": 20, "y": 30})
    expect(page.get_by_test_id("section-reminder").get_by_test_id("field-result")).to_be_visible()
    assert "result" not in page.evaluate(order, "main")
    page.get_by_test_id("undo").click()
    expect(page.get_by_test_id("section-main").get_by_test_id("field-result")).to_be_visible()
    assert page.js_errors == []


def test_every_message_key_is_translated():
    """Each _('key') in the templates and t('key') in our scripts exists in en and zh-CN."""
    used = set()
    for path in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r"_\('([a-z_]+\.[a-z_]+)'", path.read_text(encoding="utf-8")))
    for path in STATIC_DIR.glob("*.js"):
        used |= set(re.findall(r"\bt\('([a-z_]+\.[a-z_]+)'", path.read_text(encoding="utf-8")))
    used |= {"type." + t for t in ("text", "select", "serial")} | {"op.eq", "rules.unparsable"}
    prefixes = {k for k in used if k.endswith("_")}  # t('editor.step_' + kind): a family of keys, each kind its own
    assert {p for p in prefixes if not any(k.startswith(p) for k in i18n.MESSAGES["en"])} == set()
    assert used - prefixes - set(i18n.MESSAGES["en"]) == set()
    assert set(i18n.MESSAGES["en"]) == set(i18n.MESSAGES["zh-CN"])
    assert i18n.gettext("fill.tz_note", "zh_CN", tz="Asia/Shanghai") == "时区：Asia/Shanghai"
    assert i18n.gettext("no.such.key", "en") == "no.such.key"
    assert i18n.label_text({"en": "Customer", "zh-CN": "客户"}, "zh") == "客户"


def test_designer_json_view_edit_and_parse_error(page, static_site):
    page.goto(static_site["url"] + "/designer.html")
    page.get_by_test_id("field-customer").wait_for()
    page.get_by_test_id("tab-json").click()
    assert json.loads(page.get_by_test_id("json-view").inner_text())["key"] == "follow_up"
    page.get_by_test_id("json-edit").click()
    text = page.get_by_test_id("json-text").input_value()
    page.get_by_test_id("json-text").fill(text.replace('"Result"', '"Outcome"') + "}")
    page.get_by_test_id("json-apply").click()
    expect(page.get_by_test_id("json-error")).to_contain_text("JSON parse error")
    assert page.get_by_test_id("json-text").input_value().endswith("}}")      # the text stays for fixing
    page.get_by_test_id("json-text").fill(text.replace('"Result"', '"Outcome"'))
    page.get_by_test_id("json-apply").click()
    page.get_by_test_id("tab-design").click()
    expect(page.get_by_test_id("field-result")).to_contain_text("Outcome")
    page.get_by_test_id("undo").click()
    expect(page.get_by_test_id("field-result")).to_contain_text("Result")
    assert page.js_errors == []


def test_designer_publish_refused_diff_and_rule_builder(page, static_site):
    page.goto(static_site["url"] + "/designer-zh.html")
    page.get_by_test_id("field-method").wait_for()
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("field-method")).to_contain_text("duplicate choice value 'call'")
    expect(page.get_by_test_id("error-summary")).to_contain_text("title field must exist")
    expect(page.get_by_test_id("choices-editor")).to_contain_text("duplicate choice value")   # method got selected
    page.get_by_test_id("diff").click()
    expect(page.get_by_test_id("diff-panel").locator("li")).to_have_count(2)

    page.get_by_test_id("tab-rules").click()
    page.get_by_test_id("add-rule").click()
    rule = page.get_by_test_id("rule-r2")
    rule.get_by_test_id("add-condition").first.click()
    rule.get_by_test_id("cond-field").select_option("enable_reminder")
    rule.get_by_test_id("add-group").first.click()
    rule.get_by_test_id("cond-field").nth(1).select_option("method")
    rule.get_by_test_id("cond-value-choice").nth(1).select_option("visit")
    rule.get_by_test_id("add-condition").first.click()           # the inner group comes first
    rule.get_by_test_id("cond-field").nth(2).select_option("method")
    rule.get_by_test_id("cond-value-choice").nth(2).select_option("call")
    expect(rule.get_by_test_id("rule-expression")).to_have_text(
        "enable_reminder == true and (method == 'visit' or method == 'call')")
    rule.get_by_test_id("add-effect").click()
    assert page.js_errors == []


def test_form_fill_runs_engine_compiled_rules(page, static_site):
    csp = _csp_watch(page)
    page.goto(static_site["url"] + "/form-compiled.html")
    page.get_by_test_id("fill-customer").wait_for()
    assert page.evaluate("() => typeof window.FormflowRules") == "object"
    expect(page.get_by_test_id("fill-next_follow_up")).to_be_hidden()
    page.get_by_test_id("input-enable_reminder").check()
    expect(page.get_by_test_id("fill-next_follow_up")).to_be_visible()
    expect(page.get_by_test_id("input-result")).to_be_editable()
    page.get_by_test_id("input-method").select_option("visit")
    expect(page.get_by_test_id("input-result")).not_to_be_editable()
    page.get_by_test_id("input-enable_reminder").uncheck()
    expect(page.get_by_test_id("fill-next_follow_up")).to_be_hidden()
    expect(page.get_by_test_id("input-result")).to_be_editable()
    assert page.js_errors == []
    assert csp == []
