"""Safety limits of the rule language, as data. Everything here is checked at compile time."""
from __future__ import annotations

import re
try:
    import re._parser as _sre_parse  # Python 3.11+
    import re._constants as _sre_c
except ImportError:  # pragma: no cover
    import sre_parse as _sre_parse  # type: ignore[no-redef]
    import sre_constants as _sre_c  # type: ignore[no-redef]

from engine.safety import MAX_REGEX_LENGTH  # one length limit for every user pattern, field or rule

#: Longest rule text accepted (characters).
MAX_RULE_LENGTH = 2000
#: Deepest nesting of parentheses/brackets in the text and of the expression tree.
MAX_NESTING = 32
#: Deepest nesting of operations in the expression tree (`not not x`, `a + b + c` is 2 levels): well below
#: Python's own parser and recursion limits, so no rule reaches them.
MAX_EXPRESSION_DEPTH = 64
#: Most tokens (names, literals, operators, brackets) in one rule, counted before it is parsed: parsing is
#: the costly part of a compile, so this bounds every compile (a chain of 150 terms is 299 tokens).
MAX_TOKENS = 300
#: Most expression nodes in one rule.
MAX_NODES = 400
#: Most items in an array literal.
MAX_ARRAY_ITEMS = 100
#: Most comprehensions (`[x for x in list]`) nested inside each other.
MAX_COMPREHENSION_DEPTH = 2
#: Longest generated Python/JS source (guards against pathological expansion).
MAX_GENERATED_CODE = 100_000
#: Largest explicit repetition count in a pattern (`a{1,12}`).
MAX_REGEX_REPEAT = 12
#: Most quantifiers in one pattern.
MAX_REGEX_QUANTIFIERS = 10
#: Most repetition weight in one pattern: each `* + ?` weighs 1, `{n,m}` weighs m (`{n,}` weighs n). The browser's
#: RE2 (re2js) has no DFA: its time grows with the states a repetition keeps alive, so this keeps the worst accepted
#: pattern on 10,000 characters under 50 ms there (bench/bench_rules.py).
MAX_REGEX_WEIGHT = 12
#: Escapes allowed in patterns (same meaning in Python `re` with ASCII and in JavaScript).
REGEX_ALLOWED_ESCAPES = set("dDwWsSbBntr") | set(r"\.^$|?*+()[]{}/-")
#: Compile cache size (compiled rules kept per process).
MAX_CACHED_RULES = 4096

_REPEATS = {_sre_c.MAX_REPEAT, _sre_c.MIN_REPEAT}
_POSSESSIVE = getattr(_sre_c, "POSSESSIVE_REPEAT", None)
_REFUSED_OPS = {_sre_c.GROUPREF, _sre_c.GROUPREF_EXISTS, _sre_c.ASSERT, _sre_c.ASSERT_NOT}
if _POSSESSIVE is not None:
    _REFUSED_OPS.add(_POSSESSIVE)
if hasattr(_sre_c, "ATOMIC_GROUP"):
    _REFUSED_OPS.add(_sre_c.ATOMIC_GROUP)


_TOKEN = re.compile(r"""[dt]?"(?:[^"\\]|\\.)*"?|[dt]?'(?:[^'\\]|\\.)*'?|[$A-Za-z_][A-Za-z0-9_]*|[0-9][0-9A-Za-z_.]*"""
                    r"""|\*\*|//|=~~|!~~|=~|!~|==|!=|<=|>=|\?\?|&\.|&\[|#[^\n]*|\S""")


def count_tokens(text: str) -> int:
    """Tokens of a rule text (comments count as one), without parsing it."""
    return sum(1 for _ in _TOKEN.finditer(text))


def check_regex(pattern: str) -> str | None:
    """Why *pattern* is refused, or None when it is safe (no catastrophic backtracking, portable to JS)."""
    if len(pattern) > MAX_REGEX_LENGTH:
        return f"the pattern is longer than {MAX_REGEX_LENGTH} characters"
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            nxt = pattern[i + 1:i + 2]
            if nxt not in REGEX_ALLOWED_ESCAPES:
                return f"the escape \\{nxt} is not supported in patterns"
            i += 2
            continue
        if c == "[" and (pattern[i + 1:i + 2] == "]" or pattern[i + 1:i + 3] == "^]"):
            return "write \\] for a ] at the start of [...] (the browser reads [] as an empty set)"
        if c == "(" and pattern[i + 1:i + 2] == "?" and pattern[i + 2:i + 3] != ":":
            return "only plain (...) and (?:...) groups are supported in patterns"
        i += 1
    try:
        tree = _sre_parse.parse(pattern, re.ASCII)
    except re.error as exc:
        return f"the pattern is not valid ({exc})"
    counter = [0, 0]
    return _walk(tree, inside_repeat=False, counter=counter)


def _walk(items: object, *, inside_repeat: bool, counter: list[int]) -> str | None:
    for op, av in items:  # type: ignore[attr-defined]
        if op in _REFUSED_OPS:
            return "back-references, look-arounds and possessive/atomic groups are not supported in patterns"
        if op in _REPEATS:
            lo, hi, sub = av
            counter[0] += 1
            if counter[0] > MAX_REGEX_QUANTIFIERS:
                return f"a pattern may use at most {MAX_REGEX_QUANTIFIERS} repetitions"
            if inside_repeat:
                return "nested repetition such as (a+)+ can take forever and is not allowed"
            if hi != _sre_c.MAXREPEAT and hi > MAX_REGEX_REPEAT or lo > MAX_REGEX_REPEAT:
                return f"repetition counts above {MAX_REGEX_REPEAT} are not allowed"
            counter[1] += max(lo, 1) if hi == _sre_c.MAXREPEAT else hi
            if counter[1] > MAX_REGEX_WEIGHT:
                return (f"the pattern repeats too much (each * + ? counts 1 and {{n,m}} counts m; at most "
                        f"{MAX_REGEX_WEIGHT} in all)")
            why = _walk(sub, inside_repeat=True, counter=counter)
            if why:
                return why
        elif op == _sre_c.SUBPATTERN:
            why = _walk(av[-1], inside_repeat=inside_repeat, counter=counter)
            if why:
                return why
        elif op == _sre_c.BRANCH:
            if inside_repeat:
                return "alternatives (a|b) inside a repetition are not allowed"
            for branch in av[1]:
                why = _walk(branch, inside_repeat=inside_repeat, counter=counter)
                if why:
                    return why
    return None
