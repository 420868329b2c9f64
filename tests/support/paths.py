"""Where things are, for the tests that read the project's own files."""
from pathlib import Path

#: tests/
TESTS = Path(__file__).resolve().parent.parent
#: the checkout: summit/, README.md, pyproject.toml …
ROOT = TESTS.parent
