"""``compile_template``: check and compile a template once; ``CompiledTemplate.render`` it safely many times."""
from __future__ import annotations

import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jinja2 import TemplateSyntaxError, meta, nodes

from engine.templating.budget import CURRENT_BUDGET, Budget
from engine.templating.checker import Checker, Refused
from engine.templating.errors import RenderLimit, TemplateError
from engine.templating.jinja_words import runtime_code, syntax_code
from engine.templating.limits import MAX_TEMPLATE_LENGTH, MAX_TEMPLATE_OUTPUT, SAFE_CALLS, TZ_KEY
from engine.templating.sandbox import ENVIRONMENTS, Guards
from engine.templating.scope import VariableScope

@dataclass(frozen=True)
class CompiledTemplate:
    """A checked, compiled template; ``render`` it as often as needed."""

    name: str
    kind: str
    source: str
    variables_used: frozenset[str]
    _template: Any = field(repr=False, compare=False)
    _filename: str = field(repr=False, compare=False, default="")

    def render(self, variables: Mapping[str, Any], *, tz: str | None = None) -> str:
        """Render with ``variables`` (see module docstring); ``tz`` is the
        recipient's time zone, used by the date filters by default."""
        if not isinstance(variables, Mapping):
            raise TemplateError(self.name, None, "error.template.variables_mapping")
        context = dict(variables)
        context[TZ_KEY] = tz
        out: list[str] = []
        size = 0
        budget = CURRENT_BUDGET.set(Budget())
        try:
            for chunk in self._template.generate(context):
                size += len(chunk)
                if size > MAX_TEMPLATE_OUTPUT:
                    raise RenderLimit("error.template.limit.output", max=MAX_TEMPLATE_OUTPUT)
                out.append(chunk)
        except Exception as exc:  # never leak a Python exception to the caller
            raise TemplateError(self.name, self._line_of(exc), *runtime_code(exc)) from None
        finally:
            CURRENT_BUDGET.reset(budget)
        return "".join(out)

    def _line_of(self, exc: BaseException) -> int | None:
        line = None
        for frame in traceback.extract_tb(exc.__traceback__):
            if frame.filename == self._filename:
                line = frame.lineno
        return line


def compile_template(source: str, variables: VariableScope, *, name: str,
                     kind: str = "text") -> CompiledTemplate:
    """Check and compile a template once; raise ``TemplateError`` if it is unusable.

    ``kind`` is ``"html"`` (autoescaped, for email HTML bodies) or ``"text"``
    (plain: text email, chat messages, subjects).
    """
    if kind not in ENVIRONMENTS:
        raise TemplateError(name, None, "error.template.kind", {"kinds": ", ".join(ENVIRONMENTS)})
    if not isinstance(source, str):
        raise TemplateError(name, None, "error.template.not_text")
    if len(source) > MAX_TEMPLATE_LENGTH:
        raise TemplateError(name, None, "error.template.too_long", {"max": MAX_TEMPLATE_LENGTH})
    env = ENVIRONMENTS[kind]
    filename = f"<notification template {name}>"
    try:
        tree = env.parse(source, name=name, filename=filename)
    except TemplateSyntaxError as exc:
        raise TemplateError(name, exc.lineno, *syntax_code(exc)) from None
    except RecursionError:
        raise TemplateError(name, None, "error.template.too_deep") from None
    checker = Checker(variables)
    try:
        checker.run(tree)
        # Second opinion from Jinja itself on names used before being set.
        unknown = meta.find_undeclared_variables(tree) - set(variables.roots) - SAFE_CALLS
        if unknown:
            bad = sorted(unknown)[0]
            first = next(n for n in tree.find_all(nodes.Name) if n.name == bad)
            checker.name(first, {})  # raises with the line and the available roots
        tree = Guards().visit(tree)
        tree.set_environment(env)
        code = env.compile(tree, name=name, filename=filename)
    except Refused as exc:
        raise TemplateError(name, exc.line, exc.message_code, exc.params) from None
    except TemplateSyntaxError as exc:
        raise TemplateError(name, exc.lineno, *syntax_code(exc)) from None
    except RecursionError:
        raise TemplateError(name, None, "error.template.too_deep") from None
    template = env.template_class.from_code(env, code, env.make_globals(None))
    return CompiledTemplate(name, kind, source, frozenset(checker.used), template, filename)
