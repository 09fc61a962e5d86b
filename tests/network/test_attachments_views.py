"""Attachments on needs, answers and meetings through the test client: who may upload, delete and
download; the type is read from the bytes (a faked extension is refused); the size limit; and the
download's headers (always a download, never rendered)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from network.extensions import db
from network.models import Attachment, Role, Stage, utcnow
from network.services import dialogue
from tests.helpers import count, location, text

pytestmark = pytest.mark.usefixtures("english")

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
HTML = b"<html><script>alert(document.cookie)</script></html>"


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


CONTENT_TYPES = (
    b'<?xml version="1.0"?><Types><Override ContentType='
    b'"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
DOCX = _zip({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": b"<w:document/>"})
DOCM = _zip(
    {
        "[Content_Types].xml": b"<Types><Override ContentType="
        b'"application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>',
        "word/document.xml": b"<w:document/>",
        "word/vbaProject.bin": b"\x00" * 10,
    }
)
XLSX = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
ODT = _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office/>"})
PLAIN_ZIP = _zip({"readme.txt": b"hello"})


def upload(client, url, data: bytes, name: str, sent_type: str = "application/octet-stream"):
    """A multipart POST of one file, encoded here (the test client spools a large one to a temporary
    file it leaves open)."""
    boundary = "----behovsborsen-test"
    quoted = name.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "%0D").replace("\n", "%0A")
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{quoted}"\r\n'
            f"Content-Type: {sent_type}\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


@pytest.fixture
def need(make, body):
    return make.need(body, title="Digitalt tilsyn om natten")


@pytest.fixture
def member(make, body):
    return make.user(body, role=Role.MEMBER, name="Mona Medlem")


def folder(app) -> Path:
    return Path(app.config["UPLOAD_FOLDER"])


def stored_files(app) -> list[Path]:
    return sorted(p for p in folder(app).glob("*")) if folder(app).exists() else []


def attach_pdf(client, need, name="Behovsbeskrivelse.pdf", data=PDF):
    response = upload(client, f"/needs/{need.id}/attachments", data, name, "application/pdf")
    assert response.status_code == 302, text(response)[:600]
    return db.session.scalars(db.select(Attachment).order_by(Attachment.id.desc())).first()


# -- uploading ------------------------------------------------------------------------------


def test_the_body_attaches_a_pdf_that_anyone_downloads_as_a_file(app, client, login, need, member):
    login(member)
    response = upload(client, f"/needs/{need.id}/attachments", PDF, "Behovsbeskrivelse før møtet.pdf")
    assert response.status_code == 302
    assert location(response).endswith(f"/needs/{need.id}#attachments")
    attachment = db.session.scalars(db.select(Attachment)).one()
    assert attachment.content_type == "application/pdf"
    assert attachment.size == len(PDF)
    # On disk under UPLOAD_FOLDER (the instance folder, not static/), by a random name.
    (path,) = stored_files(app)
    assert path.read_bytes() == PDF
    assert "static" not in path.parts
    assert path.name == attachment.stored_name
    assert ".pdf" not in path.name

    client.post("/logout")
    page = text(client.get(f"/needs/{need.id}"))
    assert "Behovsbeskrivelse før møtet.pdf" in page
    assert f"/attachments/{attachment.id}" in page
    assert "Attach a file" not in page

    download = client.get(f"/attachments/{attachment.id}")
    assert download.status_code == 200
    assert download.data == PDF
    assert download.mimetype == "application/pdf"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Behovsbeskrivelse%20f%C3%B8r%20m%C3%B8tet.pdf" in disposition
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download.headers["Content-Security-Policy"]
    assert "default-src 'none'" in download.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (
            DOCX,
            "Kravspesifikasjon.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (XLSX, "Priser.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (ODT, "Notat.odt", "application/vnd.oasis.opendocument.text"),
        (PNG, "Plantegning.png", "image/png"),
    ],
)
def test_office_files_and_images_get_the_type_their_bytes_show(
    client, login, need, body_admin, data, name, content_type
):
    login(body_admin)
    # The browser claims a wrong type: what counts is what the bytes are.
    response = upload(client, f"/needs/{need.id}/attachments", data, name, "text/html")
    assert response.status_code == 302, text(response)[:500]
    attachment = db.session.scalars(db.select(Attachment)).one()
    assert attachment.content_type == content_type
    download = client.get(f"/attachments/{attachment.id}")
    assert download.mimetype == content_type
    assert download.headers["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (HTML, "Rapport.pdf"),  # a web page with a script, renamed
        (PDF, "Rapport.docx"),  # a PDF called a Word file
        (PLAIN_ZIP, "Rapport.docx"),  # a zip that is no office file
        (DOCM, "Rapport.docx"),  # a Word file with macros, renamed
        (b"MZ\x90\x00" + b"\x00" * 60, "Rapport.xlsx"),  # a program
        (PNG, "Bilde.jpg"),  # a PNG called a JPEG
    ],
)
def test_a_file_whose_bytes_are_not_what_its_name_says_is_refused(
    app, client, login, need, body_admin, data, name
):
    login(body_admin)
    response = upload(client, f"/needs/{need.id}/attachments", data, name, "application/pdf")
    assert response.status_code == 422
    page = text(response)
    assert 'id="file-error"' in page
    assert "is not what its name" in page
    assert count(Attachment) == 0
    assert stored_files(app) == []


@pytest.mark.parametrize("name", ["Oppdatering.exe", "Side.html", "Bilde.svg", "Uten-ending", "Gammel.doc"])
def test_a_kind_of_file_not_accepted_is_refused_by_its_name(app, client, login, need, body_admin, name):
    login(body_admin)
    response = upload(client, f"/needs/{need.id}/attachments", PDF, name)
    assert response.status_code == 422
    assert "This kind of file cannot be attached" in text(response)
    assert count(Attachment) == 0
    assert stored_files(app) == []


def test_an_empty_upload_or_no_file_is_refused_next_to_the_field(client, login, need, body_admin):
    login(body_admin)
    response = upload(client, f"/needs/{need.id}/attachments", b"", "Tom.pdf")
    assert response.status_code == 422
    assert "The file is empty." in text(response)
    response = client.post(f"/needs/{need.id}/attachments", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose a file to attach." in text(response)
    assert count(Attachment) == 0


def test_a_file_over_the_limit_is_refused(app, client, login, need, body_admin):
    app.config["ATTACHMENT_MAX_BYTES"] = 2000
    login(body_admin)
    # Over the limit but within the form's envelope: refused by the check that counts the bytes.
    response = upload(client, f"/needs/{need.id}/attachments", PDF + b"0" * 3000, "Stor.pdf")
    assert response.status_code == 422
    assert "larger than" in text(response)
    # Far over: refused before the body is read.
    response = upload(client, f"/needs/{need.id}/attachments", PDF + b"0" * 200_000, "Svaer.pdf")
    assert response.status_code == 413
    assert "larger than" in text(response)
    assert count(Attachment) == 0
    assert stored_files(app) == []


def test_the_upload_route_alone_takes_bodies_beyond_max_content_length(app, client, login, need, body_admin):
    big = PDF + b"0" * (3 * 1024 * 1024)
    assert len(big) > app.config["MAX_CONTENT_LENGTH"]
    login(body_admin)
    assert upload(client, f"/needs/{need.id}/attachments", big, "Tegninger.pdf").status_code == 302
    assert db.session.scalars(db.select(Attachment)).one().size == len(big)
    # Every other form keeps the site's limit.
    other = client.post(f"/needs/{need.id}/edit", data={"title": "x" * (3 * 1024 * 1024)})
    assert other.status_code == 413


def test_a_record_holds_a_limited_number_of_attachments(app, client, login, need, body_admin):
    app.config["ATTACHMENTS_PER_RECORD"] = 2
    login(body_admin)
    attach_pdf(client, need, "En.pdf")
    attach_pdf(client, need, "To.pdf")
    response = upload(client, f"/needs/{need.id}/attachments", PDF, "Tre.pdf")
    assert response.status_code == 422
    assert "the most allowed" in text(response)


def test_a_path_and_odd_characters_in_the_name_are_cleaned(client, login, need, body_admin):
    login(body_admin)
    attachment = attach_pdf(client, need, '..\\..\\C:\\tmp/"rapport";\tX: y.pdf')
    assert attachment.filename == "_rapport__ X_ y.pdf"
    download = client.get(f"/attachments/{attachment.id}")
    assert "\r" not in download.headers["Content-Disposition"]
    assert "\n" not in download.headers["Content-Disposition"]


# -- who may upload -------------------------------------------------------------------------


def test_only_the_needs_body_may_upload(make, app, client, login, need, supplier_user):
    assert client.get(f"/needs/{need.id}/attachments").status_code == 302  # to the login
    response = upload(client, f"/needs/{need.id}/attachments", PDF, "Fra.pdf")
    assert "/login" in location(response)
    login(supplier_user)
    assert upload(client, f"/needs/{need.id}/attachments", PDF, "Fra.pdf").status_code == 403
    client.post("/logout")
    login(make.user(make.public_body(name="Annen kommune")))
    assert upload(client, f"/needs/{need.id}/attachments", PDF, "Fra.pdf").status_code == 403
    assert "Attach a file" not in text(client.get(f"/needs/{need.id}"))
    assert count(Attachment) == 0
    assert stored_files(app) == []


def test_the_body_attaches_files_to_an_answer_and_to_a_meeting(
    app, client, login, need, body_admin, supplier_user
):
    question = dialogue.ask_question(
        supplier_user, need, dialogue.QuestionDraft("Hvilke sensorer har dere i dag?")
    )
    from datetime import timedelta

    start = utcnow() + timedelta(days=10)
    meeting = dialogue.schedule_meeting(
        body_admin,
        need,
        dialogue.MeetingDraft(
            title="Dialogmøte",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            capacity=5,
            place="Rådhuset",
        ),
    )
    login(body_admin)
    page = text(client.get(f"/needs/{need.id}"))
    assert f'action="/questions/{question.id}/attachments"' in page
    assert f'action="/meetings/{meeting.id}/attachments"' in page
    response = upload(client, f"/questions/{question.id}/attachments", PDF, "Sensorliste.pdf")
    assert location(response).endswith(f"#question-{question.id}")
    response = upload(client, f"/meetings/{meeting.id}/attachments", PDF, "Agenda.pdf")
    assert location(response).endswith(f"#meeting-{meeting.id}")
    on_answer, on_meeting = db.session.scalars(db.select(Attachment).order_by(Attachment.id)).all()
    assert on_answer.question_id == question.id
    assert on_meeting.meeting_id == meeting.id
    client.post("/logout")

    # The meeting's agenda is public; the answer's file only once the answer is published.
    login(supplier_user)
    page = text(client.get(f"/needs/{need.id}"))
    assert "Agenda.pdf" in page
    assert "Sensorliste.pdf" not in page
    assert client.get(f"/attachments/{on_meeting.id}").status_code == 200
    assert client.get(f"/attachments/{on_answer.id}").status_code == 404
    dialogue.answer_question(body_admin, question.id, dialogue.AnswerDraft(answer="Se vedlagt liste."))
    assert "Sensorliste.pdf" in text(client.get(f"/needs/{need.id}"))
    assert client.get(f"/attachments/{on_answer.id}").status_code == 200


def test_an_attachment_of_another_needs_question_is_not_reachable_as_this_needs(
    make, client, login, body_admin, supplier_user
):
    other_need = make.need(make.public_body(name="Annen kommune"))
    question = dialogue.ask_question(supplier_user, other_need, dialogue.QuestionDraft("Hva med data?"))
    login(body_admin)
    assert upload(client, f"/questions/{question.id}/attachments", PDF, "X.pdf").status_code == 403
    assert upload(client, "/questions/999999/attachments", PDF, "X.pdf").status_code == 404
    assert upload(client, "/meetings/999999/attachments", PDF, "X.pdf").status_code == 404


# -- who may download -----------------------------------------------------------------------


def test_a_drafts_attachments_are_its_bodys_alone(make, app, client, login, body, body_admin, supplier_user):
    draft = make.need(body, stage=Stage.DRAFT, title="Utkast om tilsyn")
    login(body_admin)
    attachment = attach_pdf(client, draft)
    assert client.get(f"/attachments/{attachment.id}").status_code == 200
    client.post("/logout")
    assert client.get(f"/attachments/{attachment.id}").status_code == 404
    login(supplier_user)
    assert client.get(f"/attachments/{attachment.id}").status_code == 404
    assert client.get(f"/attachments/{attachment.id}/delete").status_code == 404


def test_a_hidden_needs_attachments_are_hidden_with_it(make, app, client, login, need, body_admin):
    login(body_admin)
    attachment = attach_pdf(client, need)
    client.post("/logout")
    need.hidden_at, need.hidden_reason = utcnow(), "Personopplysninger"
    db.session.commit()
    assert client.get(f"/attachments/{attachment.id}").status_code == 404
    login(make.user(site_admin=True))
    assert client.get(f"/attachments/{attachment.id}").status_code == 200


def test_an_unknown_attachment_is_missing(client):
    assert client.get("/attachments/424242").status_code == 404
    assert client.get("/attachments/99999999999999999999").status_code == 404


def test_a_missing_file_is_missing_not_an_error(app, client, login, need, body_admin):
    login(body_admin)
    attachment = attach_pdf(client, need)
    (folder(app) / attachment.stored_name).unlink()
    assert client.get(f"/attachments/{attachment.id}").status_code == 404


# -- deleting -------------------------------------------------------------------------------


def test_the_body_deletes_an_attachment_after_confirming(
    app, client, login, need, body_admin, member, supplier_user
):
    login(body_admin)
    attachment = attach_pdf(client, need, "Gammel versjon.pdf")
    client.post("/logout")

    login(supplier_user)
    assert client.get(f"/attachments/{attachment.id}/delete").status_code == 403
    assert client.post(f"/attachments/{attachment.id}/delete").status_code == 403
    client.post("/logout")
    assert "/login" in location(client.post(f"/attachments/{attachment.id}/delete"))
    assert count(Attachment) == 1

    login(member)
    confirm = client.get(f"/attachments/{attachment.id}/delete")
    assert confirm.status_code == 200
    assert "Gammel versjon.pdf" in text(confirm)
    assert "Delete the attachment" in text(confirm)
    assert count(Attachment) == 1
    response = client.post(f"/attachments/{attachment.id}/delete")
    assert location(response).endswith(f"/needs/{need.id}#attachments")
    assert count(Attachment) == 0
    assert stored_files(app) == []
    assert client.get(f"/attachments/{attachment.id}").status_code == 404


def test_deleting_a_draft_deletes_its_files(make, app, client, login, body, body_admin):
    draft = make.need(body, stage=Stage.DRAFT, title="Utkast om tilsyn")
    login(body_admin)
    attach_pdf(client, draft)
    assert len(stored_files(app)) == 1
    response = client.post(f"/needs/{draft.id}/delete")
    assert response.status_code == 302
    assert count(Attachment) == 0
    assert stored_files(app) == []


def test_uploads_and_deletions_are_in_the_audit_log(client, login, need, body_admin):
    from network.models import AuditEntry

    login(body_admin)
    attachment = attach_pdf(client, need, "Logget.pdf")
    client.post(f"/attachments/{attachment.id}/delete")
    actions = [e.action for e in db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id))]
    assert actions[-2:] == ["attachment.add", "attachment.delete"]
