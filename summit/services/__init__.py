"""Business rules as plain functions with typed errors: no request, no page, no JSON (docs/architecture.md)."""
