"""The suite's fixtures come from plugins in tests/support/, not from this file.

A test module imports what it calls from ``support.<module>`` (never from conftest); the fixtures it
asks for by name (``app``, ``client``, ``summit``, ``database_url``) are the plugins' below.
"""
pytest_plugins = ["support.app"]

import os

from support.data_key import TEST_DATA_KEY

# One key for the whole run, in this process and every server it starts: the database remembers the key
# that wrote it (summit/plumbing/data_key.py) and refuses another, and the developer's own instance key
# must not be what the suite's data is written with.
os.environ["DATA_KEY"] = TEST_DATA_KEY
