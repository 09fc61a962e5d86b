"""Notifications: follows and saved searches, the notices they produce in the site's inbox, e-mail
immediately or as daily/weekly digests, and unsubscribing without logging in.

Days and weeks are UTC: a daily digest holds the notices made before today's 00:00 UTC, a weekly one
those made before Monday 00:00 UTC (`flask notify send` sends what is due whenever cron runs it)."""

from __future__ import annotations

import logging
import smtplib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import sqlalchemy as sa
from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy.orm import joinedload

from network import reference
from network.errors import ConflictError, NotFoundError, ValidationError
from network.extensions import db
from network.indexing import need_document
from network.models import (
    NOTIFICATION_KINDS,
    Domain,
    Follow,
    Frequency,
    Need,
    Notification,
    NotificationPreference,
    Organisation,
    Response,
    SavedSearch,
    Stage,
    User,
    utcnow,
)
from network.permissions import can_view_need
from network.services.mail import send_mail
from network.text import clean
from search import KINDS, NEED, Document, SearchQuery, open_index

log = logging.getLogger(__name__)

# What a user gets before choosing: direct news at once, searches as a daily digest.
DEFAULT_FREQUENCY = {kind: Frequency.IMMEDIATELY for kind in NOTIFICATION_KINDS} | {
    "saved_search": Frequency.DAILY,
}

# Builds (subject, body) in the recipient's language; called once per language among the recipients.
MessageBuilder = Callable[[], tuple[str, str]]

MAX_SAVED_SEARCHES = 50
# A digest lists this many notices; the rest are in the inbox (a mail of hundreds helps nobody).
DIGEST_LIMIT = 50
# The saved-search filters, named as the search page's parameters.
SEARCH_FILTERS = ("domain", "fylke", "cpv", "stage", "kind")


# -- preferences and language -------------------------------------------------------------------


def preferences(user: User) -> dict[str, Frequency]:
    chosen = {
        p.kind: p.frequency
        for p in db.session.scalars(
            sa.select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        )
    }
    return {kind: chosen.get(kind, DEFAULT_FREQUENCY[kind]) for kind in NOTIFICATION_KINDS}


def set_preferences(user: User, choices: dict[str, str]) -> None:
    """Save the user's choices. Notices not yet e-mailed follow the new choice: after "off" (or an
    unsubscribe) no mail of that kind goes out, not even one already waiting for a digest."""
    checked: dict[str, Frequency] = {}
    # Every choice is checked before any is written: a bad one changes nothing.
    for kind, value in choices.items():
        if kind not in NOTIFICATION_KINDS:
            raise ValidationError(_("Unknown kind of notice."))
        try:
            checked[kind] = Frequency(value)
        except ValueError:
            raise ValidationError(_("Unknown frequency."), field=kind) from None
    for kind, frequency in checked.items():
        preference = db.session.get(NotificationPreference, (user.id, kind))
        if preference is None:
            db.session.add(NotificationPreference(user_id=user.id, kind=kind, frequency=frequency))
        else:
            preference.frequency = frequency
        # Notices left unsent while "off" stay unsent: switching back on must not flood the inbox's past.
        db.session.execute(
            sa.update(Notification)
            .where(
                Notification.user_id == user.id,
                Notification.kind == kind,
                Notification.emailed_at.is_(None),
                Notification.frequency != Frequency.OFF,
            )
            .values(frequency=frequency)
        )
    db.session.commit()


def set_locale(user: User, locale: str, allowed: Iterable[str]) -> None:
    """Remember the language a user chose with the switch: notices and their mails are written in it."""
    if locale not in set(allowed):
        raise ValidationError(_("Unknown language."))
    if user.locale != locale:
        user.locale = locale
        db.session.commit()


# -- links ------------------------------------------------------------------------------------


def site_path(endpoint: str, **values) -> str:
    """A link into the site as a path ("/needs/5"). Notices are made in web requests and in commands
    alike; outside a request Flask cannot build URLs without SERVER_NAME, but a path needs no host."""
    if has_request_context():
        return url_for(endpoint, **values)
    return current_app.url_map.bind("localhost").build(endpoint, values)


def is_local_path(link: str | None) -> bool:
    """A path on this site: "/x", never "//host/x" or "/\\host" (browsers read both as another host)."""
    return bool(link) and link.startswith("/") and not link.startswith("//") and "\\" not in link


def _stored_link(link: str | None) -> str | None:
    # Links point into the site; an absolute URL (a model's .url) is kept as its path.
    if not link:
        return None
    parts = urlsplit(link)
    path = urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))
    return path if is_local_path(path) else None


def _site_root() -> str:
    """scheme://host for links in e-mails. A request knows it; cron has none, so then SITE_URL
    (FLASK_SITE_URL) or SERVER_NAME tells, and http://localhost:5000 is the last resort."""
    if has_request_context():
        parts = urlsplit(url_for("main.index", _external=True))
        return f"{parts.scheme}://{parts.netloc}"
    config = current_app.config
    if config.get("SITE_URL"):
        return str(config["SITE_URL"]).rstrip("/")
    if config.get("SERVER_NAME"):
        return f"{config.get('PREFERRED_URL_SCHEME') or 'http'}://{config['SERVER_NAME']}"
    log.warning("SITE_URL is not set: links in notice mails point to http://localhost:5000")
    return "http://localhost:5000"


# -- making notices ---------------------------------------------------------------------------


def notify(
    users: Iterable[User],
    kind: str,
    message: MessageBuilder,
    link: str | None = None,
    need_id: int | None = None,
    exclude: User | None = None,
) -> list[Notification]:
    """Add a notice for each user (once per user; never to `exclude`, the one who acted). Part of the
    caller's unit of work: it commits with the change that caused it. `link` points into the site
    (a path, or an absolute URL of the site, which is stored as its path)."""
    if kind not in NOTIFICATION_KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    recipients = {u.id: u for u in users if u is not None and (exclude is None or u.id != exclude.id)}
    if not recipients:
        return []
    chosen = {
        p.user_id: p.frequency
        for p in db.session.scalars(
            sa.select(NotificationPreference).where(
                NotificationPreference.kind == kind, NotificationPreference.user_id.in_(list(recipients))
            )
        )
    }
    stored_link = _stored_link(link)
    texts: dict[str, tuple[str, str]] = {}
    created = []
    for user in recipients.values():
        locale = user.locale or "nb"
        if locale not in texts:
            with force_locale(locale):
                subject, body = (str(part) for part in message())
            # A subject is one line: a mail header with a line break is refused.
            texts[locale] = (" ".join(subject.split())[:300], body)
        subject, body = texts[locale]
        notice = Notification(
            user_id=user.id,
            kind=kind,
            subject=subject,
            body=body,
            link=stored_link,
            need_id=need_id,
            frequency=chosen.get(user.id, DEFAULT_FREQUENCY[kind]),
        )
        db.session.add(notice)
        created.append(notice)
    return created


def users_of_organisation(organisation_id: int | None) -> list[User]:
    if organisation_id is None:
        return []
    return list(db.session.scalars(sa.select(User).where(User.organisation_id == organisation_id)))


def followers_of(need: Need) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User).join(Follow, Follow.user_id == User.id).where(Follow.need_id == need.id)
        )
    )


def _stage_label(stage) -> str:
    # The same labels as the pages, in the recipient's language (called inside force_locale).
    from network import labels

    return labels.stage(stage)


def _status_label(status) -> str:
    from network import labels

    return labels.response_status(status)


def need_stage_changed(actor: User, need: Need) -> list[Notification]:
    """Tell the need's followers (not the one who moved it) about its new stage."""
    title, org, stage, doffin = need.title, need.organisation.name, need.stage, need.doffin_ref

    def message():
        label = _stage_label(stage)
        body = _(
            "%(org)s moved the need “%(title)s” to the stage “%(stage)s”.", org=org, title=title, stage=label
        )
        if stage == Stage.TENDERED and doffin:
            body += "\n" + _("Doffin reference: %(ref)s", ref=doffin)
        return _("“%(title)s” is now: %(stage)s", title=title, stage=label), body

    return notify(
        followers_of(need),
        "need_stage",
        message,
        link=site_path("needs.detail", need_id=need.id),
        need_id=need.id,
        exclude=actor,
    )


def response_submitted(actor: User, response: Response) -> list[Notification]:
    """Tell the users of the need's body that a supplier responded."""
    need = response.need
    # The response may not be flushed yet: its organisation is looked up by id.
    supplier = db.session.get(Organisation, response.organisation_id).name
    title, text = need.title, response.message

    def message():
        excerpt = text if len(text) <= 1000 else text[:1000] + "…"
        return (
            _("%(org)s responded to “%(title)s”", org=supplier, title=title),
            _("%(org)s expressed interest in your need “%(title)s”:", org=supplier, title=title)
            + "\n\n"
            + excerpt,
        )

    return notify(
        users_of_organisation(need.organisation_id),
        "new_response",
        message,
        link=site_path("needs.detail", need_id=need.id) + "#responses",
        need_id=need.id,
        exclude=actor,
    )


def response_status_changed(actor: User, response: Response) -> list[Notification]:
    """Tell the users of the responding supplier that the public body changed the status."""
    need = response.need
    title, body_name, status = need.title, need.organisation.name, response.status

    def message():
        label = _status_label(status)
        return (
            _("Your response to “%(title)s”: %(status)s", title=title, status=label),
            _(
                "%(org)s marked your organisation's response to “%(title)s” as “%(status)s”.",
                org=body_name,
                title=title,
                status=label,
            ),
        )

    return notify(
        users_of_organisation(response.organisation_id),
        "response_status",
        message,
        link=site_path("needs.detail", need_id=need.id) + "#response",
        need_id=need.id,
        exclude=actor,
    )


# -- following a need -------------------------------------------------------------------------


def _visible_need(user: User, need_id: int) -> Need:
    # needs.py calls into this module when a need changes; importing it here, late, avoids the cycle.
    from network.services import needs as needs_service

    return needs_service.get_visible(user, need_id)


def follow(user: User, need_id: int) -> Follow:
    """Follow a published need (again: nothing changes). Another body's draft is answered as missing."""
    need = _visible_need(user, need_id)
    if not need.is_published:
        raise ValidationError(_("Only a published need can be followed."))
    existing = _follow_of(user, need.id)
    if existing is not None:
        return existing
    follow_row = Follow(user_id=user.id, need_id=need.id)
    db.session.add(follow_row)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        # A double click: the other request made the same follow first.
        db.session.rollback()
        return _follow_of(user, need.id)
    return follow_row


def unfollow(user: User, need_id: int) -> None:
    db.session.execute(sa.delete(Follow).where(Follow.user_id == user.id, Follow.need_id == need_id))
    db.session.commit()


def _follow_of(user: User, need_id: int) -> Follow | None:
    return db.session.scalar(sa.select(Follow).where(Follow.user_id == user.id, Follow.need_id == need_id))


def is_following(user: User | None, need: Need) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return db.session.scalar(
        sa.select(sa.exists().where(Follow.user_id == user.id, Follow.need_id == need.id))
    )


def follows_of(user: User) -> list[Follow]:
    return list(
        db.session.scalars(
            sa.select(Follow)
            .where(Follow.user_id == user.id)
            .options(joinedload(Follow.need).joinedload(Need.organisation))
            .order_by(Follow.created_at.desc(), Follow.id.desc())
        )
    )


# -- saved searches ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SavedSearchDraft:
    name: str
    query: str = ""
    domain: tuple[str, ...] = ()
    fylke: tuple[str, ...] = ()
    cpv: tuple[str, ...] = ()
    stage: tuple[str, ...] = ()
    kind: tuple[str, ...] = ()


def _allowed_filter_values() -> dict[str, set[str]]:
    return {
        "domain": {d.value for d in Domain},
        "fylke": {f.number for f in reference.fylker()},
        "cpv": {c.code[:2] for c in reference.cpv_entries()},
        "stage": {s.value for s in Stage if s != Stage.DRAFT},
        "kind": set(KINDS),
    }


def check_saved_search(draft: SavedSearchDraft) -> dict:
    name = clean(draft.name)
    if not name:
        raise ValidationError(_("Give the search a name."), field="name")
    if len(name) > 200:
        raise ValidationError(_("The name can be at most %(n)d characters.", n=200), field="name")
    query = clean(draft.query)
    if len(query) > 500:
        raise ValidationError(_("The search text can be at most %(n)d characters.", n=500), field="query")
    allowed = _allowed_filter_values()
    filters = {}
    for param in SEARCH_FILTERS:
        values = sorted(set(getattr(draft, param)))
        if any(v not in allowed[param] for v in values):
            raise ValidationError(_("The search has a filter the site does not know."), field=param)
        if values:
            filters[param] = values
    if filters.get("kind") and NEED not in filters["kind"]:
        raise ValidationError(
            _("A saved search tells you about new needs: include needs in the kinds."), field="kind"
        )
    return {"name": name, "query": query, "filters": filters}


def save_search(user: User, draft: SavedSearchDraft) -> SavedSearch:
    values = check_saved_search(draft)
    mine = saved_searches(user)
    if any(s.query == values["query"] and (s.filters or {}) == values["filters"] for s in mine):
        raise ConflictError(_("You have already saved this search."))
    if len(mine) >= MAX_SAVED_SEARCHES:
        raise ValidationError(
            _("You can keep at most %(n)d saved searches. Delete one first.", n=MAX_SAVED_SEARCHES)
        )
    saved = SavedSearch(user_id=user.id, **values)
    db.session.add(saved)
    db.session.commit()
    return saved


def saved_searches(user: User) -> list[SavedSearch]:
    return list(
        db.session.scalars(
            sa.select(SavedSearch).where(SavedSearch.user_id == user.id).order_by(SavedSearch.id.desc())
        )
    )


def get_saved_search(user: User, search_id: int) -> SavedSearch:
    """The user's own saved search; another user's is answered as missing."""
    saved = db.session.get(SavedSearch, search_id)
    if saved is None or saved.user_id != user.id:
        raise NotFoundError(_("No such saved search."))
    return saved


def delete_saved_search(user: User, search_id: int) -> None:
    db.session.delete(get_saved_search(user, search_id))
    db.session.commit()


def saved_search_query(query: str, filters: dict, per_page: int = 20) -> SearchQuery:
    """The search page's query for a saved search, restricted to needs (what it is told about)."""
    filters = filters or {}
    return SearchQuery(
        text=query or "",
        kinds=(NEED,),
        domains=tuple(filters.get("domain", ())),
        fylker=tuple(filters.get("fylke", ())),
        cpv_divisions=tuple(filters.get("cpv", ())),
        stages=tuple(filters.get("stage", ())),
        per_page=per_page,
    )


def _filters_could_match(filters: dict, doc: Document) -> bool:
    """A cheap first sieve with the index's own filter rules, on the need's own index document; the
    index decides the rest. It only ever rejects what the index would reject too."""
    filters = filters or {}
    checks = (
        ("kind", {doc.kind}),
        ("stage", {doc.stage}),
        ("domain", set(doc.domains)),
        ("fylke", set(doc.fylker)),
        ("cpv", {"".join(ch for ch in code if ch.isdigit())[:2] for code in doc.cpv}),
    )
    return all(not filters.get(name) or set(filters[name]) & values for name, values in checks)


def need_published(actor: User, need: Need) -> list[Notification]:
    """Notices for the saved searches a newly published need matches (never to the publisher).

    Each saved search runs through a search index that holds this one need: the site's analyzers and
    filters decide, exactly as on the search page, but the answer does not wait for the site's index
    (updated after the commit, or by `flask index follow`), and each query costs a fraction of a
    millisecond whatever the size of the site."""

    rows = db.session.execute(
        sa.select(SavedSearch.user_id, SavedSearch.name, SavedSearch.query, SavedSearch.filters)
        .where(SavedSearch.user_id != actor.id)
        .order_by(SavedSearch.id)
    ).all()
    if not rows:
        return []
    document = need_document(need)
    candidates = [row for row in rows if _filters_could_match(row.filters, document)]
    if not candidates:
        return []
    matched: dict[int, str] = {}
    verdicts: dict[SearchQuery, bool] = {}
    index = open_index(None)
    try:
        index.apply([document], [])
        for row in candidates:
            if row.user_id in matched:
                continue
            query = saved_search_query(row.query, row.filters, per_page=1)
            if query not in verdicts:
                verdicts[query] = any(hit.id == need.id for hit in index.search(query).hits)
            if verdicts[query]:
                matched[row.user_id] = row.name
    except Exception:
        # The need is published all the same; only these notices are lost, and the log says so.
        log.exception("saved searches not matched against need %s", need.id)
        return []
    finally:
        index.close()
    users = db.session.scalars(sa.select(User).where(User.id.in_(list(matched)))).all()
    by_name: dict[str, list[User]] = defaultdict(list)
    for user in users:
        if can_view_need(user, need):
            by_name[matched[user.id]].append(user)
    title, org = need.title, need.organisation.name
    link = site_path("needs.detail", need_id=need.id)
    created = []
    for search_name, recipients in by_name.items():
        created += notify(
            recipients,
            "saved_search",
            lambda search_name=search_name: (
                _("New need for “%(search)s”: %(title)s", search=search_name, title=title),
                _(
                    "%(org)s published the need “%(title)s”. It matches your saved search “%(search)s”.",
                    org=org,
                    title=title,
                    search=search_name,
                ),
            ),
            link=link,
            need_id=need.id,
            exclude=actor,
        )
    return created


# -- the inbox --------------------------------------------------------------------------------


def unread_count(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def inbox(user: User, page: int, per_page: int):
    query = (
        sa.select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def get_notice(user: User, notification_id: int) -> Notification:
    notice = db.session.get(Notification, notification_id)
    if notice is None or notice.user_id != user.id:
        # Another user's notice is answered as missing: its existence is nobody else's business.
        raise NotFoundError(_("No such notice."))
    return notice


def mark_read(user: User, notification_id: int | None = None) -> None:
    """Mark one notice (or all of them) read; another user's notice is answered as missing."""
    query = sa.update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_id is not None:
        get_notice(user, notification_id)
        query = query.where(Notification.id == notification_id)
    db.session.execute(query.values(read_at=utcnow()))
    db.session.commit()


def open_notice(user: User, notification_id: int) -> Notification:
    """Mark the notice read and hand it back, for the view to follow its link."""
    notice = get_notice(user, notification_id)
    if notice.read_at is None:
        notice.read_at = utcnow()
        db.session.commit()
    return notice


# -- unsubscribing without logging in ---------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="unsubscribe")


def unsubscribe_token(user: User, kinds: str | Iterable[str]) -> str:
    """A link's token that turns these kinds of mail off for this user; signed, so it cannot be
    changed to another user or kind. It does not expire: an old mail's link must still work."""
    kinds = [kinds] if isinstance(kinds, str) else sorted(set(kinds))
    return _serializer().dumps([user.id, kinds])


def read_unsubscribe_token(token: str) -> tuple[User, tuple[str, ...]]:
    invalid = NotFoundError(_("This unsubscribe link is not valid."))
    try:
        user_id, kinds = _serializer().loads(token)
    except (BadData, ValueError, TypeError):
        raise invalid from None
    if isinstance(kinds, str):
        kinds = [kinds]
    if (
        not isinstance(user_id, int)
        or not isinstance(kinds, list)
        or not kinds
        or any(kind not in NOTIFICATION_KINDS for kind in kinds)
    ):
        raise invalid
    user = db.session.get(User, user_id)
    if user is None:
        raise invalid
    return user, tuple(kinds)


def unsubscribe(token: str) -> tuple[User, tuple[str, ...]]:
    user, kinds = read_unsubscribe_token(token)
    set_preferences(user, dict.fromkeys(kinds, Frequency.OFF.value))
    return user, kinds


# -- sending: `flask notify send` ---------------------------------------------------------------


@dataclass
class SendReport:
    mails: int = 0
    notices: int = 0
    # Mails that could not be sent; their notices are left for the next run.
    failed: int = 0


def _due_before(frequency: Frequency, now: datetime) -> datetime:
    """Notices created before this moment are due: at once, or at the start of today / this week
    (UTC: `now` and the notices' times are naive UTC)."""
    if frequency == Frequency.IMMEDIATELY:
        return now + timedelta(seconds=1)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if frequency == Frequency.DAILY:
        return midnight
    return midnight - timedelta(days=midnight.weekday())


def send_due(now: datetime | None = None) -> SendReport:
    """E-mail every notice that is due, once. Safe to run twice or in two processes at once: a notice
    is claimed (emailed_at set where it was empty) and committed before its mail goes out; a mail
    that fails gives its notices back for the next run."""
    now = now or utcnow()
    report = SendReport()
    for frequency in (Frequency.IMMEDIATELY, Frequency.DAILY, Frequency.WEEKLY):
        candidates = db.session.execute(
            sa.select(Notification.id, Notification.user_id)
            .where(
                Notification.emailed_at.is_(None),
                Notification.frequency == frequency,
                Notification.created_at < _due_before(frequency, now),
            )
            .order_by(Notification.id)
        ).all()
        db.session.commit()
        by_user: dict[int, list[int]] = defaultdict(list)
        for notice_id, user_id in candidates:
            by_user[user_id].append(notice_id)
        for user_id, ids in by_user.items():
            claimed = _claim(ids, frequency, now)
            if not claimed:
                continue
            groups = [[n] for n in claimed] if frequency == Frequency.IMMEDIATELY else [claimed]
            for notices in groups:
                if _deliver(db.session.get(User, user_id), notices, frequency, now):
                    report.mails += 1
                    report.notices += len(notices)
                else:
                    report.failed += 1
    return report


def _claim(ids: list[int], frequency: Frequency, now: datetime) -> list[Notification]:
    # The frequency is checked again: the user may have changed it (to "off", say) since the select.
    result = db.session.execute(
        sa.update(Notification)
        .where(
            Notification.id.in_(ids),
            Notification.emailed_at.is_(None),
            Notification.frequency == frequency,
        )
        .values(emailed_at=now)
        .returning(Notification.id)
    )
    claimed_ids = [row[0] for row in result]
    db.session.commit()
    if not claimed_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(Notification).where(Notification.id.in_(claimed_ids)).order_by(Notification.id)
        )
    )


def _release(ids: list[int], claimed_at: datetime) -> None:
    """Give claimed notices back, so the next run tries again; nobody got them."""
    db.session.rollback()
    db.session.execute(
        sa.update(Notification)
        .where(Notification.id.in_(ids), Notification.emailed_at == claimed_at)
        .values(emailed_at=None)
    )
    db.session.commit()


def _compose(user: User, notices: list[Notification], frequency: Frequency) -> tuple[str, str, str]:
    """(subject, plain text, unsubscribe URL) in the user's language."""
    root = _site_root()
    kinds = sorted({n.kind for n in notices})
    unsubscribe_url = root + site_path("notifications.unsubscribe", token=unsubscribe_token(user, kinds))
    with force_locale(user.locale or "nb"):
        if frequency == Frequency.IMMEDIATELY:
            subject = notices[0].subject
            intro = []
        else:
            if frequency == Frequency.DAILY:
                subject = _("Your daily summary from Behovsbørsen (%(n)d)", n=len(notices))
            else:
                subject = _("Your weekly summary from Behovsbørsen (%(n)d)", n=len(notices))
            intro = [_("Hello %(name)s,", name=user.name), "", _("News for you on Behovsbørsen:"), ""]
        parts = list(intro)
        for notice in notices[:DIGEST_LIMIT]:
            parts.append(("* " if intro else "") + notice.subject)
            if notice.body:
                parts.append(notice.body)
            if notice.link:
                parts.append(root + notice.link)
            parts.append("")
        if len(notices) > DIGEST_LIMIT:
            parts.append(
                _(
                    "… and %(n)d more in your inbox: %(link)s",
                    n=len(notices) - DIGEST_LIMIT,
                    link=root + site_path("notifications.inbox"),
                )
            )
            parts.append("")
        footer = [
            "-- ",
            _(
                "You get this because of your notification settings: %(link)s",
                link=root + site_path("notifications.preferences"),
            ),
            _("Stop these e-mails without logging in: %(link)s", link=unsubscribe_url),
        ]
        text = "\n".join(parts + footer) + "\n"
    return str(subject), text, unsubscribe_url


def _deliver(user: User, notices: list[Notification], frequency: Frequency, claimed_at: datetime) -> bool:
    ids = [n.id for n in notices]
    try:
        subject, text, unsubscribe_url = _compose(user, notices, frequency)
        send_mail(
            user.email,
            subject,
            text,
            headers={
                "List-Unsubscribe": f"<{unsubscribe_url}>",
                # RFC 8058: mail programs unsubscribe with one POST to the link, no page in between.
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "Auto-Submitted": "auto-generated",
            },
        )
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("notice mail to %s failed, will try again: %s", user.email, exc)
        _release(ids, claimed_at)
        return False
    except Exception:
        # One broken mail must not stop the others, nor lose its notices.
        log.exception("notice mail to %s could not be made, will try again", user.email)
        _release(ids, claimed_at)
        return False
    return True
