"""Personal data: the privacy notice, consents, and the delegate's own copy of what is held."""
