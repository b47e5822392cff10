"""Grading, lead scoring and RFM segments are formulas in the template data: computed on save, editable like any rule."""
import pytest

from engine.services import app_templates as at, forms as fs, records as rs


@pytest.fixture
def crm(rt, system):
    at.install_template(rt, system, "crm")
    return rt


def _customer(rt, system, **data):
    return rs.create_record(rt, system, "crm", "customer", {"name": f"C{len(data)}-{sorted(data.items())}", **data})


def _get(rt, system, rid):
    return rs.get_record(rt, system, "crm", "customer", rid)["data"]


def _won(rt, system, customer_id, amount, closed_on):
    rs.create_record(rt, system, "crm", "opportunity", {"name": "deal", "customer": customer_id, "stage": "won",
                                                        "amount": amount, "closed_on": closed_on})


GRADES = [("manufacturing", "clear", "A"), ("it", "clear", "B"), ("manufacturing", "vague", "B"),
          ("retail", "vague", "C"), ("retail", "none", "D"), (None, None, "D")]


def test_grade_by_rule(crm, system):
    for industry, need, grade in GRADES:
        data = {k: v for k, v in {"industry": industry, "need": need}.items() if v}
        assert _customer(crm, system, **data)["data"]["grade"] == grade, (industry, need)


def test_a_grade_a_lead_starts_as_a_key_customer_and_stays_editable(crm, system):
    a = _customer(crm, system, industry="manufacturing", need="clear")
    assert a["data"]["level"] == "key"
    assert _customer(crm, system, industry="retail", need="clear")["data"]["level"] == "ordinary"
    changed = rs.update_record(crm, system, "crm", "customer", a["id"], {"level": "main"})
    assert changed["data"]["level"] == "main"  # the rule runs on create only: the sales manager's choice stands


def test_lead_score_adds_industry_need_channel_and_engagement(crm, system):
    c = _customer(crm, system, industry="manufacturing", need="clear", source="offline_event")
    assert c["data"]["lead_score"] == 30 + 40 + 15
    for i in range(3):
        rs.create_record(crm, system, "crm", "follow_up", {"customer": c["id"], "method": "call", "content": f"call {i}"})
    assert _get(crm, system, c["id"])["lead_score"] == 100


def test_rfm_segments_from_roll_ups(crm, system):
    active = _customer(crm, system, industry="it")
    _won(crm, system, active["id"], "60000", "2026-02-01")
    _won(crm, system, active["id"], "70000", "2026-03-01")
    assert {k: _get(crm, system, active["id"])[k] for k in ("won_count", "won_amount", "last_won_on", "rfm_segment")} == \
        {"won_count": 2, "won_amount": 130000, "last_won_on": "2026-03-01", "rfm_segment": "strong_active"}

    bought_long_ago = _customer(crm, system, industry="retail")
    _won(crm, system, bought_long_ago["id"], "90000", "2024-05-01")
    _won(crm, system, bought_long_ago["id"], "90000", "2024-06-01")
    assert _get(crm, system, bought_long_ago["id"])["rfm_segment"] == "strong_intent"

    in_touch = _customer(crm, system, industry="finance")
    rs.create_record(crm, system, "crm", "opportunity", {"name": "maybe", "customer": in_touch["id"], "stage": "proposal", "amount": "5000"})
    rs.create_record(crm, system, "crm", "follow_up", {"customer": in_touch["id"], "method": "wechat", "content": "still talking"})
    assert _get(crm, system, in_touch["id"])["rfm_segment"] == "weak_intent"

    silent = _customer(crm, system, industry="education")
    assert silent["data"]["rfm_segment"] == "no_intent"


def test_the_grading_rule_is_edited_like_any_other(crm, system):
    draft = fs.get_draft(crm, "crm", "customer")["definition"]
    grade = next(f for f in draft["fields"] if f["id"] == "grade")
    grade["options"]["formula"] = "(industry == 'manufacturing' or industry == 'it') and need == 'clear' ? 'A' : 'B'"
    fs.save_draft(crm, system, "crm", "customer", draft)
    fs.publish_form(crm, system, "crm", "customer")
    assert _customer(crm, system, industry="it", need="clear")["data"]["grade"] == "A"
