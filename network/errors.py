"""Domain errors raised by services and turned into HTTP answers by the views."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every rule a service can refuse; the message is user-facing and translated."""

    status = 400


class NotAllowedError(DomainError):
    status = 403


class NotFoundError(DomainError):
    status = 404


class ConflictError(DomainError):
    """The request clashes with existing data (an e-mail already registered, a second response)."""

    status = 409


class MailError(DomainError):
    """An e-mail the action depends on could not be sent; nothing was saved."""

    status = 503


class ValidationError(DomainError):
    """Input that passed the form's shape checks but breaks a rule (an unknown kommune, say)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class ImportFileError(DomainError):
    """A bulk import file with invalid lines; carries every (line number, reason)."""

    def __init__(self, errors: list[tuple[int, str]]):
        super().__init__(f"{len(errors)} invalid line(s)")
        self.errors = errors
