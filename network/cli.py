"""`flask` commands: setup, import, reindex, index verify/follow/warm/status, create-admin, two-factor
reset, notify send, backup and restore."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext

from network import indexing
from network.demo import demo_records
from network.demo.dialogue import seed_dialogue
from network.errors import DomainError, ImportFileError
from network.extensions import db
from network.models import Organisation, OrgKind, Role, User
from network.schema import ensure_schema
from network.services import attachment_files, backup, match_notices, twofactor
from network.services.accounts import create_site_admin
from network.services.imports import import_lines, import_records, split_lines
from network.services.matching import warm_need_lists, warm_supplier_lists
from network.services.notifications import send_due
from search import IndexUnavailableError


def register_commands(app: Flask) -> None:
    app.cli.add_command(setup_command)
    app.cli.add_command(import_command)
    app.cli.add_command(reindex_command)
    app.cli.add_command(index_group)
    app.cli.add_command(create_admin_command)
    app.cli.add_command(two_factor_group)
    app.cli.add_command(notify_group)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


def _index():
    return indexing.get_index(current_app)


@click.command("setup")
@click.option("--demo/--no-demo", default=False, help="Load the demo content when the database is empty.")
@with_appcontext
def setup_command(demo: bool) -> None:
    """Create or migrate the schema; with --demo, load the example content on first start."""
    if ensure_schema(current_app):
        click.echo("Database schema created/updated.")
    empty = db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0
    if demo and empty:
        click.echo("Loading demo content (first start only)…")
        started = time.monotonic()
        report = import_records(demo_records(), _index(), progress=_progress)
        click.echo(f"Loaded {report.summary()} in {time.monotonic() - started:.1f} s.")
        _ensure_demo_logins()
        seed_dialogue()
    elif demo:
        click.echo("Database already has content; demo content not loaded again.")
    index = _index()
    try:
        indexing.apply_pending(index)
        clean = indexing.verify(index).clean
    except IndexUnavailableError:
        clean = False
    if not clean:
        # A deleted, outdated or half-written index folder: rebuild it from the database.
        click.echo("Rebuilding the search index from the database…")
        click.echo(f"Indexed {indexing.reindex(index)} documents.")
    if demo:
        # A first visitor's need pages then read ready lists.
        try:
            report = warm_need_lists(index)
            click.echo(f"Kept the supplier and peer lists of {report.kept} need(s).")
            warm_supplier_lists(index)
        except IndexUnavailableError as exc:
            click.echo(f"Need pages will compute their lists when first shown: {exc}")
        _print_demo_logins()


DEMO_PASSWORD = "demo-passord-2026"
DEMO_LOGINS = (
    ("admin@example.no", "Site administrator", None),
    ("kommune@example.no", "Kari Kommune", "public_body"),
    ("leverandor@example.no", "Lars Leverandør", "supplier"),
)


def _ensure_demo_logins() -> None:
    """Demo users: a site admin, a user of a verified public body and of a Norwegian supplier."""
    for email, name, kind in DEMO_LOGINS:
        if db.session.scalar(sa.select(User).where(User.email == email)) is not None:
            continue
        user = User(email=email, name=name, role=Role.ADMIN, is_site_admin=kind is None)
        if kind is not None:
            query = sa.select(Organisation).where(Organisation.kind == OrgKind(kind), Organisation.is_example)
            if kind == "public_body":
                query = query.where(Organisation.verified, Organisation.kommune.is_not(None))
            else:
                query = query.where(Organisation.country == "NO")
            user.organisation = db.session.scalars(query.order_by(Organisation.id)).first()
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
    db.session.commit()


def _print_demo_logins() -> None:
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    click.echo(
        "  (the site administrator sets up two-factor sign-in with an authenticator app at first login)"
    )
    for email, _name, kind in DEMO_LOGINS:
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            continue
        what = (
            "site administrator" if kind is None else f"{user.organisation.name if user.organisation else ''}"
        )
        click.echo(f"  {email:<24} {what}")


def _progress(done: int, total: int) -> None:
    # About twenty lines whatever the file's size.
    step = max(200, (total // 20 // 100) * 100) if total else 200
    if total and (done == total or done % step == 0):
        click.echo(f"  {done}/{total} records", err=True)


def _index_progress(done: int, total: int) -> None:
    click.echo(f"  indexed {done}/{total} changes", err=True)


@click.command("import")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def import_command(path: Path) -> None:
    """Import organisations, needs and capabilities from a JSONL file (all or nothing)."""
    ensure_schema(current_app)
    if not path.exists():
        click.echo(f"error: {path}: no such file", err=True)
        sys.exit(2)
    size, limit = path.stat().st_size, int(current_app.config["IMPORT_MAX_BYTES"])
    if size > limit:
        click.echo(f"error: {path}: {size} bytes; an import file can be at most {limit} bytes", err=True)
        sys.exit(1)
    try:
        with path.open(encoding="utf-8", errors="strict", newline="") as handle:
            lines = split_lines(handle.read())
    except UnicodeDecodeError as exc:
        click.echo(f"error: {path}: not UTF-8 text ({exc.reason} at byte {exc.start})", err=True)
        sys.exit(1)
    try:
        report = import_lines(lines, _index(), progress=_progress, index_progress=_index_progress)
    except ImportFileError as exc:
        for line_no, reason in exc.errors:
            click.echo(f"{path}:{line_no}: {reason}", err=True)
        click.echo(f"error: {len(exc.errors)} invalid line(s); nothing was imported.", err=True)
        sys.exit(1)
    click.echo(f"Imported {report.summary()}.")
    click.echo(
        "Need pages compute their match lists when first shown; `flask index warm` keeps them ready now."
    )


@click.command("reindex")
@with_appcontext
def reindex_command() -> None:
    """Rebuild the search index from the database."""
    ensure_schema(current_app)
    started = time.monotonic()
    count = indexing.reindex(_index(), progress=lambda n: click.echo(f"  {n} documents…", err=True))
    click.echo(f"Indexed {count} documents in {time.monotonic() - started:.1f} s.")


@click.group("index")
def index_group() -> None:
    """Inspect and maintain the search index."""


@index_group.command("verify")
@with_appcontext
def index_verify_command() -> None:
    """Report records missing from or stale in the index; exit 1 when there are any."""
    report = indexing.verify(_index())
    pending = indexing.pending_count()
    click.echo(f"Checked {report.checked} records; {pending} index event(s) pending.")
    for label, keys in (
        ("missing", report.missing),
        ("stale", report.stale),
        ("not in database", report.extra),
    ):
        for kind, record_id in keys:
            click.echo(f"  {label}: {kind} {record_id}")
    if report.clean:
        click.echo("Index is up to date.")
    else:
        total = len(report.missing) + len(report.stale) + len(report.extra)
        click.echo(f"{total} problem(s). Run `flask reindex` (or `flask index follow`) to repair.")
        sys.exit(1)


@index_group.command("follow")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between polls.")
@click.option("--once", is_flag=True, help="Apply what is pending, then stop.")
@click.option(
    "--warm/--no-warm", default=True, show_default=True, help="Between polls, keep need pages' lists ready."
)
@with_appcontext
def index_follow_command(interval: float, once: bool, warm: bool) -> None:
    """Apply pending index events as they come (for deployments with several web workers), and between
    them check new strong matches for notices and compute the lists of need pages (and suppliers'
    needs for you) that have none."""
    index = _index()
    warmed_at: list[int] = []

    def keep_ready(deadline: float | None) -> None:
        made = match_notices.check_pending(index, deadline=deadline)
        if made:
            click.echo(f"Made {made} notice(s) of new strong matches.")
        # Once every list is kept, only a change of the index can make new work.
        generation = index.generation()
        if warmed_at and warmed_at[-1] == generation:
            return
        report = warm_need_lists(index, deadline=deadline)
        if report.kept:
            click.echo(f"Kept the lists of {report.kept} of {report.missing} need(s).")
        suppliers = warm_supplier_lists(index, deadline=deadline)
        if report.finished and suppliers.finished:
            warmed_at[:] = [index.generation()]

    click.echo(f"Following index events every {interval} s (Ctrl-C stops).")
    try:
        for count in indexing.follow(index, interval=interval, once=once, idle=keep_ready if warm else None):
            if count:
                click.echo(f"Applied {count} event(s).")
    except KeyboardInterrupt:
        click.echo("Stopped.")


def _part(context, parameter, value: str | None) -> tuple[int, int]:
    if value is None:
        return (0, 1)
    number, slash, parts = value.partition("/")
    if slash and number.isdigit() and parts.isdigit() and int(number) < int(parts):
        return (int(number), int(parts))
    raise click.BadParameter("give K/N with 0 ≤ K < N, e.g. 0/2")


@index_group.command("warm")
@click.option("--seconds", type=float, default=None, help="Stop after this long; the next run goes on.")
@click.option(
    "--part",
    callback=_part,
    metavar="K/N",
    help="Only needs whose id is K modulo N: run N of these at once to use N cores.",
)
@with_appcontext
def index_warm_command(seconds: float | None, part: tuple[int, int]) -> None:
    """Compute and keep the supplier and peer lists of every published need that has none (or whose
    lists aged)."""
    started = time.monotonic()

    def progress(kept: int, missing: int) -> None:
        rate = kept / max(time.monotonic() - started, 1e-9)
        click.echo(f"  kept the lists of {kept}/{missing} needs ({rate:.0f} needs/s)")

    try:
        report = warm_need_lists(
            _index(), deadline=None if seconds is None else started + seconds, progress=progress, part=part
        )
    except IndexUnavailableError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    if report.finished and part == (0, 1):
        # Suppliers' needs for you, so a new need for them is noticed (services/match_notices.py).
        deadline = None if seconds is None else started + seconds
        suppliers = warm_supplier_lists(_index(), deadline=deadline)
        click.echo(f"Kept the needs-for-you lists of {suppliers.kept} of {suppliers.missing} supplier(s).")
    state = "all kept" if report.finished else "stopped early; run again to go on"
    elapsed = time.monotonic() - started
    click.echo(f"Kept the lists of {report.kept} of {report.missing} need(s) in {elapsed:.1f} s ({state}).")


@index_group.command("status")
@with_appcontext
def index_status_command() -> None:
    """How many index events are waiting."""
    click.echo(f"{indexing.pending_count()} index event(s) pending.")


@click.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True, default="Administrator")
@click.password_option()
@with_appcontext
def create_admin_command(email: str, name: str, password: str) -> None:
    """Create a site administrator (or make an existing user one)."""
    ensure_schema(current_app)
    try:
        user = create_site_admin(email, name, password)
    except DomainError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"{user.email} is a site administrator.")


@click.group("two-factor")
def two_factor_group() -> None:
    """Two-factor sign-in of users."""


@two_factor_group.command("reset")
@click.argument("email")
@with_appcontext
def two_factor_reset_command(email: str) -> None:
    """Turn off two-factor sign-in for the user with EMAIL (a lost phone and no recovery codes left).

    Check who is asking first: this leaves the account protected by its password alone. A site
    administrator is asked to set it up again at the next sign-in."""
    ensure_schema(current_app)
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None:
        click.echo(f"error: no user has the e-mail address {email}", err=True)
        sys.exit(1)
    if twofactor.reset(user):
        click.echo(f"Two-factor sign-in is off for {user.email}; they sign in with their password alone.")
    else:
        click.echo(f"{user.email} did not use two-factor sign-in; nothing was changed.")


@click.group("notify")
def notify_group() -> None:
    """E-mail the notices of the site's inbox."""


@notify_group.command("send")
@click.option("--quiet", is_flag=True, help="Print nothing when there was nothing to send.")
@with_appcontext
def notify_send_command(quiet: bool) -> None:
    """Send the notice mails that are due; for cron (every few minutes), safe to run twice.

    Notices chosen "immediately" go out one per mail. Daily summaries hold the notices made before
    today's 00:00 UTC, weekly ones those made before Monday 00:00 UTC: one mail per user. Links in
    the mails use FLASK_SITE_URL (e.g. https://behovsborsen.no). Exits 1 when a mail failed (its
    notices are tried again on the next run), 0 otherwise, also when there was nothing to send.
    """
    ensure_schema(current_app)
    try:
        # New strong matches not yet checked (the web workers check them within a time budget).
        match_notices.check_pending(_index())
    except IndexUnavailableError as exc:
        click.echo(f"New strong matches are checked later: {exc}", err=True)
    report = send_due()
    if report.mails or report.failed or not quiet:
        click.echo(
            f"Sent {report.mails} mail(s) with {report.notices} notice(s); {report.failed} mail(s) failed."
        )
    if report.failed:
        sys.exit(1)


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{count} {table}" for table, count in counts.items()) or "no content"


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite PATH when it exists.")
@with_appcontext
def backup_command(path: Path, force: bool) -> None:
    """Write a consistent copy of the database to PATH while the site keeps running.

    SQLite: the online backup API (the copy is itself a SQLite database). PostgreSQL: pg_dump in its
    custom format. Bring it back with `flask restore PATH`.
    """
    if path.exists() and not force:
        click.echo(f"error: {path} exists; choose another name or add --force to overwrite it.", err=True)
        sys.exit(1)
    db.session.remove()
    click.echo(f"Backing up {db.engine.url.render_as_string(hide_password=True)} to {path}…")
    started = time.monotonic()
    try:
        report = backup.backup(db.engine, path, progress=lambda line: click.echo(line, err=True))
    except backup.BackupError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(
        f"Wrote {report.path} ({report.size / 1e6:.1f} MB; {_counts(report.counts)}) "
        f"in {time.monotonic() - started:.1f} s."
    )
    files = attachment_files.backup_files(Path(current_app.config["UPLOAD_FOLDER"]), path)
    click.echo(f"Copied {files} attachment files to {attachment_files.folder_for(path)}.")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace a database that has content without asking.")
@with_appcontext
def restore_command(path: Path, yes: bool) -> None:
    """Replace the database with the backup at PATH, bring its schema up to date, rebuild the index.

    Everything in the database now is replaced: without --yes, a database with content is left alone
    (or, at a terminal, you are asked first).
    """
    db.session.remove()
    try:
        backup.backup_kind(path)
        existing = backup.content_counts(db.engine)
        if any(existing.values()) and not yes:
            if not sys.stdin.isatty():
                raise backup.BackupError(
                    f"The database is not empty ({_counts(existing)}). Restoring replaces all of it: "
                    "run again with --yes to confirm."
                )
            click.echo(f"The database has {_counts(existing)}; restoring {path} replaces all of it.")
            yes = click.confirm("Replace it?", default=False)
            if not yes:
                click.echo("Nothing was changed.")
                sys.exit(1)
        click.echo(f"Restoring {path} into {db.engine.url.render_as_string(hide_password=True)}…")
        counts = backup.restore(
            db.engine, path, replace=yes, progress=lambda line: click.echo(line, err=True)
        )
    except backup.BackupError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"Restored {_counts(counts)}.")
    files = attachment_files.restore_files(path, Path(current_app.config["UPLOAD_FOLDER"]))
    if files is None:
        click.echo(f"No attachment files beside the backup ({attachment_files.folder_for(path)}).")
    else:
        click.echo(f"Restored {files} attachment files.")
    if ensure_schema(current_app):
        click.echo("Database schema updated to this version.")
    click.echo("Rebuilding the search index from the restored database…")
    started = time.monotonic()
    count = indexing.reindex(_index(), progress=lambda n: click.echo(f"  {n} documents…", err=True))
    click.echo(f"Indexed {count} documents in {time.monotonic() - started:.1f} s. Restore complete.")
