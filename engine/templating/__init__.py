"""Notification templates: compile once, render safely many times.

Owns the sandboxed Jinja dialect business admins write notification
templates in. ``compile_template`` parses a template once, at save or
publish time, and refuses what it can recognise as a problem: unknown
variables or attribute paths (checked against a ``VariableScope`` built from
the form's fields), sandbox escape attempts, filters outside a small safe
list, imports/includes/macros. What compiles is then rendered inside
``jinja2.sandbox.ImmutableSandboxedEnvironment`` with bounded output, loop
iterations, ranges and arithmetic. Every render has a budget: wall-clock
time (``MAX_RENDER_SECONDS``, checked cooperatively at every loop step,
filter, concatenation and output), characters built in all
(``MAX_TEMPLATE_BUILT``: output, set blocks and loop text) and text any one
filter, ``~``, ``+`` or ``*`` may make (``MAX_TEMPLATE_OUTPUT``, checked
before the text is made where it can be). Every problem is a ``TemplateError``
carrying the template name, the line and a message an admin understands.

The render-time data shape: ``{"record": {<field name>: value, "id": ...},
"owner": <user>, "user": <user>, "workspace": {"id", "name"}, "now": aware
datetime, "link": str}`` where a user is ``{"id", "name", "email", "phone",
"tz", "manager": <user>}`` and a reference value is the referenced record's
dict (field names plus ``id`` and ``title``).

One idea per module:

- ``limits``: the limits and refusals, as named constants;
- ``errors``: ``TemplateError`` (and the signal a render limit raises);
- ``scope``: ``VariableScope`` / ``ScopeNode``, the variables a form's template may use;
- ``budget``: one render's budget and the guards that spend it;
- ``filters``: the safe filters (``datetime``, ``date`` and Jinja's safe subset);
- ``sandbox``: the sandboxed environments and the tree guards;
- ``checker``: the static checker run at compile time;
- ``compiled``: ``compile_template`` and ``CompiledTemplate``.

The review lifecycle of a template (draft -> submitted -> approved ->
published) is another idea: ``engine.notifications.lifecycle``.
"""
from engine.templating.compiled import CompiledTemplate, compile_template
from engine.templating.errors import TemplateError
from engine.templating.filters import SAFE_FILTERS, date_filter, datetime_filter
from engine.templating.limits import (
    FORBIDDEN_STATEMENTS, MAX_DATE_FORMAT_LENGTH, MAX_INT_BITS, MAX_LOOP_ITERATIONS, MAX_MANAGER_DEPTH,
    MAX_NESTING_DEPTH, MAX_POWER_EXPONENT, MAX_RANGE, MAX_REFERENCE_DEPTH, MAX_RENDER_SECONDS, MAX_TEMPLATE_BUILT,
    MAX_TEMPLATE_LENGTH, MAX_TEMPLATE_OUTPUT, SAFE_CALLS, SAFE_TESTS, UNSAFE_ATTRIBUTES,
)
from engine.templating.scope import FIXED_ROOTS, ScopeNode, VariableScope, user_node

__all__ = [
    "TemplateError", "VariableScope", "ScopeNode", "CompiledTemplate", "compile_template",
    "datetime_filter", "date_filter", "SAFE_FILTERS", "FIXED_ROOTS", "user_node",
    "MAX_TEMPLATE_LENGTH", "MAX_TEMPLATE_OUTPUT", "MAX_RANGE", "MAX_LOOP_ITERATIONS",
    "MAX_RENDER_SECONDS", "MAX_TEMPLATE_BUILT", "MAX_REFERENCE_DEPTH", "MAX_MANAGER_DEPTH",
    "MAX_DATE_FORMAT_LENGTH", "MAX_INT_BITS", "MAX_NESTING_DEPTH", "MAX_POWER_EXPONENT",
    "FORBIDDEN_STATEMENTS", "SAFE_CALLS", "SAFE_TESTS", "UNSAFE_ATTRIBUTES",
]
