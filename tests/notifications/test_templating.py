"""Tests for engine.templating: compile-time checks, sandbox, limits, filters."""
from datetime import datetime, timezone

import pytest

from engine.templating import (
    MAX_LOOP_ITERATIONS, MAX_TEMPLATE_LENGTH, MAX_TEMPLATE_OUTPUT, TemplateError,
    VariableScope, compile_template,
)

FOLLOW_UP_FIELDS = [
    {"id": "f_customer", "name": "customer", "type": "reference", "options": {"form": "customer"}},
    {"id": "f_time", "name": "reminder_time", "type": "datetime"},
    {"id": "f_content", "name": "content", "type": "textarea"},
    {"id": "f_done", "name": "done", "type": "boolean"},
    {"id": "f_tags", "name": "tags", "type": "multiselect", "options": {"choices": []}},
    {"id": "f_old", "name": "old_field", "type": "text", "deleted": True},
    {"id": "f_lines", "name": "lines", "type": "subtable",
     "options": {"fields": [{"id": "l_item", "name": "item", "type": "text"},
                            {"id": "l_amount", "name": "amount", "type": "money"}]}},
]
FORMS = {
    "customer": [
        {"id": "c_name", "name": "customer_name", "type": "text"},
        {"id": "c_level", "name": "level", "type": "select"},
        {"id": "c_owner", "name": "owner", "type": "user"},
        {"id": "c_parent", "name": "parent", "type": "reference", "options": {"form": "customer"}},
    ],
}
SCOPE = VariableScope.from_fields(FOLLOW_UP_FIELDS, FORMS.get)
DATA = {
    "record": {
        "id": 7, "customer": {"id": 1, "customer_name": "ACME <Ltd>", "level": "key",
                              "owner": {"name": "Wang", "manager": {"name": "Zhao"}}},
        "reminder_time": "2026-03-10T07:00:00Z", "content": "Bring the <b>contract</b>",
        "done": False, "tags": ["vip", "north"],
        "lines": [{"item": "A", "amount": "10.50"}, {"item": "B", "amount": "4.50"}],
    },
    "owner": {"id": 3, "name": "Li Lei", "tz": "Asia/Shanghai", "manager": {"name": "Han Meimei"}},
    "user": {"id": 3, "name": "Li Lei"},
    "workspace": {"id": 1, "name": "Sales"},
    "now": datetime(2026, 3, 9, 1, 0, tzinfo=timezone.utc),
    "link": "https://crm.example.com/r/7",
}


def compile_(src, kind="text"):
    return compile_template(src, SCOPE, name="reminder", kind=kind)


def refused(src, kind="text"):
    with pytest.raises(TemplateError) as info:
        compile_(src, kind)
    assert info.value.template == "reminder"
    return info.value


def test_realistic_reminder_renders():
    tpl = compile_(
        "{{ owner.name }}: follow up {{ record.customer.customer_name }} "
        "({{ record.customer.level }}) at {{ record.reminder_time|datetime('%m-%d %H:%M') }}.\n"
        "{% for line in record.lines %}{{ loop.index }}. {{ line.item }} {{ line.amount }}\n{% endfor %}"
        "CC {{ owner.manager.name }} / {{ record.customer.owner.manager.name }} - {{ link }}")
    out = tpl.render(DATA, tz="Asia/Shanghai")
    assert out.startswith("Li Lei: follow up ACME <Ltd> (key) at 03-10 15:00.\n1. A 10.50\n2. B 4.50\n")
    assert out.endswith("CC Han Meimei / Zhao - https://crm.example.com/r/7")
    assert {"owner.name", "record.customer.customer_name", "record.lines.item",
            "record.reminder_time", "owner.manager.name", "link"} <= tpl.variables_used
    assert "record" not in tpl.variables_used and "owner" not in tpl.variables_used


def test_html_is_autoescaped_text_is_not():
    src = "<p>{{ record.content }} for {{ record.customer.customer_name }}</p>"
    assert compile_(src, "html").render(DATA) == \
        "<p>Bring the &lt;b&gt;contract&lt;/b&gt; for ACME &lt;Ltd&gt;</p>"
    assert compile_(src).render(DATA) == "<p>Bring the <b>contract</b> for ACME <Ltd></p>"
    refused("{% autoescape false %}{{ record.content }}{% endautoescape %}", "html")
    refused("{{ record.content|safe }}", "html")


def test_user_data_is_never_template_code():
    data = {**DATA, "record": {**DATA["record"], "content": "{{ 7*7 }}{% for x in range(9) %}"}}
    assert compile_("{{ record.content }}").render(data) == "{{ 7*7 }}{% for x in range(9) %}"


def test_missing_values_render_empty():
    tpl = compile_("[{{ record.content }}][{{ record.customer.owner.manager.name }}][{{ now|datetime }}]")
    assert tpl.render({"record": {"content": None, "customer": None}}) == "[][][]"


def test_datetime_and_date_filters():
    tpl = compile_("{{ now|datetime }}|{{ now|datetime('%H:%M', 'America/New_York') }}|"
                   "{{ record.reminder_time|date }}|{{ record.reminder_time|date('%d/%m', 'Asia/Shanghai') }}")
    assert tpl.render(DATA) == "2026-03-09 01:00|21:00|2026-03-10|10/03"
    assert tpl.render(DATA, tz="Asia/Shanghai").startswith("2026-03-09 09:00|")
    naive = compile_("{{ now|datetime }}")
    with pytest.raises(TemplateError, match="without a time zone"):
        naive.render({"now": datetime(2026, 1, 1)})
    with pytest.raises(TemplateError, match="not a date and time"):
        compile_("{{ record.content|datetime }}").render(DATA)
    refused("{{ now|datetime('%Y', 'Mars/Base') }}")
    refused("{{ now|datetime('" + "%Y" * 40 + "') }}")


@pytest.mark.parametrize("src,message", [
    ("{{ customer_name }}", "unknown variable 'customer_name'"),
    ("{{ record.customer_nam }}", "'record' has no field 'customer_nam'"),
    ("{{ record.customer.nope }}", "'record.customer' has no field 'nope'"),
    ("{{ owner.manager.nick }}", "'owner.manager' has no field 'nick'"),
    ("{{ record.old_field }}", "has no field 'old_field'"),
    ("{{ record.lines.amount }}", "is a list"),
    ("{{ now.year }}", "is a date and time value"),
    ("{{ record.content.upper() }}", "calling functions"),
    ("{{ record|map('upper') }}", "'|map' is not available"),
    ("{{ workspace.name|center(999999999) }}", "'|center' is not available"),
    ("{{ '%s'|format(1) }}", "'|format' is not available"),
    ("{{ x|attr('__class__') }}", "'|attr' is not available"),
    ("{% set x = 1 %}{{ x }}{{ y }}", "unknown variable 'y'"),
])
def test_unknown_paths_and_filters_refused_at_compile(src, message):
    assert message in refused(src).message


@pytest.mark.parametrize("src", [
    "{{ record.__class__ }}",
    "{{ record.content.__class__.__mro__[1].__subclasses__() }}",
    "{{ record['__class__'] }}",
    "{{ ''.__class__ }}",
    "{% for x in [record] %}{{ x.mro }}{% endfor %}",
    "{% for x in [record] %}{{ x.__init__.__globals__ }}{% endfor %}",
    "{{ record|attr('__class__') }}",
    "{{ record.lines|sum(attribute='__class__') }}",
    "{{ cycler.__init__.__globals__.os }}",
    "{{ lipsum.__globals__ }}",
    "{{ self.__init__ }}",
    "{{ range.__self__ }}",
    "{% import 'x' as y %}",
    "{% from 'x' import y %}",
    "{% include 'secret.txt' %}",
    "{% extends 'base' %}",
    "{% macro m() %}x{% endmacro %}",
    "{% block b %}{% endblock %}",
    "{% for x in record.lines recursive %}{{ loop(x) }}{% endfor %}",
    "{{ record.content.format_map(record) }}",
])
def test_sandbox_escapes_refused_at_compile(src):
    refused(src)


def test_runtime_sandbox_still_contains_opaque_values():
    # `loop.previtem` is opaque to the checker; the sandbox still guards it.
    tpl = compile_("{% for x in record.tags %}{{ loop.previtem }}{% endfor %}")
    assert tpl.render(DATA) == "vip"
    tpl = compile_("{% for x in record.lines|sort(attribute='item') %}{{ x.item }}{% endfor %}")
    assert tpl.render(DATA) == "AB"


def test_field_named_like_dict_method_reads_the_value():
    scope = VariableScope.from_fields([{"id": "i", "name": "items", "type": "text"},
                                       {"id": "k", "name": "keys", "type": "number"}])
    tpl = compile_template("{{ record.items }}/{{ record.keys }}", scope, name="x")
    assert tpl.render({"record": {"items": "three boxes", "keys": 2}}) == "three boxes/2"


def test_limits():
    assert "longer than" in refused("x" * (MAX_TEMPLATE_LENGTH + 1)).message
    with pytest.raises(TemplateError, match=f"more than {MAX_LOOP_ITERATIONS}"):
        compile_("{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}").render({})
    with pytest.raises(TemplateError, match="at most 1000 numbers"):
        compile_("{{ range(100000)|length }}").render({})
    with pytest.raises(TemplateError, match="too long"):
        compile_("{{ 'a' * 100000000 }}").render({})
    with pytest.raises(TemplateError, match="too long"):
        compile_("{{ [1, 2] * 100000000 }}").render({})
    with pytest.raises(TemplateError, match="exponent"):
        compile_("{{ 9 ** 999999 }}").render({})
    with pytest.raises(TemplateError, match="too large"):
        compile_("{{ 2 ** 60 * 2 ** 60 * 2 ** 60 * 2 ** 60 * 2 ** 60 * 2 ** 60 * 2 ** 60 "
                 "* 2 ** 60 * 2 ** 60 * 2 ** 60 * 2 ** 60 * 2 ** 60 * 2 ** 60 * 2 ** 60 "
                 "* 2 ** 60 * 2 ** 60 * 2 ** 60 * 2 ** 60 }}").render({})
    with pytest.raises(TemplateError, match="% is not allowed"):
        compile_("{{ '%999999999s' % 1 }}").render({})
    with pytest.raises(TemplateError, match=f"longer than {MAX_TEMPLATE_OUTPUT}"):
        compile_("{% for i in range(1000) %}{% for j in range(9) %}{{ 'x' * 20 }}"
                 "{% endfor %}{% endfor %}").render({})
    with pytest.raises(TemplateError, match="too long"):
        compile_("{{ (record.content * 1000)|replace('e', 'e' * 1000) }}").render(DATA)
    assert "nested too deeply" in refused("{{ " + "(" * 200 + "1" + ")" * 200 + " }}").message


def test_runtime_errors_carry_the_line_and_never_leak():
    tpl = compile_("line one\n{{ owner.name }}\n{{ 1 / record.id }}")
    with pytest.raises(TemplateError) as info:
        tpl.render({"record": {"id": 0}})
    assert info.value.line == 3 and info.value.message == "division by zero"
    assert str(info.value) == "template 'reminder', line 3: division by zero"
    assert info.value.__cause__ is None
    with pytest.raises(TemplateError):
        compile_("{{ record.content + 1 }}").render(DATA)
    with pytest.raises(TemplateError, match="mapping"):
        compile_("x").render(["not", "a", "mapping"])


def test_syntax_error_location():
    err = refused("ok\n{% if record.done %}\nno end")
    assert err.line in (2, 3) and "syntax error" in err.message
    assert err.as_dict()["template"] == "reminder"


def test_reference_without_resolver_exposes_id_and_title():
    scope = VariableScope.from_fields(FOLLOW_UP_FIELDS)
    tpl = compile_template("{{ record.customer.title }}#{{ record.customer.id }}", scope, name="x")
    assert tpl.render({"record": {"customer": {"id": 4, "title": "ACME"}}}) == "ACME#4"
    with pytest.raises(TemplateError, match="has no field 'customer_name'"):
        compile_template("{{ record.customer.customer_name }}", scope, name="x")


def test_reference_depth_is_bounded():
    compile_("{{ record.customer.parent.customer_name }}")
    with pytest.raises(TemplateError):
        compile_("{{ record.customer.parent.parent.customer_name }}")


def test_compiled_once_renders_many_and_is_independent():
    tpl = compile_("{% for t in record.tags %}{{ t }} {% endfor %}")
    for _ in range(3):  # the loop budget is per render
        assert tpl.render(DATA) == "vip north "
    with pytest.raises(TemplateError, match="kind"):
        compile_template("x", SCOPE, name="x", kind="pdf")
