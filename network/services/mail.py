"""Outgoing e-mail: SMTP when MAIL_SERVER is set, otherwise a local outbox folder (and the log)."""

from __future__ import annotations

import logging
import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from flask import current_app

from network.text import one_line

log = logging.getLogger(__name__)


def send_mail(to: str, subject: str, text: str, headers: dict[str, str] | None = None) -> EmailMessage:
    config = current_app.config
    msg = EmailMessage()
    # Headers are one line each: a name or a title with a line break (stored before names were kept
    # to one line, or imported) must neither fail the mail nor add a header of its own.
    msg["From"] = one_line(config["MAIL_SENDER"])
    msg["To"] = one_line(to)
    msg["Subject"] = one_line(subject)
    msg["Date"] = datetime.now(UTC)
    msg["Message-ID"] = make_msgid(domain="behovsborsen.no")
    for name, value in (headers or {}).items():
        msg[name] = one_line(value)
    msg.set_content(text)
    if config.get("MAIL_SERVER"):
        _send_smtp(msg, config)
        log.info("mail sent to %s via %s: %s", to, config["MAIL_SERVER"], subject)
    else:
        path = _write_outbox(msg, Path(config["MAIL_OUTBOX_DIR"]))
        log.info("mail to %s written to outbox %s: %s", to, path, subject)
    return msg


def _send_smtp(msg: EmailMessage, config) -> None:
    smtp_class = smtplib.SMTP_SSL if config.get("MAIL_USE_SSL") else smtplib.SMTP
    with smtp_class(config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25), timeout=30) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(msg)


def _write_outbox(msg: EmailMessage, outbox: Path) -> Path:
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    path = outbox / f"{stamp}.eml"
    path.write_bytes(msg.as_bytes())
    return path


def outbox_messages(outbox: Path) -> list[EmailMessage]:
    """The outbox's mails, oldest first (for tests and the console)."""
    from email import policy
    from email.parser import BytesParser

    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(p.read_bytes()) for p in sorted(outbox.glob("*.eml"))]
