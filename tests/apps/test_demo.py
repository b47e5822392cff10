"""``formflow demo``: believable data through the record service (serials, rules, automations, duplicate check apply)."""
import re

from engine import demo
from engine.services import app_templates as at, queries


def _all(rt, system, form):
    return queries.list_records(rt, system, "crm", form, queries.Query(page_size=500))["items"]


def test_demo_fills_every_form_through_the_services(rt, system, clock):
    at.install_template(rt, system, "crm")
    result = demo.generate(rt, customers=12, seed=7)
    assert result.customers == 12
    assert min(result.contacts, result.opportunities, result.follow_ups, result.reminders) > 0
    customers = _all(rt, system, "customer")
    assert len(customers) == 12
    assert all(re.fullmatch(r"KH-2025\d{4}-\d{4}|KH-2026\d{4}-\d{4}", c["data"]["serial"]) for c in customers)
    assert len({c["created_at"][:10] for c in customers}) > 6  # spread over the year, not all today
    assert all(c["created_at"] <= "2026-03-09T00:00:00Z" for c in customers)
    assert all(c["data"]["grade"] in "ABCD" and c["data"]["owner"] for c in customers)
    follow_ups = _all(rt, system, "follow_up")
    assert all(f["data"]["serial"].startswith("GJ-") and f["data"]["customer_name"] for f in follow_ups)
    reminders = _all(rt, system, "follow_up_reminder")
    assert len(reminders) == result.reminders == sum(1 for f in follow_ups if f["data"].get("enable_reminder"))
    assert {r["data"]["follow_up"] for r in reminders} <= {f["id"] for f in follow_ups}
    assert len(_all(rt, system, "contact")) == result.contacts
    # template 1.1: categories with a handler, tickets assigned by category, contracts over the past year
    assert len(_all(rt, system, "service_category")) == 4
    tickets = _all(rt, system, "service_ticket")
    assert len(tickets) == result.service_tickets > 0
    assert all(t["data"]["serial"].startswith("GD-") and t["data"]["assignee"] and t["data"]["due_at"] for t in tickets)
    assert all(t["data"]["resolution"] for t in tickets if t["data"]["status"] in ("resolved", "closed"))
    contracts = _all(rt, system, "contract")
    assert len(contracts) == result.contracts > 0
    assert all(c["data"]["serial"].startswith("HT-") and c["data"]["end_on"] > c["data"]["start_on"] and c["data"]["renewal_owner"]
               for c in contracts)


def test_demo_command_with_a_seed(app, runner):
    from formflow.cli import cli

    result = runner.invoke(cli, args=["demo", "--customers", "5", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "5 customers" in result.output
