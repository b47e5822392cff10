"""Benchmark: our checked, guarded notification template vs raw sandboxed Jinja.

Renders a realistic follow-up reminder (fields, a reference, the owner's
manager, a date filter, a loop over a sub-table) with ``compile_template``
and with ``ImmutableSandboxedEnvironment().from_string(src)``, both compiled
once, and prints microseconds per render and the ratio (goal: within 2x).
Run: ``python bench/bench_templates.py [renders]``.
"""
from __future__ import annotations

import sys
import timeit
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jinja2.sandbox import ImmutableSandboxedEnvironment  # noqa: E402

from engine.templating import VariableScope, compile_template, datetime_filter  # noqa: E402

FIELDS = [
    {"id": "f1", "name": "customer", "type": "reference", "options": {"form": "customer"}},
    {"id": "f2", "name": "reminder_time", "type": "datetime"},
    {"id": "f3", "name": "content", "type": "textarea"},
    {"id": "f4", "name": "lines", "type": "subtable",
     "options": {"fields": [{"id": "a", "name": "item", "type": "text"},
                            {"id": "b", "name": "amount", "type": "money"}]}},
]
FORMS = {"customer": [{"id": "n", "name": "customer_name", "type": "text"},
                      {"id": "l", "name": "level", "type": "select"},
                      {"id": "p", "name": "phone", "type": "phone"}]}
SOURCE = """Hello {{ owner.name }},
Reminder: follow up {{ record.customer.customer_name }} ({{ record.customer.level|upper }},
{{ record.customer.phone }}) at {{ record.reminder_time|datetime('%Y-%m-%d %H:%M') }}.
{% if record.content %}Notes: {{ record.content|truncate(120) }}{% endif %}
{% for line in record.lines %}- {{ line.item }}: {{ line.amount }}
{% endfor %}CC: {{ owner.manager.name }} | {{ workspace.name }} | {{ link }}"""
DATA = {
    "record": {"customer": {"customer_name": "ACME Trading Co.", "level": "key", "phone": "+86 10 5555 0101"},
               "reminder_time": "2026-03-10T07:00:00Z", "content": "Discuss the renewal and the new quote. " * 3,
               "lines": [{"item": f"Item {i}", "amount": f"{i * 10}.00"} for i in range(5)]},
    "owner": {"name": "Li Lei", "manager": {"name": "Han Meimei"}},
    "workspace": {"name": "Sales East"}, "link": "https://crm.example.com/r/7",
    "now": datetime(2026, 3, 9, 1, tzinfo=timezone.utc),
}


def main(renders: int = 20_000) -> None:
    ours = compile_template(SOURCE, VariableScope.from_fields(FIELDS, FORMS.get), name="bench")
    env = ImmutableSandboxedEnvironment()
    env.filters["datetime"] = datetime_filter  # the raw baseline needs the same filter
    raw = env.from_string(SOURCE)
    assert ours.render(DATA, tz="Asia/Shanghai") == raw.render(DATA, __formflow_tz__="Asia/Shanghai")
    t_ours = min(timeit.repeat(lambda: ours.render(DATA, tz="Asia/Shanghai"), number=renders, repeat=3))
    t_raw = min(timeit.repeat(lambda: raw.render(DATA, __formflow_tz__="Asia/Shanghai"), number=renders, repeat=3))
    us_ours, us_raw = t_ours / renders * 1e6, t_raw / renders * 1e6
    print(f"compiled template (formflow): {us_ours:8.1f} us/render")
    print(f"raw ImmutableSandboxedEnv   : {us_raw:8.1f} us/render")
    print(f"ratio                       : {us_ours / us_raw:8.2f}x (goal <= 2.0x)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
