"""Attachments are stored and checked by the engine's service, without the web layer."""
import io
from dataclasses import dataclass

import pytest

from engine.errors import NotFound, ValidationFailed
from engine.runtime import Actor
from engine.services import attachments
from engine.services import forms as fs
from tests.notifications.crm_sample import add_user


@dataclass
class File:
    filename: str
    mimetype: str
    data: bytes

    def read(self, size=-1):
        return io.BytesIO(self.data).read(size)


def test_store_check_and_read_back_uploads(rt, tmp_path):
    rt.config["ATTACHMENT_DIR"] = str(tmp_path / "files")
    with rt.db.transaction() as conn:
        ids = [add_user(conn, rt, name, name.title()) for name in ("alice", "bob")]
    system, alice, bob = Actor.system(), Actor.user(ids[0], roles=("member",)), Actor.user(ids[1], roles=("member",))
    fs.create_app(rt, system, "crm", "CRM")
    fs.create_form(rt, system, "crm", {"key": "deal", "label": "Deal", "fields": [
        {"id": "files", "type": "attachment", "label": "Files", "options": {"accept": [".pdf"], "max_size": 10}},
        {"id": "name", "type": "text", "label": "Name"}]})
    fs.publish_form(rt, system, "crm", "deal")
    target = {"app_key": "crm", "form_key": "deal", "field_id": "files"}
    with pytest.raises(ValidationFailed) as big:
        attachments.store_uploads(rt, alice, [File("a.pdf", "application/pdf", b"x" * 11)], **target)
    assert big.value.errors[0].code == "too_large"
    with pytest.raises(ValidationFailed) as kind:
        attachments.store_uploads(rt, alice, [File("a.exe", "application/octet-stream", b"MZ")], **target)
    assert kind.value.errors[0].code == "not_accepted"
    with pytest.raises(ValidationFailed) as wrong:
        attachments.store_uploads(rt, alice, [File("a.pdf", "application/pdf", b"%PDF")], **{**target, "field_id": "name"})
    assert wrong.value.errors[0].path == "/field"
    [saved] = attachments.store_uploads(rt, alice, [File("../../a.pdf", "application/pdf", b"%PDF")], **target)
    assert (saved["filename"], saved["size"]) == ("a.pdf", 4)
    row, path = attachments.readable_file(rt, alice, saved["id"])
    assert path.read_bytes() == b"%PDF" and path.parent == tmp_path / "files" and row["form_id"] is not None
    with pytest.raises(NotFound):  # an unbound upload is its uploader's only
        attachments.readable_file(rt, bob, saved["id"])
    with pytest.raises(NotFound):
        attachments.readable_file(rt, alice, "../etc/passwd")
