"""The image field type: uploaded pictures (one, or several with ``options.multiple``), each with a thumbnail.

A value is attachment ids, like an attachment field's, and follows the same bindings and download rules
(``engine.services.attachments``). What differs is the upload: ``renditions`` opens the file with Pillow and
refuses what is not a JPEG, PNG, GIF or WebP picture (or is larger than ``MAX_IMAGE_PIXELS``, a decompression bomb),
and makes a thumbnail at most ``THUMBNAIL_SIZE`` wide and high, kept beside the file and served at
``/api/attachments/<id>/thumbnail``. Lists and exports show the file names; images are not imported (a spreadsheet
cell carries no file).
"""
from __future__ import annotations

import io

from PIL import Image, ImageOps, UnidentifiedImageError

from engine.fields.base import FIELD_TYPES, FieldValueError, Property, en_zh
from engine.fields.linked import MULTIPLE, FileField

#: longest side of a thumbnail, in pixels
THUMBNAIL_SIZE = (320, 320)
#: pictures with more pixels than this are refused (a small file can decode to gigabytes)
MAX_IMAGE_PIXELS = 40_000_000
#: picture formats accepted (Pillow's names) and the most pictures one field may hold
IMAGE_FORMATS = frozenset({"JPEG", "PNG", "GIF", "WEBP"})
MAX_IMAGES = 20


def read_picture(data: bytes, formats: frozenset[str] = IMAGE_FORMATS) -> Image.Image:
    """The decoded picture, or ValueError saying why the bytes are not an acceptable one."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            if kind not in formats:
                raise FieldValueError("error.value.picture_format", kind=kind or "?", accepted=", ".join(sorted(formats)))
            if probe.width * probe.height > MAX_IMAGE_PIXELS:
                raise FieldValueError("error.value.picture_pixels", width=probe.width, height=probe.height, max=f"{MAX_IMAGE_PIXELS:,}")
            probe.verify()
        picture = Image.open(io.BytesIO(data))
        picture.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise FieldValueError("error.value.not_picture") from None
    return picture


def thumbnail_of(picture: Image.Image) -> bytes:
    """A PNG at most ``THUMBNAIL_SIZE``, turned upright as the camera said."""
    small = ImageOps.exif_transpose(picture)
    small = small.convert("RGBA" if "A" in small.getbands() or small.mode == "P" else "RGB")
    small.thumbnail(THUMBNAIL_SIZE)
    out = io.BytesIO()
    small.save(out, format="PNG", optimize=True)
    return out.getvalue()


class PictureField(FileField):
    """Facts shared by the picture types (image, signature): attachment ids of checked pictures."""
    thumbnails = True
    rule_kind = "picture"  # rules ask whether there is one (``value != null``)
    rule_operators = ("empty", "not_empty")
    import_refusal = en_zh("pictures are uploaded on the record page; a spreadsheet cell carries no file",
                           "图片需在记录页上传，表格单元格无法携带文件")
    formats: frozenset[str] = IMAGE_FORMATS
    expected = en_zh("an uploaded file id", "已上传文件的 ID")
    max_items = MAX_IMAGES

    def accepts_upload(self, filename: str, content_type: str, field: dict) -> bool:
        return (content_type or "").lower().startswith("image/")

    def renditions(self, data: bytes, field: dict) -> dict[str, bytes]:
        """Files kept beside an upload to this field, by suffix (``thumbnail``); ValueError when the upload is refused."""
        return {"thumbnail": thumbnail_of(read_picture(data, self.formats))}


@FIELD_TYPES.register
class ImageType(PictureField):
    name = "image"
    label, description = en_zh("Image", "图片"), en_zh("Pictures, shown as thumbnails", "图片，以缩略图显示")
    widget, glyph = "image", "▣"
    properties = (MULTIPLE, Property("options.max_size", "int", en_zh("Largest file (bytes)", "最大文件（字节）"), attrs={"min": 1}))
    form_input = "widget"


