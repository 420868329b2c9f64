"""Check-in at the door: exactly once (arrivals.py), from a signed code (codes.py)."""
