"""Capacity: counted places of any kind (route seats, hotel room-nights), taken under one rule."""
