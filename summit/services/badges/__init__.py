"""Badges: what goes on one (documents.py), its text and layout, the renderer, selection, batch jobs."""
