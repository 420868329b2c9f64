"""HTML faces of the app: public pages, delegate self-service, console."""
