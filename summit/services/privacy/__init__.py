"""Personal data: the privacy notice, consents, the delegate's own copy of what is held, and erasure on
request and past retention (erasure.py, retention.py)."""
