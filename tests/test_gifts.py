"""The gifts register: gifts noted on a contact's and a company's page, the yearly limit per
client with its warning, and the year's list for an audit (CSV)."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from eventplanner.audit.models import AuditEntry
from eventplanner.extensions import db
from eventplanner.gifts.models import Gift


def gift_form(**overrides) -> dict:
    return {"direction": "given", "given_on": f"{date.today().year}-06-01",
            "description": "Bottle of Aquavit", "value": "600", "currency": "nok",
            "occasion": "Stair race", "member_id": "0", **overrides}


def test_a_gift_noted_on_a_contact_shows_on_their_page_and_their_companys(
        app, make_organiser, make_contact, log_in):
    owner = make_organiser(name="Ingrid Haugen")
    kari = make_contact(owner, name="Kari Nordmann", company_name="Nordlys Shipping")
    browser = log_in(owner)
    response = browser.submit(f"/contacts/{kari.id}/gifts", gift_form(
        member_id=str(owner.id)))
    assert response.status_code == 302
    page = browser.get(f"/contacts/{kari.id}").get_data(as_text=True)
    assert "Gift noted." in page and "Bottle of Aquavit" in page and "Ingrid Haugen" in page
    assert "NOK" in page and "600" in page
    company = browser.get(f"/contacts/companies/{kari.company_id}").get_data(as_text=True)
    assert "Bottle of Aquavit" in company and "Kari Nordmann" in company
    with app.app_context():
        gift = db.session.scalars(select(Gift)).one()
        assert (gift.currency, gift.value, gift.company_id) == ("NOK", Decimal("600.00"),
                                                                kari.company_id)
    held = browser.get(f"/contacts/{kari.id}/data.json").get_json()
    assert held["gifts"] == [{"date": f"{date.today().year}-06-01", "direction": "given",
                              "what": "Bottle of Aquavit", "occasion": "Stair race",
                              "estimated_value": "600.00", "currency": "NOK"}]


def test_a_negative_value_or_an_unknown_currency_is_refused_and_nothing_saved(
        app, make_organiser, make_contact, log_in):
    owner = make_organiser()
    kari = make_contact(owner)
    browser = log_in(owner)
    for form, message in ((gift_form(value="-5"), "cannot be negative"),
                          (gift_form(currency="XYZ"), "ISO 4217"),
                          (gift_form(currency="KRONER"), "three-letter"),
                          (gift_form(description=""), "Say what the gift was")):
        browser.submit(f"/contacts/{kari.id}/gifts", form)
        assert message in browser.get(f"/contacts/{kari.id}").get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Gift).count() == 0


def test_the_yearly_limit_warns_when_a_gift_passes_it(app, make_organiser, make_contact,
                                                       log_in):
    owner = make_organiser()
    kari = make_contact(owner)
    browser = log_in(owner)
    assert browser.submit("/gifts/limit", {"limit": "1000", "currency": "NOK"}
                          ).status_code == 302
    browser.submit(f"/contacts/{kari.id}/gifts", gift_form(value="600"))
    assert "over the limit" not in browser.get(f"/contacts/{kari.id}").get_data(as_text=True)
    browser.submit(f"/contacts/{kari.id}/gifts", gift_form(value="499,50"))
    page = browser.get(f"/contacts/{kari.id}").get_data(as_text=True)
    assert "over the limit" in page and "1,099.50" in page
    browser.submit(f"/contacts/{kari.id}/gifts", gift_form(value="900", direction="received"))
    assert "over the limit" not in browser.get(f"/contacts/{kari.id}").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.action == "workspace.gift_limit_changed")).one()


def test_the_years_gifts_export_per_company_for_an_audit(app, make_organiser, make_contact,
                                                          log_in):
    owner = make_organiser()
    kari = make_contact(owner, name="Kari Nordmann", company_name="Nordlys Shipping")
    ola = make_contact(owner, name="Ola Vik", company_name="Askøy Kraft")
    browser = log_in(owner)
    browser.submit(f"/contacts/{kari.id}/gifts", gift_form(description="=cmd|' /C calc'!A0"))
    browser.submit(f"/contacts/{ola.id}/gifts", gift_form(description="Scarf"))
    browser.submit(f"/contacts/{ola.id}/gifts", gift_form(given_on="2001-01-01"))
    year = date.today().year
    response = browser.get(f"/gifts/export.csv?year={year}")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [row[0] for row in rows[1:]] == ["Askøy Kraft", "Nordlys Shipping"]
    assert rows[2][4].startswith("'=")  # no formula runs in a spreadsheet
    assert "Scarf" in browser.get(f"/gifts/?year={year}").get_data(as_text=True)


def test_deleting_a_gift_of_another_workspace_is_not_found(app, make_organiser, make_contact,
                                                           log_in):
    owner, stranger = make_organiser(), make_organiser()
    kari = make_contact(owner)
    log_in(owner).submit(f"/contacts/{kari.id}/gifts", gift_form())
    with app.app_context():
        gift_id = db.session.scalars(select(Gift.id)).one()
    assert log_in(stranger).submit(f"/gifts/{gift_id}/delete", {}).status_code == 404
    browser = log_in(owner)
    assert browser.submit(f"/gifts/{gift_id}/delete", {}).status_code == 302
    with app.app_context():
        assert db.session.query(Gift).count() == 0


def test_a_value_that_is_no_number_is_refused(app, make_organiser, make_contact, log_in):
    owner = make_organiser()
    kari = make_contact(owner)
    browser = log_in(owner)
    for value in ("NaN", "Infinity", "1e400", "12,5,0", "sNaN"):
        response = browser.submit(f"/contacts/{kari.id}/gifts", gift_form(value=value))
        assert response.status_code == 302, value
        response = browser.submit("/gifts/limit", {"limit": value, "currency": "NOK"})
        assert response.status_code == 302, value
    assert "Enter an amount" in browser.get("/gifts/").get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Gift).count() == 0
