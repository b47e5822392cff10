"""The record boards (kanban, calendar, gallery) obey the read gate (issue 22): as a member, on SQLite and PostgreSQL.

A board's page names only the fields the reader may see (a hidden one is neither a lane, a date, a picture nor a card
field; a read-only one offers no move); its cards come through the same table query the grid uses, so the kanban's
lane query and the calendar's range query answer the member's own records only and can't probe a hidden field; a
saved board view can't name one either; a picture field hidden from the role leaves the form without a gallery.
"""
from __future__ import annotations

import html
import json
import re

from engine.runtime import Actor
from engine.services import forms as form_service, permissions, records as record_service
from tests.security.conftest import HIDDEN_MARKER

SYSTEM = Actor.system()
TABLE = "/api/apps/crm/forms/customer/records/table"


def _config(response) -> dict:
    block = re.search(r'<script type="application/json" id="board-config">(.*?)</script>', response.get_data(as_text=True), re.S)
    return json.loads(html.unescape(block.group(1)))


def _table(client, filters: list) -> dict:
    return client.get(TABLE, query_string={"where": json.dumps({"match": "all", "filters": filters}), "per_page": 50})


def test_kanban_and_calendar_pages_offer_a_member_no_hidden_field_and_read_only_lanes_do_not_move(crm, people, rt):
    ann = people["ann"].client
    for board in ("kanban", "calendar"):
        page = ann.get(f"/apps/crm/forms/customer/{board}")
        assert page.status_code == 200, board
        assert HIDDEN_MARKER not in page.get_data(as_text=True)
        fields = {f["id"]: f for f in _config(page)["fields"]}
        assert "email" not in fields and fields["level"]["read_only"] and not fields["industry"]["read_only"]
        # which fields lane or place a record: the field types' facts (single choices; the date)
        assert [f for f in fields if fields[f]["lanes"]] == ["industry", "level"]
        assert [f for f in fields if fields[f]["calendar_kind"]] == ["since"]
    # a read-only lane field: the move the kanban would send is refused with its path
    r = ann.patch(f"/api/apps/crm/forms/customer/records/{crm['ann']}", json={"data": {"level": "main"}})
    assert r.status_code == 422 and r.get_json()["error"]["errors"][0]["path"] == "/data/level"


def test_a_boards_lane_and_range_queries_answer_own_records_only_and_cannot_probe_a_hidden_field(crm, people, rt):
    for who in ("ann", "bob"):
        record_service.update_record(rt, SYSTEM, "crm", "customer", crm[who], {"since": "2026-03-10", "industry": "retail"})
    ann = people["ann"].client
    lane = _table(ann, [{"field": "industry", "op": "eq", "value": "retail"}])
    assert [i["id"] for i in lane.get_json()["items"]] == [crm["ann"]]
    month = _table(ann, [{"field": "since", "op": "between", "value": ["2026-03-01", "2026-03-31"]}])
    assert [i["id"] for i in month.get_json()["items"]] == [crm["ann"]]
    for response in (lane, month):
        assert HIDDEN_MARKER not in response.get_data(as_text=True)
        # a hidden field is not in the data nor in the display text, not even as an empty entry (its existence is hidden)
        assert all("email" not in i["data"] and "email" not in i["display"] for i in response.get_json()["items"]), response.get_json()["items"]
    # the same queries as the viewer (read: all) answer both records
    vic = people["vic"].client
    assert {i["id"] for i in _table(vic, [{"field": "industry", "op": "eq", "value": "retail"}]).get_json()["items"]} == {crm["ann"], crm["bob"]}
    # laning by the hidden field, through the table or a saved view, is refused like an unknown field
    assert _table(ann, [{"field": "email", "op": "eq", "value": HIDDEN_MARKER}]).status_code == 422
    for definition, path in (({"type": "kanban", "group_field": "email"}, "/definition/group_field"),
                             ({"type": "calendar", "date_field": "since", "card_fields": ["email"]}, "/definition/card_fields/0")):
        r = ann.post("/api/apps/crm/forms/customer/views", json={"name": "probe", "definition": definition})
        assert r.status_code == 422 and r.get_json()["error"]["errors"][0]["path"] == path


def test_a_picture_field_hidden_from_the_role_leaves_no_gallery(crm, people, rt):
    form_service.create_form(rt, SYSTEM, "crm", {"key": "site_photo", "label": "Site photo", "fields": [
        {"id": "title", "type": "text", "label": "Title"}, {"id": "photo", "type": "image", "label": "Photo"}]})
    form_service.publish_form(rt, SYSTEM, "crm", "site_photo")
    permissions.set_grant(rt, people["root"].actor, "crm", "site_photo", "member",
                          {"create": True, "read": "own", "update": "own", "delete": "own", "fields": {"photo": "hidden"}})
    assert people["root"].client.get("/apps/crm/forms/site_photo/gallery").status_code == 200
    assert people["vic"].client.get("/apps/crm/forms/site_photo/gallery").status_code == 200
    refused = people["ann"].client.get("/apps/crm/forms/site_photo/gallery")
    assert refused.status_code == 404
    assert "/gallery" not in people["ann"].client.get("/apps/crm/forms/site_photo/grid").get_data(as_text=True)
