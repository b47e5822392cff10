"""Support for the rule agreement tests: a typed random rule grammar over a random scope, random
records, outcome normalization, and one node process per batch to run the compiled JavaScript."""
from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import random
import shutil
import subprocess
import tempfile
from pathlib import Path

from hypothesis import strategies as st

from engine.rules import JS_RUNTIME, RuleContext, RuleScope

UTC = dt.timezone.utc
NODE = shutil.which("node")

NODE_SCRIPT = JS_RUNTIME + r"""
;(function () {
  var rt = FormflowRules, chunks = [];
  process.stdin.on("data", function (c) { chunks.push(c); });
  process.stdin.on("end", function () {
    var cases = JSON.parse(Buffer.concat(chunks).toString("utf8")), fns = {}, out = [];
    cases.forEach(function (c) {
      var f = fns[c.js] || (fns[c.js] = rt.compile(c.js));
      var ctx = rt.context({ now: c.ctx.now, tz: c.ctx.tz, user_id: c.ctx.user_id,
        load_reference: function (form, id) { var d = c.refs[form + ":" + id]; return d === undefined ? null : d; } });
      try {
        var v = f(c.values, ctx);
        out.push({ ok: enc(v) });
      } catch (e) {
        out.push({ error: String(e && e.message || e), foreign: !(e instanceof rt.RuleEvaluationError) });
      }
    });
    process.stdout.write(JSON.stringify(out));
  });
  function enc(v) {
    if (v instanceof Date) return { $dt: v.getTime() };
    if (typeof v === "number" && !isFinite(v)) return { $num: String(v) };
    if (Array.isArray(v)) return v.map(enc);
    return v;
  }
})();
"""


def run_node(cases: list[dict]) -> list[dict]:
    """Run all cases in ONE node process (JSON array on stdin, JSON array of outcomes on stdout)."""
    with tempfile.NamedTemporaryFile("w", suffix=".js", encoding="utf-8", delete=False) as script:
        script.write(NODE_SCRIPT)  # the runtime with its libraries is too big for `node -e`
    proc = subprocess.run([NODE, script.name], input=json.dumps(cases).encode(), capture_output=True,
                          check=True, timeout=120)
    return json.loads(proc.stdout)


# -- outcome normalization -------------------------------------------------------------------------------
def norm(v, kind=None):
    if v is None:
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, (decimal.Decimal, float, int)):
        f = float(v)
        if kind == "duration":
            return ("td", round(f * 1000))
        if math.isnan(f):
            return ("n", "nan")
        return ("n", f + 0.0)
    if isinstance(v, str):
        return v
    if isinstance(v, dt.datetime):
        return ("dt", round(v.timestamp() * 1000))
    if isinstance(v, dt.timedelta):
        return ("td", v // dt.timedelta(milliseconds=1))
    if isinstance(v, (list, tuple)):
        return [norm(x) for x in v]
    if isinstance(v, dict) and "$dt" in v:
        return ("dt", v["$dt"])
    if isinstance(v, dict) and "$num" in v:
        return ("n", float(v["$num"].replace("Infinity", "inf")))
    raise TypeError(f"cannot normalize {v!r}")


# -- random scope, records and rules ------------------------------------------------------------------------
CUSTOMER_FIELDS = [{"id": "c_level", "name": "level", "type": "select"},
                   {"id": "c_score", "name": "score", "type": "number"},
                   {"id": "c_since", "name": "since", "type": "date"}]
ROW_FIELDS = [{"id": "r_qty", "name": "qty", "type": "number"}, {"id": "r_label", "name": "label", "type": "text"}]
TYPES = ["text", "select", "number", "money", "boolean", "date", "datetime", "multiselect", "reference", "subtable"]
WORDS = ["", "a", "ab", "Key", "visit", "call", " x ", "abc", "KH-01", "中文", "Zed"]
CHOICES = ["a", "b", "key", "main"]
PATTERNS = ["a", "^ab", "[a-z]+$", "K.-\\d+", "x", "(ab|c)d?", "\\w*", "[^ ]+ [^ ]+"]


def resolve_form(key):
    return CUSTOMER_FIELDS


@st.composite
def scopes(draw):
    fields = []
    for t in TYPES:
        for i in range(draw(st.integers(1 if t in ("number", "text", "boolean", "datetime") else 0, 2))):
            f = {"id": f"id_{t}_{i}", "name": f"{t}_{i}", "type": t}
            if t == "reference":
                f["options"] = {"form": "customer"}
            if t == "subtable":
                f["options"] = {"fields": ROW_FIELDS}
            fields.append(f)
    return RuleScope.from_fields(fields, resolve_form), fields


class _Draw:
    """Draw-compatible adapter over a seeded random.Random: records need many values and hypothesis
    draws are slow, so record data comes from one hypothesis-drawn seed (still reproducible)."""

    def __init__(self, seed_value: int) -> None:
        self.r = random.Random(seed_value)

    def __call__(self, strategy):
        kind, arg = strategy
        if kind == "ints":
            return self.r.randint(*arg)
        if kind == "pick":
            return self.r.choice(arg)
        if kind == "bools":
            return self.r.random() < 0.5
        if kind == "sublist":
            return self.r.sample(arg, self.r.randint(0, 3))
        raise ValueError(kind)


def ints(lo, hi):
    return ("ints", (lo, hi))


def pick(seq):
    return ("pick", list(seq))


def _dt_str(draw):
    base = dt.datetime(2024, 1, 1, tzinfo=UTC)
    return (base + dt.timedelta(seconds=draw(ints(-400 * 86400, 400 * 86400)))).strftime("%Y-%m-%dT%H:%M:%SZ")


def _date_str(draw):
    return (dt.date(2024, 1, 1) + dt.timedelta(days=draw(ints(-400, 400)))).isoformat()


def _num(draw):
    return draw(pick([0, 1, 2, 3, -1, 7, 10, 0.5, -2.5, 12.25, 100]))


VALUE_MAKERS = {
    "text": lambda d: d(pick(WORDS)),
    "select": lambda d: d(pick(CHOICES)),
    "number": lambda d: _num(d),
    "money": lambda d: d(pick(["0.00", "12.25", "-3.50", "100", "7.75"])),
    "boolean": lambda d: d(("bools", None)),
    "date": lambda d: _date_str(d),
    "datetime": lambda d: _dt_str(d),
    "multiselect": lambda d: d(("sublist", CHOICES)),
    "reference": lambda d: d(pick([1, 2, 3])),
    "subtable": lambda d: [{"r_qty": _num(d), "r_label": d(pick(WORDS))}
                           for _ in range(d(ints(0, 3)))],
}


def record(draw, fields):
    values = {}
    for f in fields:
        if draw(ints(0, 9)) == 0:
            continue  # missing value -> null
        values[f["id"]] = None if draw(ints(0, 9)) == 0 else VALUE_MAKERS[f["type"]](draw)
    return values


def refs(draw):
    out = {}
    for rid in (1, 2):  # 3 is a dangling reference -> null
        out[f"customer:{rid}"] = {"c_level": draw(pick(CHOICES + [None])),
                                  "c_score": draw(pick([1, 5, None, 2.5])),
                                  "c_since": _date_str(draw)}
    return out


def contexts(draw):
    now = dt.datetime.fromisoformat(_dt_str(draw))
    return RuleContext(now=now, tz=draw(pick(["UTC", "Asia/Shanghai", "America/New_York"])),
                       user_id=draw(pick([None, 1, 7])))


class Grammar:
    """Typed random rule texts over a scope (a grammar-based strategy driven by hypothesis draws)."""

    def __init__(self, draw, fields):
        self.d = draw
        self.by_type: dict[str, list[str]] = {}
        for f in fields:
            self.by_type.setdefault(f["type"], []).append(f["name"])

    def pick(self, options):
        return self.d(st.sampled_from(options))

    def field(self, *types):
        names = [n for t in types for n in self.by_type.get(t, [])]
        return self.pick(names) if names else None

    def gen(self, kind, depth):
        makers = [m for m in getattr(self, "g_" + kind)(depth) if m is not None]
        return self.pick(makers)() if depth > 0 else makers[0]()

    def g_boolean(self, d):
        n = d - 1
        f = self.field("boolean")
        opts = [lambda: self.pick(["true", "false"]) if not f else f]
        opts += [lambda: f"{self.gen('number', n)} {self.pick(['==', '!=', '<', '<=', '>', '>='])} {self.gen('number', n)}",
                 lambda: f"{self.gen('text', n)} {self.pick(['==', '!=', '<', '>='])} {self.gen('text', n)}",
                 lambda: f"{self.gen('datetime', n)} {self.pick(['==', '<', '>', '<=', '>='])} {self.gen('datetime', n)}",
                 lambda: f"{self.gen('text', n)} in {self.gen('text', n)}",
                 lambda: f"not {self.gen('boolean', n)}",
                 lambda: f"({self.gen('boolean', n)} {self.pick(['and', 'or'])} {self.gen('boolean', n)})",
                 lambda: f"$is_empty({self.gen(self.pick(['text', 'number', 'datetime']), n)})",
                 lambda: f"{self.gen('text', n)}.is_empty",
                 lambda: f"{self.gen('text', n)}.{self.pick(['starts_with', 'ends_with'])}({self.gen('text', n)})",
                 lambda: f"{self.gen('text', n)} {self.pick(['=~', '=~~', '!~', '!~~'])} {json.dumps(self.pick(PATTERNS))}",
                 lambda: f"{self.gen(self.pick(['text', 'number', 'datetime', 'boolean']), n)} {self.pick(['==', '!='])} null",
                 lambda: f"({self.gen('boolean', n)} ? {self.gen('boolean', n)} : {self.gen('boolean', n)})",
                 lambda: f"{f} == {self.pick(['true', 'false'])}" if f else "true"]
        ms = self.field("multiselect")
        if ms:
            opts.append(lambda: f"{json.dumps(self.pick(CHOICES))} in {ms}")
        rows = self.field("subtable")
        if rows:
            opts.append(lambda: f"$any([r.qty > {self.pick(['0', '1', '2'])} for r in {rows}])")
            opts.append(lambda: f"$all([r.label.length < 3 for r in {rows} if r.qty != 0])")
        ref = self.field("reference")
        if ref:
            opts.append(lambda: f"{ref}.level == {json.dumps(self.pick(CHOICES))}")
            opts.append(lambda: f"{ref}&.level == null")
        return opts

    def g_number(self, d):
        n = d - 1
        f = self.field("number", "money")
        opts = [lambda: f or "3", lambda: self.pick(["0", "1", "2", "5", "0.5", "-3", "10"])]
        opts += [lambda: f"({self.gen('number', n)} {self.pick(['+', '-', '*'])} {self.gen('number', n)})",
                 lambda: f"({self.gen('number', n)} {self.pick(['/', '%', '//'])} {self.pick(['1', '2', '4', '0'])})",
                 lambda: f"-{self.gen('number', n)}",
                 lambda: f"{self.gen('text', n)}.length",
                 lambda: f"$abs({self.gen('number', n)})",
                 lambda: f"${self.pick(['min', 'max', 'sum'])}([{self.gen('number', n)}, {self.gen('number', n)}])",
                 lambda: f"$round({self.gen('number', n)}{self.pick(['', ', 1', ', 0'])})",
                 lambda: f"({self.gen('datetime', n)} - {self.gen('datetime', n)}).days",
                 lambda: f"$days_between({self.gen('datetime', n)}, {self.gen('datetime', n)})",
                 lambda: f"{self.gen('datetime', n)}.{self.pick(['year', 'month', 'day', 'hour', 'minute'])}",
                 lambda: f"({self.gen('number', n)} ?? {self.pick(['0', '1'])})",
                 lambda: f"{self.gen('number', n)}.{self.pick(['ceiling', 'floor'])}",
                 lambda: f"({self.gen('boolean', n)} ? {self.gen('number', n)} : {self.gen('number', n)})"]
        ms = self.field("multiselect")
        if ms:
            opts.append(lambda: f"{ms}.length")
        rows = self.field("subtable")
        if rows:
            opts.append(lambda: f"$sum([r.qty for r in {rows}])")
            opts.append(lambda: f"[r.qty for r in {rows} if r.qty > 1].length")
        ref = self.field("reference")
        if ref:
            opts.append(lambda: f"{ref}.score")
        return opts

    def g_text(self, d):
        n = d - 1
        f = self.field("text", "select")
        opts = [lambda: f or '"a"', lambda: json.dumps(self.pick(WORDS))]
        opts += [lambda: f"({self.gen('text', n)} + {self.gen('text', n)})",
                 lambda: f"{self.gen('text', n)}.{self.pick(['as_lower', 'as_upper'])}",
                 lambda: f"${self.pick(['trim', 'lower', 'upper'])}({self.gen('text', n)})",
                 lambda: f"({self.gen('text', n)} ?? {json.dumps(self.pick(WORDS))})",
                 lambda: f"{self.gen('text', n)}{self.pick(['[0]', '&[1]', '[-1]', '[1:3]', '[:2]'])}",
                 lambda: f"({self.gen('boolean', n)} ? {self.gen('text', n)} : {self.gen('text', n)})"]
        ref = self.field("reference")
        if ref:
            opts.append(lambda: f"{ref}&.level")
        return opts

    def g_datetime(self, d):
        n = d - 1
        f = self.field("date", "datetime")
        opts = [lambda: f or "$now", lambda: self.pick(["$now", "$today", 'd"2024-03-01T10:00:00Z"', 'd"2024-01-01"'])]
        opts += [lambda: f"({self.gen('datetime', n)} {self.pick(['+', '-'])} t{json.dumps(self.pick(['P1D', 'PT1H', 'P2DT30M']))})",
                 lambda: f"$add_days({self.gen('datetime', n)}, {self.pick(['1', '-7', '30'])})",
                 lambda: f"{self.gen('datetime', n)}.date",
                 lambda: f"({self.gen('datetime', n)} ?? $today)"]
        ref = self.field("reference")
        if ref:
            opts.append(lambda: f"{ref}.since")
        return opts


@st.composite
def cases(draw, records_per_rule=10):
    scope, fields = draw(scopes())
    g = Grammar(draw, fields)
    kind = draw(st.sampled_from(["boolean", "boolean", "number", "text", "datetime"]))
    text = g.gen(kind, draw(st.integers(1, 4)))
    fast = _Draw(draw(st.integers(0, 2 ** 32)))
    ctx = contexts(fast)
    reference_data = refs(fast)
    ctx.load_reference = lambda form, rid: reference_data.get(f"{form}:{rid}")
    records = [record(fast, fields) for _ in range(records_per_rule)]
    return scope, text, ctx, reference_data, records
