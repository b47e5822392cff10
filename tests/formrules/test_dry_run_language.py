"""The dry-run says why a rule or validation could not be evaluated in the caller's language (issue 21, point 8): the
report's ``error`` is the catalogue's text of its ``error_code`` (Chinese for a zh-CN reader, English for an API client
that asks for no language), and the refusals beside it read in the same language."""
import re

from engine.runtime import Actor
from engine.services import records as rs
from tests.formrules import scenario

URL = "/api/apps/crm/forms/follow_up/dry-run"
#: a next follow-up time the validation "next_follow_up > $now" cannot read as a date and time
DATA = {"method": "call", "content": "Called", "enable_reminder": True, "next_follow_up": "soon"}


def _report(client, headers):
    seen = client.post(URL, json={"data": {**DATA, "customer": headers.pop("_customer")}}, headers=headers)
    assert seen.status_code == 200, seen.get_json()
    body = seen.get_json()
    [report] = [v for v in body["validations"] if v["id"] == "v1"]
    return body, report


def test_an_evaluation_error_in_a_dry_run_reads_in_the_callers_language(client, app):
    rt = app.extensions["formflow"]
    scenario.install(rt, Actor.system())
    customer = rs.create_record(rt, Actor.system(), "crm", "customer", {"name": "ACME"})["id"]
    h = scenario.api_headers(rt)

    body, report = _report(client, {**h, "Accept-Language": "zh-CN", "_customer": customer})
    assert report["error_code"] == "error.eval.expected.datetime" and report["error_params"] == {"value": "'soon'"}
    assert report["error"] == "记录中的 'soon' 应为日期时间"
    assert body["errors"] and all(re.search(r"[\u4e00-\u9fff]", e["message"]) for e in body["errors"])

    _, english = _report(client, {**h, "_customer": customer})
    assert english["error"] == "the record holds 'soon' where a date and time was expected"


def test_why_an_automation_does_not_fire_reads_in_the_callers_language(client, app):
    rt = app.extensions["formflow"]
    scenario.install(rt, Actor.system())
    customer = rs.create_record(rt, Actor.system(), "crm", "customer", {"name": "ACME"})["id"]
    h = scenario.api_headers(rt)
    data = {"customer": customer, "method": "call", "content": "Called", "enable_reminder": False}
    zh = client.post(URL, json={"data": data}, headers={**h, "Accept-Language": "zh-CN"}).get_json()
    en = client.post(URL, json={"data": data}, headers=h).get_json()
    [auto_zh], [auto_en] = zh["automations"], en["automations"]
    assert auto_zh["why_code"] == auto_en["why_code"] == "dryrun.why.condition_false"
    assert auto_zh["why"] == "条件不成立：enable_reminder == true"
    assert auto_en["why"] == "the condition is false: enable_reminder == true"
    assert auto_zh["clauses"] == [{"clause": "enable_reminder == true", "value": False}]
