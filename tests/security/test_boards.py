"""The record boards (kanban, calendar, gallery) obey the read gate (issue 22): as a member, on SQLite and PostgreSQL.

A board's page names only the fields the reader may see (a hidden one is neither a lane, a date, a picture nor a card
field; a read-only one offers no move); its cards come through the same table query the grid uses, so the kanban's
lane query and the calendar's range query answer the member's own records only and can't probe a hidden field; a
saved board view can't name one either, and a view shared by a wider role reaches the member without its conditions
on a hidden field; a picture field hidden from the role leaves the form without a gallery. Every list (the plain
list, the table and its search, sort and export, the grid page) answers own rows without the hidden field, and a
board's move, reschedule or planned-firings read aimed at another member's record is refused as if it did not exist.
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
    # the gallery's read (the table) as that member: no picture key at all; the viewer reads it
    record_service.create_record(rt, SYSTEM, "crm", "site_photo", {"title": "North gate"}, owner_id=people["ann"].id)
    items = people["ann"].client.get("/api/apps/crm/forms/site_photo/records/table").get_json()["items"]
    assert [i["data"]["title"] for i in items] == ["North gate"] and all("photo" not in i["data"] and "photo" not in i["display"] for i in items)


def _grid_config(response) -> dict:
    block = re.search(r'<script type="application/json" id="grid-config">(.*?)</script>', response.get_data(as_text=True), re.S)
    return json.loads(html.unescape(block.group(1)))


def test_every_list_a_board_or_the_grid_reads_answers_a_member_own_rows_without_the_hidden_field(crm, people, rt):
    """The plain list, the table (grid, kanban lanes, calendar ranges, gallery), its search, sort and export, and the
    grid page: ann's own record only, never the hidden e-mail (not even found by searching for it)."""
    ann = people["ann"].client
    base = "/api/apps/crm/forms/customer/records"
    for url, query in ((base, {}), (base + "/table", {"per_page": 50}), (base + "/table", {"per_page": 50, "sort": "-name"})):
        r = ann.get(url, query_string=query)
        assert r.status_code == 200, (url, r.get_json())
        assert [i["id"] for i in r.get_json()["items"]] == [crm["ann"]], url
        assert HIDDEN_MARKER not in r.get_data(as_text=True), url
    assert ann.get(base + "/table", query_string={"search": HIDDEN_MARKER}).get_json()["items"] == []
    assert ann.get(base + "/table", query_string={"sort": "email"}).status_code == 422
    export = ann.get(base + "/export.csv")
    assert export.status_code == 200 and HIDDEN_MARKER not in export.get_data(as_text=True) and "bob customer" not in export.get_data(as_text=True)
    grid = ann.get("/apps/crm/forms/customer/grid")
    assert grid.status_code == 200 and HIDDEN_MARKER not in grid.get_data(as_text=True)
    columns = {c["id"]: c for c in _grid_config(grid)["columns"]}
    assert "email" not in columns and columns["level"]["read_only"]


def test_a_board_cannot_move_reschedule_or_read_the_firings_of_a_record_out_of_the_members_scope(crm, people, rt):
    """What the kanban (a lane change), the calendar (a new date, then its planned firings) and the gallery send, aimed
    at bob's record by ann: refused as if it did not exist, and bob's record is unchanged."""
    ann = people["ann"].client
    before = record_service.get_record(rt, SYSTEM, "crm", "customer", crm["bob"])
    for change in ({"industry": "retail"}, {"since": "2026-03-10"}):
        r = ann.patch(f"/api/apps/crm/forms/customer/records/{crm['bob']}", json={"data": change},
                      headers={"If-Match": f'"{before["version"]}"'})
        assert r.status_code in (403, 404), r.get_json()
        assert HIDDEN_MARKER not in r.get_data(as_text=True)
    assert ann.get(f"/api/apps/crm/records/{crm['bob']}/due").status_code == 404
    assert ann.get(f"/api/apps/crm/records/{crm['ann']}/due").status_code == 200
    assert record_service.get_record(rt, SYSTEM, "crm", "customer", crm["bob"])["version"] == before["version"]


def test_a_shared_board_view_filtering_on_a_field_hidden_from_the_role_leaks_nothing_to_it(crm, people, rt):
    """The admin shares with members a kanban view whose filter names the e-mail; a member sees the view without that
    condition (saved_views.definition_as_read), and the board's read with that filter is refused like a probe."""
    root, ann = people["root"].client, people["ann"].client
    r = root.post("/api/apps/crm/forms/customer/views", json={"name": "By mail", "shared_roles": ["member"], "definition": {
        "type": "kanban", "group_field": "industry", "match": "all", "filters": [{"field": "email", "op": "eq", "value": HIDDEN_MARKER}]}})
    assert r.status_code in (200, 201), r.get_json()
    views = ann.get("/api/apps/crm/forms/customer/views")
    assert views.status_code == 200 and HIDDEN_MARKER not in views.get_data(as_text=True), views.get_json()
    shared = views.get_json()["items"][0]["definition"]
    assert shared["filters"] == [] and shared["group_field"] == "industry"  # the condition on the hidden field is left out
    assert root.get("/api/apps/crm/forms/customer/views").get_json()["items"][0]["definition"]["filters"][0]["field"] == "email"
    assert _table(ann, [{"field": "email", "op": "eq", "value": HIDDEN_MARKER}]).status_code == 422
    board = ann.get(f"/apps/crm/forms/customer/kanban?view={r.get_json()['id']}")
    assert board.status_code == 200 and HIDDEN_MARKER not in board.get_data(as_text=True)


def _lane_page(client, lane: dict, after: int | None = None, per_page: int = 20):
    """What the kanban sends for a lane: its filter, newest first, the next cards after the last one shown."""
    filters = [lane] + ([{"field": "id", "op": "lt", "value": after}] if after else [])
    return client.get(TABLE, query_string={"where": json.dumps({"match": "all", "filters": filters}), "per_page": per_page, "sort": "-id"})


def test_a_kanban_lanes_count_and_show_more_answer_a_member_own_records_only_without_the_hidden_field(crm, people, rt):
    """A long lane as the kanban reads it (20 cards, its total, then "Show more" after the last card): ann's count and
    pages hold her records only, never the hidden e-mail; the viewer's count is the whole lane; no lane, count or page
    can be asked of the hidden field."""
    mine = {record_service.create_record(rt, SYSTEM, "crm", "customer", {"name": f"ann retail {i}", "industry": "retail",
                                                                       "email": HIDDEN_MARKER}, owner_id=people["ann"].id)["id"]
            for i in range(25)}
    for i in range(30):
        record_service.create_record(rt, SYSTEM, "crm", "customer", {"name": f"bob retail {i}", "industry": "retail",
                                                                     "email": HIDDEN_MARKER}, owner_id=people["bob"].id)
    ann, retail = people["ann"].client, {"field": "industry", "op": "eq", "value": "retail"}
    first = _lane_page(ann, retail)
    assert first.status_code == 200, first.get_json()
    body = first.get_json()
    assert body["total"] == 25 and body["has_more"] and len(body["items"]) == 20  # the lane's header: 25 in all
    more = _lane_page(ann, retail, after=body["items"][-1]["id"]).get_json()
    assert len(more["items"]) == 5 and not more["has_more"]
    assert {i["id"] for i in body["items"] + more["items"]} == mine  # every own card once, nobody else's
    for response in (first, _lane_page(ann, retail, after=body["items"][-1]["id"])):
        assert HIDDEN_MARKER not in response.get_data(as_text=True)
        assert all("email" not in i["data"] and "email" not in i["display"] for i in response.get_json()["items"])
    # the lane of no value: ann's own record without an industry, not bob's
    assert _lane_page(ann, {"field": "industry", "op": "empty"}).get_json()["total"] == 1
    # the viewer (read: all) counts the whole lane and reads on through both members' cards
    vic = people["vic"].client
    assert _lane_page(vic, retail).get_json()["total"] == 55
    seen, after = [], None
    while True:  # "Show more" until the lane is read to its end
        page = _lane_page(vic, retail, after=after).get_json()
        seen += [i["id"] for i in page["items"]]
        if not page["has_more"]:
            break
        after = seen[-1]
    assert len(seen) == len(set(seen)) == 55 and mine < set(seen)
    # a lane, a count or a "Show more" narrowed by the hidden field is refused like an unknown field (nothing to count)
    for lane in ({"field": "email", "op": "eq", "value": HIDDEN_MARKER}, {"field": "email", "op": "not_empty"}):
        assert _lane_page(ann, lane).status_code == 422
        assert _lane_page(ann, lane, after=max(mine) + 1).status_code == 422
    probe = ann.get(TABLE, query_string={"per_page": 1, "where": json.dumps({"match": "all", "filters": [
        retail, {"field": "email", "op": "eq", "value": HIDDEN_MARKER}]})})
    assert probe.status_code == 422 and HIDDEN_MARKER not in probe.get_data(as_text=True)
