"""Print templates (SQLite + PostgreSQL): the review lifecycle, the save-time check, the read gate and the PDF's text."""
import io

import pytest
from pypdf import PdfReader

from engine.errors import NotFound, ValidationFailed
from engine.printing.document import PrintFontMissing, clean_markup, font_path
from engine.runtime import Actor
from engine.services import forms as fs
from engine.services import print_templates as ps
from engine.services import records as rs
from engine.services import templates as ts
from engine.services.permissions import set_grant
from tests.notifications.crm_sample import build

QUOTE = {
    "key": "quote", "label": {"en": "Quote", "zh-CN": "报价单"},
    "fields": [
        {"id": "customer", "type": "reference", "options": {"form": "customer"}},
        {"id": "stage", "type": "select", "options": {"choices": [
            {"value": "draft", "label": {"en": "Draft", "zh-CN": "草稿"}},
            {"value": "sent", "label": {"en": "Sent", "zh-CN": "已发送"}}]}},
        {"id": "valid_until", "type": "datetime"},
        {"id": "amount", "type": "money", "options": {"currency": "CNY"}},
        {"id": "discount_note", "type": "text"},
        {"id": "lines", "type": "subtable", "options": {"fields": [
            {"id": "product", "type": "text"}, {"id": "qty", "type": "number"}]}},
    ],
}
BODY = ("<h1>报价单 Quote {{ display.title }}</h1>"
        "<p>客户 Customer: <b>{{ record.customer.name }}</b></p>"
        "<p>状态 Stage: {{ display.stage }}; 有效期 Valid until: {{ display.valid_until }}</p>"
        "<p>金额 Amount: {{ display.amount }}</p>"
        "<p>Note: [{{ display.discount_note }}] [{{ record.discount_note }}]</p>"
        "<table border=\"1\"><thead><tr><th>产品 Product</th><th>数量 Qty</th></tr></thead><tbody>"
        "{% for line in display.lines %}<tr><td>{{ line.product }}</td><td>{{ line.qty }}</td></tr>{% endfor %}"
        "</tbody></table>")
CONTENT = {"print": {"subject": "Quote {{ record.customer.name }}", "html": BODY}}


@pytest.fixture
def crm(rt):
    out = build(rt)
    fs.create_form(rt, Actor.system(), "crm", QUOTE)
    fs.publish_form(rt, Actor.system(), "crm", "quote")
    quote = rs.create_record(rt, Actor.system(), "crm", "quote", {
        "customer": out["customer"], "stage": "sent", "valid_until": "2026-03-10T07:00:00Z", "amount": 12345.5,
        "discount_note": "internal: 5% max", "lines": [{"product": "软件许可 License", "qty": 3},
                                                       {"product": "<script>x</script>", "qty": 1}]}, owner_id=out["li"])
    return dict(out, quote=quote["id"])


def pdf_text(doc: ps.PrintedDocument) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(doc.pdf)).pages)


def publish(rt, crm, content=CONTENT):
    ts.create_template(rt, crm["author"], "crm", key="quote_pdf", form_key="quote", label={"en": "Quote", "zh-CN": "报价单"},
                       content=content, purpose="print")
    ts.submit(rt, crm["author"], "crm", "quote_pdf")
    ts.approve(rt, crm["reviewer"], "crm", "quote_pdf")
    return ts.publish(rt, crm["author"], "crm", "quote_pdf")


def test_reviewed_print_template_prints_display_texts_in_the_readers_zone(rt, crm):
    t = ts.create_template(rt, crm["author"], "crm", key="quote_pdf", form_key="quote", label="Quote", content=CONTENT,
                           purpose="print")
    assert (t["purpose"], t["state"]) == ("print", "draft")
    with pytest.raises(NotFound):  # only a published revision prints
        ps.print_record(rt, crm["admin"], "crm", "quote", crm["quote"], "quote_pdf")
    ts.submit(rt, crm["author"], "crm", "quote_pdf")
    assert "approve" not in ts.get_template(rt, "crm", "quote_pdf", crm["author"])["allowed_actions"]  # four eyes
    ts.approve(rt, crm["reviewer"], "crm", "quote_pdf")
    assert ts.publish(rt, crm["author"], "crm", "quote_pdf")["state"] == "published"
    doc = ps.print_record(rt, crm["admin"], "crm", "quote", crm["quote"], "quote_pdf", locale="zh-CN", tz="Asia/Shanghai")
    assert doc.filename == "Quote ACME _Ltd_.pdf" and doc.pdf.startswith(b"%PDF")
    text = pdf_text(doc)
    assert "报价单 Quote" in text and "ACME <Ltd>" in text  # Chinese glyphs and an escaped value, printed as typed
    assert "已发送" in text  # the choice's label in the reader's language
    assert "15:00" in text and "07:00" not in text  # 07:00Z in Shanghai
    assert "12,345.50" in text
    assert "软件许可 License" in text and "<script>x</script>" in text  # sub-table rows; markup in a value stays text
    assert [t["key"] for t in ps.printable_templates(rt, crm["admin"], "crm", "quote", crm["quote"])["items"]] == ["quote_pdf"]


def test_hidden_field_prints_nothing_and_out_of_scope_record_is_missing(rt, crm):
    publish(rt, crm)
    set_grant(rt, Actor.system(), "crm", "quote", "member",
              {"create": True, "read": "own", "update": "own", "delete": "own", "fields": {"discount_note": "hidden"}})
    li = Actor.user(crm["li"], roles=("member",))
    text = pdf_text(ps.print_record(rt, li, "crm", "quote", crm["quote"], "quote_pdf"))
    assert "Note: [] []" in text and "internal" not in text
    assert "internal: 5% max" in pdf_text(ps.print_record(rt, crm["admin"], "crm", "quote", crm["quote"], "quote_pdf"))
    zhao = Actor.user(crm["zhao"], roles=("member",))  # owns nothing: the record is outside the row scope
    with pytest.raises(NotFound):
        ps.print_record(rt, zhao, "crm", "quote", crm["quote"], "quote_pdf")
    with pytest.raises(NotFound):
        ps.printable_templates(rt, zhao, "crm", "quote", crm["quote"])


def test_unknown_variable_and_wrong_shape_refused_at_save(rt, crm):
    with pytest.raises(ValidationFailed) as err:
        ts.create_template(rt, crm["author"], "crm", key="bad", form_key="quote", label="Bad", purpose="print",
                           content={"print": {"html": "<p>{{ display.no_such_field }}</p>"}})
    assert err.value.errors[0].path == "/content/print/html" and "no_such_field" in err.value.errors[0].message
    with pytest.raises(ValidationFailed) as err:
        ts.create_template(rt, crm["author"], "crm", key="bad", form_key="quote", label="Bad", purpose="print",
                           content={"default": {"body": "x"}})
    assert {e.path for e in err.value.errors} == {"/content/default", "/content/print/html"}
    with pytest.raises(ValidationFailed) as err:
        ts.create_template(rt, crm["author"], "crm", key="bad", form_key="quote", label="Bad", purpose="fax",
                           content=CONTENT)
    assert err.value.errors[0].path == "/purpose"


def test_author_markup_is_cut_to_the_print_allow_list_and_a_print_template_is_never_sent(rt, crm):
    publish(rt, crm, {"print": {"html": "<h2>Quote</h2><img src='http://evil/x.png'><a href='http://evil'>link</a>"
                                        "<style>p {}</style><p>{{ record.customer.name }}</p>"}})
    text = pdf_text(ps.print_record(rt, crm["admin"], "crm", "quote", crm["quote"], "quote_pdf"))
    assert "Quote" in text and "link" in text and "ACME <Ltd>" in text and "p {}" not in text
    with rt.db.read() as conn, pytest.raises(NotFound):
        ts.get_published(conn, rt, "crm", "quote_pdf")  # workflows' notify steps never see it
    with pytest.raises(ValidationFailed, match="print template"):
        ts.preview(rt, crm["admin"], "crm", "quote_pdf")


def test_a_missing_print_font_is_refused_naming_the_setting(tmp_path):
    with pytest.raises(PrintFontMissing) as err:
        font_path(tmp_path / "nope.ttf")
    assert "FORMFLOW_PRINT_FONT" in err.value.message and err.value.errors[0].path == "/print_font"
    assert err.value.message_code == "error.print_font_missing.not_found"
    assert "请安装该文件或更正此设置" in err.value.localized("zh-CN")
    assert clean_markup('<p onclick="x()">a<img src=x><script>b</script><b style="c">d</b></p>') == "<p>a<b>d</b></p>"
