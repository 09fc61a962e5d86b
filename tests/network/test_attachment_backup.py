"""`flask backup` and `flask restore` carry the attachments' files with the database."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from network.extensions import db
from network.models import Attachment
from network.services import attachments
from tests.network.test_backup import _cli

PDF = b"%PDF-1.4\n%%EOF\n"


def test_backup_copies_the_files_and_restore_brings_them_back(app, make, tmp_path):
    body = make.public_body(name="Elvedal kommune")
    admin = make.user(body)
    need = make.need(body)
    with app.test_request_context():
        attachment = attachments.attach(admin, need, attachments.Upload("Kart.pdf", io.BytesIO(PDF)))
    stored = attachment.stored_name
    folder = Path(app.config["UPLOAD_FOLDER"])

    path = tmp_path / "site.backup"
    result = _cli(app, "backup", str(path))
    assert result.exit_code == 0, result.output
    assert "Copied 1 attachment files" in result.output
    assert (tmp_path / "site.backup.attachments" / stored).read_bytes() == PDF

    # The disk is lost: the restore brings back the rows and their files.
    shutil.rmtree(folder)
    result = _cli(app, "restore", str(path), "--yes")
    assert result.exit_code == 0, result.output
    assert "Restored 1 attachment files." in result.output
    assert db.session.scalars(db.select(Attachment)).one().stored_name == stored
    assert (folder / stored).read_bytes() == PDF


def test_a_backup_without_files_is_restored_with_a_note(app, make, tmp_path):
    make.need()
    path = tmp_path / "site.backup"
    assert _cli(app, "backup", str(path)).exit_code == 0
    shutil.rmtree(tmp_path / "site.backup.attachments")
    result = _cli(app, "restore", str(path), "--yes")
    assert result.exit_code == 0, result.output
    assert "No attachment files beside the backup" in result.output
