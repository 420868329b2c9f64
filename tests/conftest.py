"""The suite's fixtures come from plugins in tests/support/, not from this file.

A test module imports what it calls from ``support.<module>`` (never from conftest); the fixtures it
asks for by name (``app``, ``client``, ``summit``, ``database_url``) are the plugins' below.
"""
pytest_plugins = ["support.app"]
