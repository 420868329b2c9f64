"""`flask --app summit …` commands."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from .extensions import db
from .services.errors import ServiceError


def init_app(app: Flask) -> None:
    @app.cli.command("seed")
    @click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def seed(path: Path | None):
        """Load the GSTF 2024 definition, or the summit definition file PATH."""
        from .services.seeding import seed_summit

        try:
            report = seed_summit(path)
        except ServiceError as exc:
            db.session.rollback()
            raise click.ClickException(str(exc)) from exc
        click.echo(f"{report.summit}: {len(report.created)} created, {len(report.updated)} updated, "
                   f"{len(report.kept_edited)} kept as edited, {len(report.kept_deleted)} kept deleted")
        for key in report.kept_edited:
            click.echo(f"  kept (edited by an organiser): {key}")
