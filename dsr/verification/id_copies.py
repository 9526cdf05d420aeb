"""ID copies, the fallback method: checked from the bytes, cleaned, stored encrypted, shown
watermarked to coordinators only, and deleted once the check is decided.

What is refused, each with its own reason code (the page explains it in German and English):
a file over the size limit, anything that is not JPEG, PNG or PDF by its bytes (an HTML page
or script named ``.pdf``), a polyglot (a second format hidden in the file), an image bomb
(more pixels than allowed), an encrypted PDF or one carrying JavaScript, actions or embedded
files, a blank or near-blank image or PDF, and an image too small to read. Images are
re-encoded, which drops EXIF, GPS and any trailing payload.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError
from pypdf.generic import DictionaryObject, IndirectObject
from sqlalchemy import select
from sqlalchemy.orm import Session

from dsr.audit import AuditAction, append_event
from dsr.documents import Document, DocumentStore
from dsr.permissions import Actor, Permission
from dsr.requests import operations as actions
from dsr.requests.models import Request
from dsr.verification.id_copy_marks import blank_image, watermark_image, watermark_pdf
from dsr.verification.steps import VerificationError, record

KIND = "id_copy"
TYPES = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
MIN_SIDE = 200
_FOREIGN = re.compile(rb"<\s*(?:script|html|body|iframe|svg|\?php)\b|%PDF-|PK\x03\x04|MZ\x90\x00",
                      re.IGNORECASE)
_ACTIVE_PDF = {"/JS", "/JavaScript", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia",
               "/XFA", "/SubmitForm", "/ImportData", "/GoToR"}
_PDF_NAME = re.compile(rb"/[^\s/<>\[\]()%{}]+")
_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
_WALK_LIMIT = 200_000


class IdCopyRefused(ValueError):
    """The upload is not accepted; ``code`` names why (``id_refused_<code>`` on the page)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class CleanCopy:
    content_type: str
    data: bytes

    @property
    def extension(self) -> str:
        return TYPES[self.content_type]


def clean(data: bytes, *, max_bytes: int, max_pixels: int) -> CleanCopy:
    """Check ``data`` and return what may be stored; raises :class:`IdCopyRefused`."""
    if not data:
        raise IdCopyRefused("empty")
    if len(data) > max_bytes:
        raise IdCopyRefused("too_large")
    import magic  # libmagic is loaded only when a file is checked, not when the app starts

    detected = magic.from_buffer(data[:65536], mime=True)
    if detected not in TYPES:
        raise IdCopyRefused("type")
    if detected == "application/pdf":
        return CleanCopy(detected, _clean_pdf(data))
    return CleanCopy(detected, _clean_image(data, detected, max_pixels))


def _clean_image(data: bytes, content_type: str, max_pixels: int) -> bytes:
    signature = b"\xff\xd8\xff" if content_type == "image/jpeg" else b"\x89PNG\r\n\x1a\n"
    if not data.startswith(signature) or _FOREIGN.search(data):
        raise IdCopyRefused("polyglot")
    if content_type == "image/png" and not data.rstrip(b"\x00").endswith(b"IEND\xaeB`\x82"):
        raise IdCopyRefused("polyglot")  # something follows the image's last chunk
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > max_pixels:
                raise IdCopyRefused("bomb")
            image.load()
    except IdCopyRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise IdCopyRefused("bomb") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise IdCopyRefused("broken") from None
    if min(image.size) < MIN_SIDE:
        raise IdCopyRefused("too_small")
    turned: Image.Image = ImageOps.exif_transpose(image)
    picture = turned.convert("RGB") if turned.mode not in ("RGB", "L") else turned
    if blank_image(picture):
        raise IdCopyRefused("blank")
    out = io.BytesIO()  # a fresh file: no EXIF, GPS, comments or trailing bytes survive
    if content_type == "image/jpeg":
        picture.save(out, format="JPEG", quality=90)
    else:
        picture.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _names(data: bytes) -> set[str]:
    """Every PDF name in the raw bytes, ``#xx`` escapes resolved (``/J#53`` is ``/JS``)."""
    return {_HEX.sub(lambda m: bytes([int(m.group(1), 16)]), raw).decode("latin-1")
            for raw in _PDF_NAME.findall(data)}


def _active_keys(reader: PdfReader) -> bool:
    """Walk every object reachable from the catalogue (compressed object streams included)."""
    seen: set[tuple[int, int]] = set()
    stack: list[Any] = [reader.trailer["/Root"]]
    steps = 0
    while stack:
        steps += 1
        if steps > _WALK_LIMIT:
            return True  # too convoluted to vouch for
        node = stack.pop()
        if isinstance(node, IndirectObject):
            ref = (node.idnum, node.generation)
            if ref in seen:
                continue
            seen.add(ref)
            node = node.get_object()
        if isinstance(node, DictionaryObject):
            if _ACTIVE_PDF & set(node.keys()) or node.get("/S") in _ACTIVE_PDF:
                return True
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def _clean_pdf(data: bytes) -> bytes:
    if not data.startswith(b"%PDF-"):
        raise IdCopyRefused("polyglot")  # something precedes the PDF header
    if re.search(rb"<\s*(?:script|html|body|iframe|\?php)\b", data, re.IGNORECASE):
        raise IdCopyRefused("polyglot")
    if _ACTIVE_PDF & _names(data):
        raise IdCopyRefused("pdf_active")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise IdCopyRefused("pdf_encrypted")
        if _active_keys(reader):
            raise IdCopyRefused("pdf_active")
        pages = list(reader.pages)
        if not pages or len(pages) > 10:
            raise IdCopyRefused("pdf_pages")
        if not any((page.extract_text() or "").strip() or _has_images(page) for page in pages):
            raise IdCopyRefused("blank")
        writer = PdfWriter()  # pages only: no document metadata, no incremental updates
        for page in pages:
            writer.add_page(page)
        out = io.BytesIO()
        writer.write(out)
    except IdCopyRefused:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError):
        raise IdCopyRefused("broken") from None
    return out.getvalue()


def _has_images(page: Any) -> bool:
    resources = page.get("/Resources") or {}
    xobjects = resources.get("/XObject") or {}
    return any(x.get_object().get("/Subtype") == "/Image" for x in xobjects.values())


def shown(data: bytes, content_type: str, reference: str) -> bytes:
    """The copy as a coordinator sees it: watermarked on every page or across the image."""
    if content_type == "application/pdf":
        return watermark_pdf(data, reference)
    return watermark_image(data, content_type, reference)


def store(session: Session, documents: DocumentStore, request: Request, data: bytes, *,
          settings: dict[str, Any], actor: str, uploaded_by_id: int | None) -> Document:
    """Check, clean and store an ID copy encrypted; a refusal is recorded and re-raised."""
    try:
        copy = clean(data, max_bytes=settings["id_copy_max_bytes"],
                     max_pixels=settings["id_copy_max_pixels"])
    except IdCopyRefused as exc:
        record(session, request, "id_copy", "refused", actor, why=exc.code)
        raise
    doc = documents.put(session, request_id=request.id, kind=KIND,
                        filename=f"{request.reference}-id.{copy.extension}",
                        content_type=copy.content_type, data=copy.data,
                        created_by_id=uploaded_by_id)
    record(session, request, "id_copy", "info", actor, document=doc.id, type=copy.extension)
    return doc


def may_view(doc: Document, actor: Actor) -> bool:
    """Only someone who holds ``id_copies.view``, and never the person who uploaded the scan."""
    return (doc.kind == KIND and doc.deleted_at is None
            and actor.may(Permission.ID_COPIES_VIEW) and doc.created_by_id != actor.user_id)


def live_copies(session: Session, request_id: int) -> list[Document]:
    return list(session.scalars(select(Document).where(
        Document.request_id == request_id, Document.kind == KIND,
        Document.deleted_at.is_(None)).order_by(Document.id)))


def decide(session: Session, documents: DocumentStore, request: Request, *, actor: str,
           accepted: bool, settings: dict[str, Any], name_check: str = "") -> int:
    """The coordinator's decision on the ID copies; they are deleted at once unless configured
    to stay a few days (then ``expire_id_copies`` deletes them). Returns how many were deleted."""
    from dsr.security.evidence import EvidenceMissing, require_name_check

    copies = live_copies(session, request.id)
    if not copies:
        raise VerificationError("there is no ID copy to decide on", msgid="err_v_no_id_copy")
    if accepted:
        try:
            require_name_check(name_check)  # accepted only with the name on it checked
        except EvidenceMissing as exc:
            raise VerificationError(exc.text, msgid=exc.msgid, **exc.params) from None
    record(session, request, "id_copy_decision", "ok" if accepted else "refused", actor,
           **({"name_check": name_check} if accepted else {}))
    append_event(session, actor=actor, action=AuditAction.ID_COPY_DECIDED, request_id=request.id,
                 details={"accepted": accepted, "copies": len(copies)})
    if accepted and request.status == "awaiting_verification":
        actions.verify(session, request, actor=actor, method="id_document", settings=settings)
    if settings["id_copy_delete_after_days"] > 0:
        return 0
    for doc in copies:
        documents.delete(doc)
        append_event(session, actor=actor, action=AuditAction.DOCUMENT_DELETED,
                     request_id=request.id, details={"kind": doc.kind, "document": doc.id})
    session.flush()
    return len(copies)


def view(documents: DocumentStore, session: Session, request: Request, doc: Document, *,
         actor: str) -> bytes:
    """The ID copy as a coordinator sees it (watermarked with the reference); every view is
    audited. The caller has checked :func:`may_view`."""
    data = shown(documents.read(doc), doc.content_type, request.reference)
    append_event(session, actor=actor, action=AuditAction.ID_COPY_VIEWED, request_id=request.id,
                 details={"document": doc.id})
    return data
