"""Duplicate check (查重): normalization, the check endpoint, 409 naming the colliding record, flag mode,
delete/restore, settings checked at publish, and two simultaneous submits of the same customer."""
import threading
import time

import pytest
from hypothesis import given, settings, strategies as st

from engine.dedup import NORMALIZERS, DuplicateRecord
from engine.errors import DefinitionInvalid
from engine.runtime import Actor
from engine.services import app_templates as at, credentials, forms as fs, permissions, records as rs, users

company = NORMALIZERS.get("company_name").normalize
phone = NORMALIZERS.get("phone").normalize
email = NORMALIZERS.get("email").normalize
text = NORMALIZERS.get("text").normalize


@pytest.mark.parametrize("a, b", [
    ("阿里巴巴（中国）有限公司", "阿里巴巴"),
    ("华为技术有限公司", "华为 技术"),
    ("华为技术股份有限公司", "华为技术有限责任公司"),
    ("腾讯科技(深圳)有限公司", "腾讯科技（深圳）"),
    ("ACME Co., Ltd.", "acme"),
    ("Acme Inc.", "ACME, INC"),
    ("Acme LLC", "acme"),
    ("A.C.M.E. Limited", "acme"),
    ("ＡＣＭＥ　有限公司", "acme"),  # full-width letters and space
    ("Acme-Tools Corp.", "acme tools"),
])
def test_company_names_that_match(a, b):
    assert company(a) == company(b)


@pytest.mark.parametrize("a, b", [
    ("Zinc", "Z"),            # a suffix only counts as a separate word
    ("Costco", "Cost"),
    ("华为", "中兴"),
    ("Acme Inc", "Acme Industries"),
])
def test_company_names_that_differ(a, b):
    assert company(a) != company(b)


def test_a_name_that_is_only_a_company_form_still_has_a_key():
    assert company("Inc.") == "inc"
    assert company("有限公司") == "有限公司"
    assert company("  ") is None


@pytest.mark.parametrize("raw, key", [
    ("+86 138-0013-8000", "13800138000"),
    ("13800138000", "13800138000"),
    ("0086 13800138000", "13800138000"),
    ("(+86) 138 0013 8000", "13800138000"),
    ("+86 10 1234 5678", "01012345678"),  # Beijing landline gets its trunk 0 back
    ("010-12345678", "01012345678"),
    ("+1 (415) 555-0100", "14155550100"),
    ("", None),
])
def test_phone_normalization(raw, key):
    assert phone(raw) == key


def test_email_and_text_normalization():
    assert email("  Sales@ACME.com ") == "sales@acme.com"
    assert text("Hello,  World!") == text("hello world") == "helloworld"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_text_keys_keep_exactly_the_letters_and_digits_of_any_script(raw):
    import unicodedata

    from engine.dedup_normalizers import _LATIN_SKELETON  # look-alikes of Latin letters become those letters first (UTS #39)

    folded = unicodedata.normalize("NFKC", raw).translate(_LATIN_SKELETON).casefold().strip()
    assert text(raw) == ("".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN") or None)


#: name material: Latin letters, digits and common CJK characters (not the ones company forms are made of)
NAME_CHARS = st.sampled_from(list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789华为腾讯阿里巴科技网络信息北京上海深圳杭州电子"))


@settings(max_examples=300, deadline=None)
@given(name=st.text(alphabet=NAME_CHARS, min_size=1, max_size=20),
       noise=st.lists(st.sampled_from([" ", ",", ".", "-", "·", "　", "(", ")"]), max_size=4),
       suffix=st.sampled_from(["", " Co., Ltd.", " Inc.", " LLC", "有限公司", "股份有限公司", "有限责任公司"]),
       upper=st.booleans())
def test_case_spacing_punctuation_and_company_form_never_change_the_key(name, noise, suffix, upper):
    variant = "".join(noise) + (name.upper() if upper else name) + "".join(noise) + suffix
    assert company(variant) == company(name)


@settings(max_examples=200, deadline=None)
@given(digits=st.text(alphabet="0123456789", min_size=10, max_size=10),
       sep=st.sampled_from(["", " ", "-", " - "]), prefix=st.sampled_from(["", "+86 ", "0086", "+86-", "(+86)"]))
def test_mobile_formatting_never_changes_the_key(digits, sep, prefix):
    mobile = "1" + digits
    formatted = prefix + sep.join([mobile[:3], mobile[3:7], mobile[7:]])
    assert phone(formatted) == mobile


# -- in the record store and the API -------------------------------------------------------

@pytest.fixture
def crm(rt, system):
    at.install_template(rt, system, "crm")
    return rt


def test_a_duplicate_customer_is_refused_naming_the_record(client):
    assert client.post("/api/app-templates/install", json={"template": "crm"}).status_code == 201
    first = client.post("/api/apps/crm/forms/customer/records", json={"data": {"name": "华为技术有限公司", "phone": "+86 138 0013 8000"}})
    assert first.status_code == 201
    first_id = first.get_json()["id"]

    checked = client.post("/api/apps/crm/forms/customer/duplicates", json={"data": {"name": "华为技术 股份有限公司"}}).get_json()
    assert checked["mode"] == "refuse"
    assert [(m["record_id"], m["title"], m["rule"]) for m in checked["matches"]] == [(first_id, "华为技术有限公司", "name")]
    assert client.post("/api/apps/crm/forms/customer/duplicates", json={"data": {"name": "中兴"}}).get_json()["matches"] == []
    mine = client.post("/api/apps/crm/forms/customer/duplicates", json={"data": {"name": "华为技术"}, "record_id": first_id})
    assert mine.get_json()["matches"] == []

    refused = client.post("/api/apps/crm/forms/customer/records", json={"data": {"name": "Other", "phone": "13800138000"}})
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "duplicate"
    assert "华为技术有限公司" in error["message"] and f"#{first_id}" in error["message"]
    item = error["errors"][0]
    assert (item["path"], item["field_id"], item["record_id"], item["title"], item["rule"]) == \
        ("/data/phone", "phone", first_id, "华为技术有限公司", "phone")
    assert client.get("/api/apps/crm/forms/customer/records").get_json()["total"] == 1

    second = client.post("/api/apps/crm/forms/customer/records", json={"data": {"name": "中兴通讯", "email": "a@zte.com"}}).get_json()
    clash = client.patch(f"/api/apps/crm/forms/customer/records/{second['id']}", json={"data": {"email": "A@ZTE.com ", "phone": "+8613800138000"}})
    assert clash.status_code == 409 and clash.get_json()["error"]["errors"][0]["record_id"] == first_id
    fine = client.patch(f"/api/apps/crm/forms/customer/records/{first_id}", json={"data": {"address": "深圳"}})
    assert fine.status_code == 200


def test_deleting_frees_the_key_and_restoring_a_taken_one_is_refused(crm, system):
    first = rs.create_record(crm, system, "crm", "customer", {"name": "ACME Co., Ltd."})
    rs.delete_record(crm, system, "crm", "customer", first["id"])
    again = rs.create_record(crm, system, "crm", "customer", {"name": "Acme Inc."})
    with pytest.raises(DuplicateRecord) as info:
        rs.restore_record(crm, system, "crm", "customer", first["id"])
    assert info.value.errors[0].extra["record_id"] == again["id"]


def test_flag_mode_saves_and_marks_the_duplicate(crm, system):
    customer = rs.create_record(crm, system, "crm", "customer", {"name": "ACME"})
    first = rs.create_record(crm, system, "crm", "contact", {"name": "Li Na", "customer": customer["id"], "phone": "138 0013 8000"})
    second = rs.create_record(crm, system, "crm", "contact", {"name": "Lina Li", "customer": customer["id"], "phone": "+86 13800138000"})
    assert second["data"]["possible_duplicate"] == first["id"]
    assert "possible_duplicate" not in first["data"]
    third = rs.create_record(crm, system, "crm", "contact", {"name": "Wang", "customer": customer["id"], "email": "w@acme.com"})
    assert "possible_duplicate" not in third["data"]


def test_the_setting_is_checked_at_publish_and_old_records_are_indexed(crm, system):
    for name in ("Alpha Ltd", "Beta"):
        rs.create_record(crm, system, "crm", "opportunity", {"name": name, "customer": rs.create_record(
            crm, system, "crm", "customer", {"name": name + " customer"})["id"]})
    draft = fs.get_draft(crm, "crm", "opportunity")["definition"]
    draft.setdefault("settings", {})["duplicate_check"] = {"mode": "refuse", "rules": [{"key": "name", "fields": ["name"], "normalize": "magic"}]}
    fs.save_draft(crm, system, "crm", "opportunity", draft)
    with pytest.raises(DefinitionInvalid) as info:
        fs.publish_form(crm, system, "crm", "opportunity")
    assert [e.path for e in info.value.errors] == ["/settings/duplicate_check/rules/0/normalize"]
    draft["settings"]["duplicate_check"]["rules"][0]["normalize"] = "company_name"
    fs.save_draft(crm, system, "crm", "opportunity", draft)
    fs.publish_form(crm, system, "crm", "opportunity")
    with pytest.raises(DuplicateRecord):
        rs.create_record(crm, system, "crm", "opportunity", {"name": "ALPHA, LTD.", "customer": 1})


def test_two_simultaneous_submits_of_the_same_customer_one_wins(crm, system):
    """The first submit holds its transaction open; the second runs in another thread meanwhile and must lose."""
    outcome = {}

    def second():
        try:
            outcome["record"] = rs.create_record(crm, system, "crm", "customer", {"name": "同时 有限公司"})
        except DuplicateRecord as exc:
            outcome["refused"] = exc

    with crm.db.transaction() as conn:
        winner = rs.create_record(crm, system, "crm", "customer", {"name": "同时有限公司"}, conn=conn)
        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.5)  # the second submit is now waiting on the first transaction
        assert thread.is_alive()
    thread.join(30)
    assert "record" not in outcome
    assert outcome["refused"].errors[0].extra["record_id"] == winner["id"]
    from engine.services import queries

    assert queries.list_records(crm, system, "crm", "customer", queries.Query())["total"] == 1
    # the loser's insert (which took a serial number and tried the keys on PostgreSQL) was rolled back whole
    after = rs.create_record(crm, system, "crm", "customer", {"name": "Later Ltd"})
    assert int(after["data"]["serial"][-4:]) == int(winner["data"]["serial"][-4:]) + 1


def test_a_key_held_by_a_duplicate_from_before_the_rule_still_refuses(crm, system):
    """Two records sharing a name before the rule existed: the oldest holds the key exclusively, the other unexclusively.
    Once the oldest is deleted, nothing in the unique index stops a third; the save's own check still refuses it."""
    older, newer = (rs.create_record(crm, system, "crm", "opportunity", {"name": name, "customer": rs.create_record(
        crm, system, "crm", "customer", {"name": f"Customer {i}"})["id"]}) for i, name in enumerate(("Gamma Ltd", "GAMMA")))
    draft = fs.get_draft(crm, "crm", "opportunity")["definition"]
    draft.setdefault("settings", {})["duplicate_check"] = {"mode": "refuse", "rules": [{"key": "name", "fields": ["name"],
                                                                                         "normalize": "company_name"}]}
    fs.save_draft(crm, system, "crm", "opportunity", draft)
    fs.publish_form(crm, system, "crm", "opportunity")
    rs.delete_record(crm, system, "crm", "opportunity", older["id"])
    rs.create_record(crm, system, "crm", "opportunity", {"name": "Delta", "customer": 1})  # the form is now the one saved with last
    for _ in range(2):  # from a fresh look-up, then from the form saved with last (the insert checks the keys itself)
        with pytest.raises(DuplicateRecord) as info:
            rs.create_record(crm, system, "crm", "opportunity", {"name": "Gamma Limited", "customer": 1})
        assert info.value.errors[0].extra["record_id"] == newer["id"]
    from engine.services import queries

    assert queries.list_records(crm, system, "crm", "opportunity", queries.Query())["total"] == 2


@pytest.mark.parametrize("language, taken", [("en", "a record with this Customer name already exists"),
                                             ("zh-CN", "已存在客户名称相同的记录")])
def test_a_taken_value_is_told_in_the_callers_language(app, language, taken):
    """A caller who may not read the colliding record is told only that the value is taken: in their language, the
    fields by their labels in it (the check endpoint and the refused submit's ``duplicates``)."""
    rt = app.extensions["formflow"]
    at.install_template(rt, Actor.system(), "crm")
    permissions.set_grant(rt, Actor.system(), "crm", "customer", "member",
                          {"create": True, "read": "own", "update": "own", "delete": "own"})
    owner = users.create_user(rt, Actor.system(), "bob", roles=["member"], check=False)
    rs.create_record(rt, Actor.system(), "crm", "customer", {"name": "Qorvath Trading"}, owner_id=owner["id"])
    ann = users.create_user(rt, Actor.system(), "ann", roles=["member"], check=False)
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = "Bearer " + credentials.create_token(rt, Actor.user(ann["id"]), "t")["token"]
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language

    [match] = client.post("/api/apps/crm/forms/customer/duplicates", json={"data": {"name": "qorvath trading"}}).get_json()["matches"]
    assert match["record_id"] is None and match["message"] == taken
    refused = client.post("/api/apps/crm/forms/customer/records", json={"data": {"name": "QORVATH Trading"}})
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert [d["message"] for d in error["duplicates"]] == [taken] and "taken_texts" not in error
    assert error["errors"][0]["path"] == "/data/name" and taken in error["errors"][0]["message"]
