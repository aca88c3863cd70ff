"""The guest's pages, reached through the personal link: no account, no cookie.

The guest page is read as one read model (``guest_page``) and rendered once per version of
its event's guest pages, then served from a per-process cache (see ``page_cache`` and
``page_versions``): a GET costs one light query, a cold render four.
"""

from __future__ import annotations

import re
from datetime import datetime

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext as _l

from eventplanner.api.problems import is_api_request, problem_for_domain_error
from eventplanner.calendar.services import NoParts
from eventplanner.calendar.views import ics_response
from eventplanner.checkin.services import check_in_qr_svg, guest_needs_check_in_code
from eventplanner.error_pages import render_error_page, status_for
from eventplanner.errors import DomainError
from eventplanner.extensions import db, utcnow
from eventplanner.feedback import services as feedback_services
from eventplanner.feedback.services import FeedbackAnswer
from eventplanner.goals import services as goals
from eventplanner.goals.services import GoalCard
from eventplanner.invitations import answers, errors, links
from eventplanner.invitations.guest_calendar import guest_download, guest_part_download
from eventplanner.privacy import services as privacy_services
from eventplanner.privacy.views import data_download
from eventplanner.questions import services as questions
from eventplanner.rsvp.forms import (
    PART_FIELD_PREFIX,
    RATING_PREFIX,
    answer_form_for,
    feedback_form_for,
    goal_form_for,
    guest_button_form,
    language_choice_for,
    language_form_for,
)
from eventplanner.rsvp.guest_page import GuestPage, LinkVersion, guest_page, link_version
from eventplanner.security import private_link_pages

bp = Blueprint("rsvp", __name__, url_prefix="/r")
private_link_pages(bp)

PART_FIELD = re.compile(rf"^{PART_FIELD_PREFIX}(\d+)$")
#: A question's input: the question's id and the slot (0 the guest, k the k-th plus-one
#: name field).
QUESTION_FIELD = re.compile(r"^question-(\d{1,18})-(\d{1,3})$")


class FormFromElsewhere(DomainError):
    default_message = _l("The form had expired or was sent from elsewhere. Reload the page "
                         "and try again.")


@bp.app_errorhandler(errors.LinkNotValid)
def link_not_valid(error):
    """The one handler of a wrong, revoked or replaced personal link: a guest's page says
    how to get a new link, a door helper's says it in a helper's words (no guest wording)."""
    if is_api_request():  # an API call that reached a service which checks the link
        return problem_for_domain_error(error, 404)
    if request.blueprint == "door":
        return render_template("checkin/link_invalid.html"), 404
    if request.blueprint == "rsvp":
        return render_template("rsvp/link_invalid.html", message=error.message), 404
    return render_error_page(404, str(error.message))


def _load(token: str):
    return _for_guest(links.find_invitation_by_token(token), token)


def _for_guest(invitation, token: str):
    """The request's guest: their language, and their link for the page's forms."""
    g.guest_language = invitation.guest_language
    g.guest_invitation, g.guest_token = invitation, token
    return invitation


@bp.context_processor
def language_choice() -> dict:
    """Every guest page offers the guest's languages, remembered for their invitation."""
    invitation = g.get("guest_invitation")
    if invitation is None:
        return {}
    return {"language_choice": language_choice_for(
        invitation, current_app.config["LANGUAGES"],
        url_for("rsvp.choose_language", token=g.guest_token,
                back=request.endpoint.removeprefix("rsvp.")))}


@bp.route("/<token>/language", methods=["POST"])
def choose_language(token: str):
    """Remember the guest's language; back to the page they were on."""
    invitation = _load(token)
    form = language_form_for(invitation, current_app.config["LANGUAGES"])
    if not form.validate():
        error = FormFromElsewhere() if form.csrf_token.errors else errors.UnknownLanguage()
        return _render(_page(token, utcnow()), answer_form_for(invitation, formdata=None),
                       error), status_for(error)
    answers.choose_guest_language(invitation, form.language.data, utcnow())
    db.session.commit()
    back = {"feedback": "rsvp.feedback", "privacy": "rsvp.privacy"}.get(
        request.args.get("back", ""), "rsvp.guest_page")
    return redirect(url_for(back, token=token), code=303)


def _render(page: GuestPage, form=None, error: DomainError | None = None,
            saved: bool = False, goal_forms: dict | None = None,
            question_values: dict[str, str] | None = None) -> str:
    invitation = page.invitation
    goal_forms = goal_forms or {}
    for card in page.goal_cards:
        goal_forms.setdefault(card.activity.id, goal_form_for(invitation, card, formdata=None))
    return render_template(
        "rsvp/guest_page.html", page=page, invitation=invitation, event=page.event,
        token=page.token, form=form if page.open_for_answers else None, error=error,
        saved=saved, goal_forms=goal_forms,
        question_values=page.question_values if question_values is None else question_values)


def _page(token: str, now: datetime, link: LinkVersion | None = None) -> GuestPage:
    """The guest page's read model, with the guest's language for the request."""
    page = guest_page(token, now, link)
    _for_guest(page.invitation, token)
    return page


def _blank_form(page: GuestPage):
    return answer_form_for(page.invitation, formdata=None)


@bp.route("/<token>", methods=["GET"], endpoint="guest_page")
def show_guest_page(token: str):
    """Served from the page cache while its key holds; else read and rendered."""
    link = link_version(token)
    now = utcnow()
    if not link.opened:
        links.record_opened(link.invitation_id, now)
        db.session.commit()
    saved = request.args.get("saved") == "1"
    pages = current_app.extensions["guest_pages"]
    html = pages.get(link.page_key(saved), now)
    if html is None:
        page = _page(token, now, link)
        html = _render(page, _blank_form(page), saved=saved)
        pages.put(page.page_key(saved), html, page.valid_until)
    return html


@bp.route("/<token>", methods=["POST"])
def answer(token: str):
    invitation = _for_guest(answers.invitation_to_answer(token), token)
    form = answer_form_for(invitation)
    if not form.is_submitted() or not form.csrf_token.validate(form):
        return _render(_page(token, utcnow()), form, FormFromElsewhere()), 400
    foreign = {int(m.group(1)) for key in request.form if (m := PART_FIELD.match(key))}
    if foreign - set(form.part_ids):
        error = errors.UnknownPart()
        return _render(_page(token, utcnow()), form, error), status_for(error)
    typed = {key: value for key, value in request.form.items() if QUESTION_FIELD.match(key)}
    if not form.validate():
        return _render(_page(token, utcnow()), form, question_values=typed), 422
    try:
        now = utcnow()
        answers.respond_to_invitation(invitation, form.answer(), now)
        questions.save_guest_answers(invitation, _question_answers(form, typed), now)
    except DomainError as error:
        db.session.rollback()
        return _render(_page(token, utcnow()), form, error, question_values=typed), \
            status_for(error)
    db.session.commit()
    return redirect(url_for("rsvp.guest_page", token=token, saved=1), code=303)


def _question_answers(form, typed: dict[str, str]) -> dict[tuple[int, int], str]:
    """The answers typed per (question id, person): slot 0 is the guest, slot k the k-th
    plus-one name field, whose person is its place among the names given (a plus-one
    left unnamed is not asked, and what was typed for them is dropped)."""
    named = [index for index, entry in enumerate(form.plus_one_names.entries)
             if (entry.data or "").strip()]
    person_of_slot = {0: 0} | {index + 1: person for person, index in enumerate(named, 1)}
    found = {}
    for key, value in typed.items():
        question_id, slot = (int(part) for part in QUESTION_FIELD.match(key).groups())
        if slot > form.plus_ones_allowed:
            raise questions.UnknownQuestion()
        if slot in person_of_slot:
            found[(question_id, person_of_slot[slot])] = value
    return found


@bp.route("/<token>/goals/<int:activity_id>", methods=["POST"])
def set_goal(token: str, activity_id: int):
    """Save the guest's goal for a timed part they joined."""
    page = _page(token, utcnow())
    invitation = page.invitation
    activity = next((a for a in invitation.event.activities if a.id == activity_id), None)
    if activity is None:
        error = errors.UnknownPart()
        return _render(page, answer_form_for(invitation), error), 400
    cards = {card.activity.id: card for card in page.goal_cards}
    form = goal_form_for(invitation, cards.get(activity_id) or GoalCard(activity, None, None,
                                                                        None))
    if not form.csrf_token.validate(form):
        return _render(page, _blank_form(page), FormFromElsewhere()), 400
    if not form.validate():
        return _render(page, _blank_form(page), goal_forms={activity_id: form}), 422
    try:
        goals.set_goal(invitation, activity, form.target.data, form.previous_best.data,
                       form.aim.data)
    except DomainError as error:
        db.session.rollback()
        page = _page(token, utcnow())
        if activity_id not in cards:  # no goal form on the page: say it at the top
            return _render(page, _blank_form(page), error), status_for(error)
        form.form_errors.append(str(error.message))
        return _render(page, _blank_form(page), goal_forms={activity_id: form}), \
            status_for(error)
    db.session.commit()
    return redirect(url_for("rsvp.guest_page", token=token, _anchor=f"goal-{activity_id}"),
                    code=303)


@bp.route("/<token>/feedback", methods=["GET", "POST"])
def feedback(token: str):
    """After the event: a recommend score, a rating per part attended, comments."""
    invitation = _load(token)
    event = invitation.event
    parts = feedback_services.parts_attended(invitation)
    saved = feedback_services.feedback_of(invitation)
    form = feedback_form_for(invitation, saved, parts,
                             formdata=None if request.method == "GET" else request.form)
    now, error, status = utcnow(), None, 200
    if request.method == "POST" and not form.csrf_token.validate(form):
        error, status = FormFromElsewhere(), 400
    else:
        try:
            feedback_services.check_feedback_open(event, now)
        except DomainError as closed:
            error, status = closed, status_for(closed)
    if request.method == "POST" and error is None:
        foreign = {key for key in request.form if key.startswith(RATING_PREFIX)} - {
            f"{RATING_PREFIX}{activity.id}" for activity in parts}
        if foreign:
            error = feedback_services.BadFeedback(_l("You can only rate the parts you came to."))
            status = status_for(error)
        elif not form.validate():
            status = 422
        else:
            try:
                feedback_services.submit_feedback(invitation, _feedback_answer(form), now)
            except DomainError as refused:
                db.session.rollback()
                return render_template("rsvp/feedback.html", invitation=_load(token),
                                       event=event, form=form, error=refused,
                                       saved=None), status_for(refused)
            db.session.commit()
            return redirect(url_for("rsvp.feedback", token=token, thanks=1), code=303)
    return render_template("rsvp/feedback.html", invitation=invitation, event=event,
                           form=form, error=error, saved=saved, token=token,
                           thanks=request.args.get("thanks") == "1"), status


def _feedback_answer(form) -> FeedbackAnswer:
    return FeedbackAnswer(
        score=int(form.score.data),
        ratings={part_id: int(field.data) for part_id, field in zip(
            form.part_ids, form.rating_fields(), strict=True) if field.data},
        did_well=form.did_well.data or "", do_better=form.do_better.data or "",
        invite_again={"yes": True, "no": False}.get(form.invite_again.data),
        custom_answer=form.custom_answer.data or "",
        custom_rating=int(form.custom_rating.data)
        if (form.custom_rating.data or "").isdigit() else None)


@bp.route("/<token>/privacy", methods=["GET", "POST"])
def privacy(token: str):
    """What we hold about the guest, and their request to be forgotten."""
    invitation = _load(token)
    form = guest_button_form(invitation)
    if request.method == "POST":
        if not form.validate():
            return render_template("rsvp/privacy.html", invitation=invitation, form=form,
                                   data=privacy_services.contact_data(invitation.contact),
                                   error=FormFromElsewhere()), 400
        privacy_services.request_erasure(invitation, utcnow())
        db.session.commit()
        return redirect(url_for("rsvp.privacy", token=token), code=303)
    return render_template("rsvp/privacy.html", invitation=invitation, form=form,
                           data=privacy_services.contact_data(invitation.contact), error=None)


@bp.route("/<token>/check-in.svg")
def check_in_image(token: str):
    """The guest's check-in code as a QR code: an image of its own, so a render of the
    guest page draws no QR. Only while the page shows the code; the guest's browser may
    keep it (the code changes with the link, and so does this address)."""
    invitation = _load(token)
    if not guest_needs_check_in_code(invitation, utcnow()):
        abort(404)
    response = Response(check_in_qr_svg(invitation), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


@bp.route("/<token>/privacy.json")
def privacy_download(token: str):
    invitation = _load(token)
    return data_download(privacy_services.contact_data(invitation.contact), "my-data.json")


@bp.route("/<token>/calendar.ics")
def calendar_file(token: str):
    """The parts the guest is coming to (all while they have not answered), as .ics."""
    invitation = _load(token)
    link = links.invitation_link(invitation)
    try:
        content = guest_download(invitation, link)
    except NoParts as error:
        return render_template("rsvp/link_invalid.html", title=error.message,
                               back=url_for("rsvp.guest_page", token=token)), 404
    return ics_response(content, invitation.event.title)


@bp.route("/<token>/calendar/<int:activity_id>.ics")
def part_calendar_file(token: str, activity_id: int):
    """One part of the guest's event on its own, as .ics; 404 for any other part."""
    invitation = _load(token)
    content = guest_part_download(invitation, activity_id, links.invitation_link(invitation))
    return ics_response(content, invitation.event.title)


@bp.route("/<path:anything>")
def mangled_link(anything: str):
    """A link broken by a mail program (cut, or with extra path): the same friendly page."""
    raise errors.LinkNotValid()
