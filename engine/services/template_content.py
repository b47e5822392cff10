"""What a notification template's content is, how it compiles against its form, and how its stored revisions are read.

Content is ``{kind: {part: source}}``: kinds ``default`` (required, with a
``body``), and optional overrides for ``inbox``, ``email`` and ``chat``
(webhook and chat-robot channels; each channel class names its kind as
``content_kind``); parts ``subject`` and ``body`` (plain text) and ``html``
(email only, autoescaped). Every save compiles the text against the form's
variables (unknown variable -> 422 naming the part, line and column). Each kind
may also be written for readers of one language, ``<kind>.<locale>``
(``default.zh-CN``, ``inbox.en``): a recipient gets the parts in their saved
language (else the workspace's) over the language-neutral ones (``layered_parts``).

A print template (purpose ``print``, rendered to a PDF by ``engine.services.print_templates``) is the same
kind of revision with one content kind, ``print``: ``subject`` (the document's title and file name, text; one text
for every reader or a text per language ``{"en": .., "zh-CN": ..}``, the reader's picked by ``print_title``) and
``html`` (the body in the small print markup, autoescaped), and the page it is laid out on, ``paper`` and
``orientation`` (``PRINT_PAGE``: chosen, not compiled); its variables add ``display`` (each field as a person reads it).
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Mapping

import sqlalchemy as sa

from engine.errors import ErrorItem, NotFound, ValidationFailed
from engine.i18n import DEFAULT_LOCALE, LOCALES
from engine.notifications.channels import CHANNELS
from engine.notifications.channels.base import Channel
from engine.notifications.lifecycle import TemplateState
from engine.notifications.tables import notification_templates as templates_t
from engine.printing.scope import display_node
from engine.runtime import Runtime
from engine.services.form_lookup import app_row, compiled_form
from engine.templating import CompiledTemplate, TemplateError, VariableScope, compile_template

__all__ = ["split_kind", "layered_parts", "CONTENT_KINDS", "CONTENT_PARTS", "HTML_KINDS", "PURPOSES", "PRINT_KIND", "PRINT_PAGE", "print_title", "content_kind", "content_problems", "check_content",
           "compile_content", "revisions", "pick", "live_revision"]

#: Content kinds a template may define; ``default`` is required and used where no override exists.
CONTENT_KINDS = ("default", "inbox", "email", "chat")
#: Parts of each kind and the template dialect each is compiled as.
CONTENT_PARTS = {"subject": "text", "body": "text", "html": "html"}
#: Kinds that may have an ``html`` part (only email sends HTML).
HTML_KINDS = ("default", "email")
#: What a template is for: a message sent by workflows, or a document printed from a record (PDF).
PURPOSES = ("notification", "print")
#: The one content kind of a print template: ``subject`` (title and file name) and ``html`` (the print markup).
PRINT_KIND = "print"
#: A print template's page settings (parts of its ``print`` kind that are chosen, not written): part -> choices, the
#: first the default.
PRINT_PAGE = {"paper": ("A4", "Letter"), "orientation": ("portrait", "landscape")}

_QUOTED = re.compile(r"'([^']+)'")


def split_kind(kind: str) -> tuple[str, str | None]:
    """``"inbox.zh-CN"`` -> ``("inbox", "zh-CN")``: a kind written for readers of one language; ``"inbox"`` -> no language."""
    base, _, locale = str(kind).partition(".")
    return base, locale or None


def layered_parts(compiled: Mapping[str, Mapping], kind: str, locale: str | None) -> dict:
    """The parts a reader of ``locale`` gets over a channel of content kind ``kind``: the default, the channel's
    overrides, then the same two written in the reader's language (a language beats a channel)."""
    layers = ["default", kind] + ([f"default.{locale}", f"{kind}.{locale}"] if locale else [])
    out: dict = {}
    for layer in layers:
        out.update(compiled.get(layer, {}))
    return out


def content_kind(channel: str) -> str:
    """The content kind the delivery channel ``channel`` uses (its class's ``content_kind``)."""
    return CHANNELS.get(channel).cls.content_kind if channel in CHANNELS else Channel.content_kind


def _print_problems(content: Mapping) -> list[ErrorItem]:
    problems = [ErrorItem.coded("error.template.print_one_kind", kind=PRINT_KIND, path=f"/content/{kind}")
                for kind in content if kind != PRINT_KIND]
    parts = content.get(PRINT_KIND)
    if not isinstance(parts, Mapping) or not str(parts.get("html") or "").strip():
        return problems + [ErrorItem.coded("error.template.print_body_required", path=f"/content/{PRINT_KIND}/html", code="required")]
    for part, source in parts.items():
        if part in PRINT_PAGE:
            if source not in PRINT_PAGE[part]:
                problems.append(ErrorItem.coded("error.options.one_of", choices=", ".join(PRINT_PAGE[part]), path=f"/content/{PRINT_KIND}/{part}"))
        elif part not in ("subject", "html"):
            problems.append(ErrorItem.coded("error.template.print_unknown_part",
                                      path=f"/content/{PRINT_KIND}/{part}"))
        elif part == "subject" and isinstance(source, Mapping):
            problems += _title_problems(source)
        elif not isinstance(source, str):
            problems.append(ErrorItem.coded("error.value.text", path=f"/content/{PRINT_KIND}/{part}"))
    return problems


def _title_problems(title: Mapping) -> list[ErrorItem]:
    """A print title per language (``{"en": .., "zh-CN": ..}``): known languages, each a text, at least one."""
    path = f"/content/{PRINT_KIND}/subject"
    if not title:
        return [ErrorItem.coded("error.value.text", path=path)]
    return [ErrorItem.coded("error.template.unknown_language", language=repr(loc), languages=", ".join(LOCALES), path=f"{path}/{loc}")
            if loc not in LOCALES else ErrorItem.coded("error.value.text", path=f"{path}/{loc}")
            for loc, text in title.items() if loc not in LOCALES or not isinstance(text, str)]


def print_title(compiled: Mapping[str, CompiledTemplate], locale: str) -> CompiledTemplate | None:
    """The compiled title of a print template for a reader of ``locale``: theirs, else English, else any, else the one
    title written for every reader (``subject``); None without a title."""
    for part in (f"subject.{locale}", f"subject.{DEFAULT_LOCALE}", *sorted(p for p in compiled if p.startswith("subject.")), "subject"):
        if part in compiled:
            return compiled[part]
    return None


def content_problems(content: Any, purpose: str = "notification") -> list[ErrorItem]:
    if not isinstance(content, Mapping):
        return [ErrorItem.coded("error.template.content_shape", path="/content")]
    if purpose == "print":
        return _print_problems(content)
    problems = []
    for kind, parts in content.items():
        base, locale = split_kind(kind)
        if base not in CONTENT_KINDS:
            problems.append(ErrorItem.coded("error.template.unknown_kind", kinds=", ".join(CONTENT_KINDS), path=f"/content/{kind}"))
            continue
        if locale is not None and locale not in LOCALES:
            problems.append(ErrorItem.coded("error.template.unknown_language", language=repr(locale), languages=", ".join(LOCALES), path=f"/content/{kind}"))
            continue
        if not isinstance(parts, Mapping):
            problems.append(ErrorItem.coded("error.template.parts_shape", path=f"/content/{kind}"))
            continue
        for part, source in parts.items():
            if part not in CONTENT_PARTS:
                problems.append(ErrorItem.coded("error.template.unknown_part", parts=", ".join(CONTENT_PARTS), path=f"/content/{kind}/{part}"))
            elif not isinstance(source, str):
                problems.append(ErrorItem.coded("error.value.text", path=f"/content/{kind}/{part}"))
            elif part == "html" and base not in HTML_KINDS:
                problems.append(ErrorItem.coded("error.template.html_email_only", path=f"/content/{kind}/{part}"))
    default = content.get("default")
    if not isinstance(default, Mapping) or not str(default.get("body") or "").strip():
        problems.append(ErrorItem.coded("error.template.default_body_required", path="/content/default/body", code="required"))
    return problems


def _column(source: str, line: int | None, message: str) -> int | None:
    """Best effort: the column of the offending name (the last one quoted before "(available") on that line."""
    if not line:
        return None
    lines = source.splitlines()
    if line > len(lines):
        return None
    for name in reversed(_QUOTED.findall(message.split("(available")[0])):
        at = lines[line - 1].find(name)
        if at >= 0:
            return at + 1
    return None


def _scope(conn: sa.Connection, rt: Runtime, app_key: str, form_key: str, purpose: str = "notification"
           ) -> tuple[VariableScope, int]:
    """The variables a template of ``form_key`` may use, and the form version they come from."""
    try:
        form = compiled_form(rt, conn, app_key, form_key)
    except NotFound:
        raise ValidationFailed(f"form {form_key!r} of app {app_key!r} does not exist or is not published",
                               [ErrorItem.coded("error.template.form_not_published", path="/form")],
                               message_code="error.template.form_missing",
                               params={"form": repr(form_key), "app": repr(app_key)}) from None

    def resolve(key: str):
        try:
            return compiled_form(rt, conn, app_key, key).fields
        except NotFound:
            return None

    scope = VariableScope.from_fields(form.fields, resolve)
    if purpose == "print":
        scope = scope.with_root("display", display_node(form.live_fields))
    return scope, form.version


def _sources(kind: str, parts: Mapping):
    """``(part, source)`` to compile: a print title per language is one part per language (``subject.zh-CN``), an
    empty one left out; page settings are chosen, not compiled."""
    for part, source in parts.items():
        if kind == PRINT_KIND and part in PRINT_PAGE:
            continue
        if isinstance(source, Mapping):
            yield from ((f"{part}.{loc}", text) for loc, text in source.items() if text.strip())
        else:
            yield part, source


def compile_content(key: str, content: Mapping, scope: VariableScope) -> dict[str, dict[str, CompiledTemplate]]:
    """Compile every part; one ValidationFailed listing every problem with its path and position."""
    errors: list[ErrorItem] = []
    out: dict[str, dict[str, CompiledTemplate]] = {}
    for kind, parts in content.items():
        for part, source in _sources(kind, parts):
            try:
                out.setdefault(kind, {})[part] = compile_template(source, scope, name=f"{key}.{kind}.{part}",
                                                                   kind=CONTENT_PARTS[part.partition(".")[0]])
            except TemplateError as exc:
                extra = {"line": exc.line} if exc.line else {}
                column = _column(source, exc.line, exc.message)
                if column:
                    extra["column"] = column
                # the template error's own item (coded as the template error is), placed in the content
                errors.append(replace(exc.errors[0], path=f"/content/{kind}/{part.replace('.', '/', 1)}", code="template_invalid", extra=extra))
    if errors:
        raise ValidationFailed(f"notification template {key!r} cannot be used as written", errors, template=key,
                               message_code="error.template.cant_use", params={"template": repr(key)})
    return out


def check_content(conn, rt: Runtime, app_key: str, key: str, form_key: str, content: Any, purpose: str = "notification"):
    """``(compiled parts, form version)``; ValidationFailed (422) listing every problem."""
    problems = content_problems(content, purpose)
    if problems:
        raise ValidationFailed(f"{purpose} template {key!r} is not valid", problems, template=key,
                               message_code="error.template.print_invalid" if purpose == "print" else "error.template.notification_invalid",
                               params={"template": repr(key)})
    scope, version = _scope(conn, rt, app_key, form_key, purpose)
    return compile_content(key, content, scope), version


# -- stored revisions ------------------------------------------------------------

def revisions(conn: sa.Connection, rt: Runtime, app_key: str, key: str):
    """``(app row, every revision oldest first)``; NotFound (404) for an unknown template."""
    app = app_row(conn, rt, app_key)
    rows = conn.execute(sa.select(templates_t).where(templates_t.c.app_id == app["id"], templates_t.c.key == key)
                        .order_by(templates_t.c.revision)).mappings().all()
    if not rows:
        raise NotFound(f"notification template {key!r} does not exist in app {app_key!r}", path="/template",
                       message_code="error.template.not_found", params={"template": repr(key), "app": repr(app_key)})
    return app, rows


def live_revision(rows) -> Mapping | None:
    return next((r for r in reversed(rows) if r["state"] == TemplateState.PUBLISHED.value and r["superseded_at"] is None), None)


def pick(rows, revision: int | None) -> Mapping:
    if revision is None:
        return rows[-1]
    for row in rows:
        if row["revision"] == revision:
            return row
    raise NotFound(f"notification template {rows[0]['key']!r} has no revision {revision}", path="/revision",
                   message_code="error.template.no_revision", params={"template": repr(rows[0]["key"]), "revision": revision})
