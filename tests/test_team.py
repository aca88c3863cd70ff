"""A workspace's team: members, roles, invitations to join, ownership, switching between
workspaces, required two-factor sign-in, and the audit trail."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from eventplanner.audit.models import AuditEntry
from eventplanner.audit.services import record
from eventplanner.auth.models import JoinInvitation, Membership, Organiser, Role, Workspace
from eventplanner.events.models import Event
from eventplanner.extensions import db, utcnow
from eventplanner.mail.models import Message
from eventplanner.team import services
from tests.conftest import PASSWORD

JOIN_LINK = re.compile(r"http://eventplanner\.test(/team/join/[A-Za-z0-9_-]{43})")


# --- helpers -------------------------------------------------------------------------------

def workspace_of(app, organiser: Organiser) -> int:
    with app.app_context():
        return db.session.get(Organiser, organiser.id).workspace_id


def invite(app, inviter: Organiser, email: str, role: Role = Role.ORGANISER,
           now=None, workspace_id: int | None = None) -> str:
    """Invite through the service, as the inviter's page does, to ``workspace_id`` (default:
    the inviter's first); returns the link's path."""
    with app.app_context():
        inviter = db.session.get(Organiser, inviter.id)
        workspace = db.session.get(Workspace, workspace_id or inviter.workspace_id)
        sent = services.invite_member(workspace, inviter, email, role,
                                      now or utcnow(), lambda token: f"/team/join/{token}")
        db.session.commit()
        return f"/team/join/{sent.token}"


def add_member(app, owner: Organiser, person: Organiser, role: Role) -> None:
    """``person`` joins the owner's workspace as ``role`` (invited and accepted)."""
    link = invite(app, owner, person.email, role if role != Role.OWNER else Role.ADMIN)
    with app.app_context():
        person = db.session.get(Organiser, person.id)
        services.accept_invitation(link.rsplit("/", 1)[1], person, utcnow())
        db.session.commit()
    if role == Role.OWNER:
        with app.app_context():
            db.session.execute(update(Membership).where(
                Membership.organiser_id == person.id,
                Membership.workspace_id == workspace_of(app, owner)).values(role=Role.OWNER))
            db.session.commit()


def role_in(app, workspace_id: int, organiser: Organiser) -> Role | None:
    with app.app_context():
        return db.session.scalar(select(Membership.role).where(
            Membership.workspace_id == workspace_id, Membership.organiser_id == organiser.id))


def trail_actions(app, workspace_id: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.workspace_id == workspace_id).order_by(AuditEntry.id)))


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def team(app, make_organiser):
    """Olivia owns "Olivia Owner"'s workspace; Adam is an admin, Oda an organiser, Vera a
    viewer in it."""
    owner = make_organiser("Olivia Owner", "olivia@example.com")
    people = {"owner": owner}
    for key, name, role in (("admin", "Adam Admin", Role.ADMIN),
                            ("organiser", "Oda Organiser", Role.ORGANISER),
                            ("viewer", "Vera Viewer", Role.VIEWER)):
        people[key] = make_organiser(name, f"{key}@example.com")
        add_member(app, owner, people[key], role)
    people["workspace_id"] = workspace_of(app, owner)
    return people


def make_team_event(app, organiser: Organiser, workspace_id: int, title: str) -> Event:
    """An event ``organiser`` creates while working in the workspace ``workspace_id``."""
    from eventplanner.events.services import EventDetails, create_event

    with app.app_context():
        organiser = db.session.get(Organiser, organiser.id)
        organiser.work_in(db.session.scalar(select(Membership).where(
            Membership.organiser_id == organiser.id, Membership.workspace_id == workspace_id)))
        event = create_event(organiser, EventDetails(title=title, timezone="Europe/Oslo"))
        db.session.commit()
        db.session.refresh(event)
        return event


def switch_to(client, workspace_id: int):
    return client.submit(f"/team/switch/{workspace_id}")


# --- the members page ----------------------------------------------------------------------

def test_every_member_reads_the_team_with_roles_and_pending_invitations(app, team, log_in):
    invite(app, team["owner"], "newcomer@example.com", Role.VIEWER)
    viewer = log_in(team["viewer"])
    switch_to(viewer, team["workspace_id"])
    page = viewer.get("/team/")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    for text in ("Olivia Owner", "olivia@example.com", "Adam Admin", "Admin", "Oda Organiser",
                 "Vera Viewer", "Viewer", "newcomer@example.com"):
        assert text in body
    assert "Change role" not in body and 'action="/team/invite"' not in body, \
        "a viewer gets no forms"


def test_a_viewer_posting_to_the_member_forms_is_refused_and_nothing_changes(
        app, team, log_in):
    viewer = log_in(team["viewer"])
    switch_to(viewer, team["workspace_id"])
    link = invite(app, team["owner"], "pending@example.com")
    join_id = db_id_of_invitation(app, link)
    before = (count(app, JoinInvitation), count(app, Membership), count(app, Message))
    for url, data in ((f"/team/members/{team['organiser'].id}/role", {"role": "admin"}),
                      (f"/team/members/{team['organiser'].id}/remove", {}),
                      (f"/team/members/{team['organiser'].id}/transfer", {}),
                      (f"/team/invitations/{join_id}/revoke", {}),
                      ("/team/invite", {"email": "friend@example.com", "role": "admin"}),
                      ("/team/settings", {"name": "Hijacked"}),
                      ("/team/settings/two-factor", {"required": "y"})):
        assert viewer.submit(url, data).status_code == 403, url
    assert (count(app, JoinInvitation), count(app, Membership), count(app, Message)) == before
    assert role_in(app, team["workspace_id"], team["organiser"]) == Role.ORGANISER
    assert viewer.get("/team/audit").status_code == 403
    assert viewer.get("/team/settings").status_code == 403


def db_id_of_invitation(app, link: str) -> int:
    from eventplanner.tokens import token_digest

    with app.app_context():
        return db.session.scalar(select(JoinInvitation.id).where(
            JoinInvitation.token_digest == token_digest(link.rsplit("/", 1)[1])))


# --- inviting ------------------------------------------------------------------------------

def test_an_admin_invites_by_email_and_the_link_is_kept_as_a_digest_only(app, team, log_in):
    admin = log_in(team["admin"])
    switch_to(admin, team["workspace_id"])
    response = admin.submit("/team/invite", {"email": " Nina@Example.com ", "role": "viewer"})
    assert response.status_code == 303
    page = admin.get("/team/").get_data(as_text=True)
    assert "An invitation is on its way to nina@example.com" in page
    assert "nina@example.com" in page.split("Invitations to join")[1]
    with app.app_context():
        [message] = db.session.scalars(select(Message).where(
            Message.kind == "join_invitation", Message.recipient == "nina@example.com"))
        invitation = db.session.scalar(select(JoinInvitation).where(
            JoinInvitation.email == "nina@example.com"))
        assert message.recipient == "nina@example.com"
        assert "Adam Admin invites you to join Olivia Owner" in message.subject
        assert "Viewer" in message.body_text and "7 days" in message.body_text
        token = JOIN_LINK.search(message.body_text).group(1).rsplit("/", 1)[1]
        assert token not in invitation.token_digest and len(invitation.token_digest) == 64
        assert invitation.role == Role.VIEWER and invitation.invited_by_id == team["admin"].id
        assert invitation.expires_at - invitation.created_at == timedelta(days=7)
    assert trail_actions(app, team["workspace_id"])[-1] == "member.invited"


def test_inviting_a_member_says_so_and_creates_nothing(app, team, log_in):
    admin = log_in(team["admin"])
    switch_to(admin, team["workspace_id"])
    before = (count(app, JoinInvitation), count(app, Message), count(app, AuditEntry))
    response = admin.submit("/team/invite", {"email": "VIEWER@example.com", "role": "admin"})
    assert response.status_code == 409
    assert "That person is a member of this workspace already." in response.get_data(
        as_text=True)
    assert (count(app, JoinInvitation), count(app, Message), count(app, AuditEntry)) == before


def test_an_invitation_cannot_make_an_owner(app, team, log_in):
    owner = log_in(team["owner"])
    before = count(app, Message)
    response = owner.submit("/team/invite", {"email": "boss@example.com", "role": "owner"})
    assert response.status_code == 422
    assert count(app, Message) == before


def test_inviting_an_address_again_replaces_its_pending_invitation(app, team, client):
    first = invite(app, team["owner"], "nina@example.com")
    second = invite(app, team["owner"], "nina@example.com", Role.ADMIN)
    assert client.get(first).status_code == 404
    page = client.get(second)
    assert page.status_code == 200 and "Admin" in page.get_data(as_text=True)
    with app.app_context():
        assert len(services.pending_invitations(team["workspace_id"], utcnow())) == 1


def test_a_pending_invitation_can_be_withdrawn_and_its_link_stops_working(
        app, team, log_in, client):
    link = invite(app, team["owner"], "nina@example.com")
    admin = log_in(team["admin"])
    switch_to(admin, team["workspace_id"])
    response = admin.submit(f"/team/invitations/{db_id_of_invitation(app, link)}/revoke")
    assert response.status_code == 303
    assert client.get(link).status_code == 404
    assert trail_actions(app, team["workspace_id"])[-1] == "member.invitation_revoked"
    again = admin.submit(f"/team/invitations/{db_id_of_invitation(app, link)}/revoke")
    assert again.status_code == 409


def test_an_invitation_of_another_workspace_cannot_be_withdrawn(app, team, make_organiser,
                                                                log_in):
    stranger = make_organiser("Stella Stranger", "stella@example.com")
    link = invite(app, stranger, "nina@example.com")
    admin = log_in(team["admin"])
    switch_to(admin, team["workspace_id"])
    assert admin.submit(f"/team/invitations/{db_id_of_invitation(app, link)}/revoke") \
        .status_code == 404


# --- joining ---------------------------------------------------------------------------------

def test_the_join_page_shows_the_workspace_inviter_and_role_and_changes_nothing(
        app, team, client):
    link = invite(app, team["admin"], "nina@example.com", Role.VIEWER,
                  workspace_id=team["workspace_id"])
    page = client.get(link)
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Adam Admin invites nina@example.com to join Olivia Owner as Viewer." in body
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "noindex" in page.headers["X-Robots-Tag"]
    assert count(app, Organiser) == 4 and client.get(link).status_code == 200


def test_someone_without_an_account_creates_one_by_joining_and_is_logged_in(app, team, client):
    link = invite(app, team["owner"], "Nina@Example.com", Role.ORGANISER)
    weak = client.submit(link, {"name": "Nina Nilsen", "password": "nina@example.com",
                                "confirm": "nina@example.com"})
    assert weak.status_code == 422 and count(app, Organiser) == 4
    response = client.submit(link, {"name": "Nina Nilsen", "password": PASSWORD,
                                    "confirm": PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert "Welcome to Olivia Owner" in client.get("/").get_data(as_text=True)
    with app.app_context():
        nina = db.session.scalar(select(Organiser).where(Organiser.email == "nina@example.com"))
        assert nina.email_verified_at is not None
        assert [(m.workspace_id, m.role) for m in nina.memberships] == [
            (team["workspace_id"], Role.ORGANISER)], "no workspace of her own"
    assert "Oda Organiser" in client.get("/team/").get_data(as_text=True)
    assert trail_actions(app, team["workspace_id"])[-1] == "member.joined"
    assert client.submit("/auth/logout").status_code == 302
    assert client.get(link).status_code == 404, "the link worked once"


def test_a_logged_in_account_with_the_invited_address_joins_with_a_button(
        app, team, make_organiser, log_in):
    nina = make_organiser("Nina Nilsen", "nina@example.com")
    link = invite(app, team["owner"], "nina@example.com", Role.ADMIN)
    browser = log_in(nina)
    assert "Accept and join" in browser.get(link).get_data(as_text=True)
    response = browser.submit(link)
    assert response.status_code == 303
    assert role_in(app, team["workspace_id"], nina) == Role.ADMIN
    page = browser.get("/team/").get_data(as_text=True)
    assert "Team of Olivia Owner" in page, "she works in the workspace she joined"
    assert browser.get(link).status_code == 404


def test_an_account_that_is_not_logged_in_logs_in_first_and_comes_back(
        app, team, make_organiser, client):
    make_organiser("Nina Nilsen", "nina@example.com")
    link = invite(app, team["owner"], "nina@example.com")
    page = client.get(link).get_data(as_text=True)
    assert "log in to accept" in page and "Create my account" not in page
    members = count(app, Membership)
    assert client.submit(link, {"name": "Thief", "password": PASSWORD,
                                "confirm": PASSWORD}).status_code == 200
    assert count(app, Membership) == members, "no account made, nothing joined"
    login_page = re.search(r'href="(/auth/login\?next=[^"]+)"', page).group(1)
    response = client.submit(login_page.replace("&amp;", "&"),
                             {"email": "nina@example.com", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == link
    assert client.submit(link).status_code == 303
    assert count(app, Membership) == members + 1


def test_another_account_cannot_accept_someone_elses_invitation(app, team, make_organiser,
                                                                log_in):
    link = invite(app, team["owner"], "nina@example.com")
    other = log_in(make_organiser("Otto Other", "otto@example.com"))
    members = count(app, Membership)
    assert "this invitation is for another address" in other.get(link).get_data(as_text=True)
    assert other.submit(link).status_code == 403
    assert count(app, Membership) == members
    with app.app_context():
        assert services.pending_invitations(team["workspace_id"], utcnow())


@pytest.mark.parametrize("how", ["expired", "used", "revoked", "made up"])
def test_a_join_link_that_expired_was_used_or_revoked_is_a_clear_404(
        app, team, make_organiser, client, how):
    link = invite(app, team["owner"], "nina@example.com",
                  now=utcnow() - timedelta(days=8) if how == "expired" else None)
    if how == "used":
        nina = make_organiser("Nina Nilsen", "nina@example.com")
        with app.app_context():
            services.accept_invitation(link.rsplit("/", 1)[1], db.session.get(Organiser, nina.id),
                                       utcnow())
            db.session.commit()
    elif how == "revoked":
        with app.app_context():
            services.revoke_invitation(team["workspace_id"], db.session.get(
                Organiser, team["owner"].id), db_id_of_invitation(app, link), utcnow())
            db.session.commit()
    elif how == "made up":
        link = "/team/join/" + "A" * 43
    before = (count(app, Organiser), count(app, Membership))
    page = client.get(link)
    assert page.status_code == 404
    assert "expired, was used already or was withdrawn" in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    posted = client.submit(link, {"name": "Nina", "password": PASSWORD, "confirm": PASSWORD})
    assert posted.status_code == 404
    assert (count(app, Organiser), count(app, Membership)) == before


# --- roles, removal, ownership -------------------------------------------------------------

def test_an_admin_changes_a_role_and_the_trail_says_from_what_to_what(app, team, log_in):
    admin = log_in(team["admin"])
    switch_to(admin, team["workspace_id"])
    response = admin.submit(f"/team/members/{team['viewer'].id}/role", {"role": "organiser"})
    assert response.status_code == 303
    assert role_in(app, team["workspace_id"], team["viewer"]) == Role.ORGANISER
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()))
        assert (entry.action, entry.member_id, entry.details) == (
            "member.role_changed", team["viewer"].id, {"role": ["viewer", "organiser"]})
    page = admin.get("/team/audit").get_data(as_text=True)
    assert "Changed a member&#39;s role" in page and "Role: Viewer -&gt; Organiser" in page


def test_an_admin_cannot_make_an_owner_or_touch_one(app, team, log_in):
    admin = log_in(team["admin"])
    switch_to(admin, team["workspace_id"])
    assert admin.submit(f"/team/members/{team['viewer'].id}/role",
                        {"role": "owner"}).status_code == 422
    demoted = admin.submit(f"/team/members/{team['owner'].id}/role", {"role": "viewer"})
    assert demoted.status_code == 403
    assert "Only an owner may do that to an owner." in demoted.get_data(as_text=True)
    assert admin.submit(f"/team/members/{team['owner'].id}/remove").status_code == 403
    assert role_in(app, team["workspace_id"], team["owner"]) == Role.OWNER


def test_the_last_owner_cannot_be_demoted_leave_or_be_removed(app, team, log_in):
    owner = log_in(team["owner"])
    for url, data in ((f"/team/members/{team['owner'].id}/role", {"role": "admin"}),
                      (f"/team/members/{team['owner'].id}/remove", {}),
                      ("/team/leave", {})):
        response = owner.submit(url, data)
        assert response.status_code == 409, url
        assert "owner" in response.get_data(as_text=True)
    assert role_in(app, team["workspace_id"], team["owner"]) == Role.OWNER
    assert trail_actions(app, team["workspace_id"])[-1] == "member.joined"


def test_with_two_owners_one_may_step_down(app, team, log_in):
    owner = log_in(team["owner"])
    assert owner.submit(f"/team/members/{team['admin'].id}/role",
                        {"role": "owner"}).status_code == 303
    assert owner.submit(f"/team/members/{team['owner'].id}/role",
                        {"role": "admin"}).status_code == 303
    assert role_in(app, team["workspace_id"], team["owner"]) == Role.ADMIN
    assert role_in(app, team["workspace_id"], team["admin"]) == Role.OWNER


def test_the_owner_hands_ownership_on_and_becomes_an_admin(app, team, log_in):
    owner = log_in(team["owner"])
    response = owner.submit(f"/team/members/{team['organiser'].id}/transfer")
    assert response.status_code == 303
    assert role_in(app, team["workspace_id"], team["organiser"]) == Role.OWNER
    assert role_in(app, team["workspace_id"], team["owner"]) == Role.ADMIN
    assert trail_actions(app, team["workspace_id"])[-1] == "member.ownership_transferred"
    assert owner.submit(f"/team/members/{team['admin'].id}/transfer").status_code == 403
    admin = log_in(team["admin"])
    switch_to(admin, team["workspace_id"])
    assert admin.submit(f"/team/members/{team['viewer'].id}/transfer").status_code == 403


def test_a_removed_member_is_out_at_their_next_request_and_their_work_stays(
        app, team, log_in):
    event = make_team_event(app, team["organiser"], team["workspace_id"], "Oda's race")
    oda = log_in(team["organiser"])  # her first workspace is her own
    assert switch_to(oda, team["workspace_id"]).status_code == 303
    assert "Oda&#39;s race" in oda.get("/").get_data(as_text=True)
    assert oda.get(f"/events/{event.id}").status_code == 200
    admin = log_in(team["admin"])
    switch_to(admin, team["workspace_id"])
    assert admin.submit(f"/team/members/{team['organiser'].id}/remove").status_code == 303
    page = oda.get("/", follow_redirects=True).get_data(as_text=True)
    assert "You are no longer a member of Olivia Owner." in page
    assert "Oda&#39;s race" not in page, "she works in her own workspace now"
    assert oda.get(f"/events/{event.id}").status_code == 404
    with app.app_context():
        kept = db.session.get(Event, event.id)
        assert kept.owner_id == team["organiser"].id
        assert kept.workspace_id == team["workspace_id"]
    assert trail_actions(app, team["workspace_id"])[-1] == "member.removed"


def test_a_member_left_in_no_workspace_is_told_so_and_starts_a_new_one(app, team, client):
    link = invite(app, team["owner"], "nina@example.com")
    client.submit(link, {"name": "Nina Nilsen", "password": PASSWORD, "confirm": PASSWORD})
    with app.app_context():
        nina_id = db.session.scalar(select(Organiser.id).where(
            Organiser.email == "nina@example.com"))
        services.remove_member(team["workspace_id"], db.session.get(Organiser, team["owner"].id),
                               nina_id)
        db.session.commit()
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/team/workspaces/new"
    page = client.get("/team/workspaces/new").get_data(as_text=True)
    assert "You are no longer a member of Olivia Owner." in page
    assert "You are not a member of any workspace now." in page
    assert client.get("/contacts/").status_code == 302
    response = client.submit("/team/workspaces/new", {"name": "Nina's Agency"})
    assert response.status_code == 303
    page = client.get("/team/").get_data(as_text=True)
    assert "Team of Nina&#39;s Agency" in page
    with app.app_context():
        nina = db.session.get(Organiser, nina_id)
        assert [m.role for m in nina.memberships] == [Role.OWNER]


def test_a_member_leaves_a_workspace(app, team, log_in):
    viewer = log_in(team["viewer"])
    switch_to(viewer, team["workspace_id"])
    response = viewer.submit("/team/leave")
    assert response.status_code == 303
    assert "You have left Olivia Owner." in viewer.get("/").get_data(as_text=True)
    assert role_in(app, team["workspace_id"], team["viewer"]) is None
    assert trail_actions(app, team["workspace_id"])[-1] == "member.left"


# --- switching -----------------------------------------------------------------------------

def test_an_account_in_several_workspaces_switches_between_them(app, team, log_in,
                                                               make_event):
    make_event(owner=team["owner"], title="Team summit")
    make_event(owner=team["viewer"], title="Vera's own party")
    vera = log_in(team["viewer"])
    page = vera.get("/").get_data(as_text=True)
    assert "Vera&#39;s own party" in page and "Team summit" not in page
    assert 'class="switcher"' in page and f"/team/switch/{team['workspace_id']}" in page
    response = switch_to(vera, team["workspace_id"])
    assert response.status_code == 303 and response.headers["Location"] == "/"
    page = vera.get("/").get_data(as_text=True)
    assert "Team summit" in page and "Vera&#39;s own party" not in page
    assert "You are working in Olivia Owner." in page


def test_switching_to_a_workspace_one_is_not_a_member_of_is_a_404(app, team, make_organiser,
                                                                  log_in):
    stranger = make_organiser("Stella Stranger", "stella@example.com")
    vera = log_in(team["viewer"])
    assert switch_to(vera, workspace_of(app, stranger)).status_code == 404
    assert switch_to(vera, 999_999).status_code == 404


def test_an_account_in_one_workspace_sees_no_switcher_but_the_team_link(make_organiser,
                                                                        log_in):
    page = log_in(make_organiser()).get("/").get_data(as_text=True)
    assert 'href="/team/"' in page and 'class="switcher"' not in page


def test_an_agency_starts_another_workspace_and_works_in_it(app, make_organiser, log_in):
    agency = make_organiser("Anna Agency", "anna@example.com")
    browser = log_in(agency)
    assert "Start a new workspace" in browser.get("/team/workspaces/new").get_data(
        as_text=True)
    assert browser.submit("/team/workspaces/new", {"name": ""}).status_code == 422
    assert browser.submit("/team/workspaces/new", {"name": "Client B"}).status_code == 303
    assert "Team of Client B" in browser.get("/team/").get_data(as_text=True)
    with app.app_context():
        assert len(db.session.get(Organiser, agency.id).memberships) == 2


# --- settings: name, required two-factor sign-in -------------------------------------------

def test_an_admin_renames_the_workspace_and_the_trail_keeps_the_old_name(app, team, log_in):
    admin = log_in(team["admin"])
    switch_to(admin, team["workspace_id"])
    assert admin.submit("/team/settings", {"name": ""}).status_code == 422
    assert admin.submit("/team/settings", {"name": "Stair Race Team"}).status_code == 303
    with app.app_context():
        assert db.session.get(Workspace, team["workspace_id"]).name == "Stair Race Team"
    page = admin.get("/team/audit").get_data(as_text=True)
    assert "Renamed the workspace" in page and "Name: Olivia Owner -&gt; Stair Race Team" in page


def turn_on_two_factor(app, organiser: Organiser) -> None:
    with app.app_context():
        db.session.execute(update(Organiser).where(Organiser.id == organiser.id)
                           .values(totp_secret="JBSWY3DPEHPK3PXP", totp_enabled_at=utcnow()))
        db.session.commit()


def test_the_owner_requires_two_factor_only_once_they_use_it(app, team, log_in):
    owner = log_in(team["owner"])
    refused = owner.submit("/team/settings/two-factor", {"required": "y"})
    assert refused.status_code == 409
    assert "Turn on two-factor sign-in for yourself first." in refused.get_data(as_text=True)
    admin = log_in(team["admin"])
    switch_to(admin, team["workspace_id"])
    assert admin.submit("/team/settings/two-factor", {"required": "y"}).status_code == 403
    with app.app_context():
        assert not db.session.get(Workspace, team["workspace_id"]).requires_two_factor


def test_members_without_two_factor_are_sent_to_set_it_up_when_the_owner_requires_it(
        app, team, log_in):
    oda = log_in(team["organiser"])
    switch_to(oda, team["workspace_id"])
    turn_on_two_factor(app, team["owner"])
    with app.app_context():
        services.require_two_factor(db.session.get(Workspace, team["workspace_id"]),
                                    db.session.get(Organiser, team["owner"].id), True)
        db.session.commit()
    for url in ("/", "/contacts/", "/team/"):
        response = oda.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"] == "/auth/two-factor/setup"
    page = oda.get("/auth/two-factor/setup").get_data(as_text=True)
    assert "Olivia Owner requires two-factor sign-in: set it up to go on." in page
    own = workspace_of(app, team["organiser"])
    assert switch_to(oda, own).status_code == 303, "she may still work elsewhere"
    assert oda.get("/").status_code == 200
    switch_to(oda, team["workspace_id"])
    turn_on_two_factor(app, team["organiser"])
    assert oda.get("/").status_code == 200
    assert "workspace.two_factor_changed" in trail_actions(app, team["workspace_id"])


# --- the audit trail -----------------------------------------------------------------------

def test_the_audit_trail_lists_newest_first_and_filters_by_member_event_and_contact(
        app, team, log_in, make_event, make_contact):
    event = make_event(owner=team["owner"], title="Stoltzen race")
    contact = make_contact(owner=team["owner"], name="Carl Client")
    with app.app_context():
        owner = db.session.get(Organiser, team["owner"].id)
        record(team["workspace_id"], owner, "event.rehearsed", event_id=event.id,
               details={"capacity": [40, 50]})
        record(team["workspace_id"], owner, "contact.erased", contact_id=contact.id)
        db.session.commit()
    admin = log_in(team["admin"])
    switch_to(admin, team["workspace_id"])
    page = admin.get("/team/audit").get_data(as_text=True)
    assert page.index("Erased a contact&#39;s personal data") < page.index("event.rehearsed") \
        < page.index("Joined the workspace"), "newest first; unknown actions as they are"
    assert "Capacity: 40 -&gt; 50" in page and "Stoltzen race" in page
    assert "Created the event" in page, "other areas' actions read as text too"
    by_event = admin.get(f"/team/audit?event={event.id}").get_data(as_text=True)
    assert "event.rehearsed" in by_event and "Erased a contact" not in by_event
    by_contact = admin.get(f"/team/audit?contact={contact.id}").get_data(as_text=True)
    assert "Erased a contact" in by_contact and "event.rehearsed" not in by_contact
    by_member = admin.get(f"/team/audit?member={team['viewer'].id}").get_data(as_text=True)
    assert by_member.count("Joined the workspace") == 1 and "event.rehearsed" not in by_member
    organiser = log_in(team["organiser"])
    switch_to(organiser, team["workspace_id"])
    assert organiser.get("/team/audit").status_code == 403


def test_the_audit_trail_is_paged_and_shows_nothing_of_another_workspace(
        app, team, log_in, make_organiser):
    stranger = make_organiser("Stella Stranger", "stella@example.com")
    with app.app_context():
        owner = db.session.get(Organiser, team["owner"].id)
        for number in range(105):
            record(team["workspace_id"], owner, f"test.step{number}")
        record(workspace_of(app, stranger), None, "secret.thing")
        db.session.commit()
    browser = log_in(team["owner"])
    page = browser.get("/team/audit").get_data(as_text=True)
    assert "test.step104" in page and "test.step4<" not in page and "secret.thing" not in page
    older = re.search(r'href="(/team/audit\?before=\d+)"', page).group(1)
    rest = browser.get(older).get_data(as_text=True)
    assert "test.step4<" in rest and "test.step104" not in rest and "Older entries" not in rest


def test_a_member_who_leaves_the_team_looks_after_none_of_its_clients(app, team, log_in):
    from eventplanner.contacts.models import Company, Contact

    with app.app_context():
        company = Company(workspace_id=team["workspace_id"], name="Fjord Fisk AS",
                          account_manager_id=team["organiser"].id)
        contact = Contact(workspace_id=team["workspace_id"], name="Kari Nordmann",
                          email="kari@fjordfisk.example", company=company,
                          account_manager_id=team["organiser"].id)
        db.session.add_all([company, contact])
        db.session.commit()
        ids = company.id, contact.id
    admin = log_in(team["admin"])
    switch_to(admin, team["workspace_id"])
    assert admin.submit(f"/team/members/{team['organiser'].id}/remove").status_code == 303
    with app.app_context():
        assert db.session.get(Company, ids[0]).account_manager_id is None
        assert db.session.get(Contact, ids[1]).account_manager_id is None
        entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert entry.details["clients released"] == 2


def test_a_link_to_an_event_of_another_of_my_workspaces_offers_to_switch_to_it(
        app, team, log_in):
    event = make_team_event(app, team["owner"], team["workspace_id"], "Christmas meeting")
    oda = log_in(team["organiser"])  # she works in her own workspace after logging in
    response = oda.get(f"/events/{event.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Christmas meeting" not in page
    assert "another of your workspaces" in page and "Switch to Olivia Owner" in page
    response = oda.submit(f"/team/switch/{team['workspace_id']}",
                          {"next": f"/events/{event.id}"})
    assert (response.status_code, response.headers["Location"]) == (303, f"/events/{event.id}")
    assert "Christmas meeting" in oda.get(f"/events/{event.id}").get_data(as_text=True)
    response = oda.submit(f"/team/switch/{team['workspace_id']}",
                          {"next": "https://evil.example/phish"})
    assert response.headers["Location"] == "/"


def test_a_stranger_gets_no_offer_to_switch_to_a_workspace_they_are_not_in(
        app, team, log_in, make_organiser):
    event = make_team_event(app, team["owner"], team["workspace_id"], "Christmas meeting")
    page = log_in(make_organiser()).get(f"/events/{event.id}").get_data(as_text=True)
    assert "Switch to" not in page and "Olivia Owner" not in page


def test_an_admin_removed_cannot_come_back_through_an_invitation_they_sent(app, team, log_in):
    """Invitations sent by a member who may no longer invite (removed, or demoted below
    admin) stop working: nobody joins on their word afterwards."""
    link = invite(app, team["admin"], "second.address@example.com", Role.ADMIN,
                  workspace_id=team["workspace_id"])
    owner = log_in(team["owner"])
    switch_to(owner, team["workspace_id"])
    assert owner.submit(f"/team/members/{team['admin'].id}/remove").status_code == 303
    with app.app_context():
        pending = db.session.scalars(select(JoinInvitation).where(
            JoinInvitation.email == "second.address@example.com")).one()
        assert pending.revoked_at is not None
    assert "has expired, was used already or was withdrawn" in log_in(
        team["organiser"]).get(link).get_data(as_text=True)


def test_an_outside_person_who_joins_sees_the_shared_event_by_their_role_only(
        app, team, log_in, make_organiser):
    from eventplanner.events.models import event_co_organiser
    from eventplanner.events.services import add_co_organiser

    event = make_team_event(app, team["owner"], team["workspace_id"], "Christmas meeting")
    guest_host = make_organiser(name="Gustav Guest", email="gustav@example.com")
    with app.app_context():
        add_co_organiser(db.session.get(Event, event.id),
                         db.session.get(Organiser, team["owner"].id), "gustav@example.com")
        db.session.commit()
    link = invite(app, team["owner"], "gustav@example.com", Role.VIEWER)
    gustav = log_in(guest_host)
    assert gustav.submit(link).status_code in (302, 303)
    with app.app_context():
        assert db.session.execute(select(event_co_organiser).where(
            event_co_organiser.c.organiser_id == guest_host.id)).all() == []
    switch_to(gustav, team["workspace_id"])
    assert gustav.get(f"/events/{event.id}/edit").status_code == 403
