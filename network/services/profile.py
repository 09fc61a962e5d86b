"""One's own account: the name, the password, the e-mail address (confirmed by a link), deactivation."""

from __future__ import annotations

import hashlib
import logging
import secrets
import smtplib
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from network import links
from network.errors import ConflictError, MailError, NotAllowedError, NotFoundError, ValidationError
from network.extensions import db
from network.models import AuditEntry, EmailChange, PasswordReset, Role, User, utcnow
from network.services import audit, security
from network.services.mail import send_mail
from network.text import clean

log = logging.getLogger(__name__)

NAME_MAX = 200


def notify_owner(to: str, subject: str, text: str) -> None:
    """A notice about the account; the change it reports is saved already, so a failure is only logged."""
    try:
        send_mail(to, subject, text)
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("account notice to %s failed: %s", to, exc)


def check_current_password(user: User, password: str) -> None:
    if not password or not user.check_password(password):
        raise ValidationError(_("That is not your current password."), field="current_password")


def rename(user: User, name: str) -> User:
    name = clean(name)
    if not name:
        raise ValidationError(_("Write your name."), field="name")
    if len(name) > NAME_MAX:
        raise ValidationError(_("The name can be at most %(n)d characters.", n=NAME_MAX), field="name")
    user.name = name
    db.session.commit()
    return user


# -- password ---------------------------------------------------------------------------------


def change_password(user: User, current: str, new: str) -> User:
    """A new password, given the current one. Every other session of the account ends with it (their
    fingerprint no longer matches); the caller starts this browser's session again. Open reset links
    stop working, and the owner is told by e-mail."""
    check_current_password(user, current)
    security.check_password(new, user.email, user.name)
    user.set_password(new)
    db.session.execute(
        sa.update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=utcnow())
    )
    audit.security_event(user, "security.password_changed")
    db.session.commit()
    notify_owner(
        user.email,
        _("Your password on Behovsbørsen was changed"),
        _(
            "The password of your account on Behovsbørsen was just changed, and every other place you "
            "were signed in has been signed out.\n\n"
            "If it was not you, choose a new password at once:\n%(link)s\n",
            link=links.site_root() + links.site_path("auth.forgot_password"),
        ),
    )
    return user


# -- e-mail address ---------------------------------------------------------------------------


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _owner_of(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email))


def request_email_change(user: User, new_email: str, password: str) -> str:
    """Mail a confirmation link to the new address and a notice to the old one; returns the raw token
    (or "" when the address is taken). The answer is the same whether or not another account has the
    address: that account's owner is told by mail instead, so the form does not reveal who is signed up."""
    check_current_password(user, password)
    new_email = security.normalise_email(new_email)
    if "@" not in new_email or len(new_email) > 254:
        raise ValidationError(_("Write a valid e-mail address."), field="email")
    if new_email == user.email:
        raise ValidationError(_("That is already your e-mail address."), field="email")
    _check_email_change_limit(user)
    hours = int(current_app.config["EMAIL_CHANGE_HOURS"])
    owner = _owner_of(new_email)
    token = ""
    if owner is None:
        token = secrets.token_urlsafe(32)
        # A newer request replaces the older ones: only the last link works.
        db.session.execute(
            sa.update(EmailChange)
            .where(EmailChange.user_id == user.id, EmailChange.used_at.is_(None))
            .values(used_at=utcnow())
        )
        db.session.add(
            EmailChange(
                user=user,
                new_email=new_email,
                token_hash=_hash_token(token),
                expires_at=utcnow() + timedelta(hours=hours),
            )
        )
        db.session.flush()
        link = links.site_root() + links.site_path("account.confirm_email", token=token)
        try:
            send_mail(
                new_email,
                _("Confirm your new e-mail address on Behovsbørsen"),
                _(
                    "Someone asked to use this address for the account of %(name)s on Behovsbørsen.\n\n"
                    "Open this link to confirm it (valid for %(hours)d hours, and once):\n%(link)s\n\n"
                    "If it was not you, ignore this message: nothing changes.\n",
                    name=user.name,
                    hours=hours,
                    link=link,
                ),
            )
        except (smtplib.SMTPException, OSError) as exc:
            db.session.rollback()
            log.warning("e-mail change mail to %s failed: %s", new_email, exc)
            raise MailError(_("The e-mail could not be sent just now. Please try again in a while.")) from exc
    else:
        notify_owner(
            new_email,
            _("Someone tried to move an account to your address on Behovsbørsen"),
            _(
                "Someone asked to use this e-mail address for another account on Behovsbørsen. You already "
                "have an account with it, so nothing was changed.\n\n"
                "If you forgot your password, you can choose a new one here:\n%(link)s\n",
                link=links.site_root() + links.site_path("auth.forgot_password"),
            ),
        )
    audit.security_event(user, "security.email_change_requested")
    db.session.commit()
    notify_owner(
        user.email,
        _("A change of your e-mail address on Behovsbørsen was asked for"),
        _(
            "Someone signed in to your account on Behovsbørsen asked to change its e-mail address. The "
            "change happens only when the link sent to the new address is opened.\n\n"
            "If it was not you, change your password at once:\n%(link)s\n",
            link=links.site_root() + links.site_path("auth.forgot_password"),
        ),
    )
    return token


def _check_email_change_limit(user: User) -> None:
    asked = db.session.scalar(
        sa.select(sa.func.count(AuditEntry.id)).where(
            AuditEntry.target_type == "user",
            AuditEntry.target_id == user.id,
            AuditEntry.action == "security.email_change_requested",
            AuditEntry.created_at >= utcnow() - timedelta(hours=1),
        )
    )
    if asked >= int(current_app.config["EMAIL_CHANGE_PER_HOUR"]):
        raise ValidationError(
            _("You have asked for a new address too many times this hour. Please try again later."),
            field="email",
        )


def find_email_change(token: str) -> EmailChange:
    change = db.session.scalar(sa.select(EmailChange).where(EmailChange.token_hash == _hash_token(token)))
    if change is None or change.used_at is not None or change.expires_at < utcnow():
        raise NotFoundError(
            _("This link is not valid: it has expired or has been used already. Ask for a new one.")
        )
    return change


def confirm_email_change(token: str, signed_in: User | None) -> User:
    """Give the account that asked its new address. The link is the proof that its holder reads the new
    address, so it works without signing in; but never while another account is signed in, so it cannot
    be used from (or mistaken for) a different account."""
    change = find_email_change(token)
    user = change.user
    if signed_in is not None and signed_in.id != user.id:
        raise NotAllowedError(_("This link belongs to another account. Sign out and open it again."))
    if _owner_of(change.new_email) is not None:
        change.used_at = utcnow()
        db.session.commit()
        raise ConflictError(_("Another account has taken that e-mail address in the meantime."))
    old = user.email
    user.email = change.new_email
    now = utcnow()
    db.session.execute(
        sa.update(EmailChange)
        .where(EmailChange.user_id == user.id, EmailChange.used_at.is_(None))
        .values(used_at=now)
    )
    # A reset link mailed to the old address must not open the account any more.
    db.session.execute(
        sa.update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    audit.security_event(user, "security.email_changed")
    db.session.commit()
    notify_owner(
        old,
        _("Your e-mail address on Behovsbørsen was changed"),
        _(
            "The account on Behovsbørsen that used this address now uses another one. "
            "If it was not you, contact us at once by answering this message.\n"
        ),
    )
    return user


# -- deactivation ------------------------------------------------------------------------------


def other_active_admins(user: User) -> int:
    if user.organisation_id is None:
        return 0
    return db.session.scalar(
        sa.select(sa.func.count(User.id)).where(
            User.organisation_id == user.organisation_id,
            User.role == Role.ADMIN,
            User.id != user.id,
            User.deactivated_at.is_(None),
        )
    )


def other_members(user: User) -> int:
    if user.organisation_id is None:
        return 0
    return db.session.scalar(
        sa.select(sa.func.count(User.id)).where(
            User.organisation_id == user.organisation_id, User.id != user.id
        )
    )


def check_not_last_admin(user: User) -> None:
    """The last administrator of an organisation with other members hands over first: otherwise nobody
    could invite, change roles or edit the profile."""
    if user.is_org_admin and other_active_admins(user) == 0 and other_members(user) > 0:
        raise NotAllowedError(
            _(
                "You are the last administrator of %(org)s. Make a colleague administrator on the "
                "colleagues page first.",
                org=user.organisation.name,
            )
        )


def deactivate(user: User, password: str) -> User:
    """Close the account: it cannot sign in and its sessions end. A password reset reopens it."""
    check_current_password(user, password)
    check_not_last_admin(user)
    user.deactivated_at = utcnow()
    audit.security_event(user, "security.deactivated")
    db.session.commit()
    notify_owner(
        user.email,
        _("Your account on Behovsbørsen is closed"),
        _(
            "Your account on Behovsbørsen is closed, and you are signed out everywhere. What you wrote "
            "stays with your organisation.\n\n"
            "To open it again, choose a new password here:\n%(link)s\n",
            link=links.site_root() + links.site_path("auth.forgot_password"),
        ),
    )
    return user
