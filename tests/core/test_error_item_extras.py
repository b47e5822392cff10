"""An error item's extras: the ones it declares names per language (``bilingual``) read in the reader's language, every
other extra is sent as it is, even a {"en", "zh-CN"} map (a password's ``messages``: its text in every language)."""
from __future__ import annotations

from engine.errors import ErrorItem

NAME = {"en": "Check", "zh-CN": "检查"}
TEXTS = {"en": "too short", "zh-CN": "太短"}


def test_declared_extras_read_in_the_readers_language_and_the_others_stay_whole():
    item = ErrorItem.coded("error.rule.not_satisfied", name="'Check'", extra={"messages": TEXTS, "reason": "too_short"},
                           bilingual_extra={"rule": NAME})
    assert item.to_dict("zh-CN")["rule"] == "检查" and item.to_dict("en")["rule"] == "Check"
    assert item.to_dict()["rule"] == "Check"  # no language asked: English
    for locale in (None, "en", "zh-CN"):
        out = item.to_dict(locale)
        assert out["messages"] == TEXTS and out["reason"] == "too_short"
        assert "bilingual" not in out


def test_an_extra_declared_later_is_rendered_too():
    item = ErrorItem.coded("error.rule.not_satisfied", name="'Check'", extra={"names": TEXTS})
    item.add_bilingual(where={"en": "rule 'Check'", "zh-CN": "规则“检查”"}).extra["validation"] = "v1"
    out = item.to_dict("zh-CN")
    assert (out["where"], out["validation"], out["names"]) == ("规则“检查”", "v1", TEXTS)
