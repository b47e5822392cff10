"""A scheduler process for the crash tests: ticks until nothing is due, on a frozen clock given as an argument.

usage: python -m tests.workflows.scheduler_worker DB_URL NOW_ISO [ALLOW_CIDR]
Prints "done <due rows run> sent <messages sent>" when it stops.
"""
from __future__ import annotations

import sys

from engine.clock import FrozenClock
from engine.runtime import Runtime
from engine.scheduler import tick


def main() -> None:
    url, now = sys.argv[1], sys.argv[2]
    allow = sys.argv[3:] or ["127.0.0.1/32"]
    rt = Runtime.open(url, clock=FrozenClock(now), config={"WEBHOOK_ALLOWLIST": allow}, migrate=False)
    done = sent = 0
    while True:
        report = tick(rt, limit=50, max_batches=1)
        done += report.done
        sent += report.delivery.sent
        if report.claimed == 0 and report.delivery.leased == 0:
            break
    print(f"done {done} sent {sent}", flush=True)
    rt.db.dispose()


if __name__ == "__main__":
    main()
