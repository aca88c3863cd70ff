"""The team's pages: members and invitations, roles, ownership, the workspace's settings and
its audit trail (``team``); the join link (``joining``, opened by its token); starting a
new workspace (``workspaces``, for any logged-in account, also one left in no workspace)."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from eventplanner.access import Action, may
from eventplanner.audit.labels import action_label, detail_label
from eventplanner.audit.services import PAGE_SIZE, trail
from eventplanner.auth.models import Organiser, Role
from eventplanner.auth.services import find_organiser_by_email, register_organiser, start_login
from eventplanner.contacts.models import Contact
from eventplanner.error_pages import status_for
from eventplanner.errors import DomainError, NotFound
from eventplanner.events.models import Event
from eventplanner.extensions import db, utcnow
from eventplanner.form_fields import ConfirmForm
from eventplanner.permissions import (
    WORKSPACE_KEY,
    even_without_two_factor,
    organisers_only,
    requires,
)
from eventplanner.security import private_link_pages
from eventplanner.team import api_tokens, services
from eventplanner.team.forms import (
    ApiTokenForm,
    InviteForm,
    JoinWithNewAccountForm,
    RoleForm,
    TwoFactorRequirementForm,
    WorkspaceNameForm,
)
from eventplanner.urls import absolute_url, local_path, row_id

bp = organisers_only(Blueprint("team", __name__, url_prefix="/team"))
#: The join link's page: public, the token in the address is the key.
joining = Blueprint("joining", __name__, url_prefix="/team/join")
private_link_pages(joining)
#: Starting a workspace: any logged-in account, one in no workspace too.
workspaces = Blueprint("workspaces", __name__, url_prefix="/team/workspaces")


@bp.context_processor
def labels() -> dict:
    return {"role_labels": services.ROLE_LABELS}


def _workspace():
    return current_user.membership.workspace


def _members_page(invite_form: InviteForm | None = None, status: int = 200):
    workspace = _workspace()
    return render_template(
        "team/members.html", workspace=workspace,
        members=services.members_of(workspace.id),
        invitations=services.pending_invitations(workspace.id, utcnow()),
        invite_form=invite_form or InviteForm(formdata=None),
        role_form=RoleForm(formdata=None, may_make_owners=may(current_user, Action.OWN)),
        confirm_form=ConfirmForm(), Role=Role), status


def _change(change, done: str):
    """Run one service and commit, then back to the members page with ``done``; a refusal
    is shown on the members page with its status (409 for the last owner...), except that
    what is not found is the 404 page."""
    try:
        change()
    except NotFound:
        raise
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return _members_page(status=status_for(error))
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("team.members"), code=303)


@bp.route("/")
@requires(Action.READ)
def members():
    return _members_page()


@bp.route("/invite", methods=["POST"])
@requires(Action.MANAGE_MEMBERS)
def invite():
    form = InviteForm()
    if not form.validate_on_submit():
        return _members_page(form, 422)
    address = form.email.data
    try:
        sent = services.invite_member(
            _workspace(), current_user, address, Role(form.role.data), utcnow(),
            lambda token: absolute_url("joining.join", token=token))
    except DomainError as error:
        db.session.rollback()
        form.email.errors.append(str(error.message))
        return _members_page(form, status_for(error))
    db.session.commit()
    if sent.replaced:
        flash(_("A new invitation is on its way to %(email)s; the earlier link no longer "
                "works.", email=sent.invitation.email), "success")
    else:
        flash(_("An invitation is on its way to %(email)s. The link works for 7 days.",
                email=sent.invitation.email), "success")
    return redirect(url_for("team.members"), code=303)


@bp.route("/invitations/<int:join_id>/revoke", methods=["POST"])
@requires(Action.MANAGE_MEMBERS)
def revoke_invitation(join_id: int):
    return _change(lambda: services.revoke_invitation(_workspace().id, current_user, join_id,
                                                      utcnow()),
                   _("The invitation is withdrawn: its link no longer works."))


@bp.route("/members/<int:member_id>/role", methods=["POST"])
@requires(Action.MANAGE_MEMBERS)
def change_role(member_id: int):
    services.membership_of(_workspace().id, member_id)
    form = RoleForm(may_make_owners=may(current_user, Action.OWN))
    if not form.validate_on_submit():
        flash(_("Choose one of the roles offered."), "error")
        return _members_page(status=422)
    return _change(lambda: services.change_role(_workspace().id, current_user, member_id,
                                                Role(form.role.data)),
                   _("The role is changed."))


@bp.route("/members/<int:member_id>/remove", methods=["POST"])
@requires(Action.MANAGE_MEMBERS)
def remove_member(member_id: int):
    return _change(lambda: services.remove_member(_workspace().id, current_user, member_id),
                   _("The member is removed. What they made stays in the workspace."))


@bp.route("/members/<int:member_id>/transfer", methods=["POST"])
@requires(Action.OWN)
def transfer_ownership(member_id: int):
    return _change(lambda: services.transfer_ownership(_workspace().id, current_user,
                                                       member_id),
                   _("Ownership is handed on. You are an admin of this workspace now."))


@bp.route("/leave", methods=["POST"])
@requires(Action.READ)
@even_without_two_factor
def leave():
    workspace = _workspace()
    name = workspace.name
    try:
        services.leave_workspace(workspace.id, current_user)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return _members_page(status=status_for(error))
    db.session.commit()
    session.pop(WORKSPACE_KEY, None)
    flash(_("You have left %(workspace)s.", workspace=name), "info")
    return redirect(url_for("events.dashboard"), code=303)


@bp.route("/switch/<int:workspace_id>", methods=["POST"])
@requires(Action.READ)
@even_without_two_factor
def switch_workspace(workspace_id: int):
    """Work in another workspace of the account's (404 for one it is not a member of)."""
    membership = next((m for m in current_user.memberships
                       if m.workspace_id == workspace_id), None)
    if membership is None:
        raise NotFound()
    session[WORKSPACE_KEY] = workspace_id
    flash(_("You are working in %(workspace)s.", workspace=membership.workspace.name), "info")
    return redirect(local_path(request.form.get("next")) or url_for("events.dashboard"),
                    code=303)


@bp.route("/settings", methods=["GET", "POST"])
@requires(Action.MANAGE_MEMBERS)
def settings():
    workspace = _workspace()
    form = WorkspaceNameForm(obj=workspace)
    if form.validate_on_submit():
        services.rename_workspace(workspace, current_user, form.name.data)
        db.session.commit()
        flash(_("The workspace is saved."), "success")
        return redirect(url_for("team.settings"), code=303)
    return _settings_page(form, status=422 if form.errors else 200)


def _settings_page(form: WorkspaceNameForm, two_factor_form=None, status: int = 200):
    workspace = _workspace()
    return render_template(
        "team/settings.html", workspace=workspace, form=form,
        two_factor_form=two_factor_form or TwoFactorRequirementForm(
            formdata=None, required=workspace.requires_two_factor)), status


@bp.route("/settings/two-factor", methods=["POST"])
@requires(Action.OWN)
def two_factor_requirement():
    workspace = _workspace()
    form = TwoFactorRequirementForm()
    if form.validate_on_submit():
        try:
            services.require_two_factor(workspace, current_user, form.required.data)
        except DomainError as error:
            db.session.rollback()
            form.required.errors.append(str(error.message))
            return _settings_page(WorkspaceNameForm(formdata=None, obj=workspace), form,
                                  status_for(error))
        db.session.commit()
        flash(_("Members must use two-factor sign-in here.") if form.required.data
              else _("Members may sign in with a password alone here."), "success")
    return redirect(url_for("team.settings"), code=303)


@bp.route("/api-tokens", methods=["GET", "POST"])
@requires(Action.MANAGE_INTEGRATIONS)
def api_token_list():
    """The workspace's API tokens, and a form to make one (its secret shown once)."""
    form = ApiTokenForm()
    if not form.validate_on_submit():
        return _api_tokens_page(form, status=422 if form.errors else 200)
    expires_at = None  # at the end of the day chosen (UTC)
    if form.expires_on.data is not None:
        expires_at = datetime.combine(form.expires_on.data + timedelta(days=1), time(),
                                      timezone.utc)
    try:
        made = api_tokens.create_token(current_user, form.name.data, form.scopes.data,
                                       expires_at, utcnow())
    except DomainError as error:
        db.session.rollback()
        form.form_errors.append(str(error.message))
        return _api_tokens_page(form, status=status_for(error))
    db.session.commit()
    return _api_tokens_page(ApiTokenForm(formdata=None), new_secret=made.secret,
                            new_token=made.token)


def _api_tokens_page(form: ApiTokenForm, status: int = 200, **new):
    response = render_template(
        "team/api_tokens.html", form=form, confirm_form=ConfirmForm(),
        tokens=api_tokens.tokens_of(_workspace().id), scope_labels=api_tokens.SCOPE_LABELS,
        now=utcnow(), **new)
    return response, status, {"Cache-Control": "no-store"}


@bp.route("/api-tokens/<int:token_id>/revoke", methods=["POST"])
@requires(Action.MANAGE_INTEGRATIONS)
def revoke_api_token(token_id: int):
    token = api_tokens.get_token_of(_workspace().id, token_id)
    if ConfirmForm().validate_on_submit():
        api_tokens.revoke_token(current_user, token, utcnow())
        db.session.commit()
        flash(_("The token %(name)s is revoked: calls with it are refused from now on.",
                name=token.name), "success")
    else:
        flash(_("The form had expired. Try again."), "error")
    return redirect(url_for("team.api_token_list"), code=303)


@bp.route("/audit")
@requires(Action.MANAGE_MEMBERS)
def audit_trail():
    """The workspace's trail, newest first; about one member, event or contact if asked."""
    workspace_id = _workspace().id
    filters = {name: row_id(request.args.get(argument)) for name, argument in (
        ("member_id", "member"), ("event_id", "event"), ("contact_id", "contact"))}
    entries = trail(workspace_id, before_id=row_id(request.args.get("before")), **filters)
    members = {m.organiser_id: m.organiser.name for m in services.members_of(workspace_id)}
    wanted = {entry.member_id for entry in entries} - set(members) - {None}
    if wanted:
        members.update(db.session.execute(db.select(Organiser.id, Organiser.name).where(
            Organiser.id.in_(wanted))).all())
    events = dict(db.session.execute(db.select(Event.id, Event.title).where(
        Event.workspace_id == workspace_id,
        Event.id.in_({e.event_id for e in entries} - {None}))).all())
    contacts = dict(db.session.execute(db.select(Contact.id, Contact.name).where(
        Contact.workspace_id == workspace_id,
        Contact.id.in_({e.contact_id for e in entries} - {None}))).all())
    older = entries[-1].id if len(entries) == PAGE_SIZE else None
    return render_template(
        "team/audit.html", entries=entries, action_label=action_label, member_names=members,
        event_titles=events, contact_names=contacts, filters=filters, older=older,
        details_text=_details_text)


def _details_text(details: dict) -> list[str]:
    """``field: old -> new`` for each change, ``field: value`` for other details, the
    names, roles and yes/no in the reader's language."""
    lines = []
    for name, value in details.items():
        role = name == "role"
        if isinstance(value, list) and len(value) == 2:
            lines.append(f"{detail_label(name)}: {_value_text(value[0], role)} -> "
                         f"{_value_text(value[1], role)}")
        else:
            lines.append(f"{detail_label(name)}: {_value_text(value, role)}")
    return lines


def _value_text(value, role: bool = False) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if role and isinstance(value, str) and value in set(Role):
        return str(services.ROLE_LABELS[Role(value)])
    return str(value)


# --- joining -----------------------------------------------------------------------------


@joining.route("/<token>", methods=["GET", "POST"])
def join(token: str):
    """The invitation, and a button to accept it (mail scanners open links too): for the
    account logged in with the invited address; else the login first, for an address with an
    account; else a new account for it."""
    now = utcnow()
    invitation = services.invitation_behind_link(token, now)
    context = {"invitation": invitation, "role_label": services.ROLE_LABELS[invitation.role]}
    if current_user.is_authenticated:
        form = ConfirmForm()
        if form.validate_on_submit():
            membership = services.accept_invitation(token, current_user, now)
            db.session.commit()
            return _joined(membership)
        return render_template("team/join.html", form=form, **context)
    if find_organiser_by_email(invitation.email) is not None:
        return render_template("team/join.html", form=None, **context)
    form = JoinWithNewAccountForm(invited_email=invitation.email)
    if form.validate_on_submit():
        organiser = register_organiser(form.name.data, invitation.email, form.password.data,
                                       str(get_locale() or "en"), verified=True,
                                       own_workspace=False)
        membership = services.accept_invitation(token, organiser, now)
        start_login(organiser, request.user_agent.string)
        db.session.commit()
        login_user(organiser)
        return _joined(membership)
    return render_template("team/join.html", form=form, **context), 422 if form.errors else 200


def _joined(membership):
    session[WORKSPACE_KEY] = membership.workspace_id
    flash(_("Welcome to %(workspace)s.", workspace=membership.workspace.name), "success")
    return redirect(url_for("events.dashboard"), code=303)


# --- a new workspace ---------------------------------------------------------------------


@workspaces.route("/new", methods=["GET", "POST"])
@login_required
def start_workspace():
    """Start a new workspace (an agency's next client); also where an account that is in no
    workspace any more is sent."""
    form = WorkspaceNameForm()
    if form.validate_on_submit():
        membership = services.start_new_workspace(current_user, form.name.data)
        db.session.commit()
        session[WORKSPACE_KEY] = membership.workspace_id
        flash(_("Your new workspace %(workspace)s is ready. Invite your team from the Team "
                "page.", workspace=membership.workspace.name), "success")
        return redirect(url_for("events.dashboard"), code=303)
    return render_template("team/start_workspace.html", form=form,
                           in_no_workspace=current_user.membership is None), \
        422 if form.errors else 200
