"""What a file is, read from its bytes (magic numbers and the parts inside a zip), never from its name
or the type a browser claims: the attachments accept PDF, OOXML and ODF office files, PNG and JPEG."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

# Bytes of a zip member read at most while looking inside (the ODF "mimetype" is a few dozen; an
# OOXML [Content_Types].xml a few kilobytes): a crafted zip cannot make the check inflate much.
MEMBER_READ_MAX = 256 * 1024


@dataclass(frozen=True)
class FileType:
    content_type: str
    extensions: tuple[str, ...]  # accepted name endings; the first is the usual one
    label: str  # the format's name, as shown beside the file (not translated: product names)


PDF = FileType("application/pdf", ("pdf",), "PDF")
DOCX = FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ("docx",), "Word")
XLSX = FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",), "Excel")
PPTX = FileType(
    "application/vnd.openxmlformats-officedocument.presentationml.presentation", ("pptx",), "PowerPoint"
)
ODT = FileType("application/vnd.oasis.opendocument.text", ("odt",), "OpenDocument")
ODS = FileType("application/vnd.oasis.opendocument.spreadsheet", ("ods",), "OpenDocument")
ODP = FileType("application/vnd.oasis.opendocument.presentation", ("odp",), "OpenDocument")
PNG = FileType("image/png", ("png",), "PNG")
JPEG = FileType("image/jpeg", ("jpg", "jpeg"), "JPEG")

ACCEPTED = (PDF, DOCX, XLSX, PPTX, ODT, ODS, ODP, PNG, JPEG)
BY_CONTENT_TYPE = {kind.content_type: kind for kind in ACCEPTED}
ACCEPTED_EXTENSIONS = tuple(ext for kind in ACCEPTED for ext in kind.extensions)

# The main part of each OOXML document: its presence (with [Content_Types].xml) says which it is.
_OOXML_PARTS = (("word/document.xml", DOCX), ("xl/workbook.xml", XLSX), ("ppt/presentation.xml", PPTX))
_ODF_TYPES = {kind.content_type: kind for kind in (ODT, ODS, ODP)}


def extension(filename: str) -> str:
    _stem, dot, ext = filename.rpartition(".")
    return ext.lower() if dot else ""


def sniff(head: bytes, data: io.BufferedIOBase | io.BytesIO) -> FileType | None:
    """The accepted type these bytes are, or None. `head` is the file's first bytes; `data` the whole
    file, seekable (read only for a zip). Macro-enabled office files are refused: they run code."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        return _zip_type(data)
    return None


def _read_member(archive: zipfile.ZipFile, name: str) -> bytes:
    with archive.open(name) as member:
        return member.read(MEMBER_READ_MAX)


def _zip_type(data) -> FileType | None:
    try:
        data.seek(0)
        with zipfile.ZipFile(data) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                return _ODF_TYPES.get(_read_member(archive, "mimetype").decode("ascii", "replace").strip())
            if "[Content_Types].xml" not in names:
                return None
            types = _read_member(archive, "[Content_Types].xml").decode("utf-8", "replace")
            if "macroEnabled" in types or any(name.endswith("vbaProject.bin") for name in names):
                return None
            for part, kind in _OOXML_PARTS:
                if part in names:
                    return kind
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, RuntimeError, ValueError, EOFError):
        return None
    finally:
        data.seek(0)
    return None
