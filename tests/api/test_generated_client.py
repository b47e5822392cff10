"""A typed client generated from the served /api/openapi.json builds, publishes and reads back a workflow.

``datamodel-code-generator`` (a real generator, run as its console script) turns the document's components
into pydantic models: the form, workflow, dashboard and notification-template bodies are the JSON Schemas of
``schemas/`` (issue 23), so a client gets typed classes for them, not ``{"type": "object"}``. The test builds
a form and a record-event workflow (webhook, then a branch with a notify step in ``else``) only from those
classes, sends them to the app served on a real port over HTTP, publishes, and parses what comes back with
the same classes; a body the schema refuses (``"on": "created"`` as a string) is refused by the client too.
"""
from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import urllib.error
import urllib.request

import pydantic
import pytest

from tests.conftest import served

GENERATOR = shutil.which("datamodel-codegen")


class TypedClient:
    """The HTTP half of the client: JSON over urllib, bodies in and out as the generated models."""

    def __init__(self, base: str, token: str, models):
        self.base, self.token, self.models = base, token, models

    def call(self, method: str, path: str, body: pydantic.BaseModel | dict | None = None) -> tuple[int, dict]:
        if isinstance(body, pydantic.BaseModel):
            body = body.model_dump(mode="json", by_alias=True, exclude_none=True)
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as refused:
            return refused.code, json.loads(refused.read() or b"{}")

    def create_form(self, app: str, form) -> dict:
        status, body = self.call("POST", f"/api/apps/{app}/forms", form)
        assert status == 201, body
        status, body = self.call("POST", f"/api/apps/{app}/forms/{getattr(form.key, 'root', form.key)}/publish")
        assert status == 201, body
        return body

    def create_workflow(self, app: str, workflow) -> dict:
        status, body = self.call("POST", f"/api/apps/{app}/workflows", workflow)
        assert status == 201, body
        return body

    def publish_workflow(self, app: str, key: str) -> dict:
        status, body = self.call("POST", f"/api/apps/{app}/workflows/{key}/publish")
        assert status == 201, body
        return body

    def workflow(self, app: str, key: str):
        status, body = self.call("GET", f"/api/apps/{app}/workflows/{key}")
        assert status == 200, body
        return body, self.models.WorkflowDefinition.model_validate(body["definition"])


def generate_models(document_url: str, folder):
    """Run the generator on the served document; import the module it writes."""
    assert GENERATOR, "datamodel-code-generator is a test extra (setup.cfg): pip install -e '.[test]'"
    spec = folder / "openapi.json"
    with urllib.request.urlopen(document_url, timeout=30) as response:
        spec.write_bytes(response.read())
    out = folder / "formflow_models.py"
    done = subprocess.run([GENERATOR, "--input", str(spec), "--input-file-type", "openapi", "--output", str(out),
                           "--output-model-type", "pydantic_v2.BaseModel", "--target-python-version", "3.11"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    module_spec = importlib.util.spec_from_file_location("formflow_models", out)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules["formflow_models"] = module  # pydantic resolves forward references through the module
    module_spec.loader.exec_module(module)
    return module


def test_a_generated_client_builds_and_publishes_a_workflow(app, admin_token, tmp_path):
    rt = app.extensions["formflow"]
    rt.config["WEBHOOK_ALLOWLIST"] = ["127.0.0.1/32"]
    with served(app) as server:
        base = f"http://127.0.0.1:{server.server_port}"
        m = generate_models(base + "/api/openapi.json", tmp_path)
        for component in ("FormDefinition", "WorkflowDefinition", "DashboardDefinition", "NotificationTemplate", "WorkflowDefStep"):
            assert issubclass(getattr(m, component), pydantic.BaseModel), component
        client = TypedClient(base, admin_token, m)
        assert client.call("POST", "/api/apps", {"key": "desk", "label": {"en": "Maintenance desk"}})[0] == 201

        form = m.FormDefinition.model_validate({"key": "repair", "label": {"en": "Repair"}, "fields": [
            {"id": "unit", "type": "text", "required": True}, {"id": "urgent", "type": "boolean"}]})
        client.create_form("desk", form)

        workflow = m.WorkflowDefinition(
            key="repair_alert", form="repair", label={"en": "Repair alert"},
            trigger=m.WorkflowDefTrigger(type="record_event", on=["created"]),
            steps=[
                m.WorkflowDefStep(id="hook", type="webhook", url=base + "/nowhere", fields=["unit"]),
                m.WorkflowDefStep(id="which", type="condition", **{"if": "urgent == true"},
                                  then=[m.WorkflowDefStep(id="tell_owner", type="notify", to=[{"owner": True}], channels=["inbox"],
                                                          message=m.WorkflowDefMessage(subject="Urgent: {{ record.unit }}", body="Now"))],
                                  **{"else": [m.WorkflowDefStep(id="tell_later", type="notify", to=[{"owner": True}], channels=["inbox"],
                                                                message=m.WorkflowDefMessage(body="When you can: {{ record.unit }}"))]}),
            ])
        created = client.create_workflow("desk", workflow)
        assert created["key"] == "repair_alert" and created["published_version"] is None
        published = client.publish_workflow("desk", "repair_alert")
        assert published["version"] == 1

        answer, read_back = client.workflow("desk", "repair_alert")
        assert answer["published_version"] == 1 and answer["enabled"] is True
        assert [s.id for s in read_back.steps] == ["hook", "which"]
        branch = read_back.steps[1]
        assert [s.id for s in branch.then] == ["tell_owner"] and [s.id for s in getattr(branch, "else_")] == ["tell_later"]
        assert [getattr(event, "value", event) for event in read_back.trigger.on] == ["created"]

        with pytest.raises(pydantic.ValidationError):  # the schema wants an array (docs/workflows.md once said "created")
            m.WorkflowDefTrigger.model_validate({"type": "record_event", "on": "created"})
        status, refused = client.call("POST", "/api/apps/desk/workflows", {**workflow.model_dump(mode="json", by_alias=True, exclude_none=True),
                                                                           "key": "loose", "trigger": {"type": "record_event", "on": "created"}})
        assert status == 422 and any(e["path"].startswith("/trigger/on") for e in refused["error"]["errors"]), refused


def test_definition_bodies_are_the_schemas_of_the_schemas_folder():
    from engine.api import standalone_openapi_document
    from engine.definitions import meta_schema
    from engine.services.template_content import CONTENT_KINDS, PRINT_KIND

    document = standalone_openapi_document()
    components, paths = document["components"]["schemas"], document["paths"]

    def body(path, method):
        return paths[path][method]["requestBody"]["content"]["application/json"]["schema"]

    expected = {("/api/apps/{app_key}/forms", "post"): "FormDefinition",
                ("/api/apps/{app_key}/workflows", "post"): "WorkflowDefinition",
                ("/api/apps/{app_key}/workflows/{workflow_key}/draft", "put"): "WorkflowDefinition",
                ("/api/apps/{app_key}/dashboards", "post"): "DashboardDefinition",
                ("/api/apps/{app_key}/notification-templates", "post"): "NotificationTemplate"}
    for (path, method), component in expected.items():
        assert body(path, method) == {"$ref": f"#/components/schemas/{component}"}, (path, method)
    dry_run = body("/api/apps/{app_key}/forms/{form_key}/dry-run", "post")["properties"]["definition"]
    assert dry_run["$ref"] == "#/components/schemas/FormDefinition"
    assert components["Automation"] == {"$ref": "#/components/schemas/FormDef_automation"}
    for name, component, prefix in (("workflow", "WorkflowDefinition", "WorkflowDef_"), ("dashboard", "DashboardDefinition", "DashboardDef_"),
                                    ("form", "FormDefinition", "FormDef_"), ("template", "NotificationTemplate", "TemplateDef_")):
        source = meta_schema(name)
        assert set(components[component]["properties"]) == set(source["properties"]), name
        assert components[component]["required"] == source["required"], name
        assert {f"{prefix}{d}" for d in source["$defs"]} <= set(components), name
    assert set(meta_schema("template")["$defs"]["content"]["properties"]) == set(CONTENT_KINDS) | {PRINT_KIND}  # print: print templates
    update = body("/api/apps/{app_key}/notification-templates/{template_key}", "patch")
    # a template's purpose is chosen once, at create: PATCH takes every other property
    assert update["required"] == [] and set(update["properties"]) == set(meta_schema("template")["properties"]) - {"purpose"}
