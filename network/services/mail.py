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
        value = one_line(value)
        msg[name] = AsciiHeader(name, value) if value.isascii() else value
    msg.set_content(text)
    if config.get("MAIL_SERVER"):
        _send_smtp(msg, config)
        log.info("mail sent to %s via %s: %s", to, config["MAIL_SERVER"], subject)
    else:
        path = _write_outbox(msg, Path(config["MAIL_OUTBOX_DIR"]))
        log.info("mail to %s written to outbox %s: %s", to, path, subject)
    return msg


# RFC 5322 2.1.1: no line of a message may pass 998 characters (without its CRLF).
LINE_LIMIT = 998


class AsciiHeader(str):
    """A header of plain ASCII written as it is: folded at its spaces where a line would pass the
    policy's length, never RFC 2047-encoded. The email package encodes a long word it cannot fold
    (a List-Unsubscribe URL of 120 characters becomes "=?utf-8?q?=3Chttp...?="), which RFC 2369 and
    RFC 8058 do not allow inside <URL>, and mail providers then ignore one-click unsubscribe. A word
    longer than a line stays whole on its own line (up to RFC 5322's 998 characters)."""

    name: str

    def __new__(cls, name: str, value: str) -> AsciiHeader:
        if not value.isascii() or "\r" in value or "\n" in value:
            raise ValueError(f"header {name} must be one line of ASCII")
        header = super().__new__(cls, value)
        header.name = name
        return header

    def fold(self, *, policy) -> str:
        """The email package's hook (EmailPolicy._fold): the header's lines, each ending in linesep."""
        width = policy.max_line_length or LINE_LIMIT
        lines = [f"{self.name}:"]
        for word in self.split():
            if len(lines[-1]) + 1 + len(word) > width and lines[-1].strip() != f"{self.name}:":
                lines.append(" " + word)
            else:
                lines[-1] += " " + word
        if any(len(line) > LINE_LIMIT for line in lines):
            raise ValueError(f"header {self.name} has a word longer than a mail line may be")
        return "".join(line + policy.linesep for line in lines)


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
