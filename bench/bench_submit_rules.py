"""Submit overhead of form rules: records submitted through the record service, with and without rules.

Plain script; prints ms per submit and the ratio against the same form without rules, measured in the
same run on the same database. Cases:
  - the follow-up scenario (show/hide + required rule, two validations, fetched + computed values) vs none;
  - the same plus the auto-create of the reminder (a second record written in the same transaction);
  - 50 show/hide rules vs none.
Run: python bench/bench_submit_rules.py [--n 300] [--db sqlite|postgresql://...]
"""
from __future__ import annotations

import argparse
import copy
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.clock import FrozenClock  # noqa: E402
from engine.runtime import Actor, Runtime  # noqa: E402
from engine.services import forms as fs, records as rs  # noqa: E402
from tests.formrules import scenario  # noqa: E402

RECORD = {"method": "visit", "content": "Discussed the renewal in detail", "enable_reminder": True,
          "next_follow_up": "2026-03-10T09:00:00+08:00"}


def bare(definition: dict, key: str, *, keep_automations: bool = False) -> dict:
    d = copy.deepcopy(definition)
    d["key"] = key
    for slot in ("rules", "validations") + (() if keep_automations else ("automations",)):
        d.pop(slot, None)
    for f in d["fields"]:
        f.pop("fetch", None)
    d["fields"] = [f for f in d["fields"] if f["type"] != "computed"]
    return d


def fifty_rules(definition: dict, key: str) -> dict:
    d = bare(definition, key)
    d["fields"] += [{"id": f"extra_{i}", "type": "text"} for i in range(50)]
    d["rules"] = [{"id": f"r{i}", "when": f"enable_reminder == true and (content ?? '').length > {i % 20}",
                   "effects": [{"field": f"extra_{i}", "visible": True}]} for i in range(50)]
    return d


def timed(rt, actor, cases: dict[str, dict], n: int) -> dict[str, float]:
    """Median ms per submit of each form; the cases take turns, so load on the machine hits them alike."""
    for key, data in cases.items():  # warm the caches (compiled form, rules)
        for _ in range(10):
            rs.create_record(rt, actor, "crm", key, data)
    samples: dict[str, list[float]] = {key: [] for key in cases}
    for _ in range(n):
        for key, data in cases.items():
            t0 = time.perf_counter()
            rs.create_record(rt, actor, "crm", key, data)
            samples[key].append(time.perf_counter() - t0)
    return {key: statistics.median(v) * 1000 for key, v in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--db", default="sqlite")
    args = parser.parse_args()
    url = f"sqlite:///{tempfile.mkdtemp()}/bench.db" if args.db == "sqlite" else args.db
    rt = Runtime.open(url, clock=FrozenClock("2026-03-09T00:00:00Z"), config={"TIMEZONE": "Asia/Shanghai"})
    system = Actor.system()
    scenario.install(rt, system)
    no_autos = copy.deepcopy(scenario.FOLLOW_UP)
    no_autos["key"] = "fu_rules"
    no_autos.pop("automations")
    for d in (bare(scenario.FOLLOW_UP, "fu_plain"), no_autos, fifty_rules(scenario.FOLLOW_UP, "fu_fifty"), bare(scenario.FOLLOW_UP, "fu_none50")):
        fs.create_form(rt, system, "crm", d)
        fs.publish_form(rt, system, "crm", d["key"])
    uid = scenario.add_user(rt, "bench")
    cid = rs.create_record(rt, system, "crm", "customer", {"name": "ACME", "owner": uid})["id"]
    data = {**RECORD, "customer": cid}
    ms = timed(rt, system, {key: data for key in ("fu_plain", "fu_rules", "follow_up", "fu_none50", "fu_fifty")}, args.n)
    plain, rules, full, none50, fifty = (ms[k] for k in ("fu_plain", "fu_rules", "follow_up", "fu_none50", "fu_fifty"))
    print(f"database: {rt.db.dialect}, {args.n} submits per case (interleaved), median ms per submit")
    print(f"{'form without rules':48s} {plain:7.2f} ms  1.00x")
    print(f"{'scenario rules + validations + fetch + computed':48s} {rules:7.2f} ms  {rules / plain:.2f}x")
    print(f"{'... + auto-create reminder (2 records written)':48s} {full:7.2f} ms  {full / plain:.2f}x")
    print(f"{'form without rules (50 more fields)':48s} {none50:7.2f} ms  1.00x")
    print(f"{'50 show/hide rules':48s} {fifty:7.2f} ms  {fifty / none50:.2f}x")
    rt.db.dispose()


if __name__ == "__main__":
    main()
