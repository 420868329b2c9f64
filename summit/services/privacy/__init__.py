"""Personal data: erasure on request and past retention (erasure.py, retention.py)."""
