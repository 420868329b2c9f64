"""Which summit is served (current.py), and loading a summit definition file (seeding.py)."""
