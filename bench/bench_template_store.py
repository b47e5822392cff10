"""Benchmark: a stored, published notification template rendered for a real record.

Measures, on a temporary SQLite database with the sales sample (reminder ->
customer, owner -> manager): ``get_published`` (a cached compile, one
indexed lookup), ``render`` (loading the record's variables from the
database plus rendering), and, as the baseline, a raw
``ImmutableSandboxedEnvironment`` render of the same text from a ready-made
dict. Prints microseconds per call and the ratios.
Run: ``python bench/bench_template_store.py [renders]``.
"""
from __future__ import annotations

import sys
import tempfile
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from jinja2.sandbox import ImmutableSandboxedEnvironment  # noqa: E402

from engine.clock import FrozenClock  # noqa: E402
from engine.notifications.channels import Recipient  # noqa: E402
from engine.notifications.variables import RenderData  # noqa: E402
from engine.runtime import Runtime  # noqa: E402
from engine.services import templates as ts  # noqa: E402
from engine.services.forms import compiled_form  # noqa: E402
from engine.storage.tables import records  # noqa: E402
from tests.notifications.crm_sample import CONTENT, TEXT, build  # noqa: E402


def main(n: int) -> None:
    folder = tempfile.mkdtemp()
    rt = Runtime.open(f"sqlite:///{folder}/bench.db", clock=FrozenClock("2026-03-09T01:00:00Z"), config={"TIMEZONE": "Asia/Shanghai"})
    crm = build(rt)
    ts.create_template(rt, crm["author"], "crm", key="follow_up", form_key="reminder", label="Follow-up", content=CONTENT)
    ts.submit(rt, crm["author"], "crm", "follow_up")
    ts.approve(rt, crm["reviewer"], "crm", "follow_up")
    ts.publish(rt, crm["author"], "crm", "follow_up")
    who = Recipient(user_id=crm["li"])
    raw = ImmutableSandboxedEnvironment().from_string(TEXT.replace("|datetime('%Y-%m-%d %H:%M')", ""))
    with rt.db.read() as conn:
        row = conn.execute(sa.select(records).where(records.c.id == crm["reminder"])).mappings().one()
        published = ts.get_published(conn, rt, "crm", "follow_up")
        data = RenderData(conn, rt).variables(compiled_form(rt, conn, "crm", "reminder"), row, None)
        lookup = timeit.timeit(lambda: ts.get_published(conn, rt, "crm", "follow_up"), number=n) / n * 1e6
        full = timeit.timeit(lambda: ts.render(conn, rt, published, row, who), number=n) / n * 1e6
        only = timeit.timeit(lambda: published.parts("inbox")["body"].render(data, tz="Asia/Shanghai"), number=n) / n * 1e6
    baseline = timeit.timeit(lambda: raw.render(data), number=n) / n * 1e6
    print(f"get_published (cached compile): {lookup:8.1f} us/call")
    print(f"render, variables from the DB :  {full:8.1f} us/message")
    print(f"render, variables ready        : {only:8.1f} us/render")
    print(f"raw ImmutableSandboxedEnv      : {baseline:8.1f} us/render")
    print(f"ratio template vs raw sandbox  : {only / baseline:8.2f}x (goal <= 2.0x)")
    print(f"ratio full message vs raw      : {full / baseline:8.2f}x (database reads included)")
    rt.db.dispose()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
