"""Early market dialogue: questions and answers, dialogue meetings and their minutes, one-to-one
slots, and one message to respondents."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext, to_utc
from flask_login import current_user, login_required

from network import links
from network.dialogue_forms import MinutesForm, SlotForm
from network.errors import ConflictError, NotAllowedError, ValidationError
from network.forms import AnswerForm, ConfirmForm, MeetingForm, QuestionForm, RespondentsMessageForm
from network.models import Need, Question, User, utcnow
from network.services import dialogue as dialogue_service
from network.services import needs as needs_service
from network.views.forms_util import field_error, form_status, require_valid
from network.views.panels import need_panel

bp = Blueprint("dialogue", __name__)

# The need page holds several forms: prefixes keep their fields' names and ids apart.
QUESTION_PREFIX = "question"
MEETING_PREFIX = "meeting"
SLOT_PREFIX = "slot"


def _answer_prefix(question: Question) -> str:
    return f"answer-{question.id}"


def question_form() -> QuestionForm:
    return QuestionForm(prefix=QUESTION_PREFIX)


def meeting_form() -> MeetingForm:
    return MeetingForm(prefix=MEETING_PREFIX)


def slot_form() -> SlotForm:
    return SlotForm(prefix=SLOT_PREFIX)


def answer_form(question: Question) -> AnswerForm:
    form = AnswerForm(prefix=_answer_prefix(question))
    if request.method == "GET":
        form.text.data = question.text
        form.answer.data = question.answer
    return form


@dataclass
class DialoguePanel:
    """What the need page shows of the dialogue, for one reader."""

    is_body: bool
    takes_questions: bool
    # Why nothing new is taken: "stage", "deadline" or None while the dialogue is open.
    closure: str | None = None
    public_questions: list = field(default_factory=list)
    # The reader's own unanswered questions, or (for the body) all of them with answer forms.
    unanswered: list = field(default_factory=list)
    answer_forms: dict = field(default_factory=dict)
    question_form: QuestionForm | None = None
    # Why a logged-in reader may not ask ("" when they may, or nobody needs telling).
    ask_refusal: str = ""
    meetings: list = field(default_factory=list)
    meeting_form: MeetingForm | None = None
    can_sign_up: bool = False
    slots: object = None  # services.dialogue.SlotLists
    slot_form: SlotForm | None = None

    @property
    def is_open(self) -> bool:
        return self.closure is None


@need_panel(order=10)
def need_context(need: Need, user) -> dict:
    """What the need page shows of this part of the site, for this user: a few queries in all."""
    if not need.is_published:
        return {"dialogue": None}
    is_body = dialogue_service.is_need_body(user, need)
    questions = dialogue_service.questions_for(user, need)
    panel = DialoguePanel(
        is_body=is_body,
        takes_questions=dialogue_service.takes_questions(need),
        closure=dialogue_service.closure(need),
        public_questions=questions.public,
        unanswered=questions.unanswered,
        meetings=dialogue_service.meetings_for(user, need),
        can_sign_up=dialogue_service.is_supplier_user(user),
        slots=dialogue_service.slots_for(user, need),
    )
    if is_body:
        panel.answer_forms = {q.id: answer_form(q) for q in questions.unanswered}
        if dialogue_service.can_schedule(user, need):
            panel.meeting_form = meeting_form()
            panel.slot_form = slot_form()
    elif dialogue_service.can_ask(user, need):
        panel.question_form = question_form()
    elif user is not None and user.is_authenticated and panel.is_open:
        if user.organisation is None:
            panel.ask_refusal = _("Only users of an organisation can ask questions.")
        elif not dialogue_service.may_ask_as(user.organisation):
            panel.ask_refusal = _(
                "Your organisation can ask questions once an administrator has verified it."
            )
    return {"dialogue": panel}


def _visible_need(need_id: int) -> Need:
    return needs_service.get_visible(current_user, need_id)


def _visible_meeting(meeting_id: int):
    meeting = dialogue_service.get_meeting(meeting_id)
    _visible_need(meeting.need_id)
    return meeting


# -- questions --------------------------------------------------------------------------------


@bp.route("/needs/<int:need_id>/questions", methods=["GET", "POST"])
@login_required
def ask(need_id: int):
    need = _visible_need(need_id)
    dialogue_service.require_may_ask(current_user, need)
    form = question_form()
    if form.validate_on_submit():
        try:
            dialogue_service.ask_question(current_user, need, dialogue_service.QuestionDraft(form.text.data))
        except ValidationError as exc:
            field_error(form, exc)
        else:
            flash(
                _("Your question is sent. When the public body answers it, everyone can read the answer."),
                "success",
            )
            return redirect(links.need_path(need.id, "questions"))
    return render_template("dialogue/ask.html", need=need, form=form), form_status()


@bp.route("/questions/<int:question_id>/answer", methods=["GET", "POST"])
@login_required
def answer(question_id: int):
    question = dialogue_service.get_question(question_id)
    need = _visible_need(question.need_id)
    if not dialogue_service.is_need_body(current_user, need):
        abort(403)
    form = answer_form(question)
    reword_only = request.form.get("action") == "reword"
    first = not question.is_answered
    if form.validate_on_submit():
        try:
            if reword_only:
                dialogue_service.reword_question(current_user, question.id, form.text.data)
            else:
                dialogue_service.answer_question(
                    current_user,
                    question.id,
                    dialogue_service.AnswerDraft(answer=form.answer.data or "", text=form.text.data),
                )
        except ValidationError as exc:
            field_error(form, exc)
        else:
            if reword_only:
                flash(_("The new wording is saved. The question is not answered yet."), "success")
            elif first:
                flash(_("The answer is published on the need's page for everyone."), "success")
            else:
                flash(_("The answer is updated."), "success")
            return redirect(links.need_path(need.id, f"question-{question.id}"))
    return render_template("dialogue/answer.html", need=need, question=question, form=form), form_status()


# -- dialogue meetings ------------------------------------------------------------------------


def _local_to_utc(value):
    # The form's times are the reader's (Norwegian) wall clock; everything stored is naive UTC.
    return to_utc(value) if value is not None else None


def _schedulable_need(need_id: int):
    """The need whose body may schedule meetings or offer slots now; back to its page, saying why, when
    its dialogue has closed."""
    need = _visible_need(need_id)
    if not dialogue_service.is_need_body(current_user, need):
        abort(403)
    if not dialogue_service.can_schedule(current_user, need):
        flash(dialogue_service.closed_message(need), "error")
        abort(redirect(links.need_path(need.id, "dialogue")))
    return need


@bp.route("/needs/<int:need_id>/meetings", methods=["GET", "POST"])
@login_required
def schedule(need_id: int):
    need = _schedulable_need(need_id)
    form = meeting_form()
    if form.validate_on_submit():
        draft = dialogue_service.MeetingDraft(
            title=form.title.data or "",
            starts_at=_local_to_utc(form.starts_at.data),
            ends_at=_local_to_utc(form.ends_at.data),
            capacity=form.capacity.data,
            signup_deadline=_local_to_utc(form.signup_deadline.data),
            place=form.place.data or "",
            video_link=form.video_link.data or None,
            description=form.description.data or "",
        )
        try:
            meeting = dialogue_service.schedule_meeting(current_user, need, draft)
        except ValidationError as exc:
            field_error(form, exc)
        else:
            flash(_("The meeting is scheduled. Suppliers can now sign up on the need's page."), "success")
            return redirect(links.need_path(need.id, f"meeting-{meeting.id}"))
    return render_template("dialogue/meeting_form.html", need=need, form=form), form_status()


@bp.get("/meetings/<int:meeting_id>")
@login_required
def meeting(meeting_id: int):
    meeting = _visible_meeting(meeting_id)
    signups = dialogue_service.signups_for_body(current_user, meeting)
    return render_template("dialogue/meeting.html", meeting=meeting, need=meeting.need, signups=signups)


def _change_seat(meeting_id: int, change: Callable[[User, int], object], done: str):
    """Sign the user's organisation up for a meeting, or cancel its seat, from the need page's button."""
    meeting = _visible_meeting(meeting_id)
    require_valid(ConfirmForm())
    try:
        change(current_user, meeting.id)
    except ConflictError as exc:
        flash(str(exc), "error")
    else:
        flash(done, "success")
    return redirect(links.need_path(meeting.need_id, f"meeting-{meeting.id}"))


@bp.post("/meetings/<int:meeting_id>/signup")
@login_required
def signup(meeting_id: int):
    return _change_seat(
        meeting_id,
        dialogue_service.sign_up,
        _(
            "Your organisation is signed up. "
            "Add the meeting to your calendar with the link next to the meeting."
        ),
    )


@bp.post("/meetings/<int:meeting_id>/cancel")
@login_required
def cancel_signup(meeting_id: int):
    return _change_seat(
        meeting_id, dialogue_service.cancel_signup, _("Your organisation's seat is cancelled.")
    )


@bp.get("/meetings/<int:meeting_id>/calendar.ics")
@login_required
def calendar(meeting_id: int):
    meeting = _visible_meeting(meeting_id)
    return _calendar_response(
        dialogue_service.calendar_file(current_user, meeting.id), f"meeting-{meeting.id}"
    )


def _calendar_response(body: str, name: str) -> Response:
    return Response(
        body.encode("utf-8"),
        mimetype="text/calendar",
        headers={
            "Content-Type": "text/calendar; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{name}.ics"',
        },
    )


@bp.route("/meetings/<int:meeting_id>/minutes", methods=["GET", "POST"])
@login_required
def meeting_minutes(meeting_id: int):
    meeting = _visible_meeting(meeting_id)
    return _minutes_page(
        meeting,
        dialogue_service.publish_meeting_minutes,
        _("Minutes of “%(title)s”", title=meeting.title),
        ready=meeting.starts_at <= utcnow(),
        action=url_for("dialogue.meeting_minutes", meeting_id=meeting.id),
        anchor=f"meeting-{meeting.id}",
    )


def _minutes_page(record, publish: Callable, heading: str, ready: bool, action: str, anchor: str):
    """The minutes form of a held meeting or one-to-one slot, for the need's body."""
    need = record.need
    if not dialogue_service.is_need_body(current_user, need):
        abort(403)
    form = MinutesForm()
    if request.method == "GET":
        form.minutes.data = record.minutes
    back = links.need_path(need.id, anchor)
    if form.validate_on_submit():
        try:
            publish(current_user, record, form.minutes.data)
        except ValidationError as exc:
            field_error(form, exc)
        else:
            flash(_("The minutes are published on the need's page."), "success")
            return redirect(back)
    page = render_template(
        "dialogue/minutes.html",
        need=need,
        form=form,
        heading=heading,
        start=record.starts_at,
        ready=ready,
        action=action,
        back=back,
    )
    return page, form_status()


# -- one-to-one slots -------------------------------------------------------------------------


def _visible_slot(slot_id: int):
    slot = dialogue_service.get_slot(slot_id)
    _visible_need(slot.need_id)
    return slot


@bp.route("/needs/<int:need_id>/slots", methods=["GET", "POST"])
@login_required
def offer_slots(need_id: int):
    need = _schedulable_need(need_id)
    form = slot_form()
    if form.validate_on_submit():
        draft = dialogue_service.SlotDraft(
            starts_at=_local_to_utc(form.starts_at.data),
            length_minutes=form.length_minutes.data,
            count=form.count.data,
            place=form.place.data or "",
            video_link=form.video_link.data or None,
            agenda=form.agenda.data or "",
        )
        try:
            slots = dialogue_service.offer_slots(current_user, need, draft)
        except ValidationError as exc:
            field_error(form, exc)
        else:
            flash(
                ngettext(
                    "%(num)d one-to-one slot is offered. Suppliers can book it on the need's page.",
                    "%(num)d one-to-one slots are offered. Suppliers can book them on the need's page.",
                    len(slots),
                ),
                "success",
            )
            return redirect(links.need_path(need.id, "slots"))
    return render_template("dialogue/slot_form.html", need=need, form=form), form_status()


@bp.post("/slots/<int:slot_id>/book")
@login_required
def book_slot(slot_id: int):
    slot = _visible_slot(slot_id)
    require_valid(ConfirmForm())
    moving = dialogue_service.slots_for(current_user, slot.need).own is not None
    try:
        dialogue_service.book_slot(current_user, slot.id)
    except ConflictError as exc:
        flash(str(exc), "error")
    else:
        if moving:
            flash(_("Your organisation's booking is moved to this slot."), "success")
        else:
            flash(_("The slot is booked for your organisation."), "success")
    return redirect(links.need_path(slot.need_id, f"slot-{slot.id}"))


@bp.route("/slots/<int:slot_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_slot_booking(slot_id: int):
    slot = _visible_slot(slot_id)
    need = slot.need
    is_body = dialogue_service.is_need_body(current_user, need)
    if not is_body and (slot.organisation_id is None or slot.organisation_id != current_user.organisation_id):
        abort(403)
    back = links.need_path(need.id, f"slot-{slot.id}")
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            dialogue_service.cancel_booking(current_user, slot.id)
        except ConflictError as exc:
            flash(str(exc), "error")
        else:
            flash(_("The booking is cancelled; the slot is free again."), "success")
        return redirect(back)
    if is_body:
        message = _(
            "The slot becomes free for other suppliers, and %(org)s is told that its booking is cancelled.",
            org=slot.organisation.name if slot.organisation else _("the supplier"),
        )
    else:
        message = _("The slot becomes free for other suppliers. You may book another free slot afterwards.")
    return render_template(
        "confirm.html",
        form=form,
        title=_("Cancel the booking of the one-to-one slot?"),
        message=message,
        action=url_for("dialogue.cancel_slot_booking", slot_id=slot.id),
        button=_("Cancel the booking"),
        cancel=back,
    )


@bp.get("/slots/<int:slot_id>/calendar.ics")
@login_required
def slot_calendar(slot_id: int):
    slot = _visible_slot(slot_id)
    return _calendar_response(dialogue_service.slot_calendar_file(current_user, slot.id), f"slot-{slot.id}")


@bp.route("/slots/<int:slot_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw_slot(slot_id: int):
    slot = _visible_slot(slot_id)
    need = slot.need
    if not dialogue_service.is_need_body(current_user, need):
        abort(403)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            dialogue_service.withdraw_slot(current_user, slot.id)
        except ConflictError as exc:
            flash(str(exc), "error")
            return redirect(links.need_path(need.id, f"slot-{slot.id}"))
        flash(_("The slot is withdrawn."), "success")
        return redirect(links.need_path(need.id, "slots"))
    return render_template(
        "confirm.html",
        form=form,
        title=_("Withdraw the one-to-one slot?"),
        message=_("Suppliers can no longer book it. You can offer new slots while the dialogue is open."),
        action=url_for("dialogue.withdraw_slot", slot_id=slot.id),
        button=_("Withdraw the slot"),
        cancel=links.need_path(need.id, f"slot-{slot.id}"),
    )


@bp.route("/slots/<int:slot_id>/minutes", methods=["GET", "POST"])
@login_required
def slot_minutes(slot_id: int):
    slot = _visible_slot(slot_id)
    return _minutes_page(
        slot,
        dialogue_service.publish_slot_minutes,
        _("Minutes of a one-to-one meeting"),
        ready=slot.is_booked and slot.starts_at <= utcnow(),
        action=url_for("dialogue.slot_minutes", slot_id=slot.id),
        anchor=f"slot-{slot.id}",
    )


# -- one message to every respondent ----------------------------------------------------------


@bp.route("/needs/<int:need_id>/message", methods=["GET", "POST"])
@login_required
def message(need_id: int):
    need = _visible_need(need_id)
    if not dialogue_service.is_need_body(current_user, need):
        abort(403)
    if not need.is_published:
        raise NotAllowedError(_("A draft has no respondents."))
    recipients = len(dialogue_service.respondent_organisation_ids(current_user, need))
    form = RespondentsMessageForm()
    if recipients and form.validate_on_submit():
        draft = dialogue_service.MessageDraft(subject=form.subject.data, text=form.text.data)
        try:
            sent = dialogue_service.message_respondents(current_user, need, draft)
        except ValidationError as exc:
            field_error(form, exc)
        else:
            flash(
                ngettext(
                    "Your message was sent to %(num)d organisation.",
                    "Your message was sent to %(num)d organisations.",
                    sent,
                ),
                "success",
            )
            return redirect(links.need_path(need.id, "dialogue"))
    status = form_status() if recipients else 200
    return render_template("dialogue/message.html", need=need, form=form, recipients=recipients), status
