"""Run as a separate process by test_serials_concurrency: create N customers, print their serials as JSON.

``python serial_worker.py <database url> <count> <barrier folder>``; each worker says it is ready (a file in the
folder) and waits for the test's "go" file, so their transactions overlap however slowly each process started.
"""
import json
import sys
import time
import uuid
from pathlib import Path

from engine.clock import FrozenClock
from engine.runtime import Actor, Runtime
from engine.services import records as rs


def main() -> None:
    url, count, barrier = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    rt = Runtime.open(url, clock=FrozenClock("2026-03-09T00:00:00Z"), config={"TIMEZONE": "Asia/Shanghai"}, migrate=False)
    rt.ensure_workspace()
    (barrier / f"ready-{uuid.uuid4().hex}").touch()
    while not (barrier / "go").exists():  # a start line for both processes, not a timing assertion
        time.sleep(0.005)
    serials = []
    for i in range(count):
        serials.append(rs.create_record(rt, Actor.system(), "crm", "customer", {"name": f"c{i}"})["data"]["serial"])
        time.sleep(0.002)  # let the other process take the SQLite write lock between submits, as users would
    rt.db.dispose()
    print(json.dumps(serials))


if __name__ == "__main__":
    main()
