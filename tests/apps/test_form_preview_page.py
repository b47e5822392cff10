"""The designer's preview page (issue 21, point 3): the generated form on an unsaved draft, its compiled rules and computed
fields inline under their CSP hashes, framed by the designer only; a draft that can't run is a 422 page naming each
problem by its path; Submit saves nothing; designers only. SQLite and PostgreSQL."""
from __future__ import annotations

import base64
import copy
import hashlib
import json
import re

import pytest

from designer_ui.i18n import gettext
from engine.runtime import Actor
from engine.services import credentials, users

URL = "/apps/crm/forms/customer/preview"


@pytest.fixture
def crm(client):
    assert client.post("/api/app-templates/install", json={"template": "crm"}).status_code == 201
    return client


def _draft(client) -> dict:
    definition = copy.deepcopy(client.get("/api/apps/crm/forms/customer/draft").get_json()["definition"])
    definition["rules"] = [{"id": "r_key", "name": "Need for key customers", "when": "level == 'key'",
                            "effects": [{"field": "need", "visible": True}]}]
    definition["fields"].append({"id": "items", "name": "items", "type": "subtable", "label": {"en": "Products"},
                                 "options": {"fields": [{"id": "product", "name": "product", "type": "text", "label": {"en": "Product"}}]}})
    definition["layout"]["sections"][0]["fields"].append("items")
    return definition


def test_the_preview_runs_the_unsaved_drafts_compiled_rules(crm):
    answer = crm.post(URL, data={"definition": json.dumps(_draft(crm))})
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    assert len(scripts) == 2 and "window.formflowRules" in scripts[0] and "window.formflowComputed" in scripts[1]
    assert '"field": "need", "visible": true' in scripts[0]        # the draft's rule, not the published (rule-less) form
    policy = answer.headers["Content-Security-Policy"]
    for script in scripts:                                          # each inline script allowed by its hash, and nothing else
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy
    assert "unsafe-inline" not in policy and "frame-ancestors 'self'" in policy
    assert answer.headers["X-Frame-Options"] == "SAMEORIGIN"
    config = json.loads(re.search(r'<script type="application/json" id="form-config">(.*?)</script>', html, re.S).group(1))
    assert config["values"]["items"] == [{}]                         # a sample row to fill in
    assert config["submit_url"] == URL + "/submit"
    # other pages still refuse to be framed
    assert crm.get("/apps/crm/forms/customer/design").headers["X-Frame-Options"] == "DENY"
    assert crm.get("/api/apps/crm/forms/customer/draft").get_json()["definition"].get("rules", []) == []


def test_a_draft_that_cant_run_names_each_problem_by_its_path(crm):
    broken = _draft(crm)
    broken["rules"][0]["when"] = "level =="
    answer = crm.post(URL, data={"definition": json.dumps(broken)})
    assert answer.status_code == 422
    assert "/rules/0/when" in answer.get_data(as_text=True)
    assert crm.post(URL, data={"definition": "{not json"}).status_code == 422
    assert crm.post(URL, data={"definition": json.dumps({"fields": "x"})}).status_code == 422
    assert crm.post("/apps/crm/forms/nope/preview", data={"definition": "{}"}).status_code == 404


def test_submit_saves_nothing_and_only_designers_preview(crm, app):
    before = crm.get("/api/apps/crm/forms/customer/records").get_json()["total"]
    answer = crm.post(URL + "/submit", json={"data": {"name": "Preview Co"}})
    assert answer.status_code == 422 and answer.get_json()["error"]["message"] == "This is a preview: nothing was saved."
    assert crm.get("/api/apps/crm/forms/customer/records").get_json()["total"] == before
    rt = app.extensions["formflow"]
    member = users.create_user(rt, Actor.system(), "mo", display_name="Mo", roles=["member"], check=False)
    other = app.test_client()
    other.environ_base["HTTP_AUTHORIZATION"] = "Bearer " + credentials.create_token(rt, Actor.user(member["id"]), "t")["token"]
    assert other.post(URL, data={"definition": json.dumps(_draft(crm))}).status_code == 403


def test_a_chinese_designer_reads_the_previews_refusals_in_chinese(crm):
    """The problems of a draft that can't run, a body that is not a definition and the Submit's answer, in zh-CN."""
    broken = _draft(crm)
    broken["rules"][0]["when"] = "level =="
    page = crm.post(URL + "?lang=zh-CN", data={"definition": json.dumps(broken)}).get_data(as_text=True)
    listed = re.search(r'data-testid="preview-invalid".*?<ul role="list">(.*?)</ul>', page, re.S).group(1)
    problems = re.findall(r"<li>(.*?)</li>", listed, re.S)
    assert problems and all(re.search(r"[\u4e00-\u9fff]", p) for p in problems), problems
    assert gettext("preview.not_a_definition", "zh-CN") in crm.post(URL + "?lang=zh-CN", data={"definition": "{not json"}).get_data(as_text=True)
    answer = crm.post(URL + "/submit?lang=zh-CN", json={"data": {"name": "Preview Co"}})
    assert answer.get_json()["error"]["message"] == gettext("preview.nothing_saved", "zh-CN") != gettext("preview.nothing_saved", "en")
