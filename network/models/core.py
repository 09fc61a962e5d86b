"""Organisations, users, needs, capabilities, responses and the index bookkeeping. Models never commit."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask import current_app
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from network.extensions import db
from network.links import absolute_url


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class OrgKind(enum.StrEnum):
    PUBLIC_BODY = "public_body"
    SUPPLIER = "supplier"


class Sector(enum.StrEnum):
    MUNICIPALITY = "municipality"
    COUNTY = "county"
    STATE = "state"
    HEALTH_TRUST = "health_trust"
    OTHER = "other"


class Role(enum.StrEnum):
    ADMIN = "admin"
    MEMBER = "member"


class Domain(enum.StrEnum):
    HEALTH = "health"
    CLIMATE = "climate"
    DIGITAL = "digital"
    OTHER = "other"


PRIORITY_DOMAINS = (Domain.HEALTH, Domain.CLIMATE, Domain.DIGITAL)


class Route(enum.StrEnum):
    MARKET_DIALOGUE = "market_dialogue"
    INNOVATION_PARTNERSHIP = "innovation_partnership"
    PRE_COMMERCIAL = "pre_commercial"
    COMPETITIVE_DIALOGUE = "competitive_dialogue"
    UNDECIDED = "undecided"


class Stage(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    DIALOGUE_CLOSED = "dialogue_closed"
    TENDERED = "tendered"
    AWARDED = "awarded"
    CANCELLED = "cancelled"


# Where a need may go from each stage. Publishing (draft → open) has its own rule: a verified body.
# A draft is deleted rather than cancelled: a cancelled need is public, a draft never was.
STAGE_MOVES: dict[Stage, tuple[Stage, ...]] = {
    Stage.DRAFT: (Stage.OPEN,),
    Stage.OPEN: (Stage.DIALOGUE_CLOSED, Stage.TENDERED, Stage.CANCELLED),
    Stage.DIALOGUE_CLOSED: (Stage.OPEN, Stage.TENDERED, Stage.CANCELLED),
    Stage.TENDERED: (Stage.AWARDED, Stage.CANCELLED),
    Stage.AWARDED: (),
    Stage.CANCELLED: (),
}


class Maturity(enum.StrEnum):
    IDEA = "idea"
    PROTOTYPE = "prototype"
    PILOT = "pilot"
    IN_USE = "in_use"


class ResponseStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    SHORTLISTED = "shortlisted"
    INVITED = "invited"
    DECLINED = "declined"


def enum_column(cls: type[enum.StrEnum], length: int = 32) -> sa.Enum:
    # Stored as plain strings (no native ENUM type), so adding a value needs no type migration.
    return sa.Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class Hideable:
    """A record a site administrator can hide (services/moderation): gone from public pages, lists,
    search and matches, still shown to its own organisation and to site administrators, marked."""

    hidden_at: Mapped[datetime | None]
    hidden_reason: Mapped[str | None] = mapped_column(sa.String(500))
    hidden_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def is_removed(self) -> bool:
        """Hidden by a moderator (the record itself, not its organisation)."""
        return self.hidden_at is not None


class PublicRecord(Hideable):
    """A need or a capability: hidden by a moderator, or with its whole organisation while suspended."""

    @property
    def is_hidden(self) -> bool:
        """Hidden from the public: by a moderator, or while its organisation is suspended."""
        return self.hidden_at is not None or self.organisation.suspended_at is not None

    @property
    def hidden_because(self) -> str:
        """The moderator's reason (or the suspension's), for the organisation and site administrators."""
        if self.hidden_at is not None:
            return self.hidden_reason or ""
        return self.organisation.suspended_reason or ""


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    kind: Mapped[OrgKind] = mapped_column(enum_column(OrgKind))
    name: Mapped[str] = mapped_column(sa.String(200))
    # One number, one organisation (the registration, the profile form and the import check it first;
    # the constraint holds when two requests race). Bodies without a number are the demo's examples,
    # foreign organisations and bodies registered before the number was required.
    org_number: Mapped[str | None] = mapped_column(sa.String(9), unique=True)
    country: Mapped[str] = mapped_column(sa.String(2), default="NO")
    foreign_id: Mapped[str | None] = mapped_column(sa.String(64))
    sector: Mapped[Sector | None] = mapped_column(enum_column(Sector))
    kommune: Mapped[str | None] = mapped_column(sa.String(4))
    fylke: Mapped[str | None] = mapped_column(sa.String(2))
    website: Mapped[str | None] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    is_sme: Mapped[bool] = mapped_column(default=False)
    is_startup: Mapped[bool] = mapped_column(default=False)
    verified: Mapped[bool] = mapped_column(default=False)
    verified_at: Mapped[datetime | None]
    is_example: Mapped[bool] = mapped_column(default=False)
    # A site administrator suspended it: its users cannot sign in, its needs and capabilities are hidden.
    suspended_at: Mapped[datetime | None]
    suspended_reason: Mapped[str | None] = mapped_column(sa.String(500))
    # A site administrator refused to verify it (a body that is not what it says): it cannot publish and
    # leaves the list of bodies waiting; verifying it later clears both.
    rejected_at: Mapped[datetime | None]
    rejected_reason: Mapped[str | None] = mapped_column(sa.String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="organisation")
    needs: Mapped[list[Need]] = relationship(back_populates="organisation")
    capabilities: Mapped[list[Capability]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None

    @property
    def is_rejected(self) -> bool:
        return self.rejected_at is not None

    @property
    def is_public_body(self) -> bool:
        return self.kind == OrgKind.PUBLIC_BODY

    @property
    def is_supplier(self) -> bool:
        return self.kind == OrgKind.SUPPLIER

    @property
    def url(self) -> str:
        return absolute_url("organisations.detail", org_id=self.id)

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r}>"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased by the services, so the unique constraint is case-insensitive.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.MEMBER)
    is_site_admin: Mapped[bool] = mapped_column(default=False)
    # The language the user last chose; notices and their e-mails are written in it.
    locale: Mapped[str] = mapped_column(sa.String(5), default="nb", server_default="nb")
    # Part of every device cookie's signature (services/devices.py): a new value forgets every browser
    # the account had signed in from, as a password reset does.
    device_nonce: Mapped[str] = mapped_column(sa.String(32), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the user accepted the terms of use, and which version (TERMS_VERSION); None before.
    terms_accepted_at: Mapped[datetime | None]
    terms_version: Mapped[str | None] = mapped_column(sa.String(20))
    # Set when the owner closed the account: it cannot sign in, and no session of it is accepted, until
    # a password reset reopens it.
    deactivated_at: Mapped[datetime | None]

    # Joined: every request asks whether the user is active, which reads the organisation.
    organisation: Mapped[Organisation | None] = relationship(back_populates="users", lazy="joined")

    @property
    def is_active(self) -> bool:
        # Flask-Login's flag: login_user refuses an inactive user and its sessions end. A closed account
        # is inactive, and so is every user of a suspended organisation.
        if self.deactivated_at is not None:
            return False
        return not (self.organisation is not None and self.organisation.suspended_at is not None)

    def set_password(self, password: str) -> None:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_org_admin(self) -> bool:
        return self.organisation_id is not None and self.role == Role.ADMIN

    def belongs_to(self, organisation_id: int | None) -> bool:
        return organisation_id is not None and self.organisation_id == organisation_id


class Invitation(db.Model):
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    # Only a hash of the token is kept: a leaked database does not leak working links.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship()
    invited_by: Mapped[User | None] = relationship()


class Need(PublicRecord, db.Model):
    __tablename__ = "needs"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(sa.String(300))
    # The problem statement: the need described as a problem, not as a solution.
    description: Mapped[str] = mapped_column(sa.Text, default="")
    affected: Mapped[str] = mapped_column(sa.Text, default="")
    outcome: Mapped[str] = mapped_column(sa.Text, default="")
    domain: Mapped[Domain] = mapped_column(enum_column(Domain), default=Domain.OTHER)
    cpv: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    kommuner: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    fylker: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    route: Mapped[Route] = mapped_column(enum_column(Route), default=Route.UNDECIDED)
    stage: Mapped[Stage] = mapped_column(enum_column(Stage), default=Stage.DRAFT, index=True)
    budget_min: Mapped[int | None] = mapped_column(sa.BigInteger)
    budget_max: Mapped[int | None] = mapped_column(sa.BigInteger)
    deadline: Mapped[date | None]
    doffin_ref: Mapped[str | None] = mapped_column(sa.String(40))
    language: Mapped[str | None] = mapped_column(sa.String(2))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(index=True)

    organisation: Mapped[Organisation] = relationship(back_populates="needs")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    responses: Mapped[list[Response]] = relationship(back_populates="need", cascade="all, delete-orphan")

    @property
    def is_published(self) -> bool:
        return self.stage != Stage.DRAFT

    @property
    def is_open(self) -> bool:
        return self.stage == Stage.OPEN

    @property
    def url(self) -> str:
        return absolute_url("needs.detail", need_id=self.id)

    def __repr__(self) -> str:
        return f"<Need {self.id} {self.stage} {self.title!r}>"


class Capability(PublicRecord, db.Model):
    __tablename__ = "capabilities"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    domains: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    cpv: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    fylker: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    nationwide: Mapped[bool] = mapped_column(default=False)
    maturity: Mapped[Maturity] = mapped_column(enum_column(Maturity), default=Maturity.IN_USE)
    references: Mapped[str] = mapped_column(sa.Text, default="")
    language: Mapped[str | None] = mapped_column(sa.String(2))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="capabilities")

    @property
    def url(self) -> str:
        return absolute_url("capabilities.detail", capability_id=self.id)


class Response(db.Model):
    """A supplier's expression of interest in a need; seen only by that supplier and the need's body."""

    __tablename__ = "responses"
    __table_args__ = (sa.UniqueConstraint("need_id", "organisation_id", name="uq_responses_need_org"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    message: Mapped[str] = mapped_column(sa.Text)
    link: Mapped[str | None] = mapped_column(sa.String(500))
    status: Mapped[ResponseStatus] = mapped_column(
        enum_column(ResponseStatus), default=ResponseStatus.SUBMITTED
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    need: Mapped[Need] = relationship(back_populates="responses")
    organisation: Mapped[Organisation] = relationship()
    user: Mapped[User | None] = relationship()


class IndexEvent(db.Model):
    """A change to an indexed record, written in the same transaction as the change itself."""

    __tablename__ = "index_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    record_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IndexState(db.Model):
    """How far the indexer got: the id of the last index event applied to the index."""

    __tablename__ = "index_state"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    last_event_id: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
