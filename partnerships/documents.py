"""What an agreement's signed document may be: a PDF, a Word (DOCX) or an OpenDocument (ODT)
text, 10 MB at most, recognised by its content and not only by its name.

Why by content: a renamed executable or an HTML page called ``contract.pdf`` would otherwise be
stored and later served to every member of the partnership. The three formats are easy to tell
apart without a native library (no libmagic on a fresh machine): a PDF starts with ``%PDF-``; a
DOCX is a zip holding ``[Content_Types].xml`` and ``word/document.xml``; an ODT is a zip whose
``mimetype`` entry says ``application/vnd.oasis.opendocument.text``. Actions call
``check_agreement_document`` on every new upload (page, API and admin alike); documents already
stored are not re-read.
"""

from __future__ import annotations

import zipfile
from typing import IO, Any

from django.conf import settings

from core.errors import DomainError

ALLOWED = {"pdf": "PDF", "docx": "Word (DOCX)", "odt": "OpenDocument text (ODT)"}
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
ACCEPT = ".pdf,.docx,.odt"  # the file input's accept attribute


def limit_label() -> str:
    """The size limit in words, e.g. '10 MB'."""
    return f"{settings.AGREEMENT_DOCUMENT_MAX_BYTES // (1024 * 1024)} MB"


def _zip_names(stream: IO[bytes]) -> tuple[list[str], bytes]:
    """The entry names of a zip and its ``mimetype`` entry (empty if none); ([], b"") when it
    is not a readable zip."""
    try:
        with zipfile.ZipFile(stream) as archive:
            names = archive.namelist()
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
            return names, mimetype
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, RuntimeError):
        return [], b""


def detected_format(upload: Any) -> str | None:
    """'pdf', 'docx' or 'odt' from the file's bytes, else None."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if not head.startswith(b"PK\x03\x04"):
        return None
    names, mimetype = _zip_names(upload)
    upload.seek(0)
    if mimetype.strip() == ODT_MIMETYPE:
        return "odt"
    if "[Content_Types].xml" in names and "word/document.xml" in names:
        return "docx"
    return None


def check_agreement_document(upload: Any) -> None:
    """Refuse (``DomainError`` on ``document``) anything but a PDF, DOCX or ODT within the size
    limit whose name matches what it holds."""
    limit = settings.AGREEMENT_DOCUMENT_MAX_BYTES
    if (getattr(upload, "size", 0) or 0) > limit:
        raise DomainError(f"The document must be {limit_label()} or smaller.", field="document")
    if not getattr(upload, "size", 0):
        raise DomainError("The document is empty.", field="document")
    name = str(getattr(upload, "name", "") or "")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ALLOWED:
        raise DomainError("The document must be a PDF, DOCX or ODT file.", field="document")
    found = detected_format(upload)
    if found is None:
        raise DomainError(f"The document is called .{extension} but is not a "
                          f"{ALLOWED[extension]} file. Upload a PDF, DOCX or ODT file.",
                          field="document")
    if found != extension:
        raise DomainError(f"The document is called .{extension} but holds a "
                          f"{ALLOWED[found]} file. Rename it to .{found} or upload the right "
                          "file.", field="document")
