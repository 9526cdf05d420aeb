"""The overview of recipients' confirmations still outstanding: staff and coordinators see
every waiting notice across requests, longest waiting first, and record a confirmation there;
an admin is refused."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from dsr.changes.models import RecipientNotice
from dsr.context import Services
from dsr.requests.models import Request
from tests.support.clock import CLOCK
from tests.web.test_change_review import _client, _csrf, _request


def test_staff_work_through_the_waiting_notices(
        app: Any, make_user: Any, demo_services: Services, demo_shop: dict[str, Any]) -> None:
    request_id = _request(demo_services, ["erasure"], demo_shop["summary"].sample_customer_email)
    with demo_services.db.session() as session:
        session.add_all([
            RecipientNotice(request_id=request_id, connector="recipients", recipient="dhl",
                            channel="email", status="waiting",
                            sent_at=CLOCK.now() - timedelta(days=3)),
            RecipientNotice(request_id=request_id, connector="recipients", recipient="schufa",
                            channel="email", status="waiting",
                            sent_at=CLOCK.now() - timedelta(days=20)),
            RecipientNotice(request_id=request_id, connector="recipients", recipient="paypal",
                            channel="email", status="confirmed", sent_at=CLOCK.now())])
        reference = session.get(Request, request_id).reference
    staff = _client(app, make_user, "staff")
    page = staff.get("/queue/notices").get_data(as_text=True)
    assert reference in page
    assert page.index("SCHUFA Holding AG") < page.index("DHL")  # longest waiting first
    assert "PayPal" not in page
    assert 'data-days="20"><span class="badge s-late">20' in page
    assert 'data-days="3">3' in page
    with demo_services.db.session() as session:
        schufa = session.scalar(select(RecipientNotice.id).where(
            RecipientNotice.recipient == "schufa"))
    answer = staff.post(f"/queue/notices/{schufa}/confirm", data={
        "csrf_token": _csrf(staff, "/queue/notices"), "back": "notices"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/queue/notices")
    page = staff.get("/queue/notices").get_data(as_text=True)
    assert "SCHUFA Holding AG" not in page and "DHL" in page

    admin = _client(app, make_user, "admin")
    assert admin.get("/queue/notices").status_code == 403
    english = staff.get("/queue/notices?lang=en").get_data(as_text=True)
    assert "confirmations outstanding" in english and "Days waiting" in english
