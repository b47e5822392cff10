"""The gettext catalogues are complete: every key has a zh_CN text with the same placeholders as the English one, and
every message code the engine can produce (found in its source: ``"error.…"`` codes, item ``code="…"`` and error
classes' ``code = "…"``) has its zh_CN text, so no server message reaches a zh-CN reader in English."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from engine import i18n
from engine.errors import ErrorItem, NotFound, ValidationFailed
from engine.fields import FIELD_TYPES

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "engine"
#: every catalogue of the product: (directory, domain)
CATALOGUES = ((i18n.ENGINE_TRANSLATIONS, i18n.ENGINE_DOMAIN), (ROOT / "designer_ui" / "translations", "messages"))

MESSAGE_CODE = re.compile(r"""["'](error\.[a-z_]+(?:\.[a-z_]+)+)["']""")
ITEM_CODE = re.compile(r"""\bcode=["']([a-z_]+)["']""")
CLASS_CODE = re.compile(r"""^    code = ["']([a-z_]+)["']""", re.M)
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _placeholders(text: str) -> set[str]:
    """The ``{name}`` placeholders (a literal ``{% ... %}`` shown to a template author is text, not one)."""
    return set(PLACEHOLDER.findall(text))


def _engine_sources() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in ENGINE.rglob("*.py") if "migrations" not in p.parts]


@pytest.mark.parametrize("directory,domain", CATALOGUES, ids=[d for _, d in CATALOGUES])
def test_every_key_has_a_zh_cn_text_with_the_same_placeholders(directory, domain):
    if not i18n.po_path(directory, "en", domain).exists() and domain == "messages":
        pytest.fail("designer_ui/translations is missing: run tools/messages_to_po")
    texts = i18n.read_catalogue(directory, domain)
    english, chinese = texts["en"], texts["zh-CN"]
    assert english, f"{directory}: no English texts"
    assert sorted(set(english) - set(chinese)) == [], "keys without a zh_CN text"
    assert sorted(set(chinese) - set(english)) == [], "zh_CN keys without an English text"
    assert {k: (_placeholders(english[k]), _placeholders(chinese[k])) for k in english
            if _placeholders(english[k]) != _placeholders(chinese[k])} == {}


def test_every_engine_message_code_has_a_zh_cn_text():
    codes: set[str] = set()
    for source in _engine_sources():
        codes |= set(MESSAGE_CODE.findall(source))
        codes |= {f"error.code.{c}" for c in ITEM_CODE.findall(source)}
        codes |= {f"error.{c}" for c in CLASS_CODE.findall(source)}
    assert len(codes) > 80  # the grep still finds what it is meant to
    missing = sorted(c for c in codes if not i18n.has_text(c, "zh-CN"))
    assert missing == [], f"add these to engine/translations (en and zh_CN engine.po): {missing}"


def test_field_types_say_what_they_expect_in_both_languages():
    for name, ftype in FIELD_TYPES.items():
        for fact in (ftype.expected, ftype.pattern_message):
            if isinstance(fact, dict):
                assert fact.get("en") and fact.get("zh-CN"), name


def test_an_item_renders_per_language_and_keeps_english_for_api_clients():
    item = ErrorItem.coded("error.value.too_long", path="/data/name", field_id="name", code="too_long", max=10)
    assert item.message == "is too long: at most 10 characters"
    assert item.localized("zh-CN") == "过长：最多 10 个字符"
    assert item.to_dict()["message"] == item.message and item.to_dict()["params"] == {"max": 10}
    assert item.to_dict("zh-CN")["message"] == "过长：最多 10 个字符"
    # an admin's own bilingual message (a submit validation) is taken in the reader's language
    check = ErrorItem.coded("error.rule.message", code="validation", message={"en": "Too early", "zh-CN": "太早了"})
    assert (check.message, check.localized("zh-CN")) == ("Too early", "太早了")
    # an item without its own message code reads as its code's text; an error as its class's
    plain = ErrorItem("is required", path="/comment", code="required")
    assert plain.localized("zh-CN") == "为必填项" and plain.localized("en") == "is required"
    detailed = ErrorItem("a comment saying why is required to reject", path="/comment", code="required")
    assert detailed.localized("zh-CN") == "为必填项（a comment saying why is required to reject）"
    # an error without its own code: its class's text, then its items in Chinese or (none) its English detail
    assert NotFound("customer 7 not found").localized("zh-CN") == i18n.render("error.not_found", "zh-CN") + "（customer 7 not found）"
    assert NotFound(i18n.render("error.not_found", "en")).localized("zh-CN") == i18n.render("error.not_found", "zh-CN")
    refused = ValidationFailed("the lead record is not valid", [plain, detailed, plain, plain])
    assert refused.localized("zh-CN") == (i18n.render("error.validation_failed", "zh-CN")
                                          + "（/comment：为必填项；/comment：为必填项（a comment saying why is required to reject）；"
                                          "/comment：为必填项；……）")


#: a dotted message key (``records.board.moved``), as the Python dict catalogues were keyed
DOTTED_KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
#: the keys of a per-language text table
LOCALE_KEYS = {*i18n.LOCALES, "zh", "zh_CN"}
#: where Python modules live that must not hold a message catalogue
SOURCE_DIRS = ("designer_ui", "engine", "formflow")


def _catalogue_dicts(path: Path) -> list[str]:
    """Module-level dicts of three or more dotted keys whose values are texts or (en, zh) pairs or locale maps of them,
    and statements that merge texts into ``MESSAGES`` at import."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in tree.body:
        value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
        if isinstance(value, ast.Dict):
            inner = [v for v in value.values if isinstance(v, ast.Dict)]
            for d in [value, *inner]:
                keys = [k.value for k in d.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
                texts = [v for v in d.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
                         or isinstance(v, ast.Tuple) and all(isinstance(e, ast.Constant) for e in v.elts)]
                if len(keys) >= 3 and sum(bool(DOTTED_KEY.match(k)) for k in keys) >= 3 and len(texts) >= 3:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
                    break
                # a per-language table of texts ({"en": .., "zh-CN": ..}): a sentence kept out of the catalogues
                if len(keys) >= 2 and set(keys) <= LOCALE_KEYS and len(texts) == len(keys) and any(
                        not str(ast.literal_eval(v)).isascii() for v in d.values):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} is a per-language text table")
                    break
        for sub in ast.walk(node) if isinstance(node, (ast.For, ast.Expr, ast.Assign)) else ():
            if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr == "update":
                target = ast.unparse(sub.func.value)
                if re.search(r"(MESSAGES|_CATALOGUE)\b", target):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} merges into {target}")
    return found


def test_no_python_dict_catalogue_remains():
    """Texts live in the .po catalogues only (tools/messages_to_po moved them): a module-level dict of message keys, or
    code that merges texts into ``i18n.MESSAGES`` at import, is a second source translators would never see."""
    found = [hit for d in SOURCE_DIRS for p in sorted((ROOT / d).rglob("*.py")) for hit in _catalogue_dicts(p)]
    assert found == [], "move these texts into the .po catalogues (tools/messages_to_po): " + ", ".join(found)
