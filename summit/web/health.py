"""Health checks for the load balancer, the orchestrator and the operator.

``/healthz`` (liveness): the process answers and reaches its database.
``/readyz`` (readiness): also migrated to the newest schema and a summit loaded,
so traffic sent here would be served.  Both are cheap, uncached and never
rate-limited: a probe that gets a 429 would take a healthy instance out.
"""
from __future__ import annotations

from flask import Blueprint, jsonify

from ..plumbing.extensions import limiter
from ..plumbing.host_check import answers_any_host
from ..services.ops.readiness import database_reachable, readiness_checks

health_bp = Blueprint("health", __name__)
limiter.exempt(health_bp)


@health_bp.get("/healthz")
@answers_any_host  # load balancers probe by IP address; no link is built here
def healthz():
    """The app answers and its database does too."""
    if not database_reachable():
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok")


@health_bp.get("/readyz")
@answers_any_host
def readyz():
    """Ready for traffic: 200, or 503 naming each check that failed."""
    checks = readiness_checks()
    failed = [name for name, result in checks.items() if result not in ("ok", "skipped")]
    if failed:
        return jsonify(status="unavailable", failed=failed, checks=checks), 503
    return jsonify(status="ok", checks=checks)
