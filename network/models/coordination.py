"""Coordination groups: public bodies with the same need preparing a joint procurement."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from network.extensions import db
from network.links import absolute_url
from network.models.core import Hideable, Need, Organisation, User, enum_column, utcnow


class GroupStage(enum.StrEnum):
    EXPLORING = "exploring"
    AGREED = "agreed"
    TENDERING = "tendering"
    DONE = "done"


GROUP_STAGES = tuple(GroupStage)


class MembershipStatus(enum.StrEnum):
    # The lead invited the body; it has not answered yet.
    INVITED = "invited"
    # The body asked to join; the lead has not answered yet.
    REQUESTED = "requested"
    MEMBER = "member"
    DECLINED = "declined"


class CoordinationGroup(db.Model):
    """Its existence, members, needs and stage are public; its discussion is for members only."""

    __tablename__ = "coordination_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    lead_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    stage: Mapped[GroupStage] = mapped_column(enum_column(GroupStage), default=GroupStage.EXPLORING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    lead: Mapped[Organisation] = relationship()
    memberships: Mapped[list[GroupMember]] = relationship(
        back_populates="group", cascade="all, delete-orphan"
    )
    group_needs: Mapped[list[GroupNeed]] = relationship(back_populates="group", cascade="all, delete-orphan")
    posts: Mapped[list[GroupPost]] = relationship(back_populates="group", cascade="all, delete-orphan")

    @property
    def members(self) -> list[Organisation]:
        return [m.organisation for m in self.memberships if m.status == MembershipStatus.MEMBER]

    @property
    def needs(self) -> list[Need]:
        return [gn.need for gn in self.group_needs]

    def membership_of(self, organisation_id: int | None) -> GroupMember | None:
        return next((m for m in self.memberships if m.organisation_id == organisation_id), None)

    def is_member(self, organisation_id: int | None) -> bool:
        membership = self.membership_of(organisation_id)
        return membership is not None and membership.status == MembershipStatus.MEMBER

    @property
    def url(self) -> str:
        return absolute_url("coordination.detail", group_id=self.id)


class GroupMember(db.Model):
    __tablename__ = "group_members"
    __table_args__ = (sa.UniqueConstraint("group_id", "organisation_id", name="uq_group_members_org"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("coordination_groups.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    status: Mapped[MembershipStatus] = mapped_column(enum_column(MembershipStatus))
    # The need the invitation or request is about (it joins the group when the body becomes a member).
    need_id: Mapped[int | None] = mapped_column(sa.ForeignKey("needs.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]

    group: Mapped[CoordinationGroup] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship()
    need: Mapped[Need | None] = relationship()
    created_by: Mapped[User | None] = relationship()


class GroupNeed(db.Model):
    """A need a member brings to the group; a need belongs to at most one group."""

    __tablename__ = "group_needs"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("coordination_groups.id"), index=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id"), unique=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    group: Mapped[CoordinationGroup] = relationship(back_populates="group_needs")
    need: Mapped[Need] = relationship()


class GroupPost(Hideable, db.Model):
    """A message in the group's members-only discussion."""

    __tablename__ = "group_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("coordination_groups.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"))
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    group: Mapped[CoordinationGroup] = relationship(back_populates="posts")
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    organisation: Mapped[Organisation | None] = relationship()
