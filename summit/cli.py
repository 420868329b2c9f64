"""`flask --app summit …` commands."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask

from .models.labels import Role
from .plumbing.extensions import db
from .plumbing.errors import ServiceError


def init_app(app: Flask) -> None:
    @app.cli.command("seed")
    @click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def seed(path: Path | None):
        """Load the GSTF 2024 definition, or the summit definition file PATH."""
        from .services.summits.seeding import seed_summit

        try:
            report = seed_summit(path)
        except ServiceError as exc:  # the seed's own transaction is rolled back already
            raise click.ClickException(str(exc)) from exc
        click.echo(f"{report.summit}: {len(report.created)} created, {len(report.updated)} updated, "
                   f"{len(report.kept_edited)} kept as edited, {len(report.kept_deleted)} kept deleted")
        for key in report.kept_edited:
            click.echo(f"  kept (edited by an organiser): {key}")
        for key in report.kept_full:
            click.echo(f"  kept ({key} has more confirmed places than the file's capacity)")

    @app.cli.command("create-user")
    @click.argument("email")
    @click.option("--role", type=click.Choice(Role.values()), required=True)
    @click.option("--password-stdin", is_flag=True, required=True,
                  help="Read the password from standard input (never from the command line).")
    def create_user(email: str, role: str, password_stdin: bool):
        """Create or update a console account."""
        from .services.console.accounts import save_user

        password = sys.stdin.readline().rstrip("\r\n")
        try:
            user = save_user(email, role, password)
        except ServiceError as exc:
            db.session.rollback()
            details = "; ".join(f"{k}: {', '.join(v)}" for k, v in getattr(exc, "errors", {}).items())
            raise click.ClickException(details or str(exc)) from exc
        click.echo(f"{user.email}: {user.role}")

    @app.cli.command("disable-user")
    @click.argument("email")
    def disable_user(email: str):
        """Disable a console account: its sessions end and its API tokens stop working
        (create-user with a new password enables it again)."""
        from .services.console.accounts import disable_user as disable

        try:
            user = disable(email)
        except ServiceError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"{user.email}: disabled")

    @app.cli.command("create-token")
    @click.argument("email")
    @click.option("--label", default="", help="What the token is for (shown in the console).")
    def create_token(email: str, label: str):
        """Print a new API token for the account (the last line is the token alone)."""
        from .services.console.accounts import issue_token

        try:
            _, token = issue_token(email, label or "command line")
        except ServiceError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"API token for {email} (shown once; store it now):", err=True)
        click.echo(token)

    @app.cli.command("worker")
    @click.option("--burst", is_flag=True, help="Stop when the queue is empty (for scripts and tests).")
    def worker(burst: bool):
        """Run the RQ worker for background jobs (badge batches); needs REDIS_URL."""
        from redis import Redis
        from rq import Queue, Worker

        from .services.badges.jobs import queue_name

        url = app.config.get("REDIS_URL")
        if not url:
            raise click.ClickException("REDIS_URL is not set: without it, jobs run inside the web "
                                       "process and no worker is needed")
        connection = Redis.from_url(url)
        # Jobs run in this app's context (run_badge_job picks it up).  RQ forks a
        # work horse per job: no database connection may be shared across that fork.
        db.engine.dispose()
        Worker([Queue(queue_name(app), connection=connection)], connection=connection).work(burst=burst)

    @app.cli.command("badges-expire")
    def badges_expire():
        """Delete batch badge PDFs older than BADGE_RESULT_TTL, and fail batches whose process died.

        The app does both on its own as batches are made, read and finished; run this
        from cron (e.g. hourly) so that nothing waits for the next batch on a quiet server.
        """
        from .services.badges.jobs import expire_results, reap_stale

        failed = reap_stale()
        expired = expire_results()
        click.echo(f"{expired} batch PDF(s) deleted, {failed} dead batch(es) marked failed")

    @app.cli.command("purge")
    @click.option("--dry-run", is_flag=True, help="Say how many would be erased, per summit; change nothing.")
    def purge(dry_run: bool):
        """Erase the personal data of every delegate of the summits past their retention period.

        The period is the summit file's retention_days after the summit's end; the rows stay as anonymous
        counts.  Prints how many were erased (or would be), per summit.  Run daily from cron.
        """
        from .services.privacy.retention import purge as purge_delegates

        counts = purge_delegates(dry_run=dry_run)
        verb = "would erase" if dry_run else "erased"
        for count in counts:
            click.echo(f"{count.summit}: {verb} {count.delegates} delegate(s)")
        click.echo(f"{verb} {sum(count.delegates for count in counts)} delegate(s) in total"
                   + ("" if counts else " (no summit is past its retention period)"))

    @app.cli.command("backup")
    @click.argument("path", required=False, type=click.Path(path_type=Path))
    def backup(path: Path | None):
        """Write a consistent copy of the database to PATH (a file, or a folder to put it in).

        Without PATH: instance/backups/summit-<UTC time>.sqlite3 (or .pgdump on PostgreSQL).
        Safe while the app runs.  Prints the path written.
        """
        from .services.ops.backup import backup_database, default_backup_path

        url = app.config["SQLALCHEMY_DATABASE_URI"]
        try:
            if path is None or path.is_dir():
                path = default_backup_path(path or Path(app.instance_path) / "backups", url)
            written = backup_database(url, path)
        except ServiceError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(str(written))

    @app.cli.command("rotate-data-key")
    @click.option("--new-key", default=None, help="The new Fernet key (default: a new one is generated).")
    @click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 100000),
                  help="Rows re-encrypted per transaction.")
    def rotate_data_key(new_key: str | None, batch_size: int):
        """Re-encrypt every encrypted field under a new DATA_KEY, committing in batches.

        Development (the key in instance/data_key): the file becomes "NEW,OLD", every value is
        re-encrypted, then the file becomes "NEW"; killed halfway, run it again and it finishes.
        Production (DATA_KEY set): a first run prints the key ring to set, DATA_KEY=NEW,OLD, and exits 3
        without changing anything; set it on every host, restart, and run it again: it re-encrypts, then
        says to set DATA_KEY=NEW alone.  With two keys in DATA_KEY it always finishes that rotation.
        """
        from .plumbing import data_key
        from .services.ops.data_key_rotation import reencrypt_all

        ring = data_key.parse_keys(app.config["DATA_KEY"])
        keep_file = app.config.get("DATA_KEY_FILE")
        if len(ring) == 1:
            fresh = (new_key or data_key.new_key()).strip()
            data_key.parse_keys(fresh)  # a Fernet key, or the command says which is wrong
            if fresh.encode("ascii") == ring[0]:
                raise click.ClickException("--new-key is the key in use: give another one")
            ring = [fresh.encode("ascii"), *ring]
            if not keep_file:
                shown = ",".join(key.decode("ascii") for key in ring)
                click.echo("Nothing re-encrypted yet. Set this key ring on every host running the app and "
                           "restart them, so they read the new key before any value is written under it:\n\n"
                           f"    DATA_KEY={shown}\n\n"
                           "then run `flask --app summit rotate-data-key` again with it. Keep the new key with "
                           "the database's backups.")
                sys.exit(3)
            data_key.write_instance_keys(keep_file, ring)  # first: a kill from here on leaves both keys
        elif new_key and new_key.strip().encode("ascii") != ring[0]:
            raise click.ClickException("DATA_KEY holds several keys: a rotation is under way. Run the "
                                       "command without --new-key to finish it first.")
        cipher = data_key.DataCipher(ring)
        app.extensions[data_key.EXTENSION] = cipher  # the column type writes under the new key from here on

        def progress(table: str, column: str, done: int) -> None:
            click.echo(f"  {table}.{column}: {done} re-encrypted", err=True)

        try:
            result = reencrypt_all(db.engine, db.metadata, cipher, batch_size=batch_size, after_batch=progress)
        except data_key.DataKeyError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"{result.total} value(s) re-encrypted under the new key "
                   f"({result.already} already were).")
        if keep_file:
            data_key.write_instance_keys(keep_file, ring[:1])
            click.echo(f"{keep_file} now holds the new key alone; restart the app.")
        else:
            click.echo("Every value is under the first key now. Set DATA_KEY to it alone on every host "
                       "(drop the old key) and restart; keep the new key with the backups made from now on.")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation (for scripts).")
    def restore(path: Path, yes: bool):
        """Replace the database's contents with the backup PATH.  Stop the app first."""
        from sqlalchemy.engine import make_url

        from .services.ops.backup import restore_database

        url = app.config["SQLALCHEMY_DATABASE_URI"]
        shown = make_url(url).render_as_string(hide_password=True)
        if not yes:
            click.confirm(f"Replace everything in {shown} with {path}?", abort=True)
        # Our own pooled connections would hold locks the restore must take.
        db.session.remove()
        db.engine.dispose()
        try:
            restore_database(url, path)
        except ServiceError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"restored {path} into {shown}; run `flask --app summit db upgrade` if the backup "
                   "is from an older version")
