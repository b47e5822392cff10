"""The rich text field type: formatted text, stored as HTML that the server has sanitized with nh3.

Whatever a client sends is cleaned on the way in (``normalize``): only the tags and attributes below survive, links
keep http(s) and mailto only, and every ``<a>`` gets ``rel="noopener noreferrer"``; scripts, styles, event handlers
(``onerror``...) and ``javascript:`` URLs never reach the database. Lists, exports, rules and duplicate checks read
the plain text; templates get the sanitized HTML (safe to show as is) in ``html`` and the plain text in ``text``.
"""
from __future__ import annotations

import html

import nh3

from engine.fields.base import FIELD_TYPES, FieldType, Property, en_zh
from engine.imports.cleaning import CLEANERS, Cleaner, text_of

#: default and hard maximum length of the stored HTML
RICHTEXT_DEFAULT_MAX = 20_000
RICHTEXT_HARD_MAX = 200_000
#: the tags and attributes sanitized HTML may keep (everything else is dropped, the text inside kept)
ALLOWED_TAGS = frozenset({"p", "br", "strong", "b", "em", "i", "u", "s", "ul", "ol", "li", "a", "h2", "h3", "h4",
                          "blockquote", "code", "pre"})
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
#: tags whose content is dropped with them (not kept as text)
DROPPED_WITH_CONTENT = frozenset({"script", "style"})
_BLOCK_END = ("</p>", "</li>", "</h2>", "</h3>", "</h4>", "</blockquote>", "</pre>", "<br>")


def sanitize(value: str) -> str:
    """The HTML a rich text field stores."""
    return nh3.clean(value, tags=set(ALLOWED_TAGS), attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
                     url_schemes=set(ALLOWED_URL_SCHEMES), clean_content_tags=set(DROPPED_WITH_CONTENT),
                     link_rel="noopener noreferrer")


def plain_text(value: str | None) -> str:
    """The words of stored HTML, block ends as line breaks."""
    if not value:
        return ""
    for end in _BLOCK_END:
        value = value.replace(end, end + "\n")
    text = html.unescape(nh3.clean(value, tags=set(), clean_content_tags=set(DROPPED_WITH_CONTENT)))
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def from_plain_text(text: str) -> str:
    """Plain text (an imported cell) as rich text: each line a paragraph, nothing interpreted as markup."""
    return "".join(f"<p>{html.escape(line.strip())}</p>" for line in text.splitlines() if line.strip())


@FIELD_TYPES.register
class RichTextType(FieldType):
    name = "richtext"
    label, description = en_zh("Rich text", "富文本"), en_zh("Formatted text: bold, lists, links", "带格式的文字：加粗、列表、链接")
    widget, glyph = "richtext", "¶̲"
    form_input = "widget"
    properties = (Property("options.max_length", "int", en_zh("Maximum length", "最大长度"), attrs={"min": 1, "max": RICHTEXT_HARD_MAX}),)
    #: words are looked for in the stored HTML (an operand is escaped as the HTML holds it); equality of formatted text
    #: would compare markup, so the type offers none
    filter_operators = ("contains", "empty", "not_empty")
    table_filter_op = "contains"
    searchable = True
    rule_kind = "html_text"  # its words (engine.rules.scope.RichTextKind)
    rule_operators = ("eq", "ne", "contains", "empty", "not_empty")
    template_kind = "richtext"
    import_cleaner = "richtext"
    groupable = indexable = False
    dedup_matchable = True
    expected = en_zh("a text", "文本")
    converts_from = frozenset({"text", "textarea"})

    def schema(self, field):
        limit = min(int((field.get("options") or {}).get("max_length") or RICHTEXT_DEFAULT_MAX), RICHTEXT_HARD_MAX)
        return {"type": "string", "maxLength": limit}

    def normalize(self, value, field):
        clean = sanitize(value)
        return clean if plain_text(clean) or "<" in clean else None

    def display(self, value, field, locale="en", tz="UTC"):
        return plain_text(value)

    def filter_operand(self, value, field):
        return html.escape(value, quote=False) if isinstance(value, str) else value

    def dedup_key(self, value, field, normalize=None):
        """The words, not the markup: "<p>Ann</p>" and "<p><b>ann</b></p>" are the same under the text normalizer."""
        text = " ".join(plain_text(value).split())
        if not text:
            return None
        return normalize(text) if normalize else text.lower()

    def template_value(self, value, field):
        """What ``record.<field>`` is in a template: the sanitized HTML and its plain text."""
        return {"html": value or "", "text": plain_text(value)}


@CLEANERS.register
class RichTextCleaner(Cleaner):
    """A cell is plain text (what the export writes): each line becomes a paragraph."""
    name = "richtext"

    def clean(self, value, f, ctx):
        text = text_of(value)
        return from_plain_text(text) if text else None
