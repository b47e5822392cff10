"""The guard behind "every server error message used by the UI has a zh-CN text" (issue 21): an error item built
without a message code reaches a zh-CN reader as its code's words with the English detail beside them, so none may be
added. Walks the sources of ``engine/`` and ``designer_ui/`` for error items built by hand (``ErrorItem(message, ...)``
rather than ``ErrorItem.coded(message_code, ...)``) and for field-type option checks that answer with text instead of
``ctx.coded(...)``; each module may hold at most the count it held when the guard came in (``UNCODED_BUDGET``, to be
lowered as modules are coded, never raised), modules not listed none. The codes found must have their zh-CN texts
(test_message_catalogues), and tests/api/test_error_codes_corpus.py drives bad inputs through the API in zh-CN."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: where errors that reach the API and the UI are built
SOURCE_DIRS = ("engine", "designer_ui")
#: hand-built (uncoded) error items per module when this guard came in (2026-12-06): lower a number when you code some
UNCODED_BUDGET = {
    "designer_ui/admin_messages.py": 1,
    "designer_ui/preview_views.py": 1,
    "designer_ui/profile_views.py": 2,
    "designer_ui/public_form_views.py": 1,
    "engine/api/access_routes.py": 4,
    "engine/api/app_templates_routes.py": 5,
    "engine/api/approval_routes.py": 2,
    "engine/api/audit_filters.py": 3,
    "engine/api/comment_routes.py": 2,
    "engine/api/core.py": 4,
    "engine/api/dashboard_routes.py": 2,
    "engine/api/field_usage_routes.py": 8,
    "engine/api/form_version_routes.py": 1,
    "engine/api/import_routes.py": 5,
    "engine/api/limits.py": 1,
    "engine/api/live_routes.py": 1,
    "engine/api/notifications.py": 1,
    "engine/api/routes.py": 2,
    "engine/api/routes_ui_support.py": 5,
    "engine/api/routes_workflows.py": 5,
    "engine/api/rules_routes.py": 5,
    "engine/api/view_routes.py": 1,
    "engine/api/web_form_routes.py": 2,
    "engine/api/workspace_routes.py": 1,
    "engine/authority.py": 3,
    "engine/automations.py": 19,
    "engine/dashboards/definition.py": 18,
    "engine/dashboards/drill.py": 7,
    "engine/dedup.py": 17,
    "engine/definitions.py": 3,
    "engine/exports.py": 1,
    "engine/fields/relation.py": 1,
    "engine/imports/budget.py": 3,
    "engine/imports/jobs.py": 4,
    "engine/imports/mapping.py": 5,
    "engine/imports/reading.py": 1,
    "engine/moments.py": 1,
    "engine/notifications/channels/base.py": 1,
    "engine/notifications/netguard.py": 1,
    "engine/owner_field.py": 1,
    "engine/printing/document.py": 2,
    "engine/request_text.py": 2,
    "engine/services/app_templates.py": 15,
    "engine/services/approvals.py": 17,
    "engine/services/attachments.py": 3,
    "engine/services/credentials.py": 4,
    "engine/services/dashboards.py": 4,
    "engine/services/field_choices.py": 2,
    "engine/services/forms.py": 6,
    "engine/services/formula_editor.py": 1,
    "engine/services/idempotency.py": 1,
    "engine/services/live_values.py": 1,
    "engine/services/password_links.py": 1,
    "engine/services/permissions.py": 7,
    "engine/services/print_templates.py": 1,
    "engine/services/queries.py": 19,
    "engine/services/record_input.py": 2,
    "engine/services/records.py": 1,
    "engine/services/saved_views.py": 22,
    "engine/services/template_content.py": 1,
    "engine/services/template_delivery.py": 3,
    "engine/services/template_review.py": 3,
    "engine/services/templates.py": 5,
    "engine/services/web_forms.py": 18,
    "engine/services/workflows.py": 2,
    "engine/services/workspace_settings.py": 6,
    "engine/templating/errors.py": 1,
    "engine/workflows/compiled.py": 10,
    "engine/workflows/secrets.py": 3,
    "engine/workflows/steps.py": 11,
    "engine/workflows/timing.py": 1,
    "engine/workflows/triggers.py": 5,
}


def _uncoded(path: Path) -> int:
    """Hand-built error items in one module, plus option checks of a field type answering with text."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    count = 0
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            count += name == "ErrorItem"
        if isinstance(node, ast.FunctionDef) and node.name == "check_options":
            count += sum(1 for sub in ast.walk(node) if isinstance(sub, ast.Tuple) and len(sub.elts) >= 2 and (
                isinstance(sub.elts[1], ast.JoinedStr) or isinstance(sub.elts[1], ast.Constant) and isinstance(sub.elts[1].value, str)))
    return count


def _modules() -> dict[str, int]:
    found = {}
    for folder in SOURCE_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" not in path.parts:
                count = _uncoded(path)
                if count:
                    found[path.relative_to(ROOT).as_posix()] = count
    return found


def test_no_module_builds_more_uncoded_errors_than_it_did():
    over = {path: (count, UNCODED_BUDGET.get(path, 0)) for path, count in _modules().items()
            if count > UNCODED_BUDGET.get(path, 0)}
    assert over == {}, ("build these errors with ErrorItem.coded(message_code, ..., **params) and add the code's en and "
                        "zh_CN texts to engine/translations (path: (uncoded now, allowed)): %r" % over)


def test_the_field_types_code_their_option_checks():
    """A field type's option check answers with ctx.coded(...): the designer shows it in the reader's language."""
    fields = {path: count for path, count in _modules().items() if path.startswith("engine/fields/")}
    # relation.py: ReferenceType's own-app "refers to form" (its cross-app siblings are coded)
    assert fields == {"engine/fields/relation.py": 1}, fields


def test_the_guard_sees_a_hand_built_item_and_a_text_option_check(tmp_path):
    module = tmp_path / "sample.py"
    module.write_text("def check_options(self, field, ctx):\n    return [('options/x', f'bad {field}')]\n\n"
                      "def f():\n    return ErrorItem('is bad', path='/x'), ErrorItem.coded('error.x.y', path='/y')\n",
                      encoding="utf-8")
    assert _uncoded(module) == 2
