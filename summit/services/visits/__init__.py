"""Technical-visit routes: the capacity rule and the waiting list (capacity.py), the organisers' changes."""
