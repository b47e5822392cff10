"""Python and JavaScript give the same answer for every value (issue 24): at least 100,000 generated (rule, record)
pairs per run, evaluated by the compiled Python and by the compiled JavaScript in ONE node process, 0 disagreements.

An outcome is a value (numbers compared as doubles, exactly; times in ms; durations in seconds) or an error; an
"out of range" error on one side is the same typed error on the other. The seed is random per run (printed on a
failure); RULES_DIFF_SEED=<n> replays one.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import time

import pytest

from engine.rules import RuleError, RuleEvaluationError, compile_rule

from .differential_support import CONTEXTS, SCOPE, NodeEvaluator, RuleGen, py_outcome

NODE = shutil.which("node")
RULES = 5_000
RECORDS_PER_RULE = 24
BATCH_RULES = 500
RECORDS_PER_BATCH = 400


@pytest.fixture(scope="module")
def node():
    if NODE is None:
        if os.environ.get("CI"):
            pytest.fail("node is required in CI (the compiled JavaScript runs under it)")
        pytest.skip("node is not installed")
    evaluator = NodeEvaluator(NODE)
    yield evaluator
    evaluator.close()


def _outcome_py(rule, values, ctx):
    try:
        return {"ok": py_outcome(rule.evaluate(values, ctx))}
    except RuleEvaluationError as exc:
        return {"error": exc.message_code}


def _numbers_as_floats(v):
    """JSON spells a whole double without a point (18446744073709552000): read every number as a double."""
    if isinstance(v, list):
        return [_numbers_as_floats(x) for x in v]
    if isinstance(v, dict):
        return {k: float(x) if k in ("n", "s") else x for k, x in v.items()}
    return v


#: the range errors' codes (both sides throw the catalogue's code: engine/rules/errors.py, runtime.js)
RANGE_ERRORS = ("error.eval.number_range", "error.eval.date_range", "error.eval.duration_range")


def _same(py: dict, js: dict) -> bool:
    if "error" in py or "error" in js:
        if "error" not in py or "error" not in js or js.get("foreign"):
            return False
        return (py["error"] in RANGE_ERRORS) == (js["error"] in RANGE_ERRORS)  # the same typed error
    return py["ok"] == _numbers_as_floats(js["ok"])


def test_python_and_javascript_agree_on_100000_generated_cases(node):
    seed = int(os.environ.get("RULES_DIFF_SEED") or random.SystemRandom().randrange(2 ** 32))
    gen = RuleGen(seed)
    started = time.perf_counter()
    compared, refused, kinds_seen, bad = 0, 0, {}, []
    contexts_js = [c.to_js() for c in CONTEXTS]
    for _ in range(RULES // BATCH_RULES):
        sources, kinds, cases, expected = [], [], [], []
        # through JSON, as the browser receives a record (and as the server reads it back)
        records = [json.loads(json.dumps(gen.record())) for _ in range(RECORDS_PER_BATCH)]
        for _ in range(BATCH_RULES):
            text, kind = gen.rule_with_kind()
            try:
                rule = compile_rule(text, SCOPE, name="generated")
            except RuleError:
                refused += 1
                continue
            index = len(sources)
            sources.append(rule.js)
            kinds.append("duration" if kind in ("duration", "durations") else kind)
            kinds_seen[kind] = kinds_seen.get(kind, 0) + 1
            for _ in range(RECORDS_PER_RULE):
                ri, ci = gen.r.randrange(len(records)), gen.r.randrange(len(CONTEXTS))
                cases.append([index, ci, ri])
                expected.append((text, records[ri], ci, _outcome_py(rule, records[ri], CONTEXTS[ci])))
        results = node.run(sources, kinds, contexts_js, records, cases)
        assert len(results) == len(cases)
        for (text, values, ci, py), js in zip(expected, results):
            compared += 1
            if not _same(py, js):
                bad.append(f"{text!r} values={json.dumps(values, ensure_ascii=False)} ctx={ci}: python={py} js={js}")
    elapsed = time.perf_counter() - started
    print(f"\ndifferential: seed={seed} compared={compared} rules refused={refused} kinds={kinds_seen} "
          f"in {elapsed:.1f}s")
    assert not bad, f"seed {seed}: {len(bad)} Python/JS disagreements, first ones:\n" + "\n".join(bad[:15])
    assert compared >= 100_000, f"seed {seed}: only {compared} cases compared ({refused} rules refused)"
    assert refused < RULES // 3, f"seed {seed}: too many generated rules refused ({refused})"
