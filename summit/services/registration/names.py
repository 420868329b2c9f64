"""Which way round a delegate's name is written: one rule for the form, the API and the console.

A delegate's Latin-script name is stored as given and family name; ``name_order`` says how to write
it (the model's ``display_name``: "ZHANG Wei" family first, "Ada LOVELACE" given first, the family
name in capitals either way). At registration the order defaults from the country, or from the
script of the name in the delegate's own script; the delegate (form, self-service) or an organiser
(console, API) may change it.

Family name first, by custom, when the name is written in Latin letters too:
- CN, TW, HK, MO: Chinese names (ZHANG Wei); Chinese official and passport romanisation keep the
  order (GB/T 28039-2011 writes the surname first, in capitals).
- JP: since 2020 the Japanese government writes Japanese names family first in English (ABE Shinzo).
- KR, KP: Korean names (MOON Jae-in, KIM Jong-un), in both Koreas' own usage.
- VN: Vietnamese names (NGUYỄN Thị Ánh), as Vietnamese protocol writes them.
- KH: Khmer names (HUN Sen), surname first.
- HU: Hungarian names (ORBÁN Viktor) are family first at home ("Eastern name order").
- MN: Mongolian names lead with the patronymic, which stands where a family name would (the UN's
  lists print it first).
Not on the list: Singapore, Malaysia and the diaspora mix both orders (their delegates choose), and
most of South and Southeast Asia writes given names first in Latin letters.
"""
from __future__ import annotations

from ...models.labels import NameOrder

FAMILY_FIRST_COUNTRIES = frozenset({"CN", "TW", "HK", "MO", "JP", "KR", "KP", "VN", "KH", "HU", "MN"})
#: Unicode blocks of the scripts whose names are family first: Han, Hiragana/Katakana, Hangul
FAMILY_FIRST_SCRIPT_RANGES = (
    (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3FFFF),  # Han
    (0x3040, 0x30FF), (0x31F0, 0x31FF),  # Hiragana, Katakana (and its phonetic extensions)
    (0x1100, 0x11FF), (0x3130, 0x318F), (0xAC00, 0xD7AF),  # Hangul jamo, compatibility jamo, syllables
)
ORDERS = NameOrder.values()


def written_family_first(text: str | None) -> bool:
    """Whether a name in the delegate's own script is in Han, kana or Hangul (written family name first)."""
    return any(low <= ord(ch) <= high for ch in text or "" for low, high in FAMILY_FIRST_SCRIPT_RANGES)


def default_name_order(country: str | None, native_name: str | None = "") -> NameOrder:
    """The order a delegate's name is written in unless they choose: the country's custom, or the native script's."""
    if (country or "").upper() in FAMILY_FIRST_COUNTRIES or written_family_first(native_name):
        return NameOrder.FAMILY_FIRST
    return NameOrder.GIVEN_FIRST


def clean_name_order(value) -> tuple[str | None, str | None]:
    """(the order, None) for a known NameOrder, else (None, why): the one check the form and the API share."""
    if isinstance(value, str) and value in ORDERS:
        return value, None
    return None, f"one of {', '.join(ORDERS)}"
