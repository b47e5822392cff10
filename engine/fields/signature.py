"""The signature field type: a hand-drawn signature, stored as a PNG image attachment.

The widget (``designer_ui/static/widgets/signature.js``, over the vendored ``signature_pad``) draws on a canvas and
uploads the drawing as ``signature.png`` to ``/api/attachments`` for this field; the value is that attachment's id,
bound to the record like any attachment. The upload must decode as a PNG (``renditions``); a thumbnail is kept for
lists. One signature per field; not imported (a spreadsheet cell carries no drawing).
"""
from __future__ import annotations

from engine.fields.base import FIELD_TYPES, en_zh
from engine.fields.image import PictureField

#: the only picture format a signature upload may be (what the widget makes)
SIGNATURE_FORMATS = frozenset({"PNG"})


@FIELD_TYPES.register
class SignatureType(PictureField):
    name = "signature"
    label, description = en_zh("Signature", "手写签名"), en_zh("Signed by hand on screen", "在屏幕上手写签名")
    widget, glyph = "signature", "✍"
    form_input = "widget"
    formats = SIGNATURE_FORMATS

    def multiple(self, field):
        return False

    def accepts_upload(self, filename, content_type, field):
        return (content_type or "").lower() == "image/png"
