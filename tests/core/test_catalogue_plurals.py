"""A count reads as a person says it: no catalogue text hedges with "(s)" ("1 user(s)"); a text that counts is a
gettext plural entry (msgid_plural "<key>.plural"), its form picked by the count (issue 21, point 8)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from engine import i18n

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted([*ROOT.glob("designer_ui/translations/*/LC_MESSAGES/messages.po"),
                     *ROOT.glob("engine/translations/*/LC_MESSAGES/engine.po")])
#: a hedged plural ("user(s)", "个(s)"); a web address's scheme "http(s)" is not one
HEDGED = re.compile(r"(?<!http)\(s\)", re.I)


def test_there_are_catalogues_to_read():
    assert len(CATALOGUES) == 4, CATALOGUES


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_catalogue_text_hedges_a_plural_with_s_in_brackets(path):
    with path.open("rb") as f:
        catalogue = read_po(f)
    hedged = []
    for message in catalogue:
        texts = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        hedged += [f"{message.id}: {t}" for t in texts if t and HEDGED.search(t)]
    assert hedged == []


@pytest.mark.parametrize("count, en, zh", [
    (1, "1 user still holds the role 'x': Ann", "仍有 1 位用户拥有角色 'x'：Ann"),
    (3, "3 users still hold the role 'x': Ann", "仍有 3 位用户拥有角色 'x'：Ann"),
])
def test_a_counted_refusal_takes_the_form_its_count_asks_for(count, en, zh):
    params = {"count": count, "role": repr("x"), "names": "Ann"}
    assert i18n.render("error.role.held", "en", params) == en
    assert i18n.render("error.role.held", "zh-CN", params).replace(" ", "") == zh.replace(" ", "")
    assert i18n.render("error.login.locked_minutes", "en", {"minutes": count, "count": count}).endswith(
        f"{count} minute" + ("s" if count != 1 else ""))
