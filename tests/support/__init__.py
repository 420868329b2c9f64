"""What the tests share: fixtures (registered as pytest plugins in tests/conftest.py) and plain helpers.

Imported as ``support.<module>``: pytest puts tests/ on sys.path (``pythonpath`` in pyproject.toml),
and so does a live gunicorn of the tests (``--pythonpath``, see live_server.py).
"""
