"""Rule evaluation speed: compiled rule vs a hand-written Python predicate vs rule-engine's Rule.matches.

Plain script; prints ns per evaluation and ratios against the hand-written baseline measured in the
same run (goal: compiled within 5x of hand-written). Run: python bench/bench_rules.py
"""
from __future__ import annotations

import datetime as dt
import sys
import timeit
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.rules import RuleContext, RuleScope, compile_rule  # noqa: E402
from engine.rules.reference import rule_engine_rule, rule_engine_thing  # noqa: E402

UTC = dt.timezone.utc
FIELDS = [{"id": "enable_reminder", "name": "enable_reminder", "type": "boolean"},
          {"id": "next_follow_up", "name": "next_follow_up", "type": "datetime"},
          {"id": "method", "name": "method", "type": "select"},
          {"id": "content", "name": "content", "type": "textarea"}]
RECORD = {"enable_reminder": True, "next_follow_up": "2024-06-01T09:00:00Z", "method": "visit",
          "content": "Discussed the renewal in detail"}
NOW = dt.datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def hand_reminder(v: dict, now: dt.datetime) -> bool:
    nf = v.get("next_follow_up")
    return v.get("enable_reminder") is True and nf is not None and dt.datetime.fromisoformat(nf) > now


def hand_visit(v: dict, now: dt.datetime) -> bool:
    content = v.get("content")
    return v.get("method") == "visit" and content is not None and len(content) >= 10


CASES = [("enable_reminder == true and next_follow_up > $now", hand_reminder),
         ("method == 'visit' and content.length >= 10", hand_visit)]


def ns_per_call(fn, number: int) -> float:
    best = min(timeit.repeat(fn, number=number, repeat=5))
    return best / number * 1e9


def main() -> None:
    scope = RuleScope.from_fields(FIELDS)
    ctx = RuleContext(now=NOW)
    thing = rule_engine_thing(scope, RECORD, ctx)
    print(f"{'rule':55} {'hand ns':>9} {'compiled ns':>12} {'ratio':>6} {'rule-engine ns':>15} {'ratio':>7}")
    for text, hand in CASES:
        rule = compile_rule(text, scope)
        reference = rule_engine_rule(text, scope, ctx)
        assert rule.evaluate(RECORD, ctx) == hand(RECORD, NOW) == reference.matches(thing)
        h = ns_per_call(lambda: hand(RECORD, NOW), 100_000)
        c = ns_per_call(lambda: rule.evaluate(RECORD, ctx), 100_000)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = ns_per_call(lambda: reference.matches(thing), 5_000)
        print(f"{text:55} {h:9.0f} {c:12.0f} {c / h:5.1f}x {r:15.0f} {r / h:6.0f}x")


if __name__ == "__main__":
    main()
