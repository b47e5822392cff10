"""Notifications in the recipient's language (issue 21, point 8): a template written per language (``default.zh-CN``
over ``default``) renders for each recipient in their saved language, else the workspace's; a workflow notify step
sends two recipients of different languages each their own text. SQLite and PostgreSQL (``rt`` is parametrised)."""
import pytest
import sqlalchemy as sa

from engine.errors import ValidationFailed
from engine.notifications.channels import Recipient
from engine.services import records as rs
from engine.services import templates as ts
from engine.services.workspace_settings import LANGUAGE_SETTING
from engine.storage.tables import users, workspaces
from tests.notifications.crm_sample import build

CONTENT = {
    "default": {"subject": "Follow up {{ record.customer.name }}", "body": "Please follow up {{ record.customer.name }}."},
    "default.zh-CN": {"subject": "跟进 {{ record.customer.name }}", "body": "请跟进客户 {{ record.customer.name }}。"},
    "email.zh-CN": {"html": "<p>请跟进 {{ record.customer.name }}</p>"},
}


@pytest.fixture
def crm(rt):
    return build(rt)


def _publish(rt, crm, content=CONTENT):
    ts.create_template(rt, crm["author"], "crm", key="nudge", form_key="reminder", label={"en": "Nudge", "zh-CN": "提醒"},
                       content=content)
    ts.submit(rt, crm["author"], "crm", "nudge")
    ts.approve(rt, crm["reviewer"], "crm", "nudge")
    ts.publish(rt, crm["author"], "crm", "nudge")


def _set_locale(rt, user_id, locale):
    with rt.db.transaction() as conn:
        conn.execute(sa.update(users).where(users.c.id == user_id).values(locale=locale))


def test_two_recipients_read_the_same_template_each_in_their_language(rt, crm):
    _publish(rt, crm)
    _set_locale(rt, crm["li"], "zh-CN")
    _set_locale(rt, crm["han"], "en")
    with rt.db.read() as conn:
        published = ts.get_published(conn, rt, "crm", "nudge")
        row = conn.execute(sa.select(rs.records).where(rs.records.c.id == crm["reminder"])).mappings().one()
        li = ts.render(conn, rt, published, row, Recipient(user_id=crm["li"]))
        han = ts.render(conn, rt, published, row, Recipient(user_id=crm["han"]))
        li_mail = ts.render(conn, rt, published, row, Recipient(user_id=crm["li"]), channel="email")
        han_mail = ts.render(conn, rt, published, row, Recipient(user_id=crm["han"]), channel="email")
    assert (li["subject"], li["body"]) == ("跟进 ACME <Ltd>", "请跟进客户 ACME <Ltd>。")
    assert (han["subject"], han["body"]) == ("Follow up ACME <Ltd>", "Please follow up ACME <Ltd>.")
    assert li_mail["html_body"] == "<p>请跟进 ACME &lt;Ltd&gt;</p>" and han_mail["html_body"] is None


def test_without_a_saved_language_the_workspace_default_applies(rt, crm):
    _publish(rt, crm)
    with rt.db.transaction() as conn:
        conn.execute(sa.update(workspaces).where(workspaces.c.id == rt.workspace_id).values(settings={LANGUAGE_SETTING: "zh-CN"}))
    _set_locale(rt, crm["li"], None)
    with rt.db.read() as conn:
        published = ts.get_published(conn, rt, "crm", "nudge")
        row = conn.execute(sa.select(rs.records).where(rs.records.c.id == crm["reminder"])).mappings().one()
        assert ts.render(conn, rt, published, row, Recipient(user_id=crm["li"]))["body"] == "请跟进客户 ACME <Ltd>。"


def test_an_unknown_language_is_refused_at_save(rt, crm):
    with pytest.raises(ValidationFailed) as refused:
        _publish(rt, crm, {"default": {"body": "x"}, "default.fr": {"body": "y"}})
    assert {e.path for e in refused.value.errors} == {"/content/default.fr"}


def test_the_editor_previews_each_language_part_and_refuses_an_unknown_language(rt, crm):
    ts.create_template(rt, crm["author"], "crm", key="nudge", form_key="reminder", label="Nudge", content=CONTENT)
    _set_locale(rt, crm["li"], "en")
    seen = {lang: ts.preview(rt, crm["author"], "crm", "nudge", crm["reminder"], language=lang)["subject"]
            for lang in (None, "default", "zh-CN", "en")}
    assert seen == {None: "Follow up ACME <Ltd>", "default": "Follow up ACME <Ltd>", "zh-CN": "跟进 ACME <Ltd>",
                    "en": "Follow up ACME <Ltd>"}
    with pytest.raises(ValidationFailed) as refused:
        ts.preview(rt, crm["author"], "crm", "nudge", crm["reminder"], language="fr")
    assert [(e.path, e.message_code) for e in refused.value.errors] == [("/language", "error.template.preview_language")]
    assert refused.value.errors[0].localized("zh-CN") == "必须是以下之一：default, en, zh-CN"
