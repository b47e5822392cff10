"""Chinese typography: no space between Chinese characters and an inserted Chinese word. A zh_CN text puts a
placeholder that renders Chinese words (a field type's or a value kind's name, a label: ``type_words``, ``kind_words``,
``i18n.texts`` of a kind) right against the Chinese around it ("图表不能按{type}字段分组", not "按 {type} 字段"); a space
stays only beside placeholders holding numbers, ids, keys, codes or English-only values ("共 {count} 条", "表单 {form}").
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
ZH_CATALOGUES = (ROOT / "engine" / "translations" / "zh_CN" / "LC_MESSAGES" / "engine.po",
                 ROOT / "designer_ui" / "translations" / "zh_CN" / "LC_MESSAGES" / "messages.po")

#: placeholders whose value reads as Chinese words in zh-CN (type_words, kind_words, a place's kind, a label)
CHINESE_PLACEHOLDERS = frozenset({
    "type",  # a field type's name: type_words / FieldType.label ("单行文本")
    "kind", "left", "right", "items", "member", "yes", "no", "expect",  # a value kind (kind_words, place/value kinds)
    "label",  # a template's or a form's label in the reader's language
    "view_type", "unit_name", "scope", "bucket",  # an enum value's words (i18n.words: view type, cron field, scope...)
})
#: placeholders of these names in these texts that hold something else (a key, a code as typed), so keep their space
NOT_CHINESE = {
    ("error.choices.no_type", "type"): "the requested type name, quoted as given (no such type)",
    ("error.choices.none", "type"): "the requested type name, quoted",
    ("error.definition.unknown_type", "type"): "an unknown type name, quoted as given",
    ("error.formula_editor.unknown_result_type", "type"): "an unknown result type, quoted as given",
    ("error.value.picture_format", "kind"): "an image file format (png, webp)",
}
#: texts whose Chinese-rendering placeholder has a different name (checked by key: the name holds codes elsewhere)
CHINESE_IN = {
    ("diff.field_type", "old"), ("diff.field_type", "new"),  # field type names (form_diff._type_name)
    ("error.form.incompatible_type", "old"), ("error.form.incompatible_type", "new"),  # type_words
    ("detail.changed", "field"),  # the field's label (record history)
    ("error.app_template.parts_not_installed", "part"), ("error.app_template.unsupported_part", "part"),  # an app part
    ("error.dashboard.needs_numeric_field", "op"), ("error.dashboard.not_numeric", "op"),  # an aggregate's words
    ("cli.crm.apply", "change"), ("cli.crm.keep", "change"),  # what a template update changes (cli.crm.change.*)
}
CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
#: a placeholder with a space between it and a Chinese character on either side
SPACED = re.compile(rf"(?<=[{CJK}])[ \u00a0]+\{{(\w+)\}}|\{{(\w+)\}}(?=[ \u00a0]+[{CJK}])")


def spaced_chinese_placeholders(key: str, text: str) -> list[str]:
    """The Chinese-rendering placeholders of ``text`` (the zh_CN text of ``key``) set apart from Chinese by a space."""
    out = []
    for match in SPACED.finditer(text):
        name = match.group(1) or match.group(2)
        if name in out:
            continue
        if (name in CHINESE_PLACEHOLDERS and (key, name) not in NOT_CHINESE) or (key, name) in CHINESE_IN:
            out.append(name)
    return out


def _texts(path: Path):
    with path.open("rb") as fh:
        for message in read_po(fh, locale="zh_CN"):
            if not message.id:
                continue
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            for text in (message.string if isinstance(message.string, tuple) else (message.string,)):
                yield key, text or ""


@pytest.mark.parametrize("path", ZH_CATALOGUES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_space_between_chinese_and_a_chinese_placeholder(path):
    found = [f"{key}: {{{name}}} in {text!r}" for key, text in _texts(path) for name in spaced_chinese_placeholders(key, text)]
    assert found == [], "write the Chinese word against the Chinese around it:\n" + "\n".join(found)


def test_the_exceptions_are_still_in_the_catalogues():
    """An exception for a text that is gone or no longer spaced would keep the list honest-looking but dead."""
    texts = {key: text for path in ZH_CATALOGUES for key, text in _texts(path)}
    for key, name in [*NOT_CHINESE, *CHINESE_IN]:
        assert f"{{{name}}}" in texts.get(key, ""), (key, name)


def test_the_guard_sees_what_it_is_meant_to():
    assert spaced_chinese_placeholders("x", "图表不能按 {type} 字段分组") == ["type"]
    assert spaced_chinese_placeholders("x", "图表不能按{type}字段分组") == []
    assert spaced_chinese_placeholders("x", "但 {kind} {key} 仍在使用它") == ["kind"]  # {key} is a key: its space stays
    assert spaced_chinese_placeholders("x", "共 {count} 条，表单 {form}") == []
    assert spaced_chinese_placeholders("error.choices.no_type", "没有字段类型 {type}") == []
    assert spaced_chinese_placeholders("diff.field_type", "类型由 {old} 改为 {new}") == ["old", "new"]
