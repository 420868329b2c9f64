"""Both catalogs complete and compiled: no string ships untranslated."""
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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
