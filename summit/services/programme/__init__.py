"""The programme: as the public reads it (agenda.py) and as organisers change it (editing.py)."""
