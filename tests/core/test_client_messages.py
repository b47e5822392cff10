"""Every text the browser scripts ask the catalogue for is there, in English and Chinese, and is sent to the browser
(issue 21, point 8: "the browser reading the same catalogue"). The keys are found in the scripts themselves: each
``t('…')`` call (``ff.t``, ``host.t``, ``window.formflow.t``) and each key-shaped string literal (the keys a widget keeps in
a table, as the region's level names, the filter builder's operators, the dashboard builder's chart types), and the codes the page is given to read: the field types' own checks
(``form.check.message``) and the rule runtime's evaluation errors (``error.eval.*``, thrown by runtime.js)."""
from __future__ import annotations

import re
from pathlib import Path

from designer_ui.i18n import CLIENT_PREFIXES, MESSAGES, client_messages
from engine.fields import FIELD_TYPES

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = [p for p in sorted((ROOT / "designer_ui" / "static").rglob("*.js")) if "vendor" not in p.parts]
RUNTIME = ROOT / "engine" / "rules" / "runtime.js"
#: a key passed to the translate call: t('fill.saved_record'), host.t("fill.choose", {...})
CALL = re.compile(r"""(?<![\w$])t2?\(\s*['"]([a-z][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)+)['"]\s*[,)]""")
#: a key kept in a table or passed on (a literal of a message family, not followed by '+': a dynamic key's stem)
LITERAL = re.compile(r"""['"]((?:fill|common|picker|records|editor|designer|rules|profile|error|dash|op)(?:\.[a-z_][a-z0-9_]*)+)['"](?!\s*\+)""")

#: a key built at run time in the translate call (t('editor.step_' + kind)): the two checks above cannot see it; a field
#: type's own name and description (type.*, typedesc.*, one per registered type, all sent) are the exception
BUILT = re.compile(r"""(?<![\w$])t2?\(\s*(?:[\w.]+\s*\?\s*)?['"](?!(?:type|typedesc)\.)([a-z][a-z0-9_.]*)['"]\s*\+""")


def _keys_in_scripts() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in SCRIPTS:
        source = path.read_text(encoding="utf-8")
        keys = set(CALL.findall(source)) | {k for k in LITERAL.findall(source) if not k.endswith("_")}
        if keys:
            found[path.relative_to(ROOT).as_posix()] = keys
    return found


def _missing(keys) -> list[str]:
    sent = client_messages("zh-CN")
    return sorted(k for k in keys if k not in MESSAGES["en"] or k not in MESSAGES["zh-CN"] or k not in sent
                  or not k.startswith(CLIENT_PREFIXES))


def test_every_key_the_scripts_ask_for_is_in_both_catalogues_and_sent_to_the_browser():
    found = _keys_in_scripts()
    assert sum(map(len, found.values())) > 150  # the grep still finds what it is meant to
    assert "designer_ui/static/formfill.js" in found and "designer_ui/static/widgets/subtable.js" in found
    assert {path: _missing(keys) for path, keys in found.items() if _missing(keys)} == {}


def test_no_script_builds_a_key_at_run_time():
    built = {path.relative_to(ROOT).as_posix(): BUILT.findall(path.read_text(encoding="utf-8")) for path in SCRIPTS}
    assert {path: stems for path, stems in built.items() if stems} == {}


def test_the_codes_the_page_is_given_to_read_are_sent_in_both_languages():
    checks = {t.client_check["message"] for t in (FIELD_TYPES.get(name) for name in FIELD_TYPES) if t.client_check}
    assert checks >= {"error.value.email", "error.value.phone", "error.value.url"}
    thrown = {f"error.eval.{c}" for c in re.findall(r'\bfail\("([a-z_]+)"\s*[,)]', RUNTIME.read_text(encoding="utf-8"))}
    assert len(thrown) > 20
    assert _missing(checks | thrown) == []


def test_a_zh_cn_page_gets_chinese_for_what_it_checks_before_sending():
    zh, en = client_messages("zh-CN"), client_messages("en")
    for key in ("error.field.required", "error.value.too_short", "error.row.required", "error.eval.division_by_zero",
                "fill.network_error", "fill.serial_on_save"):
        assert re.search(r"[\u4e00-\u9fff]", zh[key]) and zh[key] != en[key], key
