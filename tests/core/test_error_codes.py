"""The guard behind "every server error message used by the UI has a zh-CN text" (issue 21): an error item built
without a message code reaches a zh-CN reader as its code's words with the English detail beside them, so none may be
added. Walks the sources of ``engine/`` and ``designer_ui/`` for error items built by hand (``ErrorItem(message, ...)``
rather than ``ErrorItem.coded(message_code, ...)``) and for field-type option checks that answer with text instead of
``ctx.coded(...)``; each module may hold at most the count it held when the guard came in (``UNCODED_BUDGET``, to be
lowered as modules are coded, never raised), modules not listed none. Likewise for errors raised with English text
(``raise NotFound("...")`` or an f-string, a FormflowError subclass without ``message_code=``), whose top-level message
reaches the API answer and the UI: at most ``RAISE_BUDGET`` per module. The codes found must have their zh-CN texts
(test_message_catalogues), and tests/api/test_error_codes_corpus.py drives bad inputs through the API in zh-CN."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: where errors that reach the API and the UI are built
SOURCE_DIRS = ("engine", "designer_ui")
#: hand-built (uncoded) error items per module when this guard came in (2026-12-06), lowered as modules were coded:
#: every module builds its items with a message code now, so none may be added (a number here is never raised)
UNCODED_BUDGET: dict[str, int] = {}

#: raises of a FormflowError subclass with English text and no message_code per module when that count came in
#: (2026-12-06): lower a number when you code some, never raise one
RAISE_BUDGET = {
    # the record's own check: its items are coded, and uncoded the message reads in zh-CN as the class's text with
    # those items in Chinese beside it (test_error_language); a coded top-level text would drop them
    "engine/services/records.py": 1,
}


def _error_classes() -> set[str]:
    """Names of FormflowError and every class (in the sources) deriving from it, by base-class name."""
    bases: dict[str, set[str]] = {}
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases.setdefault(node.name, set()).update(
                    b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases)
    found = {"FormflowError"}
    grown = True
    while grown:
        grown = False
        for name, parents in bases.items():
            if name not in found and parents & found:
                found.add(name)
                grown = True
    return found


def _is_text(node: ast.AST) -> bool:
    """A literal, an f-string, or text built from one ("..." + x, "..." % x, "...".format(x))."""
    if isinstance(node, ast.JoinedStr) or isinstance(node, ast.Constant) and isinstance(node.value, str):
        return True
    if isinstance(node, ast.BinOp):
        return _is_text(node.left)
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format" \
        and _is_text(node.func.value)


def _uncoded_raises(path: Path, error_classes: set[str]) -> int:
    """``raise SomeError("English text")`` in one module, SomeError a FormflowError, without a message_code."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    foreign = {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
               and not (node.module or "").startswith(("engine", "designer_ui")) and node.level == 0 for alias in node.names}
    classes = error_classes - foreign  # werkzeug's NotFound is not ours
    count = 0
    for node in ast.walk(tree):
        call = node.exc if isinstance(node, ast.Raise) else None
        if not isinstance(call, ast.Call):
            continue
        name = call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")
        message = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "message"), None)
        coded = any(k.arg == "message_code" for k in call.keywords)
        count += name in classes and message is not None and _is_text(message) and not coded
    return count


def _sources() -> list[Path]:
    return [path for folder in SOURCE_DIRS for path in sorted((ROOT / folder).rglob("*.py"))
            if "migrations" not in path.parts]


def _uncoded(path: Path) -> int:
    """Hand-built error items in one module, plus option checks of a field type answering with text."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    count = 0
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            count += name == "ErrorItem"
        if isinstance(node, ast.FunctionDef) and node.name == "check_options":
            count += sum(1 for sub in ast.walk(node) if isinstance(sub, ast.Tuple) and len(sub.elts) >= 2 and (
                isinstance(sub.elts[1], ast.JoinedStr) or isinstance(sub.elts[1], ast.Constant) and isinstance(sub.elts[1].value, str)))
    return count


def _modules() -> dict[str, int]:
    found = {}
    for path in _sources():
        count = _uncoded(path)
        if count:
            found[path.relative_to(ROOT).as_posix()] = count
    return found


def _raising_modules() -> dict[str, int]:
    classes = _error_classes()
    found = {}
    for path in _sources():
        count = _uncoded_raises(path, classes)
        if count:
            found[path.relative_to(ROOT).as_posix()] = count
    return found


def test_no_module_builds_more_uncoded_errors_than_it_did():
    over = {path: (count, UNCODED_BUDGET.get(path, 0)) for path, count in _modules().items()
            if count > UNCODED_BUDGET.get(path, 0)}
    assert over == {}, ("build these errors with ErrorItem.coded(message_code, ..., **params) and add the code's en and "
                        "zh_CN texts to engine/translations (path: (uncoded now, allowed)): %r" % over)


def test_no_module_raises_more_uncoded_errors_than_it_did():
    over = {path: (count, RAISE_BUDGET.get(path, 0)) for path, count in _raising_modules().items()
            if count > RAISE_BUDGET.get(path, 0)}
    assert over == {}, ("raise these errors with message_code=..., params={...} and add the code's en and zh_CN texts "
                        "to engine/translations (path: (uncoded now, allowed)): %r" % over)


def test_the_field_types_code_their_option_checks():
    """A field type's option check answers with ctx.coded(...): the designer shows it in the reader's language."""
    fields = {path: count for path, count in _modules().items() if path.startswith("engine/fields/")}
    assert fields == {}, fields


def test_the_guard_sees_a_hand_built_item_and_a_text_option_check(tmp_path):
    module = tmp_path / "sample.py"
    module.write_text("def check_options(self, field, ctx):\n    return [('options/x', f'bad {field}')]\n\n"
                      "def f():\n    return ErrorItem('is bad', path='/x'), ErrorItem.coded('error.x.y', path='/y')\n",
                      encoding="utf-8")
    assert _uncoded(module) == 2


def test_the_guard_sees_a_raise_with_english_text(tmp_path):
    module = tmp_path / "sample.py"
    module.write_text("def f(x):\n    raise NotFound(f'no {x}')\n\ndef g():\n    raise errors.Conflict('taken')\n\n"
                      "def h():\n    raise Conflict('taken', message_code='error.x.taken')\n\n"
                      "def i():\n    raise ValueError('internal')\n\ndef j(e):\n    raise NotFound(e.message) from e\n",
                      encoding="utf-8")
    assert _uncoded_raises(module, {"NotFound", "Conflict"}) == 2
    werkzeug = tmp_path / "routing.py"  # a NotFound imported from outside engine/ is not a FormflowError
    werkzeug.write_text("from werkzeug.exceptions import NotFound\n\ndef f(x):\n    raise NotFound(f'{x} is larger than any id')\n",
                        encoding="utf-8")
    assert _uncoded_raises(werkzeug, {"NotFound"}) == 0
