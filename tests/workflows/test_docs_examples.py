"""docs/workflows.md says what the engine does: its workflow examples satisfy schemas/workflow.schema.json (the docs
once said ``"on": "created"`` where the schema wants an array), and its webhook payload example has exactly the keys
of a payload the scheduler really sends (a local receiver, the clock's tick)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema

from engine.definitions import meta_schema
from engine.scheduler import tick
from tests.workflows.test_webhook_payload import api, hook  # noqa: F401  (fixtures)

DOC = Path(__file__).resolve().parents[2] / "docs" / "workflows.md"


def json_blocks() -> list[dict]:
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)```", DOC.read_text("utf-8"), re.S)]


def test_workflow_examples_satisfy_the_schema():
    examples = [b for b in json_blocks() if "trigger" in b]
    assert examples, "docs/workflows.md has no workflow example"
    validator = jsonschema.Draft202012Validator(meta_schema("workflow"))
    for example in examples:
        assert [e.message for e in validator.iter_errors(example)] == [], example["key"]
    # a trigger written inline in the prose ({"type": ..., "on": ...}) is checked too
    trigger = jsonschema.Draft202012Validator({**meta_schema("workflow")["$defs"]["trigger"], "$defs": meta_schema("workflow")["$defs"]})
    for inline in re.findall(r"`(\{\"type\": \"(?:record_event|delay|date_relative|schedule)\"[^`]*\})`", DOC.read_text("utf-8")):
        assert [e.message for e in trigger.iter_errors(json.loads(inline))] == [], inline


def test_the_documented_payload_has_the_keys_of_a_sent_one(api, client, hook):  # noqa: F811
    rt, sales = api
    example = [b for b in json_blocks() if "idempotency_key" in b]
    assert len(example) == 1, "docs/workflows.md shows one webhook payload"
    example = example[0]
    workflow = {"key": "tell_erp", "form": "reminder", "trigger": {"type": "record_event", "on": ["created"]},
                "steps": [{"id": "erp", "type": "webhook", "url": hook.url, "fields": ["customer", "status"],
                           "message": {"subject": "Follow up {{ record.customer }}", "body": "Call {{ record.customer }}"}}]}
    assert client.post("/api/apps/crm/workflows", json=workflow).status_code == 201
    assert client.post("/api/apps/crm/workflows/tell_erp/publish").status_code == 201
    client.post("/api/apps/crm/forms/reminder/records", json={"data": {"customer": "ACME", "status": "pending"}, "owner_id": sales})
    tick(rt)
    assert len(hook.calls) == 1
    sent = json.loads(hook.calls[0][0])
    assert set(sent) == set(example)
    for part in ("record", "workflow", "recipient"):
        assert set(sent[part]) == set(example[part]), part
    assert set(sent["record"]["fields"]) == set(example["record"]["fields"]) == {"customer", "status"}
