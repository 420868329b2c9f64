"""Plumbing: what every layer uses and that holds no business rule (docs/architecture.md).

Extensions and the database's transactions, typed errors and error pages, secrets, i18n, logs
and their redaction, request checks, absolute links, mail templates and transport, text rules."""
