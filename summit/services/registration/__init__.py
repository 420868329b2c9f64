"""Delegates: registering, their self-service, lost links, the organisers' changes, search, their mail."""
