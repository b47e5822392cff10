"""Serial numbers stay gap-free and unique when two processes submit at once (SQLite and PostgreSQL)."""
import json
import subprocess
import sys
import time
from pathlib import Path

from engine.services import queries as qs
from tests.core.sample import install

WORKER = Path(__file__).with_name("serial_worker.py")
PER_PROCESS = 40


def test_two_processes_no_gap_no_duplicate(rt, system, db_url, tmp_path):
    install(rt, system)
    procs = [subprocess.Popen([sys.executable, str(WORKER), db_url, str(PER_PROCESS), str(tmp_path)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    # a barrier, not a timing assertion: on a loaded machine one process may take seconds longer to start
    give_up = time.monotonic() + 120
    while len(list(tmp_path.glob("ready-*"))) < 2 and time.monotonic() < give_up and all(p.poll() is None for p in procs):
        time.sleep(0.01)
    (tmp_path / "go").touch()
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
        outputs.append(json.loads(out.strip().splitlines()[-1]))
    serials = outputs[0] + outputs[1]
    expected = [f"KH-20260309-{n:04d}" for n in range(1, 2 * PER_PROCESS + 1)]
    assert sorted(serials) == expected  # no duplicate, no gap
    # each process saw its own numbers increase (the counter is taken inside each record's transaction)
    for seq in outputs:
        assert seq == sorted(seq)
    # the two processes really interleaved (otherwise this test proves nothing about concurrency)
    first_a, last_a = outputs[0][0], outputs[0][-1]
    assert any(first_a < s < last_a for s in outputs[1]) or any(outputs[1][0] < s < outputs[1][-1] for s in outputs[0])
    stored = qs.list_records(rt, system, "crm", "customer", qs.Query(page_size=200))
    assert sorted(r["data"]["serial"] for r in stored["items"]) == expected
