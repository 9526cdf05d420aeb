"""What people read, captured as normalised text: pages, e-mails, letters and reports in German
and English for a few sample requests, driven through the web pages and the worker.

Everything random (references, codes, tokens, Message-IDs, hashes, database ids) is replaced by
a placeholder and whitespace is collapsed, so the same code gives the same text on every run;
the suite's clock is pinned, so dates and deadlines stay as they are.

The product is reached through as few imports as possible (the app's URLs, the worker and the
models), so that the same captures run before and after the code moves into domain packages.
"""

from __future__ import annotations

import email
import io
import json
import re
import textwrap
from email import policy
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from sqlalchemy import select

from dsr.context import Services
from dsr.correspondence.models import OutgoingMail
from dsr.documents import Document
from dsr.requests.models import Request
from tests.support.safe_steps import summary_digest
from workflows.runner import run_pending

PASSWORD = "correct horse battery"

Renderings = dict[str, str]
"""Name of a rendering (``form_page``, ``mail_acknowledgement`` ...) to its normalised text."""

STATUS_CODE = re.compile(
    r"(\b[Cc]ode(?: für die Statusabfrage| for the status page)?:?\s+)([2-9A-Z]{8})\b")
"""The code that opens the status page, where a mail or letter names it."""

_PLACEHOLDERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"<[^<>@\s]+@[^<>@\s]+>"), "<MESSAGE-ID>"),
    (re.compile(r"DSR-[A-Z0-9]{7}"), "DSR-XXXXXXX"),
    (re.compile(r"\b[0-9a-f]{32,}\b"), "HASH"),
    (re.compile(r"\b[0-9a-f]{8,}(?=…)"), "HASH"),
    (re.compile(r"/portal/[A-Za-z0-9_\-]{12,}"), "/portal/TOKEN"),
    (re.compile(r"/verify/[A-Za-z0-9_\-.]+"), "/verify/TOKEN"),
    (re.compile(r"(/(?:requests|letters|files|tasks|redactions|users|holds|triage|notices)/)\d+"),
     r"\1ID"),
    (re.compile(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}\b"), "CODE-CODE"),
    (STATUS_CODE, r"\1STATUSCODE"),
    # The suite's clock starts at 10:00 Berlin (09:00 UTC) and runs at the real pace: the
    # minutes and seconds a capture takes are not part of the text.
    (re.compile(r"(2026-12-02T(?:09|10)):0\d:\d\d(?:\.\d+)?"), r"\1:0M:SS"),
    (re.compile(r"(?<![\w:])(09|10):0\d(?![\w:])"), r"\1:0M"),
)


def normalise(text: str) -> str:
    """Placeholders for everything random; each line's whitespace collapsed, blank lines gone."""
    for pattern, placeholder in _PLACEHOLDERS:
        text = pattern.sub(placeholder, text)
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line) + "\n"


class _Text(HTMLParser):
    """The text a reader sees on a page: text nodes, and the words on buttons, fields, links
    and images (value of submit buttons, placeholder, title, alt, aria-label, a link's target);
    no script or style. A table row is one line, its cells joined by `` | ``."""

    SKIP = {"script", "style", "template"}
    BREAK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "form",
             "section", "header", "footer", "nav", "main", "dt", "dd", "ul", "ol", "label",
             "fieldset", "legend", "option", "button", "details", "summary", "pre", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0
        self._in_row = 0

    def _break(self) -> None:
        self.parts.append(" " if self._in_row else "\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self._skipping += 1
            return
        if tag == "table":
            self.parts.append(f"\n{TABLE_START}\n")
        elif tag == "tr":
            self._in_row += 1
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" | ")
        elif tag == "li" and not self._in_row:
            self.parts.append("\n- ")
        elif tag in self.BREAK:
            self._break()
        found = dict(attrs)
        words = [found.get(name) for name in ("placeholder", "title", "alt", "aria-label")]
        if tag == "input" and found.get("type") in ("submit", "button"):
            words.append(found.get("value"))
        if tag == "a" and found.get("href"):
            words.append(f"<{found['href']}>")
        if any(words):
            self.parts.append(" [" + " | ".join(w for w in words if w) + "] ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag == "table":
            self.parts.append(f"\n{TABLE_END}\n")
        elif tag == "tr":
            self._in_row = max(0, self._in_row - 1)
            self.parts.append("\n")
        elif tag in self.BREAK:
            self._break()

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data.replace("\n", " ") if self._in_row else data)


TABLE_START, TABLE_END = "[table]", "[/table]"


def _sorted_rows(text: str) -> str:
    """Each table's rows in sorted order (for tables whose order the product does not fix)."""
    out: list[str] = []
    rows: list[str] | None = None
    for line in text.splitlines():
        if line == TABLE_START:
            rows = []
        elif line == TABLE_END and rows is not None:
            out.extend([TABLE_START, *sorted(rows), TABLE_END])
            rows = None
        elif rows is not None:
            rows.append(line)
        else:
            out.append(line)
    return "\n".join(out) + "\n"


def _sorted_lists(text: str) -> str:
    """Each run of ``- `` list lines in sorted order (for lists whose order is not fixed)."""
    out: list[str] = []
    run: list[str] = []
    for line in [*text.splitlines(), ""]:
        if line.startswith("- "):
            run.append(line)
            continue
        out.extend(sorted(run))
        run = []
        out.append(line)
    return "\n".join(out[:-1]) + "\n"


def page_text(html: str, *, unordered_tables: bool = False) -> str:
    """A page as the text a reader sees, normalised; ``unordered_tables`` sorts the rows of
    every table (the order of an erasure's plan and results changes from run to run)."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    text = normalise("".join(parser.parts))
    return _sorted_rows(text) if unordered_tables else text


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ])")


def pdf_text(data: bytes) -> str:
    """A PDF's text (pypdf), page by page, normalised: the PDF's own line breaks depend on the
    width of the random reference, so each page's text is joined, then broken after sentences
    and wrapped at 100 characters."""
    reader = PdfReader(io.BytesIO(data))
    pages = []
    for number, page in enumerate(reader.pages, 1):
        flowing = " ".join(normalise(page.extract_text()).split())
        lines = [line for sentence in _SENTENCE_END.split(flowing)
                 for line in textwrap.wrap(sentence, width=100, break_on_hyphens=False)]
        pages.append(f"--- page {number} ---\n" + "\n".join(lines))
    return normalise("\n".join(pages))


def json_text(data: bytes) -> str:
    """The report's data.json: every key, label and value (the demo shop is built from a fixed
    seed), keys sorted, one per line, random values replaced by placeholders."""
    return normalise(json.dumps(json.loads(data), ensure_ascii=False, indent=1, sort_keys=True))


_ONE_TIME_CODE = re.compile(r"^\s*\d{6,10}\s*$", re.MULTILINE)
"""A line holding nothing but digits: the portal's one-time code."""


def _plain(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, f"no plain-text part in {message['Subject']!r}"
    return str(part.get_content())


def mail_text(message: EmailMessage, *, unordered_lists: bool = False) -> str:
    """An e-mail as its reader sees it: sender, recipient, subject, the plain-text body and the
    text of the HTML part; ``unordered_lists`` sorts each run of ``- `` lines (the order of
    what an erasure did changes from run to run)."""
    body = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    head = f"From: {message['From']}\nTo: {message['To']}\nSubject: {message['Subject']}\n"
    text = head + "\n" + (body.get_content() if body else "")
    if html is not None:
        text += "\n--- html ---\n" + page_text(html.get_content())
    text = normalise(_ONE_TIME_CODE.sub("ONE-TIME-CODE", text))
    return _sorted_lists(text) if unordered_lists else text


class Outbox:
    """The e-mails the service wrote since the last look, named by their template."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.seen: set[Path] = set()

    def new(self) -> list[tuple[str, EmailMessage]]:
        """(template, message) of every new .eml file, in a stable order."""
        folder = Path(self.services.config.mail_out_dir)
        paths = sorted(set(folder.glob("*.eml")) - self.seen)
        self.seen.update(paths)
        with self.services.db.session() as session:
            templates = {m.message_id: m.template for m in session.scalars(select(OutgoingMail))}
        found = []
        for path in paths:
            message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            assert isinstance(message, EmailMessage)
            template = templates.get(str(message["Message-ID"]), "")
            if not template and ".art19" in str(message["Message-ID"]):
                template = "art19_notice"
            found.append((template or "unknown", message))
        return sorted(found, key=lambda item: (item[0], str(item[1]["To"]),
                                               str(item[1]["Subject"])))


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def _post(client: Any, path: str, data: dict[str, Any], page_path: str) -> Any:
    token = _csrf(client.get(page_path).get_data(as_text=True))
    response = client.post(path, data={"csrf_token": token, **data})
    assert response.status_code in (200, 302), (path, response.status_code)
    return response


def _confirmed(client: Any, path: str, data: dict[str, Any], page_path: str) -> Any:
    """An irreversible step as the coordinator takes it: its summary page, then the confirmation
    of that summary's digest."""
    shown = _post(client, path, data, page_path)
    assert shown.status_code == 200, (path, "no summary page")
    return _post(client, path, {**data, "digest": summary_digest(shown.get_data(as_text=True))},
                 page_path)


#: The request page's sections, each rendered on its own (``?tab=``), in the page's order.
REQUEST_TABS = ("overview", "identity", "systems", "draft", "changes", "correspondence", "audit")


def request_page(client: Any, detail: str, *, unordered_tables: bool = False) -> str:
    """Every section of a request's page, one after the other, as the reader sees them."""
    return "\n".join(page_text(_get(client, f"{detail}?tab={tab}").get_data(as_text=True),
                                unordered_tables=unordered_tables) for tab in REQUEST_TABS)


def _get(client: Any, path: str) -> Any:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response


def signed_in(app: Any, make_user: Any, role: str, lang: str) -> Any:
    """A test client of a user with ``role``, reading the pages in ``lang``."""
    username = f"{role}-{lang}"
    make_user(username, role, PASSWORD)
    client = app.test_client()
    client.set_cookie("lang", lang)
    _post(client, "/login", {"username": username, "password": PASSWORD}, "/login")
    return client


def _request_id(services: Services, reference: str) -> int:
    with services.db.session() as session:
        return int(session.scalars(select(Request.id).where(Request.reference == reference)).one())


def _keep(found: Renderings, outbox: Outbox, names: dict[str, str], *,
          unordered: bool = False) -> None:
    """The new e-mails whose template is in ``names`` (template -> rendering name)."""
    counts: dict[str, int] = {}
    for template, message in outbox.new():
        if template not in names:
            continue
        name = names[template]
        counts[name] = counts.get(name, 0) + 1
        key = name if counts[name] == 1 else f"{name}_{counts[name]}"
        found[key] = mail_text(message, unordered_lists=unordered)


def capture_access(app: Any, services: Services, make_user: Any, lang: str,
                   email_address: str, name: str) -> Renderings:
    """An access request of the demo's sample customer through the public pages and the
    coordinator's queue: form, submitted page, status page, acknowledgement and code e-mails,
    queue and review pages, the report (PDF and data.json), the answer e-mails."""
    found: Renderings = {}
    outbox = Outbox(services)
    public = app.test_client()
    form = _get(public, f"/?lang={lang}").get_data(as_text=True)
    found["form_page"] = page_text(form)
    response = public.post("/", data={"csrf_token": _csrf(form), "types": ["access"],
                                      "name": name, "email": email_address})
    assert response.status_code == 302, response.get_data(as_text=True)
    submitted = _get(public, "/submitted").get_data(as_text=True)
    found["submitted_page"] = page_text(submitted)
    match = re.search(r"DSR-[A-Z0-9]{7}", submitted)
    assert match, "no reference on the submitted page"
    reference = match.group(0)
    request_id = _request_id(services, reference)
    run_pending(services)
    mails = dict(outbox.new())
    found["mail_acknowledgement"] = mail_text(mails["acknowledgement"])
    found["mail_verification_code"] = mail_text(mails["verification_code"])
    status_code = STATUS_CODE.search(_plain(mails["acknowledgement"]))
    assert status_code, "no status code in the acknowledgement"
    code_match = re.search(r"\b([A-Z0-9]{4})-([A-Z0-9]{4})\b", _plain(mails["verification_code"]))
    assert code_match, "no code in the code e-mail"

    customer = app.test_client()
    customer.set_cookie("lang", lang)
    _post(customer, "/status", {"reference": reference, "code": status_code.group(2)}, "/status")
    found["status_page"] = page_text(_get(customer, "/status/request").get_data(as_text=True))
    done = customer.post("/status/request/code", follow_redirects=True, data={
        "csrf_token": _csrf(customer.get("/status/request").get_data(as_text=True)),
        "code": code_match.group(1) + code_match.group(2)})
    found["status_page_verified"] = page_text(done.get_data(as_text=True))

    coordinator = signed_in(app, make_user, "coordinator", lang)
    detail = f"/queue/requests/{request_id}"
    _post(coordinator, f"{detail}/process", {}, detail)
    run_pending(services)
    found["queue_page"] = page_text(_get(coordinator, "/queue/").get_data(as_text=True))
    found["request_page_review"] = request_page(coordinator, detail)
    _confirmed(coordinator, f"{detail}/approve", {}, detail)
    run_pending(services)
    found["report_pdf"] = pdf_text(_get(coordinator, f"{detail}/report.pdf").data)
    found["report_json"] = json_text(_get(coordinator, f"{detail}/report.json").data)
    _confirmed(coordinator, f"{detail}/release", {}, detail)
    run_pending(services)
    _keep(found, outbox, {"answer": "mail_answer", "answer_email": "mail_answer",
                          "portal_code": "mail_portal_code"})
    found["request_page_completed"] = request_page(coordinator, detail)
    return found


def capture_erasure(app: Any, services: Services, make_user: Any, lang: str,
                    email_address: str, name: str) -> Renderings:
    """An erasure + objection of the sample customer: the review page, the confirmation to the
    customer and the Art. 19 notices to the recipients."""
    found: Renderings = {}
    outbox = Outbox(services)
    public = app.test_client()
    form = _get(public, f"/?lang={lang}").get_data(as_text=True)
    response = public.post("/", data={"csrf_token": _csrf(form),
                                      "types": ["erasure", "objection"],
                                      "name": name, "email": email_address})
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.search(r"DSR-[A-Z0-9]{7}", _get(public, "/submitted").get_data(as_text=True))
    assert match
    request_id = _request_id(services, match.group(0))
    run_pending(services)
    outbox.new()
    coordinator = signed_in(app, make_user, "coordinator", lang)
    detail = f"/queue/requests/{request_id}"
    for action in ("verify", "process"):
        _post(coordinator, f"{detail}/{action}", {}, detail)
        run_pending(services)
    found["request_page_review"] = request_page(coordinator, detail, unordered_tables=True)
    _confirmed(coordinator, f"{detail}/approve", {}, detail)
    run_pending(services)
    _confirmed(coordinator, f"{detail}/release", {}, detail)
    run_pending(services)
    _keep(found, outbox, {"confirm_erasure": "mail_erasure_confirmation",
                          "art19_notice": "mail_art19_notice"}, unordered=True)
    found["request_page_completed"] = request_page(coordinator, detail, unordered_tables=True)
    return found


def _letters(services: Services, request_id: int) -> dict[str, bytes]:
    with services.db.session() as session:
        docs = session.scalars(select(Document).where(Document.request_id == request_id,
                                                      Document.kind == "letter")).all()
        return {re.sub(r"^DSR-[A-Z0-9]{7}-", "", d.filename).removesuffix(".pdf"):
                services.documents.read(d) for d in docs}


def capture_letters(app: Any, services: Services, make_user: Any, lang: str) -> Renderings:
    """A request by letter keyed in by staff: the acknowledgement letter staff print, then a
    refusal that goes out as a letter (DIN 5008, text of the PDF)."""
    found: Renderings = {}
    staff = signed_in(app, make_user, "staff", lang)
    response = _post(staff, "/staff/new", {
        "types": ["access"], "name": "Erika Mustermann" if lang == "de" else "Mary Smith",
        "email": "", "channel": "letter", "language": lang,
        "postal_address": "Lindenweg 3\n91522 Ansbach", "evidence": "none",
        "date_stamp": "2026-11-30"}, "/staff/new")
    location = response.headers.get("Location", "")
    match = re.search(r"/staff/requests/(\d+)", location)
    assert match, ("the keyed request did not open", response.get_data(as_text=True)[:2000])
    request_id = int(match.group(1))
    found["staff_keyed_page"] = page_text(_get(staff, location).get_data(as_text=True))
    found["letter_acknowledgement"] = pdf_text(
        _get(staff, f"/staff/requests/{request_id}/letter.pdf").data)
    run_pending(services)
    coordinator = signed_in(app, make_user, "coordinator", lang)
    detail = f"/queue/requests/{request_id}"
    norm = "Art. 12 Abs. 5 DSGVO" if lang == "de" else "Art. 12(5) GDPR"
    reason = "offenkundig unbegründet" if lang == "de" else "manifestly unfounded"
    _confirmed(coordinator, f"{detail}/reject", {"norm": norm, "reason": reason}, detail)
    run_pending(services)
    letters = _letters(services, request_id)
    found["letter_refusal"] = pdf_text(letters["refusal"])
    return found

