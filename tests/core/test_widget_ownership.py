"""A field type owns its facts in the browser too: no script or template outside static/widgets/ dispatches on a type's name.

The Python side is test_field_type_ownership.py. This test reads our scripts (``designer_ui/static/*.js``; the vendored
libraries and the widget modules of ``static/widgets/``, each its type's own, are not ours to judge) and the expressions of
the Jinja templates (``{{ }}``, ``{% %}`` and the Alpine attributes ``x-*``, ``:attr``, ``@event``), and reports with
file:line each place where a registered field-type name is used as a field type:

- compared with a type (``f.type === 'reference'``, ``fieldType !== 'user'``, Jinja ``f.type == 'boolean'``,
  ``f.type in ('select', ...)``): the left or right side is a ``.type`` member or a name ending in ``type``;
- a ``case 'subtable':`` label;
- listed: an array (or a Jinja tuple / list) made mostly of type names, or an object literal (a Jinja dict) whose keys
  are mostly type names (``{ textarea: 'textarea', boolean: 'switch' }``: a map from types).

``number``, ``text``, ``date``, ``datetime`` and ``boolean`` are also value kinds (``col.value_kind === 'number'``, a
rule literal's kind, ``typeof v === 'number'``) and HTML input types (``type: 'text'``): a list made only of them is a list
of kinds, and they are reported only when compared with a type. Comparisons with other names (``kind``, ``input``,
``value_kind``) are the type's facts, which is the point. ``ALLOWED`` lists the few places where the words mean something
else, each with its reason. Ask the type instead: ``formflow.fieldType(f).form.input``, ``formflow.typeCan(f, 'is_user')``,
in Jinja ``field_form(f).input``.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from jinja2 import Environment, FileSystemLoader, select_autoescape

from designer_ui import field_widgets, i18n
from engine.fields import FIELD_TYPES

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "designer_ui" / "static"
TEMPLATES = ROOT / "designer_ui" / "templates"
#: (path, stripped source line) -> why the type names on that line are not field types
ALLOWED: dict[tuple[str, str], str] = {
}
#: the value kinds (and HTML input types) some field-type names share
VALUE_KINDS = frozenset({"number", "text", "date", "datetime", "boolean"})

_TOKEN = re.compile(r"""
    (?P<comment>//[^\n]*|/\*.*?\*/|\{\#.*?\#\})
  | (?P<string>'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`)
  | (?P<name>[A-Za-z_$][\w$]*)
  | (?P<number>\d[\w.]*)
  | (?P<op>===|!==|==|!=|=>|&&|\|\||[-+*/%<>=!?:;,.()\[\]{}&|^~])
  | (?P<space>\s+)
  | (?P<other>.)
""", re.S | re.X)
#: after these tokens a "/" starts a regular expression, not a division
_REGEX_AFTER = {"(", ",", "=", ":", "[", "!", "&&", "||", "?", "{", "}", ";", "return", "=>", "==", "===", "!=", "!=="}
_REGEX = re.compile(r"/(?:\\.|\[(?:\\.|[^\]\\])*\]|[^/\\\n])+/[a-z]*")
_COMPARE = {"===", "!==", "==", "!="}
_OPEN, _CLOSE = {"(": ")", "[": "]", "{": "}"}, {")", "]", "}"}


def tokens(text: str, line: int = 1) -> list[tuple[str, str, int]]:
    """(kind, text, line) of a JavaScript (or Jinja expression) source, without comments and spaces; strings unquoted."""
    out: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(text):
        if text[pos] == "/" and (not out or out[-1][1] in _REGEX_AFTER) and not text.startswith(("//", "/*"), pos):
            m = _REGEX.match(text, pos)
            if m:
                line += m.group().count("\n")
                pos = m.end()
                out.append(("regex", m.group(), line))
                continue
        m = _TOKEN.match(text, pos)
        kind = m.lastgroup
        if kind == "string":
            out.append(("string", m.group()[1:-1], line))
        elif kind not in ("comment", "space"):
            out.append((kind, m.group(), line))
        line += m.group().count("\n")
        pos = m.end()
    return out


def _is_type_expr(toks, i) -> bool:
    """The expression ending (or starting) at token *i* holds a field's type: ``x.type``, ``fieldType``, ``t.type``."""
    kind, text, _ = toks[i]
    if kind != "name" or text == "typeof":
        return False
    if text == "type":
        return (i > 0 and toks[i - 1][1] == ".") or i + 1 < len(toks) and toks[i + 1][1] in _COMPARE | {"in"}
    return text.lower().endswith("type")


def _member_start(toks, i) -> int:
    """The last name of the member chain starting at token *i* (``f.type`` from ``f``)."""
    while i + 2 < len(toks) and toks[i + 1][1] == "." and toks[i + 2][0] == "name":
        i += 2
    return i


def _mostly_types(items: list[str], names: set[str], total: int) -> list[str]:
    listed = [s for s in items if s in names]
    if len(listed) >= 2 and 2 * len(listed) > total and not set(listed) <= VALUE_KINDS:
        return listed
    return []


def findings(toks, names: set[str]):
    """(line, [type names]) of each place *toks* dispatches on a field type's name."""
    stack: list[tuple[str, int, list]] = []  # (opening bracket, token index, [(item tokens)])
    for i, (kind, text, line) in enumerate(toks):
        # comparisons: a type expression on one side, a type name on the other
        if kind == "string" and text in names:
            before = toks[i - 1][1] if i else ""
            if before in _COMPARE and i >= 2 and _is_type_expr(toks, i - 2):
                yield line, [text]
            elif i + 2 < len(toks) and toks[i + 1][1] in _COMPARE and _is_type_expr(toks, _member_start(toks, i + 2)):
                yield line, [text]
            elif before == "case" and text not in VALUE_KINDS:
                yield line, [text]
        if text in _OPEN and kind == "op":
            stack.append((text, i, [[]]))
            continue
        if text in _CLOSE and kind == "op" and stack:
            opening, start, items = stack.pop()
            items = [it for it in items if it]
            if opening in "[(":
                strings = [it[0][1] for it in items if len(it) == 1 and it[0][0] == "string"]
                found = _mostly_types(strings, names, len(items))
                in_compare = start >= 2 and toks[start - 1][1] == "in" and _is_type_expr(toks, start - 2)
                if in_compare:
                    found = [s for s in strings if s in names]
                if found:
                    yield toks[start][2], found
            else:  # object / dict literal: its keys
                keys = [it[0][1] for it in items if len(it) >= 2 and it[0][0] in ("name", "string") and it[1][1] == ":"]
                found = _mostly_types(keys, names, len(items))
                if found:
                    yield toks[start][2], found
            continue
        if stack:
            if text == "," and kind == "op":
                stack[-1][2].append([])
            else:
                stack[-1][2][-1].append((kind, text, line))


#: the parts of a template that are code: Jinja expressions and statements, and Alpine's attribute expressions
_TEMPLATE_CODE = re.compile(r"\{\{(.*?)\}\}|\{%(.*?)%\}|\s(?:x-[\w.:-]+|:[\w.-]+|@[\w.:-]+)=\"([^\"]*)\"", re.S)
_TEMPLATE_COMMENT = re.compile(r"\{#.*?#\}", re.S)


def template_tokens(source: str):
    source = _TEMPLATE_COMMENT.sub(lambda m: "\n" * m.group().count("\n"), source)
    for m in _TEMPLATE_CODE.finditer(source):
        group = next(g for g in (1, 2, 3) if m.group(g) is not None)
        yield tokens(m.group(group), source.count("\n", 0, m.start(group)) + 1)


def _sources():
    for path in sorted(STATIC.glob("*.js")):  # not vendor/ nor widgets/: the widget modules are their types' own
        yield path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8"), False
    for path in sorted(TEMPLATES.rglob("*.html")):
        yield path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8"), True


def problems_in(rel: str, source: str, template: bool, names: set[str]):
    lines = source.splitlines()
    runs = template_tokens(source) if template else [tokens(source)]
    for toks in runs:
        for line, found in findings(toks, names):
            text = lines[line - 1].strip()
            if (rel, text) not in ALLOWED:
                yield f"{rel}:{line}: {sorted(set(found))}: {text[:120]}"


def test_no_field_type_names_in_scripts_and_templates():
    names = set(FIELD_TYPES.names())
    problems = sorted({p for rel, source, tpl in _sources() for p in problems_in(rel, source, tpl, names)})
    assert not problems, ("field-type names used outside engine/fields/ and static/widgets/ "
                          "(ask formflow.fieldType(f) / field_form(f) instead):\n" + "\n".join(problems))


def test_every_allowed_place_still_exists():
    """An allow-list entry whose line is gone is stale: remove it."""
    sources = {rel: source for rel, source, _ in _sources()}
    stale = [key for key in ALLOWED if key[1] not in (line.strip() for line in sources.get(key[0], "").splitlines())]
    assert not stale, stale


def test_the_detector_finds_a_type_dispatch_in_a_script():
    names = set(FIELD_TYPES.names())
    source = "\n".join([
        "var WIDE = { textarea: 1, subtable: 1 };",                       # 1: a map keyed by types
        "if (f.type === 'reference' || 'user' === f.type) go();",         # 2: two comparisons
        "var TEXTY = ['text', 'textarea', 'email'];",                     # 3: a list of types
        "switch (f.type) { case 'subtable': break; }",                    # 4: a case label
        "if (fieldType === 'number') x = /it's/.test(s);",                # 5: a value-kind name compared with a type
        "if (typeof v === 'number' && col.value_kind === 'date') y();",    # 6: value kinds: not types
        "el('input', { type: 'text', value: '' }); var K = ['number', 'text'];",  # 7: HTML / kinds only
        "if (facts(f).input === 'select') z();",                          # 8: a fact, not a type
    ])
    found = sorted((line, tuple(sorted(set(n)))) for line, n in findings(tokens(source), names))
    assert found == [(1, ("subtable", "textarea")), (2, ("reference",)), (2, ("user",)),
                     (3, ("email", "text", "textarea")), (4, ("subtable",)), (5, ("number",))], found


def test_the_detector_finds_a_type_dispatch_in_a_template():
    names = set(FIELD_TYPES.names())
    source = "\n".join([
        "<p>Don't {{ x }}</p>",
        "{% if f.type == 'boolean' %}<input type=\"checkbox\">{% endif %}",       # 2
        "{% elif f.type in ('select', 'multiselect') %}",                          # 3
        "<input type=\"{{ {'email': 'email', 'phone': 'tel', 'url': 'url'}.get(f.type, 'text') }}\">",  # 4
        "<template x-if=\"f.type === 'subtable'\"></template>",                     # 5
        "<input type=\"text\" x-show=\"is(f, 'textarea')\">",                       # 6: a kind, not a type
        "{# f.type == 'user' in a comment #}",                                     # 7
    ])
    found = sorted(p.split(":")[1] for p in problems_in("x.html", source, True, names))
    assert found == ["2", "3", "4", "5"], found


@pytest.fixture
def db_url(tmp_path):  # the field types' descriptions do not depend on the database: SQLite is enough
    return f"sqlite:///{tmp_path / 'widgets.db'}"


def test_every_type_names_a_widget_module_that_registers_it_and_every_module_its_type(client):
    """Every field type, as ``GET /api/field-types`` describes it, names ``static/widgets/<widget>.js``, which registers
    that name; no module is orphaned (the generated form mounts each field's input from its type's module)."""
    widgets_dir = STATIC / "widgets"
    modules = {p.stem: p.read_text(encoding="utf-8") for p in widgets_dir.glob("*.js")}
    answer = client.get("/api/field-types")
    assert answer.status_code == 200
    named = {t["type"]: t["widget"] for t in answer.get_json()["items"]}
    assert set(named) == set(FIELD_TYPES.names()), sorted(set(FIELD_TYPES.names()) ^ set(named))
    missing = sorted(f"{t}: {w}" for t, w in named.items() if w not in modules)
    unregistered = sorted(w for w in set(named.values()) & set(modules) if not re.search(r"widgets\." + w + r"\s*=", modules[w]))
    orphans = sorted(set(modules) - set(named.values()))
    assert (missing, unregistered, orphans) == ([], [], []), (missing, unregistered, orphans)


def test_the_generated_form_is_a_generic_host():
    """formfill.js keeps values, rules, errors and submit; each input is its widget's: it draws no input of its own,
    has no per-kind branch (``kind`` / ``is(f, ...)``) and names no form input kind; form_fill.html mounts one widget
    per field and loads the modules the definition's types name."""
    source = (STATIC / "formfill.js").read_text(encoding="utf-8")
    toks = tokens(source)
    # "auto" is not a branch: an engine-set value is never sent, whatever draws it; value kinds are the formulas' results
    kinds = ({t.form_input for _, t in FIELD_TYPES.items()} | set(FIELD_TYPES.names())) - {"auto"} - (VALUE_KINDS - {"datetime"})
    compared = sorted({toks[i][1] for i in range(1, len(toks) - 1) if toks[i][0] == "string" and toks[i][1] in kinds
                       and (toks[i - 1][1] in _COMPARE | {"case"} or toks[i + 1][1] in _COMPARE)})
    assert compared == [], compared
    for gone in ("createElement", "refSearch", "subFields", "isoToLocalInput", "typedValue", "kind:", "is:"):
        assert gone not in source, gone
    page = (TEMPLATES / "form_fill.html").read_text(encoding="utf-8")
    assert page.count("mountWidget(f, $el)") == 1 and "is(f," not in page and "<input" not in page and "<select" not in page
    definition = {"fields": [{"id": "a", "type": "subtable", "options": {"fields": [{"id": "x", "type": "datetime"}]}},
                  {"id": "b", "type": "reference", "options": {"form": "c"}}, {"id": "c", "type": "text", "deleted": True}]}
    assert field_widgets.widget_modules(definition) == [field_widgets.FALLBACK_WIDGET] + [
        FIELD_TYPES.get(n).widget for n in ("subtable", "datetime", "reference")]


def test_the_public_form_draws_each_input_from_its_types_facts():
    """The script-free public form: the same markup as when it tested type names (a decimal amount typed as text)."""
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))
    i18n.install(env, "en")
    field_widgets.install(env)
    choices = {"choices": [{"value": "a", "label": "A"}]}
    spec = {"label": "Contact us", "honeypot": "website", "fields": [
        {"id": "mail", "type": "email"}, {"id": "tel", "type": "phone"}, {"id": "amount", "type": "money"},
        {"id": "count", "type": "number"}, {"id": "when", "type": "date"}, {"id": "name", "type": "text"},
        {"id": "ok", "type": "boolean"}, {"id": "note", "type": "textarea"},
        {"id": "topics", "type": "multiselect", "options": choices}, {"id": "kind", "type": "select", "options": choices}]}
    html = " ".join(env.get_template("public_form.html").render(token="t", spec=spec).split())

    def tag(fid):
        return re.search(r'<(input|select|textarea) id="pf-' + fid + r'"[^>]*>', html).group(0)
    assert 'type="email"' in tag("mail") and 'autocomplete="email"' in tag("mail")
    assert 'type="tel"' in tag("tel") and 'autocomplete="tel"' in tag("tel")
    assert 'type="text"' in tag("amount") and 'type="number"' in tag("count") and 'type="date"' in tag("when")
    assert 'type="text"' in tag("name") and "autocomplete" not in tag("name")
    assert 'type="checkbox"' in tag("ok") and tag("note").startswith("<textarea")
    assert tag("topics").startswith("<select") and "multiple" in tag("topics") and "multiple" not in tag("kind")
    assert re.search(r'<select id="pf-kind"[^>]*> <option value="">', html) and not re.search(r'<select id="pf-topics"[^>]*> <option value="">', html)
