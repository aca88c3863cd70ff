"""The organiser's address book and the CSV import, through the pages."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from eventplanner.contacts.models import Company, Contact, Tag
from eventplanner.extensions import db


@pytest.fixture
def organiser(make_organiser):
    return make_organiser()


@pytest.fixture
def organiser_client(log_in, organiser):
    return log_in(organiser)


def contact_form(**overrides) -> dict:
    return {"name": "Kari Nordmann", "email": "Kari.Nordmann@Nordlys.example",
            "phone": "+47 900 00 000", "company_name": "Nordlys Shipping AS",
            "language": "nb", "dietary_notes": "Vegetarian", "tags": "VIP, runner",
            "notes": "Prefers no small talk.", **overrides}


def contacts(app) -> list[Contact]:
    with app.app_context():
        return list(db.session.scalars(select(Contact).order_by(Contact.id)))


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_organiser_adds_a_contact_with_company_and_tags(app, organiser_client):
    response = organiser_client.submit("/contacts/new", contact_form())
    assert response.status_code == 302
    with app.app_context():
        contact = db.session.scalar(select(Contact))
        assert contact.email == "kari.nordmann@nordlys.example"
        assert contact.company.name == "Nordlys Shipping AS"
        assert contact.tag_names == ["runner", "vip"]
        assert (contact.language, contact.dietary_notes) == ("nb", "Vegetarian")
    page = organiser_client.get("/contacts/").get_data(as_text=True)
    assert "Kari Nordmann" in page and "Nordlys Shipping AS" in page


def test_an_email_is_unique_per_organiser_whatever_its_case(app, organiser_client, log_in,
                                                           make_organiser):
    organiser_client.submit("/contacts/new", contact_form())
    again = organiser_client.submit("/contacts/new",
                                    contact_form(email="KARI.nordmann@nordlys.example"))
    assert again.status_code == 422
    assert "You already have a contact with this email address." in again.get_data(
        as_text=True)
    other_organiser = log_in(make_organiser())
    assert other_organiser.submit("/contacts/new", contact_form()).status_code == 302
    assert count(app, Contact) == 2


@pytest.mark.parametrize("field, value, message", [
    ("name", "", "This field is required."),
    ("email", "kari@", "Enter a valid email address."),
    ("email", "", "This field is required."),
    ("language", "fr", "Not a valid choice"),
])
def test_a_bad_contact_is_refused_and_nothing_is_saved(app, organiser_client, field, value,
                                                       message):
    response = organiser_client.submit("/contacts/new", contact_form(**{field: value}))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(app, Contact) == 0


def test_organiser_edits_and_deletes_a_contact(app, organiser_client, organiser, make_contact):
    contact = make_contact(organiser, name="Ola Bakken")
    form = organiser_client.get(f"/contacts/{contact.id}/edit").get_data(as_text=True)
    assert 'value="Ola Bakken"' in form
    organiser_client.submit(f"/contacts/{contact.id}/edit", contact_form(name="Ola Bakken-Berg"))
    assert contacts(app)[0].name == "Ola Bakken-Berg"
    assert "Delete Ola Bakken-Berg?" in organiser_client.get(
        f"/contacts/{contact.id}/delete").get_data(as_text=True)
    assert organiser_client.submit(f"/contacts/{contact.id}/delete").status_code == 302
    assert contacts(app) == []


def test_search_finds_by_name_email_or_company_and_filters_by_tag(
        organiser_client, organiser, make_contact):
    make_contact(organiser, name="Kari Nordmann", company_name="Nordlys Shipping AS",
                 tags=("vip",))
    make_contact(organiser, name="Jürgen Weiß", email="jw@hansefracht.example",
                 company_name="Hansefracht GmbH")
    page = organiser_client.get("/contacts/?q=hansefracht").get_data(as_text=True)
    assert "Jürgen Weiß" in page and "Kari Nordmann" not in page
    page = organiser_client.get("/contacts/?q=NORDLYS").get_data(as_text=True)
    assert "Kari Nordmann" in page and "Jürgen Weiß" not in page
    page = organiser_client.get("/contacts/?tag=vip").get_data(as_text=True)
    assert "Kari Nordmann" in page and "Jürgen Weiß" not in page


def test_one_organisers_contacts_are_invisible_to_another(log_in, make_organiser,
                                                           make_contact):
    owner, other = make_organiser(), make_organiser()
    contact = make_contact(owner, name="Secret Client")
    other_client = log_in(other)
    assert "Secret Client" not in other_client.get("/contacts/").get_data(as_text=True)
    assert other_client.get(f"/contacts/{contact.id}/edit").status_code == 404


# --- CSV import ------------------------------------------------------------------------

def upload(organiser_client, content: bytes, filename: str = "contacts.csv"):
    return organiser_client.submit("/contacts/import", {"file": (io.BytesIO(content), filename)},
                                   content_type="multipart/form-data")


def confirm(organiser_client, preview_page: str):
    key = preview_page.split('name="upload" type="hidden" value="')[1].split('"')[0]
    return organiser_client.submit("/contacts/import/confirm", {"upload": key})


EXCEL_NORWAY = (
    "\ufeffNavn;E-post;Firma;Språk;Allergier;Stikkord\r\n"
    "Kari Nordmann;kari@nordlys.example;Nordlys Shipping AS;nb;Vegetar;vip, løper\r\n"
    "Ola Bakken;ola@nordlys.example;Nordlys Shipping AS;;;\r\n"
    "Jürgen Weiß;juergen@hansefracht.example;Hansefracht GmbH;de;;\r\n"
).encode("utf-8")


def test_a_semicolon_file_with_bom_is_previewed_then_imported_on_confirmation(
        app, organiser_client):
    preview = upload(organiser_client, EXCEL_NORWAY)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "3 new" in page and "Jürgen Weiß" in page
    assert count(app, Contact) == 0, "nothing is written before the organiser confirms"

    assert confirm(organiser_client, page).status_code == 302
    saved = {c.email: c for c in contacts(app)}
    assert set(saved) == {"kari@nordlys.example", "ola@nordlys.example",
                          "juergen@hansefracht.example"}
    with app.app_context():
        kari = db.session.scalar(select(Contact).where(Contact.email == "kari@nordlys.example"))
        assert kari.company.name == "Nordlys Shipping AS"
        assert kari.tag_names == ["løper", "vip"]
        assert kari.dietary_notes == "Vegetar"
    assert count(app, Company) == 2
    assert count(app, Tag) == 2


def test_the_preview_explains_each_bad_row_and_known_contacts_are_updates(
        app, organiser_client, organiser, make_contact):
    make_contact(organiser, name="Kari Nordmann", email="kari@nordlys.example", phone="123")
    content = (
        "name,email,phone,language\n"
        "Kari Nordmann,KARI@nordlys.example,,nb\n"
        ",nobody@nordlys.example,,\n"
        "Bad Email,not-an-email,,\n"
        "Twice,twice@nordlys.example,,\n"
        "Twice Again,twice@nordlys.example,,\n"
        "French,fr@nordlys.example,,fr\n"
    ).encode()
    page = upload(organiser_client, content).get_data(as_text=True)
    assert "1 new" in page and "1 update" in page and "4 errors" in page
    assert "The name is missing." in page
    assert "&#34;not-an-email&#34; is not a valid email address." in page
    assert "The same email address is on line 5." in page
    assert "Unknown language &#34;fr&#34;" in page

    confirm(organiser_client, page)
    saved = {c.email: c for c in contacts(app)}
    assert set(saved) == {"kari@nordlys.example", "twice@nordlys.example"}
    assert saved["kari@nordlys.example"].phone == "123", "an empty cell keeps what we had"
    assert saved["kari@nordlys.example"].language == "nb"


@pytest.mark.parametrize("content, message", [
    (b"", "The file is empty."),
    ("navn;telefon\nKari;123\n".encode(), "at least &#34;name&#34; and &#34;email&#34;"),
    ("name,email\nKåre,k@x.example\n".encode("latin-1"), "is not UTF-8"),
    (b'name,email\n"Kari,kari@x.example\n', "Line 2 of the file is broken"),
])
def test_an_unreadable_file_is_explained_and_nothing_is_written(app, organiser_client, content,
                                                                message):
    response = upload(organiser_client, content)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(app, Contact) == 0


def test_a_tampered_confirmation_writes_nothing(app, organiser_client):
    response = organiser_client.submit("/contacts/import/confirm",
                                       {"upload": "%%% no such key %%%"})
    assert response.status_code == 302
    assert count(app, Contact) == 0


def test_the_edit_form_shows_the_contacts_tags_and_keeps_them_when_not_sent(
        app, make_organiser, make_contact, log_in):
    """Found by the fuzz test: the form took the tag objects for the tags field."""
    owner = make_organiser()
    contact = make_contact(owner, tags=("vip", "runner"))
    organiser = log_in(owner)
    page = organiser.get(f"/contacts/{contact.id}/edit").get_data(as_text=True)
    assert 'value="runner, vip"' in page
    response = organiser.submit(f"/contacts/{contact.id}/edit", {
        "name": contact.name, "email": contact.email})
    assert response.status_code == 302
