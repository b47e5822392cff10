"""The features of forms and record writes, in the order they run: the one table (see ``engine.pipeline``).

``Runtime.open`` builds the pipeline from ``FEATURES`` and freezes it; within each phase the stages run in this
order, whatever order the modules happen to be imported in. A new feature is one ``FEATURE = Feature(...)`` at the
bottom of its module and one line here. What each phase holds, as this table makes it (tests/core/test_pipeline.py
asserts it)::

    access      permissions.check_record_access, approvals.refuse_locked_writes
    defaults    autofill.defaults_and_fetch_stage
    effects     formrules.effects_stage, permissions.write_effects
    assertions  formrules.validations_stage, attachments.refuse_foreign_attachments, member_limits.refuse_outside_limit*,
                dedup.check_before_save*
    fill        autofill.computed_stage, automations.before_save_stage, member_limits.refuse_filled_outside_limit
    after_save  owner_field.follow_owner_field*, autofill.propagate_stage*, automations.after_save_stage,
                attachments.bind_attachments, member_limits.refuse_stored_outside_limit, dedup.store_keys*,
                planner.plan_after_save*   (* with a set-based batch twin)
    compile     CompiledForm.rules, .autofill, .automations, .duplicate_check, .approval
    publish     owner_field, rules, autofill, automations, dedup, approvals (their definition checks)
"""
from __future__ import annotations

from engine import autofill, automations, dedup, formrules, owner_field
from engine.pipeline import Feature
from engine.services import approvals, attachments, member_limits, permissions
from engine.services import dashboards  # noqa: F401  (registers its app-template part; not on the write path)
from engine.workflows import planner

FEATURES: tuple[Feature, ...] = (
    owner_field.FEATURE,   # the record's owner follows its owner field, first after save (scopes and automations read it)
    formrules.FEATURE,     # rules: effects (visible / required / read-only / options / set value), submit validations
    autofill.FEATURE,      # formula defaults and fetches, computed values, roll-ups and live fetches elsewhere
    automations.FEATURE,   # before-save and after-save actions
    permissions.FEATURE,   # record rights (access), protected fields and unreadable references (effects)
    attachments.FEATURE,   # files bound to one record and field
    member_limits.FEATURE, # a member field limited to roles or teams takes only their people
    dedup.FEATURE,         # duplicate check before save, keys stored after
    planner.FEATURE,       # due-event rows of the form's workflows
    approvals.FEATURE,     # the lock of a pending approval (access)
)
