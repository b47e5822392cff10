"""Text-like field types: text, textarea, phone, email, url."""
from __future__ import annotations

import re
from typing import Any

from engine import i18n, patterns
from engine.fields.base import FIELD_TYPES, TEXT_OPERATORS, FieldType, FieldValueError, Property, en_zh
from urllib.parse import urlsplit

#: default and hard maximum lengths for text inputs
TEXT_DEFAULT_MAX = 255
TEXTAREA_DEFAULT_MAX = 10_000
TEXT_HARD_MAX = 100_000
#: a url field accepts only these schemes
URL_SCHEMES = ("http", "https")
URL_MAX_LENGTH = 2048

_PHONE_ALLOWED = re.compile(r"^\+?[0-9 ()\-.]{3,32}$")
#: the fewest digits of a phone number people dial (a local fixed line); shorter ones are service codes or typos
PHONE_MIN_DIGITS = 7
#: the characters besides digits that _PHONE_ALLOWED lets through, deleted to leave the digits
_PHONE_MARKS = str.maketrans("", "", "+ ()-.")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{2,63}$")


MAX_LENGTH = Property("options.max_length", "int", en_zh("Maximum length", "最大长度"), attrs={"min": 1})


class _TextLike(FieldType):
    """Facts shared by the free-text types."""
    rule_expect = "text"
    filter_operators = TEXT_OPERATORS
    table_filter_op = "contains"
    searchable = True
    dedup_matchable = True
    public_form = True
    in_subtable = True


class _Text(_TextLike):
    default_max = TEXT_DEFAULT_MAX
    properties = (MAX_LENGTH,)
    expected = en_zh("text", "文本")

    def schema(self, field):
        opts = field.get("options") or {}
        frag = {"type": "string", "maxLength": min(int(opts.get("max_length", self.default_max)), TEXT_HARD_MAX)}
        if opts.get("min_length"):
            frag["minLength"] = int(opts["min_length"])
        return frag

    def normalizer(self, field):
        if (field.get("options") or {}).get("pattern"):
            return super().normalizer(field)
        return lambda value: value.strip() if isinstance(value, str) else value  # no pattern: trimming is all

    def normalize(self, value, field):
        value = value.strip() if isinstance(value, str) else value
        opts = field.get("options") or {}
        if value and opts.get("pattern"):
            try:
                matched = patterns.fullmatch(opts["pattern"], value)
            except patterns.PatternRefused:  # a definition saved before patterns ran on RE2
                raise FieldValueError("error.value.pattern_unsupported") from None
            if not matched:
                raise FieldValueError("error.value.pattern", reason=opts.get("pattern_message") or i18n.texts("error.value.format"))
        return value


@FIELD_TYPES.register
class TextType(_Text):
    name = "text"
    sample = "Sample text · 示例文本"
    palette_rank = 10
    label, description = en_zh("Single line text", "单行文本"), en_zh("Short text such as a name", "简短文字，例如名称")
    widget, glyph = "input", "T"
    rule_operators = ("eq", "ne", "contains", "empty", "not_empty")
    hint_rank = 0
    import_cleaner = "text"
    default_options = {"max_length": TEXT_DEFAULT_MAX}
    dedup_flag = titles_record = takes_tag = True

    def dedup_flag_value(self, record_id, message):
        return message[:TEXT_DEFAULT_MAX]
    converts_from = frozenset({"textarea", "phone", "email", "url", "serial", "select"})

    def check_options(self, field, ctx):
        pattern = (field.get("options") or {}).get("pattern")
        if pattern:
            problem = patterns.pattern_problem(pattern)  # RE2's syntax, checked at save: matching is linear-time
            if problem:
                if problem.position is None:
                    return [("options/pattern", ctx.coded(problem.message_code, **problem.params))]
                return [("options/pattern", ctx.coded("error.pattern.refused_at", reason=problem.reasons(), position=problem.position),
                         {"position": problem.position})]
        return []


@FIELD_TYPES.register
class TextareaType(TextType):
    name = "textarea"
    palette_rank = 20
    label, description = en_zh("Multi-line text", "多行文本"), en_zh("Longer notes and descriptions", "较长的备注和说明")
    widget, glyph = "input", "¶"
    form_input, wide = "textarea", True
    hint_rank = 1
    import_cleaner = "textarea"
    default_options = {"max_length": TEXTAREA_DEFAULT_MAX}
    dedup_flag = titles_record = False  # a long note does not name a record
    groupable = False
    default_max = TEXTAREA_DEFAULT_MAX
    converts_from = frozenset({"text", "phone", "email", "url", "serial", "select"})


@FIELD_TYPES.register
class PhoneType(_TextLike):
    name = "phone"
    sample = "13800138000"
    palette_rank = 100
    label, description = en_zh("Phone", "手机号"), en_zh("Phone number, normalized", "电话号码，自动规范化")
    widget, glyph = "input", "P"
    html_input, input_mode, autocomplete = "tel", "tel", "tel"
    hint_rank = 3
    client_check = {"pattern": _PHONE_ALLOWED.pattern, "flags": "", "message": "error.value.phone"}
    picker_rank = 0
    import_synonyms = ("电话", "手机", "手机号", "手机号码", "电话号码", "联系电话", "phone", "mobile", "mobilephone", "tel", "telephone",
                       "cellphone")
    import_cleaner = "phone"
    converts_from = frozenset({"text"})

    def schema(self, field):
        return {"type": "string", "maxLength": 32}

    def normalizer(self, field):
        return self._phone

    def normalize(self, value, field):
        return self._phone(value)

    @staticmethod
    def _phone(value):
        value = value.strip()
        if not value:
            return None
        if not _PHONE_ALLOWED.match(value):
            raise FieldValueError("error.value.phone")
        digits = value.translate(_PHONE_MARKS)  # what is left once the allowed marks go: ASCII digits only
        if len(digits) < 3:
            raise FieldValueError("error.value.phone_digits")
        return ("+" if value.startswith("+") else "") + digits

    def doubt(self, value, field):
        digits = re.sub(r"\D", "", value or "")
        if value and len(digits) < PHONE_MIN_DIGITS:
            return FieldValueError("error.import.doubt.phone_short", value=repr(value), count=len(digits), min=PHONE_MIN_DIGITS)
        return None


@FIELD_TYPES.register
class EmailType(_TextLike):
    name = "email"
    sample = "sample@example.com"
    palette_rank = 110
    label, description = en_zh("Email", "邮箱"), en_zh("Email address", "电子邮箱地址")
    widget, glyph = "input", "@"
    html_input = autocomplete = "email"
    hint_rank = 2
    client_check = {"pattern": _EMAIL.pattern, "flags": "", "message": "error.value.email"}
    picker_rank = 2
    import_synonyms = ("邮箱", "电子邮箱", "邮件", "电子邮件", "email", "e-mail", "mail", "emailaddress")
    import_cleaner = "email"
    converts_from = frozenset({"text"})

    def schema(self, field):
        return {"type": "string", "maxLength": 320}

    def normalize(self, value, field):
        value = value.strip().lower()
        if not value:
            return None
        if not _EMAIL.match(value):
            raise FieldValueError("error.value.email")
        return value


@FIELD_TYPES.register
class UrlType(_TextLike):
    name = "url"
    sample = "https://example.com"
    palette_rank = 120
    label, description = en_zh("Link", "链接"), en_zh("Web address", "网址")
    widget, glyph = "input", "//"
    html_input = "url"
    client_check = {"pattern": r"^https?://[^\s/?#]+", "flags": "i", "message": "error.value.url"}
    import_synonyms = ("网址", "网站", "website", "url", "homepage")
    import_cleaner = "url"
    converts_from = frozenset({"text"})

    def schema(self, field):
        return {"type": "string", "maxLength": URL_MAX_LENGTH}

    def normalize(self, value: Any, field):

        value = value.strip()
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme.lower() not in URL_SCHEMES or not parts.netloc:
            raise FieldValueError("error.value.url")
        return value
