"""The features' pipeline: one table (``engine.features``), frozen per Runtime, the same whatever the import order."""
import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.definitions import CompiledForm
from engine.errors import ValidationFailed
from engine.features import FEATURES
from engine.pipeline import Feature, Pipeline
from engine.runtime import Runtime
from engine.services import records as rs
from tests.core.sample import install

ROOT = Path(__file__).resolve().parents[2]

#: the write path as it runs, phase by phase (it was the import order of engine/areas.py before the table existed)
EXPECTED = {
    "access": ["engine.services.permissions.check_record_access",
               "engine.services.approvals.refuse_locked_writes"],
    "defaults": ["engine.autofill.defaults_and_fetch_stage"],
    "effects": ["engine.formrules.effects_stage",
                "engine.services.permissions.write_effects"],
    "assertions": ["engine.formrules.validations_stage",
                   "engine.services.attachments.refuse_foreign_attachments",
                   "engine.services.member_limits.refuse_outside_limit",
                   "engine.dedup.check_before_save"],
    "fill": ["engine.autofill.computed_stage",
             "engine.automations.before_save_stage",
             "engine.services.member_limits.refuse_filled_outside_limit"],
    "after_save": ["engine.owner_field.follow_owner_field",
                   "engine.autofill.propagate_stage",
                   "engine.automations.after_save_stage",
                   "engine.services.attachments.bind_attachments",
                   "engine.services.member_limits.refuse_stored_outside_limit",
                   "engine.dedup.store_keys",
                   "engine.workflows.planner.plan_after_save"],
    "compile": ["rules -> CompiledForm.rules",
                "autofill -> CompiledForm.autofill",
                "automations -> CompiledForm.automations",
                "dedup -> CompiledForm.duplicate_check",
                "approvals -> CompiledForm.approval"],
    "check_publish": ["engine.owner_field.check_owner_field",
                      "engine.formrules._check_rules",
                      "engine.autofill._check",
                      "engine.automations._check",
                      "engine.dedup._publish_check",
                      "engine.services.approvals.check_definition"],
    "check_save": ["engine.automations._check_save",
                   "engine.services.approvals.check_definition"],
    "batch": ["engine.autofill.propagate_stage -> engine.autofill.propagate_batch",
              "engine.services.member_limits.refuse_outside_limit -> engine.services.member_limits.refuse_outside_limit_batch",
              "engine.dedup.check_before_save -> engine.dedup.check_batch",
              "engine.dedup.store_keys -> engine.dedup.store_keys_batch",
              "engine.workflows.planner.plan_after_save -> engine.workflows.planner.plan_batch"],
    "batch_dependencies": ["engine.dedup.batch_dependency"],
}

FEATURE_MODULES = ["engine.owner_field", "engine.formrules", "engine.autofill", "engine.automations", "engine.services.permissions",
                   "engine.services.attachments", "engine.services.member_limits", "engine.dedup", "engine.workflows.planner", "engine.services.dashboards",
                   "engine.services.approvals"]

#: a fresh interpreter imports the feature modules in a shuffled order, then opens a Runtime and prints its pipeline
_SHUFFLED = """
import importlib, json, random, sys
modules = json.loads(sys.argv[1])
random.Random(int(sys.argv[2])).shuffle(modules)
for name in modules:
    importlib.import_module(name)
from engine.runtime import Runtime
rt = Runtime.open(sys.argv[3])
print(json.dumps({"order": modules, "table": rt.pipeline.table()}))
rt.db.dispose()
"""


def test_the_table_in_order():
    assert [f.name for f in FEATURES] == ["owner_field", "rules", "autofill", "automations", "permissions", "attachments", "member_limits", "dedup",
                                          "planner", "approvals"]
    assert Pipeline.build(FEATURES).table() == EXPECTED


def test_a_runtime_holds_the_table_frozen(tmp_path):
    rt = Runtime.open(f"sqlite:///{tmp_path / 'p.db'}")
    try:
        p = rt.pipeline
        assert p.table() == EXPECTED
        assert all(isinstance(getattr(p, phase), tuple) for phase in ("access", "defaults", "effects", "assertions", "fill",
                                                                     "after_save", "publish_checks", "save_checks"))
        with pytest.raises(dataclasses.FrozenInstanceError):
            p.effects = ()
        with pytest.raises(TypeError):
            p.batch[p.after_save[0]] = print  # the batch twins can't be swapped either
    finally:
        rt.db.dispose()


@pytest.mark.parametrize("seed", [0, 1, 7, 19, 2026])
def test_import_order_cannot_change_the_pipeline(tmp_path, seed):
    out = subprocess.run([sys.executable, "-c", _SHUFFLED, json.dumps(FEATURE_MODULES), str(seed), f"sqlite:///{tmp_path / 's.db'}"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert sorted(result["order"]) == sorted(FEATURE_MODULES)
    assert result["table"] == EXPECTED, f"import order {result['order']}"


def test_the_harmless_looking_import_of_the_issue(tmp_path):
    """``import engine.dedup`` before ``engine.formrules`` used to reorder the assertions and the after-save stages."""
    code = _SHUFFLED.replace("random.Random(int(sys.argv[2])).shuffle(modules)", "modules.reverse()")
    out = subprocess.run([sys.executable, "-c", code, json.dumps(FEATURE_MODULES), "0", f"sqlite:///{tmp_path / 'r.db'}"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["order"].index("engine.dedup") < result["order"].index("engine.formrules")
    assert result["table"] == EXPECTED


def test_build_refuses_a_malformed_table():
    with pytest.raises(ValueError, match="listed twice"):
        Pipeline.build([FEATURES[0], FEATURES[0]])
    with pytest.raises(ValueError, match="no attribute"):
        Pipeline.build([Feature("x", artefact="nope", compile=lambda rt, conn, form: None)])
    with pytest.raises(ValueError, match="go together"):
        Pipeline.build([Feature("x", compile=lambda rt, conn, form: None)])
    with pytest.raises(ValueError, match="batch twin"):
        Pipeline.build([Feature("x", after_save_batch=lambda writes: None)])


def test_compiled_forms_carry_typed_artefacts(tmp_path, system):
    rt = Runtime.open(f"sqlite:///{tmp_path / 'a.db'}")
    try:
        install(rt, system)
        with rt.db.read() as conn:
            form = rs.compiled_form(rt, conn, "crm", "customer")
        assert form.features_compiled
        assert not hasattr(form, "extra")
        for f in FEATURES:
            if f.artefact:
                assert f.artefact in {x.name for x in dataclasses.fields(CompiledForm)}
    finally:
        rt.db.dispose()


@pytest.fixture
def traced(tmp_path, system):
    """A Runtime whose pipeline is the table plus one feature recording when each of its phases runs."""
    seen: list[str] = []

    def stage(phase):
        return lambda w: seen.append(f"{phase}:{w.action}")

    tracer = Feature("tracer", access=lambda rt, conn, actor, form, action, row: seen.append(f"access:{action}"),
                     **{phase: stage(phase) for phase in ("defaults", "effects", "assertions", "fill", "after_save")})
    base = Runtime.open(f"sqlite:///{tmp_path / 't.db'}")
    install(base, system)
    rt = dataclasses.replace(base, pipeline=Pipeline.build(FEATURES + (tracer,)))  # a new pipeline, not a changed one
    yield rt, seen
    base.db.dispose()


def test_a_write_runs_the_phases_top_to_bottom(traced, system):
    rt, seen = traced
    rec = rs.create_record(rt, system, "crm", "customer", {"name": "ACME"})
    assert seen == ["access:create", "defaults:create", "effects:create", "assertions:create", "fill:create", "after_save:create"]
    seen.clear()
    rs.update_record(rt, system, "crm", "customer", rec["id"], {"name": "ACME 2"})
    assert seen == ["access:update", "defaults:update", "effects:update", "assertions:update", "fill:update", "after_save:update"]
    seen.clear()
    with pytest.raises(ValidationFailed):  # a bad value: the assertions and everything after them don't run
        rs.create_record(rt, system, "crm", "customer", {"name": "x" * 300})
    assert seen == ["access:create", "defaults:create", "effects:create"]
    seen.clear()
    with rt.db.read() as conn:
        rs.validate_record(rt, system, rs.compiled_form(rt, conn, "crm", "customer"), {"name": "B"}, conn=conn)
    assert seen == ["defaults:create", "effects:create", "assertions:create"]
