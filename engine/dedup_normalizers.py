"""The normal forms duplicate keys are made of: each normalizer turns one field value into its comparable text
(whitespace and case folded, company suffixes and look-alike letters removed, phone numbers to digits...),
registered by name in ``NORMALIZERS`` for ``engine.dedup``'s match rules."""
from __future__ import annotations

import re
import unicodedata
from typing import Any

from confusable_homoglyphs.confusables import confusables_data

from engine.registry import Registry

#: characters whose letter-or-digit class the key normalizers remember (a bound on that table's memory)
MAX_REMEMBERED_CHARACTERS = 65536


# -- normalizers ------------------------------------------------------------

class Normalizer:
    """Turns one field value into its comparable form; ``None`` when nothing is left to compare."""

    name = ""

    def normalize(self, value: Any) -> str | None:
        raise NotImplementedError


NORMALIZERS: "Registry[Normalizer]" = Registry("duplicate-check normalizer")

#: Chinese company-form suffixes, longest first (no word boundaries in Chinese)
CJK_COMPANY_SUFFIXES = ("股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "集团公司", "公司")
#: Latin company-form suffixes, matched as whole words at the end, after case folding
LATIN_COMPANY_SUFFIX = re.compile(
    r"(?:^|(?<=[\s,.&()\-]))(?:co\.?\s*,?\s*ltd\.?|co\.?\s*,?\s*limited|company\s+limited|inc\.?|incorporated|llc\.?|l\.l\.c\.?|"
    r"ltd\.?|limited|corp\.?|corporation|gmbh|plc)\s*$")
_CHINA_BRANCH = re.compile(r"[（(]\s*(?:中国|china)\s*[)）]")


def _folded(value: Any) -> str:
    """NFKC (full-width -> ASCII), look-alike letters to their Latin prototype (UTS #39 skeleton), then case folding."""
    return unicodedata.normalize("NFKC", str(value)).translate(_LATIN_SKELETON).casefold().strip()


class _LatinSkeleton(dict):
    """A ``str.translate`` table sending each non-ASCII letter that UTS #39 confuses with a Latin letter to that letter.

    Cyrillic ``е`` and Greek ``Τ`` become ``e`` and ``T`` (data: Unicode's confusables.txt as shipped by the
    ``confusable-homoglyphs`` package). ASCII is left alone: TR39 also maps ``I`` to ``l``, ``0`` to ``O`` and ``m`` to
    ``rn``, which would merge genuinely different names once case is folded; for the same reason a capital that TR39
    maps to ``l`` (Cyrillic ``І``, Greek ``Ι``) becomes ``I``. Filled as characters are met, like ``_LettersAndDigits``.
    """

    def __missing__(self, code: int) -> int | None:
        kept = code if code < 128 else _latin_prototype(chr(code))
        if len(self) < MAX_REMEMBERED_CHARACTERS:
            self[code] = kept
        return kept


def _latin_prototype(ch: str) -> int:
    """The code of the ASCII letter ``ch`` is confusable with, or ``ch``'s own code."""

    # only ``I`` and ``m`` are ASCII letters that confusables.txt maps elsewhere (to l and rn, both ASCII), so an ASCII
    # letter listed for a non-ASCII character is that character's prototype, not a look-alike mapped onto it
    for entry in confusables_data.get(ch, ()):
        target = entry.get("c", "")
        if len(target) == 1 and target.isascii() and target.isalpha():
            return ord("I") if target == "l" and ch.isupper() else ord(target)
    return ord(ch)


_LATIN_SKELETON = _LatinSkeleton()


class _LettersAndDigits(dict):
    """A ``str.translate`` table dropping every character but letters and digits (Unicode L* and N*), filled as met."""

    def __missing__(self, code: int) -> int | None:
        kept = code if unicodedata.category(chr(code))[0] in "LN" else None
        if len(self) < MAX_REMEMBERED_CHARACTERS:
            self[code] = kept
        return kept


_LETTERS_AND_DIGITS = _LettersAndDigits()


def _alnum(text: str) -> str:
    """Letters and digits only (any script): spaces, punctuation and symbols go."""
    return text.translate(_LETTERS_AND_DIGITS)


@NORMALIZERS.register
class TextNormalizer(Normalizer):
    """Case, width, spaces and punctuation ignored."""

    name = "text"

    def normalize(self, value):
        return _alnum(_folded(value)) or None


@NORMALIZERS.register
class CompanyNameNormalizer(Normalizer):
    """Like text, and the company form (有限公司, Co., Ltd., Inc., LLC...) ignored too."""

    name = "company_name"

    def normalize(self, value):
        text = _CHINA_BRANCH.sub("", _folded(value))  # 某某(中国)有限公司 is the same company
        for _ in range(3):  # stacked forms such as "holdings co., ltd. inc"
            shorter = LATIN_COMPANY_SUFFIX.sub("", text).rstrip(" ,.&-")
            if shorter == text:
                break
            text = shorter
        key = _alnum(text)
        for suffix in CJK_COMPANY_SUFFIXES:
            rest = key[: -len(suffix)]
            # "有限公司" alone is a name, not 有限 + 公司
            if key.endswith(suffix) and rest and not any(s.startswith(rest) for s in CJK_COMPANY_SUFFIXES):
                key = rest
                break
        return key or _alnum(_folded(value)) or None


@NORMALIZERS.register
class PhoneNormalizer(Normalizer):
    """Digits only; China's +86 / 0086 country code dropped (a landline gets its trunk 0 back)."""

    name = "phone"

    def normalize(self, value):
        raw = _folded(value)
        digits = re.sub(r"\D", "", raw)
        international = raw.startswith("+") or digits.startswith("00")
        if digits.startswith("0086"):
            digits = digits[4:]
        elif digits.startswith("86") and (international or len(digits) == 13):
            digits = digits[2:]
        else:
            return digits or None
        mobile = len(digits) == 11 and digits.startswith("1")
        if digits and not mobile and not digits.startswith("0"):
            digits = "0" + digits  # +86 10 1234 5678 is 010 1234 5678
        return digits or None


@NORMALIZERS.register
class EmailNormalizer(Normalizer):
    name = "email"

    def normalize(self, value):
        return _folded(value).replace(" ", "") or None


@NORMALIZERS.register
class ExactNormalizer(Normalizer):
    name = "exact"

    def normalize(self, value):
        text = str(value).strip()
        return text or None
