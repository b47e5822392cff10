"""A sub-table's row rules run in the browser as on the server (issue 21: the browser and the server agree while the
user types). The browser never read the compiled row rules, so a line's amount (qty × price) appeared only after
saving, and a column a rule shows for big quantities was there for every row.

An order form: each line has product, qty, price, amount (set by a rule: qty * price) and discount (shown and
required only when qty > 10). Typed row by row in Chromium, the amount follows, the discount appears for the big
line only, and what the server stores is what the rows showed.
"""
from __future__ import annotations

import sqlalchemy as sa
from playwright.sync_api import expect

from engine.runtime import Actor
from engine.services import forms as form_service, users
from engine.storage.tables import forms, records
from signin import sign_in  # tests/browser/signin.py

ORDER = {
    "key": "order", "label": "Order",
    "fields": [
        {"id": "customer", "type": "text", "label": "Customer"},
        {"id": "lines", "type": "subtable", "label": "Lines", "options": {"fields": [
            {"id": "product", "type": "text", "label": "Product"}, {"id": "qty", "type": "number", "label": "Qty"},
            {"id": "price", "type": "number", "label": "Price"}, {"id": "amount", "type": "number", "label": "Amount"},
            {"id": "discount", "type": "number", "label": "Discount"}]}},
    ],
    "rules": [
        {"id": "line_amount", "name": "line amount", "subtable": "lines", "when": "true",
         "effects": [{"field": "amount", "formula": "(qty ?? 0) * (price ?? 0)"}]},
        {"id": "bulk", "name": "bulk discount", "subtable": "lines", "when": "qty != null and qty > 10",
         "effects": [{"field": "discount", "visible": True, "required": True}]},
    ],
}


def test_row_rules_follow_the_typing_and_match_what_is_stored(live_app, live_server, page):
    rt = live_app.extensions["formflow"]
    users.create_user(rt, Actor.system(), "ops", password="correct-horse-battery-9", display_name="Ops", roles=["admin"], check=False)
    form_service.create_app(rt, Actor.system(), "sales", "Sales")
    form_service.create_form(rt, Actor.system(), "sales", ORDER)
    form_service.publish_form(rt, Actor.system(), "sales", "order")
    sign_in(page, live_server, "ops", "correct-horse-battery-9")
    page.goto(live_server + "/apps/sales/forms/order/new")
    page.get_by_label("Customer").fill("Row Rules Ltd")
    add = page.get_by_role("button", name="Add row")
    add.click()
    add.click()
    rows = page.get_by_role("row")
    small, big = rows.nth(1), rows.nth(2)
    small.get_by_label("Product").fill("Pen")
    small.get_by_label("Qty").fill("3")
    small.get_by_label("Price").fill("2.5")
    expect(small.get_by_label("Amount")).to_have_value("7.5")
    expect(small.get_by_label("Discount")).to_be_hidden()
    big.get_by_label("Product").fill("Paper")
    big.get_by_label("Qty").fill("20")
    big.get_by_label("Price").fill("4")
    expect(big.get_by_label("Amount")).to_have_value("80")
    discount = big.get_by_label("Discount")
    expect(discount).to_be_visible()
    assert discount.evaluate("el => el.required")
    discount.fill("5")
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url("**/apps/sales/forms/order/records/*")

    with rt.db.read() as conn:
        data = conn.execute(sa.select(records.c.data).join(forms, forms.c.id == records.c.form_id)
                            .where(forms.c.key == "order")).scalar_one()
    assert [(r["product"], r["amount"], r.get("discount")) for r in data["lines"]] == [("Pen", 7.5, None), ("Paper", 80, 5)]
    assert page.js_errors == []
