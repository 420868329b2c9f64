"""Keep the zh and en catalogs in step with the code.

    python scripts/i18n.py          # extract, update both catalogs, fill en, compile
    python scripts/i18n.py --check  # exit 1 if a string is untranslated or a .mo is stale

English msgids are the English text, so the en catalog is filled from them;
every new zh entry must be translated by hand in summit/translations/zh/LC_MESSAGES/messages.po.
"""
from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "summit" / "translations"
POT = ROOT / "summit" / "translations" / "messages.pot"
LOCALES = ("zh", "en")


def run(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)


def po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def fill_english() -> None:
    path = po_path("en")
    with open(path, "rb") as handle:
        catalog = read_po(handle, locale="en")
    for message in catalog:
        if not message.id:
            continue
        if message.pluralizable:
            message.string = tuple(message.id)
        else:
            message.string = message.id
        message.flags.discard("fuzzy")
    with open(path, "wb") as handle:
        write_po(handle, catalog, width=100)


def compile_all() -> None:
    for locale in LOCALES:
        with open(po_path(locale), "rb") as handle:
            catalog = read_po(handle, locale=locale)
        with open(po_path(locale).with_suffix(".mo"), "wb") as handle:
            write_mo(handle, catalog)


def problems() -> list[str]:
    """Untranslated or fuzzy entries, and .mo files that do not match their .po."""
    found = []
    for locale in LOCALES:
        with open(po_path(locale), "rb") as handle:
            catalog = read_po(handle, locale=locale)
        for message in catalog:
            if not message.id:
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.fuzzy or not all(strings):
                found.append(f"{locale}: untranslated {message.id!r}")
        mo = po_path(locale).with_suffix(".mo")
        if not mo.exists() or _messages(mo.read_bytes()) != _messages(_compiled(catalog)):
            found.append(f"{locale}: {mo.name} is stale; run python scripts/i18n.py")
    return found


def _compiled(catalog) -> bytes:
    fresh = io.BytesIO()
    write_mo(fresh, catalog)
    return fresh.getvalue()


def _messages(mo_bytes: bytes) -> set[tuple]:
    """What a compiled catalog says: each message's context, id and translation.

    Not its bytes: the header entry records the Babel version that wrote the file
    ("Generated-By"), so a new Babel release would make every catalog look stale.
    """
    def frozen(value):  # a plural message's id and string are lists
        return tuple(value) if isinstance(value, (list, tuple)) else value

    return {(m.context, frozen(m.id), frozen(m.string)) for m in read_mo(io.BytesIO(mo_bytes)) if m.id}


def main() -> int:
    if "--check" in sys.argv:
        issues = problems()
        print("\n".join(issues) or "catalogs complete")
        return 1 if issues else 0
    run("extract", "-F", "babel.cfg", "-k", "_l", "--no-location", "--sort-output", "-o", str(POT), ".")
    for locale in LOCALES:
        if po_path(locale).exists():
            run("update", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", locale, "--no-fuzzy-matching",
                "--ignore-obsolete", "--width", "100")
        else:
            run("init", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", locale, "--width", "100")
    fill_english()
    issues = problems()
    compile_all()
    print("\n".join(i for i in issues if "stale" not in i) or "catalogs complete")
    return 0


if __name__ == "__main__":
    sys.exit(main())
