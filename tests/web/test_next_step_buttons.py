"""The next step on the request's overview names the buttons as they read: walked through a
request's life (identity, search, review, the two irreversible steps and after), every quoted
name in the next step's text, in the search's hint and in the contested decision's hints, is
the label of a button the request's pages show; none of them says "Freigabe"/"approve" for
steps that are called otherwise. In German and English."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from sqlalchemy import select

from dsr.context import Services
from dsr.requests.models import Request
from tests.support.safe_steps import confirmed
from tests.web.test_change_review import _client, _csrf
from tests.web.test_contest_pages import EMAIL as CONTESTING
from workflows.runner import run_pending

QUOTED = {"de": re.compile(r"„([^“”]+)“"), "en": re.compile(r"“([^“”]+)”")}
BUTTON = re.compile(r"<button\b[^>]*>([^<]+)</button>")
OLD_NAMES = ("freigab", "freigeb", "herausgeb", "approv", "releas")
#: Quoted in the contest's hints too, but as outcomes to choose, not buttons.
OUTCOMES = {"bestätigt", "geändert", "upheld", "changed"}


def _between(page: str, start: str, end: str) -> str:
    return html.unescape(page[page.index(start) + len(start):].split(end, 1)[0])


class Walk:
    """The coordinator's view of one request: what each next step names, and every button
    label the request's tabs showed on the way."""

    def __init__(self, client: Any, path: str, lang: str) -> None:
        self.client, self.path, self.lang = client, path, lang
        self.buttons: set[str] = set()
        self.named: list[tuple[str, str, list[str]]] = []

    def tab(self, tab: str) -> str:
        page = str(self.client.get(f"{self.path}?tab={tab}&lang={self.lang}")
                   .get_data(as_text=True))
        self.buttons |= {html.unescape(b).strip() for b in BUTTON.findall(page)}
        return page

    def look(self) -> str:
        """Read the next step, then open the tab it leads to; returns the status shown."""
        overview = self.tab("overview")
        status = _between(overview, 'id="status">', "<")
        text = _between(overview, 'id="next-step-text">', "</p>")
        self.named.append((status, text, QUOTED[self.lang].findall(text)))
        if link := re.search(r'id="next-step-link" href="[^"]*tab=(\w+)', overview):
            self.tab(link.group(1))
        return status


def _post(client: Any, path: str, action: str, **data: Any) -> str:
    return str(client.post(f"{path}/{action}", data={"csrf_token": _csrf(client, path), **data},
                           follow_redirects=True).get_data(as_text=True))


def _submit(app: Any, kind: str, name: str, email: str) -> None:
    public = app.test_client()
    response = public.post("/", data={"csrf_token": _csrf(public, "/?lang=de"), "types": [kind],
                                      "name": name, "email": email})
    assert response.status_code == 302


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize("kind", ["access", "erasure", "contest_decision"])
def test_every_next_step_names_a_button_as_the_button_reads(
        app: Any, make_user: Any, demo_services: Services, demo_shop: dict[str, Any],
        kind: str, lang: str) -> None:
    email = CONTESTING if kind == "contest_decision" else demo_shop["summary"].sample_customer_email
    _submit(app, kind, "Dieter Pöschl" if kind == "contest_decision" else "Jürgen Weiß", email)
    run_pending(demo_services)
    with demo_services.db.session() as session:
        request_id = session.scalars(select(Request.id).order_by(Request.id.desc())).first()
    coordinator = _client(app, make_user, "coordinator")
    path = f"/queue/requests/{request_id}"
    walk = Walk(coordinator, path, lang)

    walk.look()  # awaiting verification
    _post(coordinator, path, "verify")
    walk.look()  # verified
    _post(coordinator, path, "process")
    run_pending(demo_services)
    walk.look()  # review
    hint = _between(walk.tab("systems"), 'id="process-hint">', "</span>")
    walk.named.append(("search again", hint, QUOTED[lang].findall(hint)))
    if kind == "contest_decision":
        draft = walk.tab("draft")
        check = re.search(r'name="check" value="(credit_check:\d+)"', draft)
        assert check is not None
        _post(coordinator, path, "contest-review", check=check.group(1), outcome="upheld",
              reasons="Score aktuell.", reviewer_role="credit_management")
        section = _between(walk.tab("draft"), 'id="contest-section"', "</form>")
        hints = [n for n in QUOTED[lang].findall(section) if n not in OUTCOMES]
        assert hints, section  # the hints name the steps by their buttons
        walk.named.append(("contest", section, hints))
    token = _csrf(coordinator, path)
    confirmed(coordinator, f"{path}/approve", {"csrf_token": token})
    run_pending(demo_services)
    walk.look()  # executing, the answer not yet sent
    if kind == "contest_decision":
        section = _between(walk.tab("draft"), 'id="contest-section"', "</div>")
        walk.named.append(("contest locked", section,
                           [n for n in QUOTED[lang].findall(section) if n not in OUTCOMES]))
    confirmed(coordinator, f"{path}/release", {"csrf_token": token})
    run_pending(demo_services)
    walk.look()  # executing (waiting on recipients) or completed

    # verify, search, review, the search's hint, send: each names the button it means
    assert sum(1 for _, _, names in walk.named if names) >= 5, walk.named
    for where, text, names in walk.named:
        assert set(names) <= walk.buttons, (where, text, names, sorted(walk.buttons))
        lowered = text.lower()
        for name in names:
            lowered = lowered.replace(name.lower(), "")
        assert not [old for old in OLD_NAMES if old in lowered], (where, text)
