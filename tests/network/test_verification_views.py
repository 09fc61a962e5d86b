"""The site administrators' verification page: the number with its entry in Enhetsregisteret, a warning
when a name does not look like a public body's, and rejecting a body with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from network.models import AuditEntry, Need, Organisation, Role, Stage
from network.services.mail import outbox_messages
from tests.helpers import field_error, location, need_form, registration, rows, text

pytestmark = pytest.mark.usefixtures("english")

REGISTER = "https://data.brreg.no/enhetsregisteret/oppslag/enheter/"


@pytest.fixture
def walker(make):
    """A body waiting for verification whose name is not a public body's, and its registrant."""
    org = make.public_body(name="Walk Testfirma", verified=False, org_number="958935420")
    return make.user(org, name="Walter Walk", email="walter@example.no")


@pytest.fixture
def site_admin(make):
    return make.user(site_admin=True)


def test_the_pending_list_links_the_number_to_the_register_and_warns_about_the_name(
    client, login, make, walker, site_admin
):
    make.public_body(name="Bærum kommune", verified=False, org_number="974760673")
    make.public_body(name="Uten Orgnr Kommune", verified=False)
    login(site_admin)

    page = text(client.get("/admin/organisations"))

    assert f'href="{REGISTER}958935420"' in page
    assert f'href="{REGISTER}974760673"' in page
    walk_row = page[page.index("Walk Testfirma") : page.index("Bærum kommune")]
    assert "none of the words public bodies&#39; names usually have" in walk_row
    baerum_row = page[page.index("Bærum kommune") : page.index("Uten Orgnr Kommune")]
    assert "none of the words" not in baerum_row
    assert "No organisation number" in page[page.index("Uten Orgnr Kommune") :]


@pytest.mark.parametrize(
    "name",
    [
        "Helsedirektoratet",
        "Oslo universitetssykehus HF",
        "Arbeidstilsynet",
        "Vestland fylkeskommune",
        "IVAR IKS",
    ],
)
def test_public_body_names_raise_no_warning(app, name):
    from network.services.verification import looks_like_public_body

    assert looks_like_public_body(name)


@pytest.mark.parametrize("name", ["Walk Testfirma", "Fjordtek AS", "Hfx Consulting"])
def test_other_names_raise_the_warning(app, name):
    from network.services.verification import looks_like_public_body

    assert not looks_like_public_body(name)


def test_rejecting_asks_for_a_reason_then_tells_the_registrant(app, client, login, walker, site_admin):
    org_id = walker.organisation_id
    login(site_admin)
    assert f"/admin/organisations/{org_id}/reject" in text(client.get("/admin/organisations"))

    confirm = client.get(f"/admin/organisations/{org_id}/reject")
    assert confirm.status_code == 200
    assert f'href="{REGISTER}958935420"' in text(confirm)
    missing = client.post(f"/admin/organisations/{org_id}/reject", data={"reason": "   "})
    assert missing.status_code == 422
    assert field_error(text(missing), "reason")
    assert rows(Organisation, Organisation.id == org_id)[0].rejected_at is None

    reason = "Nummeret tilhører Oslo kommune, ikke Walk Testfirma."
    response = client.post(f"/admin/organisations/{org_id}/reject", data={"reason": reason})

    assert location(response) == "/admin/organisations"
    (org,) = rows(Organisation, Organisation.id == org_id)
    assert (org.verified, org.rejected_reason) == (False, reason)
    assert org.rejected_at is not None
    page = text(client.get("/admin/organisations"))
    waiting = page[
        page.index("Public bodies waiting for verification</h1>") : page.index("Verified public bodies")
    ]
    assert "Walk Testfirma" not in waiting
    assert reason in page[page.index("Rejected public bodies") :]
    (entry,) = rows(AuditEntry, AuditEntry.action == "organisation.reject")
    assert (entry.actor_id, entry.changes["reason"]) == (site_admin.id, reason)
    (mail,) = [m for m in outbox_messages(Path(app.config["MAIL_OUTBOX_DIR"])) if m["To"] == walker.email]
    assert reason in mail.get_content()


def test_a_rejected_body_cannot_publish(client, login, walker, site_admin):
    login(site_admin)
    client.post(
        f"/admin/organisations/{walker.organisation_id}/reject", data={"reason": "Ikke et offentlig organ."}
    )
    client.post("/logout")
    login(walker)

    client.post("/needs/new", data=need_form(title="Behov fra et avvist organ"))
    (draft,) = rows(Need, Need.title == "Behov fra et avvist organ")
    client.post(f"/needs/{draft.id}/publish")

    assert rows(Need, Need.id == draft.id)[0].stage == Stage.DRAFT


def test_verifying_a_rejected_body_takes_it_off_the_rejected_list(client, login, walker, site_admin):
    login(site_admin)
    client.post(f"/admin/organisations/{walker.organisation_id}/reject", data={"reason": "Feil."})

    client.post(f"/admin/organisations/{walker.organisation_id}/verify")

    (org,) = rows(Organisation, Organisation.id == walker.organisation_id)
    assert org.verified
    assert (org.rejected_at, org.rejected_reason) == (None, None)


def test_a_body_cannot_be_rejected_twice_nor_once_verified(client, login, make, walker, site_admin):
    verified = make.public_body(name="Godkjent kommune")
    login(site_admin)
    client.post(f"/admin/organisations/{walker.organisation_id}/reject", data={"reason": "Første gang."})

    again = client.post(
        f"/admin/organisations/{walker.organisation_id}/reject", data={"reason": "Andre gang."}
    )
    assert location(again) == "/admin/organisations"
    assert rows(Organisation, Organisation.id == walker.organisation_id)[0].rejected_reason == "Første gang."
    client.post(f"/admin/organisations/{verified.id}/reject", data={"reason": "Nei."})
    assert rows(Organisation, Organisation.id == verified.id)[0].rejected_at is None


def test_only_a_site_admin_rejects(client, login, make, walker):
    other_admin = make.user(make.public_body(name="Nabokommune"), role=Role.ADMIN)
    for user in (walker, other_admin):
        login(user)
        assert client.get(f"/admin/organisations/{walker.organisation_id}/reject").status_code == 403
        response = client.post(f"/admin/organisations/{walker.organisation_id}/reject", data={"reason": "x"})
        assert response.status_code == 403
        client.post("/logout")

    assert rows(Organisation, Organisation.id == walker.organisation_id)[0].rejected_at is None


def test_a_rejected_bodys_page_says_it_is_not_verified(client, login, walker, site_admin):
    login(site_admin)
    client.post(f"/admin/organisations/{walker.organisation_id}/reject", data={"reason": "Feil."})
    client.post("/logout")

    page = text(client.get(f"/organisations/{walker.organisation_id}"))

    assert "Not verified yet" not in page
    assert "Not verified" in page


# -- the number on the profile form -------------------------------------------------------------


def _profile(org, **kw):
    data = {"name": org.name, "org_number": org.org_number or "", "sector": "municipality", "kommune": "0301"}
    return data | kw


def test_a_public_body_keeps_its_number(client, login, make):
    org = make.public_body(name="Eierkommune", org_number="974760673")
    login(make.user(org))

    response = client.post(f"/organisations/{org.id}/edit", data=_profile(org, org_number=""))

    assert response.status_code == 422
    assert "keeps its organisation number" in field_error(text(response), "org_number")
    assert rows(Organisation, Organisation.id == org.id)[0].org_number == "974760673"


def test_a_verified_body_cannot_change_its_number_but_a_site_admin_can(client, login, make):
    org = make.public_body(name="Eierkommune", org_number="974760673")
    login(make.user(org))

    response = client.post(f"/organisations/{org.id}/edit", data=_profile(org, org_number="958935420"))

    assert response.status_code == 422
    assert "changed by the site administrators" in field_error(text(response), "org_number")
    client.post("/logout")
    login(make.user(site_admin=True))
    assert location(client.post(f"/organisations/{org.id}/edit", data=_profile(org, org_number="958935420")))
    assert rows(Organisation, Organisation.id == org.id)[0].org_number == "958935420"


def test_another_organisations_number_is_refused_on_the_profile(client, login, make):
    make.supplier(name="Annen AS", org_number="923609016")
    org = make.public_body(name="Eierkommune", verified=False, org_number="974760673")
    login(make.user(org))

    response = client.post(f"/organisations/{org.id}/edit", data=_profile(org, org_number="923609016"))

    assert response.status_code == 422
    assert "Another organisation is registered with that number." in text(response)
    assert rows(Organisation, Organisation.id == org.id)[0].org_number == "974760673"


def test_a_body_registering_the_name_of_a_demo_example_registers_and_the_admin_is_warned(client, login, make):
    make.public_body(name="Oslo kommune", is_example=True)
    response = client.post(
        "/register",
        data=registration(org_name="Oslo kommune", org_number="958935420", kommune="0301", email="o@oslo.no"),
    )
    assert location(response) == "/dashboard"
    client.post("/logout")
    login(make.user(site_admin=True))

    page = text(client.get("/admin/organisations"))

    assert f'href="{REGISTER}958935420"' in page
    assert "An example body of the demo has the same name" in page


def test_the_rejected_body_reads_the_reason_on_its_needs_page(client, login, walker, site_admin):
    login(site_admin)
    client.post(
        f"/admin/organisations/{walker.organisation_id}/reject", data={"reason": "Nummeret er ikke deres."}
    )
    client.post("/logout")
    login(walker)

    page = text(client.get("/needs/mine"))

    assert "has rejected your organisation" in page
    assert "Nummeret er ikke deres." in page


def test_the_audit_log_names_the_rejection(client, login, walker, site_admin):
    login(site_admin)
    client.post(f"/admin/organisations/{walker.organisation_id}/reject", data={"reason": "Feil."})

    page = text(client.get(f"/audit?organisation={walker.organisation_id}"))

    assert "Organisation rejected" in page
    assert "organisation.reject" not in page
