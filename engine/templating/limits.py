"""The limits of the template dialect, written as data: sizes, time, depth, and what the sandbox refuses."""
from __future__ import annotations

from datetime import timezone

from jinja2 import nodes

#: Longest template source accepted, in characters.
MAX_TEMPLATE_LENGTH = 20_000
#: Longest rendered output, in characters; rendering stops beyond it. Also the longest text one filter, ``~``, ``+``
#: or ``*`` may make.
MAX_TEMPLATE_OUTPUT = 100_000
#: Most characters one render may build in all: output, set blocks, filter blocks, each loop pass's text.
MAX_TEMPLATE_BUILT = 1_000_000
#: Wall-clock seconds one render may take (checked at every loop step, filter, concatenation and output).
MAX_RENDER_SECONDS = 0.5
#: Most numbers ``range()`` may produce in a template.
MAX_RANGE = 1_000
#: Most loop iterations (all loops together) in one render.
MAX_LOOP_ITERATIONS = 10_000
#: Largest exponent allowed in ``a ** b``.
MAX_POWER_EXPONENT = 64
#: Largest integer size, in bits, that ``*`` and ``**`` may produce.
MAX_INT_BITS = 1_024
#: Deepest expression nesting accepted (guards the compiler's recursion).
MAX_NESTING_DEPTH = 60
#: How many reference hops a template may follow (record.customer.owner...).
MAX_REFERENCE_DEPTH = 2
#: How many manager hops a template may follow (owner.manager.manager...).
MAX_MANAGER_DEPTH = 2
#: Longest strftime format accepted by the ``datetime`` / ``date`` filters.
MAX_DATE_FORMAT_LENGTH = 64

#: Attribute names never allowed, whatever the object (sandbox escape vectors).
UNSAFE_ATTRIBUTES = frozenset({
    "mro", "globals", "func_globals", "f_globals", "f_locals", "f_builtins", "gi_frame",
    "gi_code", "cr_frame", "cr_code", "ag_frame", "ag_code", "tb_frame", "format",
    "format_map", "func_code", "im_class", "im_func", "im_self", "func_closure",
    "subclasses", "builtins", "import", "module", "modules", "os", "sys", "eval", "exec",
})
#: Statements a notification template may not use, and why.
FORBIDDEN_STATEMENTS = {
    nodes.Import: "error.template.no_import",
    nodes.FromImport: "error.template.no_import",
    nodes.Include: "error.template.no_include",
    nodes.Extends: "error.template.no_extends",
    nodes.Macro: "error.template.no_macro",
    nodes.CallBlock: "error.template.no_call_block",
    nodes.Block: "error.template.no_block",
    nodes.Scope: "error.template.no_autoescape",
    nodes.ScopedEvalContextModifier: "error.template.no_autoescape",
    nodes.EvalContextModifier: "error.template.no_autoescape",
}
#: Jinja tests allowed in ``{% if x is ... %}``.
SAFE_TESTS = frozenset({
    "defined", "undefined", "none", "number", "string", "boolean", "true", "false",
    "even", "odd", "divisibleby", "eq", "ne", "lt", "gt", "le", "ge", "in",
    "equalto", "lessthan", "greaterthan", "sequence", "mapping", "iterable",
})
#: Functions a template may call.
SAFE_CALLS = frozenset({"range"})

UTC = timezone.utc
LOOP_GUARD_FILTER = "_formflow_loop_guard"
CONCAT_FILTER = "_formflow_concat"
TZ_KEY = "__formflow_tz__"
