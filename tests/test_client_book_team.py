"""The client book belongs to the team: account managers ("our person") on contacts and
companies, "my clients", notes with their author (private ones for the author only), and
the audit trail of what members do to contacts."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from sqlalchemy import delete, select

from eventplanner.audit.models import AuditEntry
from eventplanner.auth.models import Membership, Role
from eventplanner.contacts.models import Company, Contact
from eventplanner.extensions import db
from eventplanner.feedback.models import Note
from tests.conftest import statements_run
from tests.test_uploads_and_csv import confirm_contacts, key_in, preview_contacts


def text_of(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


@pytest.fixture
def team(make_organiser, make_member):
    """Ingrid owns the workspace; Jonas organises, Sofie reads, Anna administers."""
    ingrid = make_organiser(name="Ingrid Haugen")
    return {"owner": ingrid,
            "organiser": make_member(ingrid, Role.ORGANISER, "Jonas Eide"),
            "viewer": make_member(ingrid, Role.VIEWER, "Sofie Lunde"),
            "admin": make_member(ingrid, Role.ADMIN, "Anna Admin")}


def contact_form(contact: Contact, **changes) -> dict:
    return {"name": contact.name, "email": contact.email, "phone": "", "company_name": "",
            "language": "", "dietary_notes": "", "tags": "", "notes": "",
            "account_manager": "", **changes}


def trail(app, action: str | None = None) -> list[AuditEntry]:
    with app.app_context():
        query = select(AuditEntry).order_by(AuditEntry.id)
        if action:
            query = query.where(AuditEntry.action == action)
        entries = list(db.session.scalars(query))
        db.session.expunge_all()
        return entries


def account_manager_of(app, model, object_id: int) -> int | None:
    with app.app_context():
        return db.session.get(model, object_id).account_manager_id


# --- account managers --------------------------------------------------------------------


def test_an_organiser_chooses_a_teammate_as_a_contacts_account_manager_and_changes_them(
        app, team, make_contact, log_in):
    kari = make_contact(team["owner"], name="Kari Nordmann")
    jonas = log_in(team["organiser"])
    form_page = jonas.get(f"/contacts/{kari.id}/edit").get_data(as_text=True)
    assert "Account manager (our person)" in form_page
    for member in ("Ingrid Haugen", "Jonas Eide", "Sofie Lunde", "Anna Admin"):
        assert f">{member}</option>" in form_page

    response = jonas.submit(f"/contacts/{kari.id}/edit",
                            contact_form(kari, account_manager=team["organiser"].id))
    assert response.status_code == 302
    assert account_manager_of(app, Contact, kari.id) == team["organiser"].id
    assert "Looked after by Jonas Eide" in text_of(
        jonas.get(f"/contacts/{kari.id}").get_data(as_text=True))

    jonas.submit(f"/contacts/{kari.id}/edit", contact_form(kari,
                                                           account_manager=team["owner"].id))
    assert account_manager_of(app, Contact, kari.id) == team["owner"].id
    jonas.submit(f"/contacts/{kari.id}/edit", contact_form(kari))
    assert account_manager_of(app, Contact, kari.id) is None
    changes = [(e.actor_name, e.contact_id, e.details["account_manager"])
               for e in trail(app, "contact.account_manager_changed")]
    assert changes == [("Jonas Eide", kari.id, [None, "Jonas Eide"]),
                       ("Jonas Eide", kari.id, ["Jonas Eide", "Ingrid Haugen"]),
                       ("Jonas Eide", kari.id, ["Ingrid Haugen", None])]


def test_someone_outside_the_team_cannot_be_made_account_manager(
        app, team, make_organiser, make_contact, log_in):
    outsider = make_organiser(name="Olav Outsider")  # a member of another workspace only
    kari = make_contact(team["owner"], name="Kari Nordmann")
    company = make_contact(team["owner"], company_name="Nordlys").company_id
    jonas = log_in(team["organiser"])

    refused = jonas.submit(f"/contacts/{kari.id}/edit",
                           contact_form(kari, name="Kari N.", account_manager=outsider.id))
    assert refused.status_code == 422
    assert "The account manager must be a member of this team." in refused.get_data(
        as_text=True)
    with app.app_context():
        unchanged = db.session.get(Contact, kari.id)
        assert (unchanged.name, unchanged.account_manager_id) == ("Kari Nordmann", None)

    added = jonas.submit("/contacts/new", contact_form(
        kari, name="New", email="new@client.example", account_manager=outsider.id))
    assert added.status_code == 422
    refused = jonas.submit(f"/contacts/companies/{company}/account-manager",
                           {"account_manager": outsider.id})
    assert refused.status_code == 422
    assert "The account manager must be a member of this team." in refused.get_data(
        as_text=True)
    assert account_manager_of(app, Company, company) is None
    with app.app_context():
        assert db.session.scalar(select(Contact).where(Contact.email == "new@client.example")) \
            is None
    assert trail(app, "contact.changed") == [] and trail(app, "contact.account_manager_changed") \
        == []


def test_a_contact_whose_account_manager_left_the_team_can_still_be_edited(
        app, team, make_contact, log_in):
    kari = make_contact(team["owner"], name="Kari Nordmann",
                        account_manager_id=team["organiser"].id)
    with app.app_context():
        db.session.execute(delete(Membership).where(
            Membership.organiser_id == team["organiser"].id))
        db.session.commit()
    ingrid = log_in(team["owner"])
    assert ">Jonas Eide</option>" in ingrid.get(f"/contacts/{kari.id}/edit").get_data(
        as_text=True)
    saved = ingrid.submit(f"/contacts/{kari.id}/edit", contact_form(
        kari, phone="+47 999", account_manager=team["organiser"].id))
    assert saved.status_code == 302  # unchanged: kept, though no longer a member
    assert account_manager_of(app, Contact, kari.id) == team["organiser"].id
    changed = ingrid.submit(f"/contacts/{kari.id}/edit", contact_form(
        kari, account_manager=team["viewer"].id))
    assert changed.status_code == 302  # another member: fine
    assert ingrid.submit(f"/contacts/{kari.id}/edit", contact_form(
        kari, account_manager=team["organiser"].id)).status_code == 422  # not again


def test_a_companys_account_manager_looks_after_its_people_unless_they_have_their_own(
        app, team, make_contact, log_in):
    kari = make_contact(team["owner"], name="Kari Nordmann", company_name="Nordlys Shipping")
    ola = make_contact(team["owner"], name="Ola Bakken", company_name="Nordlys Shipping")
    company = kari.company_id
    with app.app_context():
        db.session.get(Contact, ola.id).account_manager_id = team["owner"].id
        db.session.commit()
    jonas = log_in(team["organiser"])
    page = text_of(jonas.get(f"/contacts/companies/{company}").get_data(as_text=True))
    assert "No account manager yet." in page

    response = jonas.submit(f"/contacts/companies/{company}/account-manager",
                            {"account_manager": team["organiser"].id})
    assert response.status_code == 302
    assert "Looked after by Jonas Eide" in text_of(
        jonas.get(f"/contacts/companies/{company}").get_data(as_text=True))
    kari_page = text_of(jonas.get(f"/contacts/{kari.id}").get_data(as_text=True))
    assert "Looked after by Jonas Eide (the account manager of Nordlys Shipping)" in kari_page
    assert "Looked after by Ingrid Haugen" in text_of(
        jonas.get(f"/contacts/{ola.id}").get_data(as_text=True))
    [entry] = trail(app, "company.account_manager_changed")
    assert entry.details["account_manager"] == [None, "Jonas Eide"]
    listing = text_of(jonas.get("/contacts/companies/").get_data(as_text=True))
    assert "Nordlys Shipping 2 Jonas Eide" in listing


def test_my_clients_are_those_i_look_after_myself_or_through_their_company(
        app, team, make_contact, log_in):
    mine = make_contact(team["owner"], name="Anders Mine")
    through_company = make_contact(team["owner"], name="Berit Company", company_name="Fjord")
    make_contact(team["owner"], name="Carl Colleagues")
    make_contact(team["owner"], name="Dina Nobodys")
    with app.app_context():
        db.session.get(Contact, mine.id).account_manager_id = team["organiser"].id
        db.session.get(Company, through_company.company_id).account_manager_id = \
            team["organiser"].id
        db.session.scalar(select(Contact).where(Contact.name == "Carl Colleagues")) \
            .account_manager_id = team["owner"].id
        db.session.commit()
    jonas = log_in(team["organiser"])

    everyone = text_of(jonas.get("/contacts/").get_data(as_text=True))
    assert "4 contacts" in everyone and "Ingrid Haugen" in everyone
    page = jonas.get("/contacts/?mine=1").get_data(as_text=True)
    assert "2 contacts" in text_of(page)
    assert "Anders Mine" in page and "Berit Company" in page
    assert "Carl Colleagues" not in page and "Dina Nobodys" not in page
    assert 'name="mine" value="1" checked' in page  # the filter stays on in its form
    assert "Berit Company" not in log_in(team["owner"]).get("/contacts/?mine=1").get_data(
        as_text=True)


def test_the_contact_list_costs_the_same_queries_with_many_account_managers(
        app, team, make_member, make_contact, log_in):
    jonas = log_in(team["organiser"])

    def statements() -> int:
        jonas.get("/contacts/")  # the login's own look-ups warm up first
        with statements_run(app) as run:
            page = jonas.get("/contacts/")
        assert page.status_code == 200
        return len(run)

    first = make_contact(team["owner"], company_name="Fjord", account_manager_id=team["owner"].id)
    with app.app_context():
        db.session.get(Company, first.company_id).account_manager_id = team["admin"].id
        db.session.commit()
    few = statements()
    for number in range(6):
        manager = make_member(team["owner"], Role.ORGANISER)
        make_contact(team["owner"], company_name=f"Company {number}",
                     account_manager_id=manager.id)
        with app.app_context():
            for company in db.session.scalars(select(Company)):
                company.account_manager_id = manager.id
            db.session.commit()
    assert statements() == few


def test_an_import_can_name_each_contacts_account_manager_by_a_members_email(
        app, team, log_in):
    jonas = log_in(team["organiser"])
    content = ("name,email,account manager\n"
               f"Kari,kari@client.example,{team['organiser'].email.upper()}\n"
               "Ola,ola@client.example,\n"
               "Per,per@client.example,stranger@example.com\n").encode()
    preview = preview_contacts(jonas, content)
    assert 'The account manager "stranger@example.com" is not a member of this team.' in \
        preview.get_data(as_text=True).replace("&#34;", '"').replace("&quot;", '"')
    confirm_contacts(jonas, key_in(preview))
    with app.app_context():
        managers = dict(db.session.execute(
            select(Contact.name, Contact.account_manager_id)).all())
    assert managers == {"Kari": team["organiser"].id, "Ola": None}
    [entry] = trail(app, "contacts.imported")
    assert (entry.actor_id, entry.details) == (team["organiser"].id, {"added": 2, "updated": 0})


# --- notes -------------------------------------------------------------------------------


def test_team_notes_show_author_and_date_and_a_private_note_only_to_its_author(
        app, team, make_contact, log_in):
    kari = make_contact(team["owner"], name="Kari Nordmann", company_name="Nordlys")
    company = kari.company_id
    ingrid, jonas = log_in(team["owner"]), log_in(team["organiser"])
    for url in (f"/contacts/{kari.id}/notes", f"/contacts/companies/{company}/notes"):
        assert ingrid.submit(url, {"noted_on": "2026-03-01", "text": "Has a dog"}) \
            .status_code == 302
        ingrid.submit(url, {"noted_on": "2026-03-02", "text": "Budget cut coming",
                            "private": "y"})

    for page_url in (f"/contacts/{kari.id}", f"/contacts/companies/{company}"):
        hers = text_of(ingrid.get(page_url).get_data(as_text=True))
        assert "Mar 1, 2026 Has a dog Ingrid Haugen" in hers
        assert "Mar 2, 2026 Budget cut coming Ingrid Haugen · Private" in hers
        his = text_of(jonas.get(page_url).get_data(as_text=True))
        assert "Mar 1, 2026 Has a dog Ingrid Haugen" in his
        assert "Budget cut coming" not in his
    his_export = json.loads(jonas.get(f"/contacts/{kari.id}/data.json").get_data(as_text=True))
    assert [n["text"] for n in his_export["notes"]] == ["Has a dog"]
    her_export = json.loads(ingrid.get(f"/contacts/{kari.id}/data.json").get_data(
        as_text=True))
    assert [n["text"] for n in her_export["notes"]] == ["Has a dog", "Budget cut coming"]
    with app.app_context():
        authors = {n.author_id for n in db.session.scalars(select(Note))}
    assert authors == {team["owner"].id}


def test_a_colleague_cannot_delete_or_even_find_a_private_note(app, team, make_contact,
                                                               log_in):
    kari = make_contact(team["owner"])
    ingrid = log_in(team["owner"])
    ingrid.submit(f"/contacts/{kari.id}/notes", {"noted_on": "2026-03-02", "text": "Mine",
                                                 "private": "y"})
    with app.app_context():
        note_id = db.session.scalar(select(Note.id))
    for colleague in ("organiser", "admin"):
        response = log_in(team[colleague]).submit(
            f"/contacts/{kari.id}/notes/{note_id}/delete")
        assert response.status_code == 404
    with app.app_context():
        assert db.session.scalar(select(Note.text)) == "Mine"


def test_only_the_author_or_an_admin_may_delete_a_team_note(app, team, make_member,
                                                          make_contact, log_in):
    kari = make_contact(team["owner"])
    jonas = log_in(team["organiser"])
    for text in ("First", "Second"):
        jonas.submit(f"/contacts/{kari.id}/notes", {"noted_on": "2026-03-02", "text": text})
    with app.app_context():
        first, second = db.session.scalars(select(Note.id).order_by(Note.id))
    # An organiser who did not write it: 403, nothing deleted, and no delete button.
    other = log_in(make_member(team["owner"], Role.ORGANISER))
    assert other.submit(f"/contacts/{kari.id}/notes/{first}/delete").status_code == 403
    assert f"/notes/{first}/delete" not in other.get(f"/contacts/{kari.id}").get_data(
        as_text=True)
    with app.app_context():
        assert db.session.get(Note, first) is not None
    # An admin may; the author may.
    assert log_in(team["admin"]).submit(
        f"/contacts/{kari.id}/notes/{first}/delete").status_code == 302
    assert f"/notes/{second}/delete" in jonas.get(f"/contacts/{kari.id}").get_data(
        as_text=True)
    assert jonas.submit(f"/contacts/{kari.id}/notes/{second}/delete").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Note.id)) is None


def test_a_viewer_reads_notes_but_cannot_add_one(app, team, make_contact, log_in):
    kari = make_contact(team["owner"])
    log_in(team["owner"]).submit(f"/contacts/{kari.id}/notes", {"noted_on": "2026-03-01",
                                                                "text": "Has a dog"})
    sofie = log_in(team["viewer"])
    page = sofie.get(f"/contacts/{kari.id}").get_data(as_text=True)
    assert "Has a dog" in page and "Add note" not in page and "/delete" not in page
    refused = sofie.submit(f"/contacts/{kari.id}/notes", {"noted_on": "2026-03-01",
                                                          "text": "Sneaky"})
    assert refused.status_code == 403
    with app.app_context():
        assert list(db.session.scalars(select(Note.text))) == ["Has a dog"]


def test_a_private_note_needs_an_author(app_ctx, make_organiser, make_contact):
    from eventplanner.feedback.relationships import BadNote, add_note

    contact = db.session.get(Contact, make_contact(make_organiser()).id)
    with pytest.raises(BadNote):
        add_note("Secret", date(2026, 1, 1), contact=contact, private=True)


# --- the audit trail ---------------------------------------------------------------------


def test_a_contacts_edit_export_and_erasure_are_in_the_audit_trail(app, team, make_contact,
                                                                    log_in):
    kari = make_contact(team["owner"], name="Kari Nordmann", phone="+47 999")
    jonas, ingrid = log_in(team["organiser"]), log_in(team["owner"])
    jonas.submit(f"/contacts/{kari.id}/edit", contact_form(
        kari, name="Kari Nordmann-Berg", tags="vip", company_name="Nordlys"))
    [changed] = trail(app, "contact.changed")
    assert (changed.actor_name, changed.contact_id) == ("Jonas Eide", kari.id)
    assert changed.details == {"name": ["Kari Nordmann", "Kari Nordmann-Berg"],
                               "phone": ["+47 999", ""], "company": [None, "Nordlys"],
                               "tags": [[], ["vip"]]}
    jonas.submit(f"/contacts/{kari.id}/edit", contact_form(
        kari, name="Kari Nordmann-Berg", tags="vip", company_name="Nordlys"))
    assert len(trail(app, "contact.changed")) == 1  # saved unchanged: nothing to tell

    assert jonas.get(f"/contacts/{kari.id}/data.json").status_code == 200
    [exported] = trail(app, "contact.exported")
    assert (exported.actor_id, exported.contact_id) == (team["organiser"].id, kari.id)

    assert ingrid.submit(f"/contacts/{kari.id}/erase").status_code == 302
    [erased] = trail(app, "contact.erased")
    assert (erased.actor_id, erased.contact_id) == (team["owner"].id, kari.id)
    # The trail forgets the erased person's old values; which fields changed stays.
    [changed] = trail(app, "contact.changed")
    assert changed.details == {"name": None, "phone": None, "company": None, "tags": None}
    assert "Kari" not in json.dumps([e.details for e in trail(app)])


def test_an_erasure_that_fails_leaves_no_audit_line(app, team, make_contact, log_in):
    kari = make_contact(team["owner"])
    ingrid = log_in(team["owner"])
    assert ingrid.submit(f"/contacts/{kari.id}/erase").status_code == 302
    assert ingrid.submit(f"/contacts/{kari.id}/erase").status_code == 409  # erased already
    assert len(trail(app, "contact.erased")) == 1
