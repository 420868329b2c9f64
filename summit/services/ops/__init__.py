"""Running the instance: backups, readiness, the rate limiter's counters."""
