"""The differential test's generator and its node process (written for issue 24, independent of the agreement
tests' grammar): typed random rules over a scope whose field ids look like JavaScript internals, and records
full of edge values (dates at 0001 and 9999, astral text, newlines, brackets, huge and tiny numbers, -0).

`RuleGen` is a seeded `random.Random` walk over the rule kinds; `NodeEvaluator` is ONE long-lived node process
holding the bundled runtime; it takes batches (one JSON line: rule sources + cases) and answers one JSON line.
"""
from __future__ import annotations

import datetime as dt
import json
import random
import subprocess
import tempfile

from engine.rules import JS_RUNTIME, RuleContext, RuleScope

UTC = dt.timezone.utc

# -- the scope: ids a JS object already "has" ------------------------------------------------------------
ROW_FIELDS = [{"id": "constructor", "name": "rq", "type": "number"}, {"id": "toString", "name": "rl", "type": "text"}]
FIELDS = [
    {"id": "constructor", "name": "n1", "type": "number"},
    {"id": "valueOf", "name": "n2", "type": "number"},
    {"id": "hasOwnProperty", "name": "m1", "type": "money"},
    {"id": "__proto__", "name": "t1", "type": "text"},
    {"id": "toString", "name": "t2", "type": "text"},
    {"id": "isPrototypeOf", "name": "d1", "type": "date"},
    {"id": "__defineGetter__", "name": "dt1", "type": "datetime"},
    {"id": "propertyIsEnumerable", "name": "b1", "type": "boolean"},
    {"id": "toLocaleString", "name": "tags", "type": "multiselect", "options": {"choices": ["a", "b", "😀"]}},
    {"id": "__lookupGetter__", "name": "u1", "type": "user"},
    {"id": "prototype", "name": "rows", "type": "subtable", "options": {"fields": ROW_FIELDS}},
]
SCOPE = RuleScope.from_fields(FIELDS, None)

CONTEXTS = [RuleContext(now=dt.datetime(2026, 3, 9, 10, 0, 0, 123456, tzinfo=UTC), tz="Asia/Shanghai", user_id=7),
            RuleContext(now=dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), tz="UTC", user_id=None),
            RuleContext(now=dt.datetime(1, 1, 1, 0, 0, 0, tzinfo=UTC), tz="UTC", user_id=2 ** 53 + 1)]

# -- edge values --------------------------------------------------------------------------------------------
NUMBERS = [0, 1, -1, 2, 3.0, 0.1, 0.2, 0.3, -0.0, 1.05, 7, 10, 1e15, 2 ** 53, 2 ** 53 + 1, 2 ** 63, 10 ** 30,
           1e21, 1e-7, 1.5e-10, 123.456, -987654.321, 1.7976931348623157e308, 1e308, 1e307, 9.99e307, 1e-307, 1e-308,
           5e-324, 0.5, 2.5, -2.5, 1 / 3, 100, 86400, 1e300, -1e300]
MONEY = ["12.30", "-0.00", "0", "123456789012345678901234567890.123456789", "99999999999999999999999999999999.995",
         "1e5", " 1", "0.1", "-3.5", 2.5, None]
TEXTS = ["", "a", "aa", "abc", "abc\n", "a\rc", "a\nc", "😀", "😀x", "x]", "]", "[a]", "ab]c", " x ", "\t x\n", "\x0b",
         "中文", "KH-01", "Zed", "zed", "\uffff", "\ue000", "a{,3}", "aaaa", "A1_b", "a.c", "x\u2028y", "naïve"]
DATES = ["0001-01-01", "0001-01-02", "9999-12-31", "9999-12-30", "2024-02-29", "2023-02-29", "1970-01-01",
         "2026-03-09", "2026-W01-1", "0000-01-01", "2026-3-9", None]
DATETIMES = ["9999-12-31T23:59:59Z", "9999-12-31T23:59:59.999Z", "0001-01-01T00:00:00Z", "0001-01-01T00:30:00+01:00",
             "9999-12-31T23:30:00-01:00", "2026-03-09T10:00:00.123456+08:00", "2026-03-09 10:00", "2026-W01-1T00:00:00Z",
             "2026-03-09T10:00:00+0530", "1970-01-01T00:00:00.0005Z", "2026-03-09T24:00:00Z", "1969-12-31T23:59:59.999Z",
             "2026-03-09T10:00:00", None]
USERS = [3, 3.0, 2 ** 53 + 1, 1e300, -1, 0, None, "3", 2.5, True]
PATTERNS = ["abc$", "^abc", "a.c", "^.$", "[]]", "[^]]+$", "a{,3}$", "\\s", "\\d+", "\\w+$", "^$", "😀", "^😀",
            "[😀-😂]", "\\n", "x\\]", ".*\\.", "[a-z]*\\]", "x*y*z*$", "^[^a]*$", "\\bab\\b", "(?:a)b", "[\\s]+",
            "\\S+", "\\W", "^a*a*a*a*a*a*b", "A", "(a+)+$", "(ab|c)+", "^(ab|c)d?$", "[a-c]{2,3}", "a{2}", "\\.",
            "\\$", "^\\^", "\\\\", "中", "[^\\n]+$", "$"]
NUM_LITERALS = ["0", "1", "2", "3", "7", "10", "0.1", "0.2", "0.3", "1.05", "1.5", "0.5", "2.5", "-5", "100",
                "1000", "1001", "9007199254740993", "1e300", "1e-300", "1e308", "1e-320", "12345678901234567890123456789012345678",
                "0.000001", "3.14159", "inf", "nan", "86400"]
TEXT_LITERALS = ['""', '"a"', '"abc"', '"abc\\n"', '"😀"', '"x]"', '"]"', '" x "', '"中文"', '"\\uffff"', '"a\\rc"',
                 '"Zed"', '"zed"']
DATE_LITERALS = ['d"0001-01-01"', 'd"9999-12-31"', 'd"9999-12-31T23:59:59Z"', 'd"1970-01-01"', 'd"2024-02-29"',
                 'd"2026-03-09T10:00:00+08:00"', 'd"0001-01-01T00:00:00Z"', "$today", "$now"]
DURATION_LITERALS = ['t"P1D"', 't"PT1H"', 't"PT0.0005S"', 't"P3652059D"', 't"P3652060D"', 't"PT1S"', 't"P30D"', 't"PT0S"']


class RuleGen:
    """Typed random rules (as text) and records, from one seed."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def pick(self, seq):
        return self.r.choice(seq)

    def rule_with_kind(self) -> tuple[str, str]:
        kind = self.pick(["boolean"] * 4 + ["number"] * 3 + ["text", "datetime", "duration", "numbers", "datetimes",
                                                             "durations"])
        return self.expr(kind, self.r.randint(1, 3)), kind

    # one method per result kind; depth bounds the size
    def expr(self, kind: str, depth: int) -> str:
        return getattr(self, "g_" + kind)(max(depth, 0))

    def g_number(self, d: int) -> str:
        leaf = [lambda: self.pick(NUM_LITERALS), lambda: self.pick(["n1", "n2", "m1", "u1", "$user_id"]),
                lambda: f"{self.expr('text', 0)}.length", lambda: f"{self.expr('datetime', 0)}.{self.pick(['year', 'month', 'day', 'hour', 'minute', 'second', 'to_epoch'])}",
                lambda: f"{self.expr('duration', 0)}.{self.pick(['days', 'total_seconds'])}"]
        if d == 0:
            return self.pick(leaf)()
        a, b = self.expr("number", d - 1), self.expr("number", d - 1)
        op = self.pick(["+", "-", "*", "/", "//", "%", "**", "**"])
        if op == "**" and self.r.random() < 0.7:
            b = self.pick(["0", "1", "2", "3", "10", "-1", "-5", "0.5", "1.5", "1000", "1001", "2.0"])
        return self.pick([
            lambda: f"({a} {op} {b})", lambda: f"-{a}", lambda: f"$abs({a})",
            lambda: f"$round({a}, {self.pick(['0', '1', '2', '5', '10', '11', '2.5', '-1'])})", lambda: f"$round({a})",
            lambda: f"$sum([{a}, {b}])", lambda: f"$min([{a}, {b}, 0.5])", lambda: f"$max([{a}, {b}])",
            lambda: f"({a}).ceiling", lambda: f"({a}).floor", lambda: f"$days_between({self.expr('datetime', d - 1)}, {self.expr('datetime', d - 1)})",
            lambda: f"[{a}, {b}, 3][{self.pick(['0', '1', '-1', '3', '0.5', 'n1'])}]",
            lambda: f"({self.expr('boolean', d - 1)} ? {a} : {b})", lambda: f"(n1 ?? {a})",
            lambda: f"((b1 ? null : {a}) {self.pick(['+', '*', '-'])} {b})",
            lambda: f"$sum([r.rq ?? 0 for r in rows])" if rows_ok(self) else f"({a} + 1)",
            lambda: self.pick(leaf)()])()

    def g_text(self, d: int) -> str:
        leaf = [lambda: self.pick(TEXT_LITERALS), lambda: self.pick(["t1", "t2"]), lambda: "tags[0]"]
        if d == 0:
            return self.pick(leaf)()
        a = self.expr("text", d - 1)
        return self.pick([
            lambda: f"({a} + {self.expr('text', d - 1)})", lambda: f"$trim({a})", lambda: f"$lower({a})",
            lambda: f"$upper({a})", lambda: f"({a}).as_upper", lambda: f"{a}[{self.pick(['0', '1', '-1', '5'])}]",
            lambda: f"{a}[{self.pick(['0', '1', '-2', 'null'])}:{self.pick(['2', '-1', 'null', '9'])}]",
            lambda: f"({a} ?? {self.expr('text', 0)})", lambda: f"({self.expr('boolean', d - 1)} ? {a} : {self.expr('text', 0)})",
            lambda: self.pick(leaf)()])()

    def g_boolean(self, d: int) -> str:
        if d == 0:
            return self.pick(["b1", "true", "false", "$is_empty(t1)", "(t2 =~ \"a\")", "(n1 > 0)"])
        k = self.pick(["number", "number", "text", "datetime", "duration"])
        a, b = self.expr(k, d - 1), self.expr(k, d - 1)
        return self.pick([
            lambda: f"({a} {self.pick(['==', '!=', '<', '<=', '>', '>='])} {b})",
            lambda: f"({self.expr('text', d - 1)} {self.pick(['=~', '=~~', '!~', '!~~'])} {json.dumps(self.pick(PATTERNS), ensure_ascii=False)})",
            lambda: f"({self.pick(['t1', 't2', 'tags[0]'])} {self.pick(['=~', '=~~'])} {json.dumps(self.pick(PATTERNS), ensure_ascii=False)})",
            lambda: f"({self.expr('boolean', d - 1)} {self.pick(['and', 'or'])} {self.expr('boolean', d - 1)})",
            lambda: f"not {self.expr('boolean', d - 1)}", lambda: f"({self.expr('text', d - 1)} in {self.expr('text', d - 1)})",
            lambda: f"({self.expr('number', d - 1)} in [1, 2.0, 0.3, n2])", lambda: f"(\"a\" in tags)",
            lambda: f"{self.expr('text', d - 1)}.starts_with({self.expr('text', 0)})",
            lambda: f"{self.expr('text', d - 1)}.ends_with({self.expr('text', 0)})",
            lambda: f"[1, 2, 3].starts_with([1, {self.expr('number', 0)}])",
            lambda: f"$any([{self.expr('boolean', d - 1)}, b1])", lambda: f"$all([b1, {self.expr('boolean', d - 1)}])",
            lambda: f"(rows[0]&.rq == null)", lambda: f"$is_empty({self.expr('text', d - 1)})"])()

    def g_datetime(self, d: int) -> str:
        leaf = [lambda: self.pick(DATE_LITERALS), lambda: self.pick(["d1", "dt1"])]
        if d == 0:
            return self.pick(leaf)()
        a = self.expr("datetime", d - 1)
        return self.pick([
            lambda: f"({a} + {self.expr('duration', d - 1)})", lambda: f"({self.expr('duration', d - 1)} + {a})",
            lambda: f"({a} - {self.expr('duration', d - 1)})", lambda: f"$add_days({a}, {self.expr('number', d - 1)})",
            lambda: f"$add_days({a}, {self.pick(['1', '-1', '30', '3652059', '3652060', '1000001', '0.5'])})",
            lambda: f"({a}).date", lambda: f"(dt1 ?? {a})", lambda: self.pick(leaf)()])()

    def g_duration(self, d: int) -> str:
        if d == 0:
            return self.pick(DURATION_LITERALS)
        return self.pick([
            lambda: f"({self.expr('datetime', d - 1)} - {self.expr('datetime', d - 1)})",
            lambda: f"({self.expr('duration', d - 1)} + {self.expr('duration', d - 1)})",
            lambda: f"({self.expr('duration', d - 1)} - {self.expr('duration', d - 1)})",
            lambda: f"-{self.expr('duration', d - 1)}", lambda: self.pick(DURATION_LITERALS)])()

    def g_numbers(self, d: int) -> str:
        return self.pick([f"[{self.expr('number', d - 1)}, {self.expr('number', 0)}]",
                          f"[x * 2 for x in [{self.expr('number', 0)}, 0.1, n2]]",
                          "[r.rq for r in rows if r.rq != null]"])

    def g_datetimes(self, d: int) -> str:
        return f"[{self.expr('datetime', d - 1)}, {self.expr('datetime', 0)}]"

    def g_durations(self, d: int) -> str:
        return f"[{self.expr('duration', d - 1)}, t\"PT1.5S\"]"

    # -- records ---------------------------------------------------------------------------------------------
    def record(self) -> dict:
        r, values = self.r, {}
        pools = {"constructor": NUMBERS, "valueOf": NUMBERS, "hasOwnProperty": MONEY + NUMBERS[:5], "__proto__": TEXTS,
                 "toString": TEXTS, "isPrototypeOf": DATES, "__defineGetter__": DATETIMES,
                 "propertyIsEnumerable": [True, False, None], "__lookupGetter__": USERS}
        for fid, pool in pools.items():
            if r.random() < 0.85:  # else absent: JS must not find Object.prototype's member of that name
                values[fid] = self.pick(pool)
        if r.random() < 0.8:
            values["toLocaleString"] = r.sample(["a", "b", "😀"], r.randint(0, 3))
        if r.random() < 0.8:
            rows = []
            for _ in range(r.randint(0, 3)):
                row = {}
                if r.random() < 0.6:
                    row["constructor"] = self.pick(NUMBERS[:12])
                if r.random() < 0.5:
                    row["toString"] = self.pick(TEXTS)
                rows.append(row)
            values["prototype"] = rows
        return values


def rows_ok(gen: RuleGen) -> bool:
    return gen.r.random() < 0.5


# -- outcomes ---------------------------------------------------------------------------------------------
def py_outcome(value) -> object:
    """A Python result as the JSON the node side produces for the same value."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, float):
        return {"n": value + 0.0}
    if isinstance(value, dt.datetime):
        return {"t": (value - dt.datetime(1970, 1, 1, tzinfo=UTC)) // dt.timedelta(milliseconds=1)}
    if isinstance(value, dt.timedelta):
        return {"s": (value // dt.timedelta(milliseconds=1)) / 1000 + 0.0}
    if isinstance(value, list):
        return [py_outcome(v) for v in value]
    raise TypeError(f"unexpected rule result {value!r}")


NODE_SCRIPT = JS_RUNTIME + r"""
;(function () {
  var rt = FormflowRules, readline = require("readline");
  var rl = readline.createInterface({ input: process.stdin, terminal: false });
  function enc(v, kind) {
    if (v === null || typeof v === "boolean" || typeof v === "string") return v;
    if (v instanceof Date) return { t: v.getTime() };
    if (typeof v === "number") { if (!isFinite(v)) return { bad: String(v) }; var o = {}; o[kind === "duration" ? "s" : "n"] = v === 0 ? 0 : v; return o; }
    if (Array.isArray(v)) return v.map(function (x) { return enc(x, kind); });
    return { bad: String(v) };
  }
  rl.on("line", function (line) {
    var batch = JSON.parse(line), fns = batch.rules.map(function (src) { return rt.compile(src); });
    var ctxs = batch.contexts.map(function (c) { return rt.context(c); }), out = [];
    batch.cases.forEach(function (c) {
      try { out.push({ ok: enc(fns[c[0]](batch.records[c[2]], ctxs[c[1]]), batch.kinds[c[0]]) }); }
      catch (e) { out.push({ error: String(e && e.message || e), foreign: !(e instanceof rt.RuleEvaluationError) }); }
    });
    process.stdout.write(JSON.stringify(out) + "\n");
  });
})();
"""


class NodeEvaluator:
    """One node process for the whole test session: batches in, outcomes out (JSON lines)."""

    def __init__(self, node: str) -> None:
        self._script = tempfile.NamedTemporaryFile("w", suffix=".js", encoding="utf-8", delete=False)
        self._script.write(NODE_SCRIPT)
        self._script.close()
        self.proc = subprocess.Popen([node, self._script.name], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, encoding="utf-8", bufsize=1)

    def run(self, rules: list[str], kinds: list[str], contexts: list[dict], records: list[dict],
            cases: list[list]) -> list[dict]:
        """Evaluate cases `[rule index, context index, record index]`; one outcome each, in order."""
        self.proc.stdin.write(json.dumps({"rules": rules, "kinds": kinds, "contexts": contexts, "records": records,
                                          "cases": cases}, ensure_ascii=True) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"node exited ({self.proc.poll()})")
        return json.loads(line)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=10)
