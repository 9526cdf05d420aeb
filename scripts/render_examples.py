"""Render the example answers kept under ``docs/examples/`` from the demo, in German and
English: access, erasure granted in part, portability (Art. 20), objection, rectification and
"no data found". Each is a PDF as the service stores it (the report, or the DIN 5008 letter
of a postal request) plus one PNG per page (``pdftoppm``).

Run from the repository root: ``.venv/bin/python scripts/render_examples.py`` (options:
``--out`` for another folder, ``--dpi`` for the PNGs). Every run starts from a new demo shop
and service database in a temporary folder, with the clock pinned, so the examples change
only when the answers do.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy.orm import Session  # noqa: E402

from dsr.answers import operations as reports  # noqa: E402
from dsr.answers import postal  # noqa: E402
from dsr.audit import ensure_head  # noqa: E402
from dsr.changes import operations as changes  # noqa: E402
from dsr.config import load_config  # noqa: E402
from dsr.context import Services  # noqa: E402
from dsr.db import make_engine  # noqa: E402
from dsr.demo.generator import build_demo_shop  # noqa: E402
from dsr.migrate import upgrade  # noqa: E402
from dsr.requests import no_data  # noqa: E402
from dsr.requests import operations as actions  # noqa: E402
from dsr.requests.intake import Submission, submit  # noqa: E402
from dsr.requests.models import Channel, Request  # noqa: E402
from workflows.runner import run_pending  # noqa: E402

START = datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
CUSTOMERS = 40
ADDRESS = "Lindenweg 3\n91522 Ansbach"
PARTIAL_REASON = {
    "de": "Rechnungen, Bestell- und Zahlungsbelege müssen wir nach §147 AO und §257 HGB "
          "aufbewahren; alles andere haben wir gelöscht.",
    "en": "We must keep invoices, order and payment records under §147 AO and §257 HGB; "
          "everything else has been erased.",
}


def services_in(folder: Path) -> tuple[Services, str]:
    """A service on a fresh SQLite database beside a fresh demo shop; the sample's address."""
    shop_url = f"sqlite:///{folder / 'shop.sqlite'}"
    summary = build_demo_shop(shop_url, customers=CUSTOMERS, log_dir=folder / "shop-logs",
                              today=START.date())
    database = f"sqlite:///{folder / 'service.sqlite'}"
    engine = make_engine(database)
    upgrade(engine)
    engine.dispose()
    config = load_config(path=None, env={}, overrides={
        "service": {"data_dir": str(folder), "secret_key": "examples-" + "x" * 32,
                    "clock_start": START.isoformat(), "database_url": database},
        "connectors": {"shop": {"kind": "shop_sql", "url": shop_url,
                                "label": {"de": "Shop-Datenbank", "en": "Shop database"}},
                       "newsletter": {"kind": "newsletter", "url": shop_url,
                                      "subject_from": "shop",
                                      "label": {"de": "Newsletter und Einwilligungen",
                                                "en": "Newsletter and consents"}}},
        "tasks": {"backoff_seconds": 0}})
    services = Services(config)
    with services.db.session() as session:
        ensure_head(session)
    return services, summary.sample_customer_email


def received(services: Services, language: str, types: list[str], *, postal_request: bool,
             email: str, name: str = "Jürgen Weiß") -> int:
    """A request submitted, verified by hand and searched (in review), unless nothing is
    found for it."""
    with services.db.session() as session:
        request = submit(session, Submission(
            types=types, name=name, email=email,
            channel=Channel.LETTER.value if postal_request else Channel.FORM.value,
            received_at=services.clock.now(), language=language,
            postal_address=ADDRESS if postal_request else ""),
            calendar=services.calendar, connectors=list(services.config.connectors))
        request_id = request.id
    run_pending(services)
    return request_id


def searched(services: Services, request_id: int,
             before: Callable[[Session, Request], None] | None = None) -> None:
    with services.db.session() as session:
        request = session.get(Request, request_id)
        assert request is not None
        actions.verify(session, request, actor="user:0", method="manual")
        if before is not None:
            before(session, request)
        actions.process(session, request, actor="user:0",
                        connectors=list(services.config.connectors))
    run_pending(services)


def released(services: Services, request_id: int,
             decisions: list[actions.DecisionInput] | None = None) -> None:
    with services.db.session() as session:
        request = session.get(Request, request_id)
        assert request is not None
        actions.approve(session, request, actor="user:0", user_id=None,
                        decisions=decisions or actions.default_decisions(
                            request, reports.found_categories(session, request_id)))
    run_pending(services)
    with services.db.session() as session:
        actions.release(session, session.get(Request, request_id), actor="user:0")
    run_pending(services)


def report(services: Services, request_id: int) -> bytes:
    with services.db.session() as session:
        doc = reports.latest_document(session, request_id, "report_pdf")
        assert doc is not None, "no report was built"
        return services.documents.read(doc)


def letter(services: Services, request_id: int, template: str) -> bytes:
    with services.db.session() as session:
        found = postal.stored_letter(session, request_id, template)
        assert found is not None, f"no letter {template}"
        return services.documents.read(found)


def render(language: str, folder: Path) -> dict[str, bytes]:
    """Every example of one language, on one demo (the erasure last: it changes the shop)."""
    services, email = services_in(folder)
    out: dict[str, bytes] = {}
    try:
        access = received(services, language, ["access"], postal_request=False, email=email)
        searched(services, access)
        released(services, access)
        out["access"] = report(services, access)

        portability = received(services, language, ["portability"], postal_request=False,
                               email=email)
        searched(services, portability)
        released(services, portability)
        out["portability"] = report(services, portability)

        objection = received(services, language, ["objection"], postal_request=True,
                             email=email)
        searched(services, objection)
        released(services, objection)
        out["objection"] = letter(services, objection, "confirm_objection")

        rectification = received(services, language, ["rectification"], postal_request=True,
                                 email=email)
        searched(services, rectification, lambda session, request: changes.record_corrections(
            session, request, {"customers.last_name": "Weiss-Neumann"}, actor="user:0"))
        released(services, rectification)
        out["rectification"] = letter(services, rectification, "confirm_rectification")

        nobody = received(services, language, ["access"], postal_request=True, email="",
                          name="Erika Unbekannt")
        with services.db.session() as session:
            request = session.get(Request, nobody)
            assert request is not None and no_data.nothing_found(request)
            no_data.answer_no_data(session, request, actor="user:0")
        run_pending(services)
        out["no-data-found"] = letter(services, nobody, "no_data_found")

        erasure = received(services, language, ["erasure"], postal_request=True, email=email)
        searched(services, erasure)
        released(services, erasure, [actions.DecisionInput(
            "erasure", "*", "partly_granted",
            "Art. 17 Abs. 3 lit. b DSGVO" if language == "de" else "Art. 17(3)(b) GDPR",
            PARTIAL_REASON[language])])
        out["erasure-partial"] = letter(services, erasure, "confirm_erasure")
    finally:
        services.close()
    return out


def write(examples: dict[str, bytes], language: str, out: Path, dpi: int) -> list[Path]:
    """``<name>.<language>.pdf`` and ``png/<name>.<language>-<page>.png`` for each example."""
    written = []
    pages = out / "png"
    pages.mkdir(parents=True, exist_ok=True)
    for name, data in examples.items():
        pdf = out / f"{name}.{language}.pdf"
        pdf.write_bytes(data)
        for old in pages.glob(f"{name}.{language}-*.png"):
            old.unlink()
        subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(pdf),
                        str(pages / f"{name}.{language}")], check=True)
        written += [pdf, *sorted(pages.glob(f"{name}.{language}-*.png"))]
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "examples")
    parser.add_argument("--dpi", type=int, default=60)
    args = parser.parse_args()
    if shutil.which("pdftoppm") is None:
        parser.error("pdftoppm (poppler-utils) is needed for the PNG pages")
    args.out.mkdir(parents=True, exist_ok=True)
    for language in ("de", "en"):
        with tempfile.TemporaryDirectory(prefix="dsr-examples-") as tmp:
            written = write(render(language, Path(tmp)), language, args.out, args.dpi)
        print(f"{language}: {len(written)} files in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
