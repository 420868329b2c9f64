"""JSON API under /api/v1 (see shared/api-contract.md)."""
from . import accreditation, audit, badges, checkins, console, delegations, errors, member_import, openapi, public, registrations, travel, visa_letters, zones  # noqa: F401,E501  (routes register on import)
from .blueprint import api_bp

__all__ = ["api_bp"]
