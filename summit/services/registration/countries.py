"""How a country or region is named, in Chinese and in English: one answer for every screen and paper.

The registration form's list, the console's lists and filters, the desk, the badge and the exports
all name a delegate's country here, so one delegate's country reads the same everywhere.  Names are
CLDR's (Babel), except the three regions the summit's host names its own way: the badge's wording.
"""
from __future__ import annotations

from functools import lru_cache

import pycountry
from babel import Locale
from pypinyin import lazy_pinyin

#: ISO 3166-1 alpha-2, every code a delegate may give
COUNTRY_CODES = frozenset(country.alpha_2 for country in pycountry.countries)

#: "Country or region": the summit's host uses these names for these three
REGION_NAMES = {
    "TW": {"zh": "中国台湾", "en": "Taiwan, China"},
    "HK": {"zh": "中国香港", "en": "Hong Kong, China"},
    "MO": {"zh": "中国澳门", "en": "Macao, China"},
}

_LOCALES = {"zh": "zh_Hans_CN", "en": "en"}


def _language(language: str) -> str:
    return "zh" if language == "zh" else "en"


@lru_cache(maxsize=2)
def _territories(language: str) -> dict:
    return Locale.parse(_LOCALES[language]).territories


def country_name(code: str, language: str) -> str:
    """The name of the country or region ``code`` (alpha-2, any case) in ``language`` (zh or en).

    An unknown code is given back (upper-cased): it is still what the delegate's row holds.
    """
    language = _language(language)
    key = (code or "").upper()
    if key in REGION_NAMES:
        return REGION_NAMES[key][language]
    return _territories(language).get(key, key)


def country_names(code: str) -> tuple[str, str]:
    """(English, Chinese) names, as a bilingual badge or desk prints them."""
    return country_name(code, "en"), country_name(code, "zh")


@lru_cache(maxsize=2)
def _countries(language: str) -> tuple[tuple[str, str], ...]:
    names = [(code, country_name(code, language)) for code in COUNTRY_CODES]
    # Chinese readers look countries up in pinyin order (阿联酋, 埃塞俄比亚, 巴西 …).
    names.sort(key=(lambda pair: lazy_pinyin(pair[1])) if language == "zh" else (lambda pair: pair[1]))
    return tuple(names)


def countries(language: str) -> tuple[tuple[str, str], ...]:
    """Every (code, name) a delegate may choose, named and sorted in ``language``."""
    return _countries(_language(language))
