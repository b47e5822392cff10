"""Uploaded files are no side door: only the uploader and readers of a record holding the file may download it."""
import io

from engine.runtime import Actor
from engine.services import records as record_service


def _upload(client, content: bytes) -> str:
    res = client.post("/api/attachments", data={"file": (io.BytesIO(content), "a.txt")}, content_type="multipart/form-data",
                      headers={"X-CSRF-Token": "unused-with-a-token"})
    assert res.status_code == 201, res.get_json()
    return res.get_json()["id"]


def test_download_follows_record_rights_and_field_permissions(rt, people, files):
    system = Actor.system()
    public, secret = _upload(people["root"].client, b"public"), _upload(people["root"].client, b"secret")
    record_service.create_record(rt, system, "files", "doc", {"title": "ann's", "file": public, "secret_file": secret},
                                 owner_id=people["ann"].id)

    def status(person, attachment_id):
        return people[person].client.get(f"/api/attachments/{attachment_id}").status_code

    assert status("root", public) == 200 and status("root", secret) == 200   # uploader
    assert status("ann", public) == 200                                       # owner of the record holding it
    assert status("ann", secret) == 404                                       # ... but the field is hidden from members
    assert status("bob", public) == 404                                       # another member: not in scope
    assert status("vic", public) == 200 and status("vic", secret) == 404      # viewer reads all, field hidden
    stray = _upload(people["bob"].client, b"bob's own")
    assert status("bob", stray) == 200 and status("ann", stray) == 404        # unattached: the uploader only
