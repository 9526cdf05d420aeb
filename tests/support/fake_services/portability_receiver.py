"""A fake of another controller's import interface for a portability copy (Art. 20(2) GDPR):
``POST /gdpr/art20`` with a bearer token and a ZIP body answers 202 with a receipt id; a wrong
token gets 401, a body that is no ZIP 415. Every upload is kept for the test to read."""

from __future__ import annotations

import io
import zipfile

from tests.support.fake_services.server import Answer, FakeService, Received

TOKEN = "art20-receiver-test-token"
PATH = "/gdpr/art20"


def receiver_fake() -> FakeService:
    fake = FakeService("portability_receiver")

    @fake.route("POST", PATH)
    def receive(received: Received) -> Answer:
        if received.auth != f"Bearer {TOKEN}":
            return 401, {"error": "unauthorised"}
        try:
            names = zipfile.ZipFile(io.BytesIO(received.body)).namelist()
        except zipfile.BadZipFile:
            return 415, {"error": "not a zip file"}
        return 202, {"receipt": f"r-{len(fake.calls('POST', PATH))}", "files": len(names)}

    return fake
