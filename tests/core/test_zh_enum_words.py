"""A message that names an enum value (a view type, a cron field, a write scope, an app part, a chart's aggregate or
date bucket, a role's capability) names it in the reader's words: the parameter is ``i18n.words(prefix, value)``, the value's texts in
every language, so a zh-CN reader sees "看板视图需要…", not "kanban 视图需要…". Each message is built through the
code that builds it (the cron parser, the view and dashboard checks, the publisher's write scope, an app's parts) with
every value of its enum, and its zh-CN text must hold no ASCII word but the free values it quotes (a form key, the
part of a schedule as typed, a field id); its English text still names the value in English words. A wrong cron field
says what it takes ("0 to 59") in the reader's words too, not croniter's English refusal."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from engine import i18n
from engine.authority import update_refusal
from engine.dashboards.definition import check_dashboard
from engine.definitions import CompiledForm
from engine.errors import ErrorItem, ValidationFailed
from engine.services.app_templates import FORM_PARTS, part_words
from engine.services.definition_access import DEFINITION_READERS
from engine.services.permissions import CAPABILITIES, capability_words
from engine.services.saved_views import BOARD_FIELDS, check_definition
from engine.workflows.timing import TimingError, parse_cron

ROOT = Path(__file__).resolve().parents[2]
CRM = json.loads((ROOT / "builtin_apps" / "crm.json").read_text("utf-8"))
ASCII_WORD = re.compile(r"[A-Za-z]{2,}")


def crm_form(key: str) -> CompiledForm:
    definition = next(f for f in CRM["forms"] if f["key"] == key)
    return CompiledForm(form_id=0, key=key, app_key="crm", version=1, definition=definition)


def ascii_words(text: str, *quoted: str) -> list[str]:
    """The ASCII words of a zh-CN text once the free values it quotes are taken out."""
    for value in sorted(quoted, key=len, reverse=True):
        text = text.replace(value, "")
    return ASCII_WORD.findall(text)


def test_the_guard_sees_what_it_is_meant_to():
    assert ascii_words("kanban 视图需要日期字段") == ["kanban"]
    assert ascii_words("计划的“分”部分 'L' 使用了不支持的语法", "'L'") == []
    assert ascii_words("这会修改 crm/customer 中的记录", "crm/customer") == []


# -- the cron parser: each of its five fields -------------------------------------------------------------------------

CRON_FIELDS = ["minute", "hour", "day of month", "month", "day of week"]


@pytest.mark.parametrize("index,english", list(enumerate(CRON_FIELDS)), ids=CRON_FIELDS)
@pytest.mark.parametrize("part", ["L", "99"], ids=["unsupported", "invalid"])
def test_a_cron_field_is_named_in_the_readers_words(index, english, part):
    parts = ["*"] * 5
    parts[index] = part
    with pytest.raises(TimingError) as info:
        parse_cron(" ".join(parts))
    item = info.value.errors[0]
    assert item.message_code in ("error.timing.cron_syntax", "error.timing.cron_field")
    assert item.message.startswith(f"{english} field '{part}'")  # English: the field's English name, as it read
    zh = item.localized("zh-CN")
    assert ascii_words(zh, repr(part), "jan-dec", "sun-sat") == [], zh  # the names a field takes are typed as such
    assert i18n.render("error.timing.cron_unit." + ["minute", "hour", "day_of_month", "month", "day_of_week"][index],
                       "zh-CN") in zh


# -- the saved views: a board without the setting its type needs ------------------------------------------------------

@pytest.mark.parametrize("setting", sorted(BOARD_FIELDS))
def test_a_board_view_is_named_in_the_readers_words(setting):
    view_type = BOARD_FIELDS[setting][0]
    with pytest.raises(ValidationFailed) as info:
        check_definition(crm_form("customer"), set(), {"type": view_type})
    item = next(e for e in info.value.errors if e.message_code == "error.view.board_needs")
    assert item.path == f"/definition/{setting}" and item.message.startswith(f"a {view_type} view needs ")
    zh = item.localized("zh-CN")
    assert ascii_words(zh) == [], zh
    assert zh.startswith(i18n.render(f"error.view.type_name.{view_type}", "zh-CN") + "视图")


# -- the publisher's write scope ------------------------------------------------------------------------------------

@pytest.mark.parametrize("scope", ["own", "team", "none"])
def test_a_write_scope_is_named_in_the_readers_words(scope):
    item = update_refusal("crm/customer", scope, "/steps/0")
    zh = item.localized("zh-CN")
    assert ascii_words(zh, "crm/customer") == [], zh
    english = "no records" if scope == "none" else f"only {i18n.render(f'error.authority.scope.{scope}', 'en')} records"
    assert english in item.message  # "may change only your team's records", not "team only records"


# -- an app's parts ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("part", ["templates", "workflows", "dashboards"])
def test_an_app_part_is_named_in_the_readers_words(part):
    detail = {"en": "not valid", "zh-CN": "无效"}
    for code in ("error.app_template.parts_not_installed", "error.app_template.unsupported_part"):
        item = ErrorItem.coded(code, app="'crm'", part=part_words(part), detail=detail)
        zh = item.localized("zh-CN")
        assert ascii_words(zh, "'crm'") == [], zh
        assert i18n.render(f"error.app_template.part.{part}", "en") in item.message


def test_an_unknown_part_is_shown_as_typed():
    assert part_words("gadgets") == "gadgets"


# -- a dashboard's aggregate and date bucket -----------------------------------------------------------------------

def _dashboard_errors(chart: dict) -> list[ErrorItem]:
    base = {"key": "c", "type": "bar", "title": {"en": "C", "zh-CN": "C"}, "form": "customer"}
    errors, _ = check_dashboard({"key": "d", "label": {"en": "D", "zh-CN": "D"}, "charts": [base | chart]},
                                {"customer": crm_form("customer")})
    return errors


@pytest.mark.parametrize("op", ["sum", "avg", "min", "max"])
def test_an_aggregate_is_named_in_the_readers_words(op):
    without = _dashboard_errors({"aggregate": {"op": op}, "group_by": {"field": "level"}})
    with_text = _dashboard_errors({"aggregate": {"op": op, "field": "name"}, "group_by": {"field": "level"}})
    items = [e for e in without + with_text if e.message_code in ("error.dashboard.needs_numeric_field", "error.dashboard.not_numeric")]
    assert len(items) == 2, [e.message for e in without + with_text]
    for item in items:
        zh = item.localized("zh-CN")
        assert ascii_words(zh, "'name'") == [], zh
        assert item.message.startswith(i18n.render(f"error.dashboard.op.{op}", "en") + " needs ")


@pytest.mark.parametrize("bucket", ["day", "week", "month", "year"])
def test_a_date_bucket_is_named_in_the_readers_words(bucket):
    errors = _dashboard_errors({"aggregate": {"op": "count"}, "group_by": {"field": "level", "bucket": bucket}})
    item = next(e for e in errors if e.message_code == "error.dashboard.bucket_needs_date")
    zh = item.localized("zh-CN")
    assert ascii_words(zh, "'level'") == [], zh
    assert f"groups by {bucket};" in item.message


# -- `formflow load-templates --update`: what an app template's update changes ------------------------------------

TEMPLATE_CHANGES = ["field_added", "field_deleted", "field_changed", "form_added", "form_removed_by_you",
                    *(f"{part}_changed" for part in FORM_PARTS)]


@pytest.mark.parametrize("change", TEMPLATE_CHANGES)
def test_a_template_change_is_named_in_the_shells_words(change):
    words = i18n.words("cli.crm.change.", change)
    assert isinstance(words, dict), f"add cli.crm.change.{change} to engine/translations"
    for key in ("cli.crm.apply", "cli.crm.keep"):
        zh = i18n.render(key, "zh-CN", {"form": "customer", "change": words, "what": "email"})
        assert ascii_words(zh, "customer", "email") == [], zh
        assert change not in i18n.render(key, "en", {"form": "customer", "change": words, "what": "email"})


@pytest.mark.parametrize("action", ["create", "review"])
def test_a_template_parts_action_is_named_in_the_shells_words(action):
    zh = i18n.render("cli.crm.part", "zh-CN", {"part": part_words("workflows"), "key": "follow_up",
                                               "action": i18n.words("cli.crm.action.", action)})
    assert ascii_words(zh, "follow_up") == [], zh


# -- a capability a role lacks ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("capability", CAPABILITIES)
def test_a_capability_is_named_in_the_readers_words(capability):
    params = {"capability": capability_words(capability)}
    zh = i18n.render("error.access.needs_capability", "zh-CN", params)
    assert ascii_words(zh) == [], zh
    assert repr(capability) not in i18n.render("error.access.needs_capability", "en", params)  # was "the 'design' capability"


def test_the_capabilities_that_read_definitions_are_named_in_the_readers_words():
    zh = i18n.render("error.access.read_definitions", "zh-CN", {"capabilities": capability_words(*DEFINITION_READERS)})
    assert ascii_words(zh) == [] and zh.count("、") == len(DEFINITION_READERS) - 1, zh
