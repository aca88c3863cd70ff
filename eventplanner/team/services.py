"""A workspace's team: its members and their roles, invitations to join, ownership, and
the workspace's settings.

Rules kept here:

- A workspace always has an owner: the last one cannot leave, be removed or be demoted.
  Every change to the members takes the workspace's lock (``team.locking``) and decides on
  the memberships read after it, the actor's own role included.
- Admins manage members; what touches an owner (promoting to owner, demoting or removing
  one, handing ownership on, requiring two-factor sign-in) is the owners' alone.
- Nobody is invited as an owner: an owner hands ownership to a member (``transfer_ownership``)
  or makes one an owner (``change_role``).
- A join link is a 256-bit secret from ``secrets``, of which only the digest is kept; it
  works once, for ``JOIN_LINK_LIFETIME``, until revoked. Inviting an address again replaces
  its pending invitation (the earlier link stops working).

Each change writes its line in the audit trail in the same transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import joinedload

from eventplanner.access import ROLE_ACTIONS, Action
from eventplanner.audit.services import record
from eventplanner.auth.models import JoinInvitation, Membership, Organiser, Role, Workspace
from eventplanner.auth.services import find_organiser_by_email, normalise_email, start_workspace
from eventplanner.contacts.models import Company, Contact
from eventplanner.errors import Forbidden, InvalidInput, InvalidState, NotFound
from eventplanner.events.models import Event, EventHost, event_co_organiser
from eventplanner.events.signals import hosts_removed
from eventplanner.extensions import db, utcnow
from eventplanner.mail.outbox import queue_email
from eventplanner.team.locking import lock_members
from eventplanner.tokens import looks_like_token, token_digest

JOIN_LINK_LIFETIME = timedelta(days=7)

#: The roles' names as people read them.
ROLE_LABELS: Mapping[Role, object] = {
    Role.OWNER: _l("Owner"),
    Role.ADMIN: _l("Admin"),
    Role.ORGANISER: _l("Organiser"),
    Role.VIEWER: _l("Viewer"),
}
#: The roles an invitation may give (ownership is handed on, never sent by email).
INVITED_ROLES = (Role.ADMIN, Role.ORGANISER, Role.VIEWER)

# --- the refusals --------------------------------------------------------------------------


class LastOwner(InvalidState):
    default_message = _l("A workspace needs an owner: make another member an owner first.")


class AlreadyMember(InvalidState):
    default_message = _l("That person is a member of this workspace already.")


class NotAMember(NotFound):
    default_message = _l("That person is not a member of this workspace.")


class OwnersOnly(Forbidden):
    default_message = _l("Only an owner may do that to an owner.")


class JoinLinkNotValid(NotFound):
    default_message = _l("This invitation link has expired, was used already or was "
                         "withdrawn. Ask the person who invited you for a new one.")


class InvitedSomeoneElse(Forbidden):
    default_message = _l("This invitation is for another email address. Log out and open "
                         "the link again, or ask for an invitation to your own address.")


class TwoFactorFirst(InvalidState):
    default_message = _l("Turn on two-factor sign-in for yourself first.")


# --- reading -------------------------------------------------------------------------------


def members_of(workspace_id: int) -> list[Membership]:
    """The workspace's members with their accounts, owners first, then by name."""
    order = {Role.OWNER: 0, Role.ADMIN: 1, Role.ORGANISER: 2, Role.VIEWER: 3}
    members = list(db.session.scalars(
        select(Membership).where(Membership.workspace_id == workspace_id)
        .options(joinedload(Membership.organiser))))
    return sorted(members, key=lambda m: (order[m.role], m.organiser.name.lower(), m.id))


def membership_of(workspace_id: int, member_id: int) -> Membership:
    """The membership of account ``member_id`` in the workspace; ``NotAMember`` if none."""
    membership = db.session.scalar(select(Membership).where(
        Membership.workspace_id == workspace_id, Membership.organiser_id == member_id))
    if membership is None:
        raise NotAMember()
    return membership


def pending_invitations(workspace_id: int, now: datetime) -> list[JoinInvitation]:
    """The workspace's invitations that still work, newest first, with who sent them."""
    return list(db.session.scalars(
        select(JoinInvitation).where(JoinInvitation.workspace_id == workspace_id,
                                     JoinInvitation.accepted_at.is_(None),
                                     JoinInvitation.revoked_at.is_(None),
                                     JoinInvitation.expires_at > now)
        .options(joinedload(JoinInvitation.invited_by))
        .order_by(JoinInvitation.id.desc())))


def workspaces_of(organiser: Organiser) -> list[Membership]:
    """The account's memberships with their workspaces, by workspace name."""
    return sorted(organiser.memberships, key=lambda m: (m.workspace.name.lower(), m.id))


# --- inviting ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SentInvitation:
    invitation: JoinInvitation
    #: The secret of the link (not stored): for the email, and for tests.
    token: str
    #: Whether a pending invitation to the same address was withdrawn for this one.
    replaced: bool


def invite_member(workspace: Workspace, inviter: Organiser, email: str, role: Role,
                  now: datetime, link_for) -> SentInvitation:
    """Invite ``email`` to join ``workspace`` as ``role``: a single-use link for seven days
    goes to the address by email (``link_for(token)`` makes the link's address). An address
    with a pending invitation gets a new one instead (the earlier link stops working);
    a member's address is refused (``AlreadyMember``)."""
    if role not in INVITED_ROLES:
        raise InvalidInput(_l("Invite as admin, organiser or viewer; hand ownership on "
                              "to a member afterwards."))
    _manager_under_lock(workspace.id, inviter)
    address = normalise_email(email)
    account = find_organiser_by_email(address)
    if account is not None and db.session.scalar(select(Membership.id).where(
            Membership.workspace_id == workspace.id,
            Membership.organiser_id == account.id)) is not None:
        raise AlreadyMember()
    replaced = db.session.execute(
        update(JoinInvitation).where(
            JoinInvitation.workspace_id == workspace.id, JoinInvitation.email == address,
            JoinInvitation.accepted_at.is_(None), JoinInvitation.revoked_at.is_(None),
            JoinInvitation.expires_at > now)
        .values(revoked_at=now).execution_options(synchronize_session=False)).rowcount > 0
    token = secrets.token_urlsafe(32)
    invitation = JoinInvitation(workspace_id=workspace.id, email=address, role=role,
                                token_digest=token_digest(token), invited_by_id=inviter.id,
                                created_at=now, expires_at=now + JOIN_LINK_LIFETIME)
    db.session.add(invitation)
    db.session.flush()
    language = account.language if account is not None else inviter.language
    queue_email(kind="join_invitation", to=address, to_name=account.name if account else "",
                language=language, template="join_invitation",
                subject=_l("%(name)s invites you to join %(workspace)s", name=inviter.name,
                           workspace=workspace.name),
                inviter=inviter.name, workspace=workspace.name, role=ROLE_LABELS[role],
                link=link_for(token), has_account=account is not None)
    record(workspace.id, inviter, "member.invited",
           details={"email": address, "role": role, **({"replaced": True} if replaced else {})})
    return SentInvitation(invitation, token, replaced)


def revoke_invitation(workspace_id: int, actor: Organiser, invitation_id: int,
                      now: datetime) -> JoinInvitation:
    """Withdraw a pending invitation of the workspace: its link stops working.
    ``NotFound`` for one of another workspace or no longer pending."""
    _manager_under_lock(workspace_id, actor)
    invitation = db.session.scalar(select(JoinInvitation).where(
        JoinInvitation.id == invitation_id, JoinInvitation.workspace_id == workspace_id))
    if invitation is None:
        raise NotFound()
    revoked = db.session.execute(
        update(JoinInvitation).where(JoinInvitation.id == invitation.id,
                                     JoinInvitation.accepted_at.is_(None),
                                     JoinInvitation.revoked_at.is_(None))
        .values(revoked_at=now).execution_options(synchronize_session=False)).rowcount
    if revoked != 1:
        raise InvalidState(_l("That invitation was accepted or withdrawn already."))
    db.session.refresh(invitation)
    record(workspace_id, actor, "member.invitation_revoked",
           details={"email": invitation.email, "role": invitation.role})
    return invitation


# --- joining -------------------------------------------------------------------------------


def invitation_behind_link(token: str, now: datetime) -> JoinInvitation:
    """The invitation a join link is for, while it works (nothing is used up);
    ``JoinLinkNotValid`` for a wrong, used, withdrawn or expired one."""
    invitation = None
    if looks_like_token(token):
        invitation = db.session.scalar(
            select(JoinInvitation).where(JoinInvitation.token_digest == token_digest(token))
            .options(joinedload(JoinInvitation.workspace),
                     joinedload(JoinInvitation.invited_by)))
    if invitation is None or not invitation.is_pending(now):
        raise JoinLinkNotValid()
    return invitation


def accept_invitation(token: str, organiser: Organiser, now: datetime) -> Membership:
    """``organiser`` follows a join link: they become a member with the invitation's role
    (kept as they are if a member already), and work in that workspace from now. The link is
    used up, once: of two requests with it at the same moment, one wins."""
    invitation = invitation_behind_link(token, now)
    if invitation.email != organiser.email:
        raise InvitedSomeoneElse()
    used = db.session.execute(
        update(JoinInvitation).where(JoinInvitation.id == invitation.id,
                                     JoinInvitation.accepted_at.is_(None),
                                     JoinInvitation.revoked_at.is_(None),
                                     JoinInvitation.expires_at > now)
        .values(accepted_at=now).execution_options(synchronize_session=False)).rowcount
    if used != 1:
        raise JoinLinkNotValid()
    members = lock_members(invitation.workspace_id)
    membership = next((m for m in members if m.organiser_id == organiser.id), None)
    if membership is None:
        membership = Membership(workspace_id=invitation.workspace_id, organiser=organiser,
                                role=invitation.role, created_at=now)
        db.session.add(membership)
        _end_sharing_with_member(invitation.workspace_id, organiser.id)
        db.session.flush()
        record(invitation.workspace_id, organiser, "member.joined", member_id=organiser.id,
               details={"role": invitation.role})
    organiser.work_in(membership)
    return membership


def _end_sharing_with_member(workspace_id: int, organiser_id: int) -> None:
    """An outside person who joins the team sees its events by their role from now on:
    the events shared with them before stop being shared (else a viewer could still
    organise them, and would keep them after being removed)."""
    db.session.execute(delete(event_co_organiser).where(
        event_co_organiser.c.organiser_id == organiser_id,
        event_co_organiser.c.event_id.in_(
            select(Event.id).where(Event.workspace_id == workspace_id))))


# --- changing members ----------------------------------------------------------------------


def _may(membership: Membership | None, action: Action) -> bool:
    return membership is not None and action in ROLE_ACTIONS[membership.role]


def _locked(workspace_id: int, actor: Organiser, member_id: int,
            action: Action = Action.MANAGE_MEMBERS) -> tuple[list[Membership], Membership,
                                                              Membership]:
    """Take the members' lock; the memberships, the actor's and the member's, read after
    it. ``Forbidden`` if the actor's role (as it is now) does not allow ``action``;
    ``NotAMember`` for an account that is not a member."""
    members = lock_members(workspace_id)
    mine = next((m for m in members if m.organiser_id == actor.id), None)
    if not _may(mine, action):
        raise Forbidden()
    theirs = next((m for m in members if m.organiser_id == member_id), None)
    if theirs is None:
        raise NotAMember()
    return members, mine, theirs


def _manager_under_lock(workspace_id: int, actor: Organiser) -> None:
    """Take the members' lock; ``Forbidden`` unless the actor's role, as it is now, lets
    them manage members (an admin demoted meanwhile invites nobody)."""
    mine = next((m for m in lock_members(workspace_id) if m.organiser_id == actor.id), None)
    if not _may(mine, Action.MANAGE_MEMBERS):
        raise Forbidden()


def _withdraw_invitations_of(workspace_id: int, member_id: int) -> None:
    """The pending invitations a member sent stop working once they may no longer invite
    (removed, left, or given a role below admin): nobody joins on their word afterwards."""
    db.session.execute(
        update(JoinInvitation).where(JoinInvitation.workspace_id == workspace_id,
                                     JoinInvitation.invited_by_id == member_id,
                                     JoinInvitation.accepted_at.is_(None),
                                     JoinInvitation.revoked_at.is_(None))
        .values(revoked_at=utcnow()).execution_options(synchronize_session=False))


def _owners(members: list[Membership]) -> int:
    return sum(1 for m in members if m.role == Role.OWNER)


def change_role(workspace_id: int, actor: Organiser, member_id: int, role: Role) -> Membership:
    """Give a member another role. Making an owner, or changing an owner's role, is for an
    owner; the last owner keeps the role (``LastOwner``)."""
    members, mine, theirs = _locked(workspace_id, actor, member_id)
    if role == theirs.role:
        return theirs
    if Role.OWNER in (role, theirs.role) and not _may(mine, Action.OWN):
        raise OwnersOnly()
    if theirs.role == Role.OWNER and _owners(members) == 1:
        raise LastOwner()
    old, theirs.role = theirs.role, role
    if not _may(theirs, Action.MANAGE_MEMBERS):
        _withdraw_invitations_of(workspace_id, member_id)
    db.session.flush()
    record(workspace_id, actor, "member.role_changed", member_id=member_id,
           details={"role": [old, role]})
    return theirs


def remove_member(workspace_id: int, actor: Organiser, member_id: int) -> Organiser:
    """Take a member out of the workspace: they no longer see anything of it; what they
    made (events, notes) stays, with them as its creator or author. Removing an owner is
    for an owner; the last owner stays (``LastOwner``). Removing oneself is leaving."""
    if member_id == actor.id:
        return leave_workspace(workspace_id, actor)
    members, mine, theirs = _locked(workspace_id, actor, member_id)
    if theirs.role == Role.OWNER and not _may(mine, Action.OWN):
        raise OwnersOnly()
    if theirs.role == Role.OWNER and _owners(members) == 1:
        raise LastOwner()
    removed = theirs.organiser
    db.session.delete(theirs)
    clients = _release_clients(workspace_id, member_id)
    _withdraw_invitations_of(workspace_id, member_id)
    db.session.flush()
    record(workspace_id, actor, "member.removed", member_id=member_id,
           details={"name": removed.name, "role": theirs.role, "clients released": clients})
    return removed


def leave_workspace(workspace_id: int, member: Organiser) -> Organiser:
    """The member leaves the workspace (not as its last owner: ``LastOwner``)."""
    members, _mine, theirs = _locked(workspace_id, member, member.id, Action.READ)
    if theirs.role == Role.OWNER and _owners(members) == 1:
        raise LastOwner(_l("You are the only owner: hand ownership to another member "
                           "before you leave."))
    db.session.delete(theirs)
    clients = _release_clients(workspace_id, member.id)
    _withdraw_invitations_of(workspace_id, member.id)
    db.session.flush()
    record(workspace_id, member, "member.left", member_id=member.id,
           details={"role": theirs.role, "clients released": clients})
    return member


def _release_clients(workspace_id: int, member_id: int) -> int:
    """Someone who leaves the team looks after none of its clients any more: the contacts
    and companies they managed have no account manager until one is chosen, and they host
    none of its events (their guests there have no host until one is chosen). Returns how
    many clients."""
    hosted = list(db.session.scalars(select(EventHost.event_id).join(
        Event, Event.id == EventHost.event_id).where(
        EventHost.organiser_id == member_id, Event.workspace_id == workspace_id)))
    if hosted:
        db.session.execute(delete(EventHost).where(EventHost.organiser_id == member_id,
                                                   EventHost.event_id.in_(hosted)))
        hosts_removed.send(current_app._get_current_object(), event_ids=hosted,
                           organiser_ids=[member_id])
    released = 0
    for model in (Contact, Company):
        released += db.session.execute(
            update(model).where(model.workspace_id == workspace_id,
                                model.account_manager_id == member_id)
            .values(account_manager_id=None)
            .execution_options(synchronize_session="fetch")).rowcount
    return released


def transfer_ownership(workspace_id: int, owner: Organiser, member_id: int) -> Membership:
    """The owner hands the workspace to another member, who becomes an owner; the owner
    becomes an admin."""
    _members, mine, theirs = _locked(workspace_id, owner, member_id, Action.OWN)
    if theirs is mine:
        raise InvalidState(_l("You own this workspace already."))
    old = theirs.role
    theirs.role, mine.role = Role.OWNER, Role.ADMIN
    db.session.flush()
    record(workspace_id, owner, "member.ownership_transferred", member_id=member_id,
           details={"role": [old, Role.OWNER], "previous owner": owner.name})
    return theirs


# --- the workspace -------------------------------------------------------------------------


def rename_workspace(workspace: Workspace, actor: Organiser, name: str) -> None:
    name = " ".join(name.split())[:120]
    if name == workspace.name:
        return
    old, workspace.name = workspace.name, name
    db.session.flush()
    record(workspace.id, actor, "workspace.renamed", details={"name": [old, name]})


def require_two_factor(workspace: Workspace, owner: Organiser, required: bool) -> None:
    """Whether members must sign in with two factors to work in the workspace (an
    owner's choice, who must use it first: ``TwoFactorFirst``)."""
    if required == workspace.requires_two_factor:
        return
    if required and owner.totp_enabled_at is None:
        raise TwoFactorFirst()
    workspace.requires_two_factor = required
    db.session.flush()
    record(workspace.id, owner, "workspace.two_factor_changed",
           details={"requires two-factor": [not required, required]})


def start_new_workspace(organiser: Organiser, name: str) -> Membership:
    """A new workspace (an agency's next client), owned by ``organiser``, who works in it
    from now."""
    membership = start_workspace(organiser, name)
    record(membership.workspace_id, organiser, "workspace.started",
           details={"name": membership.workspace.name})
    return membership


def must_set_up_two_factor(organiser: Organiser) -> bool:
    """Whether the workspace the account works in requires two-factor sign-in, which the
    account has not turned on."""
    membership = organiser.membership
    return (membership is not None and membership.workspace.requires_two_factor
            and organiser.totp_enabled_at is None)


def workspace_name(workspace_id: int) -> str | None:
    return db.session.scalar(select(Workspace.name).where(Workspace.id == workspace_id))


def member_count(workspace_id: int) -> int:
    return db.session.scalar(select(func.count(Membership.id)).where(
        Membership.workspace_id == workspace_id)) or 0
