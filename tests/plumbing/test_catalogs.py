"""Both catalogs complete and compiled: no string ships untranslated."""
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def load_i18n_script():
    spec = importlib.util.spec_from_file_location("i18n_script", ROOT / "scripts" / "i18n.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_message_is_translated_in_zh_and_en_and_compiled():
    assert load_i18n_script().problems() == []


def test_every_string_in_the_code_is_in_the_catalogs(tmp_path):
    """A string added to a template but never extracted would show in English on a Chinese page."""
    from babel.messages.frontend import CommandLineInterface
    from babel.messages.pofile import read_po

    pot = tmp_path / "messages.pot"
    CommandLineInterface().run(["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l",
                                "--no-location", "-o", str(pot), str(ROOT)])
    with open(pot, "rb") as handle:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    with open(ROOT / "summit/translations/zh/LC_MESSAGES/messages.po", "rb") as handle:
        have = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    assert sorted(wanted - have) == []


def test_a_catalog_compiled_by_another_babel_is_not_stale_but_a_changed_translation_is():
    """The check reads what the .mo says, not its bytes: Babel writes its own version into the header."""
    import io

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    i18n = load_i18n_script()
    with open(i18n.po_path("zh"), "rb") as handle:
        catalog = read_po(handle, locale="zh")
    shipped = i18n._messages((i18n.po_path("zh").with_suffix(".mo")).read_bytes())

    catalog.version = "99"  # a header-only difference, like "Generated-By: Babel 9.9"
    other_tool = io.BytesIO()
    write_mo(other_tool, catalog)
    assert i18n._messages(other_tool.getvalue()) == shipped

    message = next(m for m in catalog if m.id and isinstance(m.id, str))
    message.string += "!"
    changed = io.BytesIO()
    write_mo(changed, catalog)
    assert i18n._messages(changed.getvalue()) != shipped
