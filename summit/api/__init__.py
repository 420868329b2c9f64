"""JSON API under /api/v1 (see shared/api-contract.md)."""
from flask import Blueprint

api_bp = Blueprint("api", __name__)

from . import badges, checkins, console, errors, openapi, public, registrations  # noqa: E402,F401  (routes register on import)
