"""The shipped Stripe definition against a fake that answers as Stripe's API reference says:
customers found by e-mail over several pages, their payments read, the customers deleted
after approval only and once, a 429 with Retry-After waited out, an error reported; and the
same request shapes as Stripe's own Python library sends."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from connectors.base import ConnectorError, Subject
from connectors.changes import MemoryStepLog
from connectors.http_api import HttpApiConnector
from tests.connectors.http_api.conftest import EMAIL, Sleeps, change_request
from tests.support.fake_services import stripe as fake_stripe
from tests.support.fake_services.server import FakeService, running

SUBJECT = Subject(keys=(("K-100001",),), identifiers={"email": (EMAIL,),
                                                      "customer_number": ("K-100001",)})
ENV = {"DSR_STRIPE_KEY": fake_stripe.KEY}


@pytest.fixture
def fake() -> Iterator[FakeService]:
    with running(fake_stripe.stripe_fake()) as service:
        yield service


@pytest.fixture
def stripe(build: Callable[..., HttpApiConnector], fake: FakeService) -> HttpApiConnector:
    return build("stripe", fake, env=ENV, secrets={"api_key": "DSR_STRIPE_KEY"})


def test_access_reads_customers_and_payments_over_pages(stripe: HttpApiConnector,
                                                        fake: FakeService) -> None:
    result = stripe.access(SUBJECT)
    tables = {t.table: t for t in result.tables}
    assert [row[0] for row in tables["customers"].rows] == ["cus_0001", "cus_0002"]
    assert [c.name for c in tables["customers"].columns] == ["id", "email", "name", "phone",
                                                              "created"]
    assert tables["customers"].columns[1].category == "contact"
    assert [row[0] for row in tables["payment_intents"].rows] == [
        "pi_0001", "pi_0002", "pi_0003", "pi_0004"]
    finds = fake.calls("GET", "/v1/customers")
    assert [(c.arg("email"), c.arg("limit")) for c in finds] == [(EMAIL, "100")]
    assert {c.auth for c in fake.received} == {f"Bearer {fake_stripe.KEY}"}
    assert [c.arg("starting_after") for c in fake.calls("GET", "/v1/payment_intents")] == [
        None, "pi_0002", None]  # cus_0001: two pages of two; cus_0002: none


def test_plan_sends_nothing_but_reads_and_execute_deletes_once(
        stripe: HttpApiConnector, fake: FakeService) -> None:
    plan = stripe.plan(SUBJECT, change_request("erasure"))
    assert {r.method for r in fake.received} == {"GET"}
    assert [(c.target, c.key, c.action, c.reason) for c in plan.changes] == [
        ("customers", ("cus_0001",), "delete", "erasure"),
        ("customers", ("cus_0002",), "delete", "erasure")]
    log = MemoryStepLog()
    receipt = stripe.execute(plan, log)
    deletes = fake.calls("DELETE")
    assert [d.path for d in deletes] == ["/v1/customers/cus_0001", "/v1/customers/cus_0002"]
    assert all(d.body == b"" and d.auth == f"Bearer {fake_stripe.KEY}" for d in deletes)
    assert receipt.steps[0]["confirmations"] == ["cus_0001", "cus_0002"]
    assert receipt.steps[0]["touched"] == 2 and receipt.verified
    again = stripe.execute(plan, log)
    assert len(fake.calls("DELETE")) == 2
    assert again.steps[0]["done_before"] and again.steps[0]["touched"] == 0


def test_a_deletion_that_already_happened_is_not_an_error(stripe: HttpApiConnector,
                                                          fake: FakeService) -> None:
    plan = stripe.plan(SUBJECT, change_request("erasure"))
    del fake.state["customers"]["cus_0001"]  # type: ignore[attr-defined]
    receipt = stripe.execute(plan)  # a crash after the first DELETE, before the step log
    assert receipt.steps[0]["touched"] == 1 and receipt.verified


def test_429_with_retry_after_is_waited_out(stripe: HttpApiConnector, fake: FakeService,
                                            sleeps: Sleeps) -> None:
    fake.fail_next("GET", "/v1/customers", 429, {"error": {"type": "rate_limit_error"}},
                   headers={"Retry-After": "3"}, times=2)
    tables = {t.table: t for t in stripe.access(SUBJECT).tables}
    assert len(tables["customers"].rows) == 2
    assert sleeps == [3.0, 3.0]


def test_an_error_is_reported_without_the_address(stripe: HttpApiConnector,
                                                  fake: FakeService) -> None:
    fake.fail_next("GET", "/v1/customers", 500, {"error": {"type": "api_error"}})
    with pytest.raises(ConnectorError) as raised:
        stripe.access(SUBJECT)
    assert str(raised.value) == "service: GET /v1/customers: HTTP 500"


def test_a_wrong_key_is_refused_by_the_service(build: Callable[..., HttpApiConnector],
                                               fake: FakeService) -> None:
    wrong = build("stripe", fake, env={"K": "sk_test_wrong"}, secrets={"api_key": "K"})
    with pytest.raises(ConnectorError, match="HTTP 401"):
        wrong.access(SUBJECT)
    assert len(fake.received) == 2  # one refresh attempt, then the 401 stands


def test_rectification_updates_the_customers_form_encoded(stripe: HttpApiConnector,
                                                          fake: FakeService) -> None:
    request = change_request("rectification", corrections={"customers.phone": "+49 89 5555"},
                             labels={"customers.phone": {"field": "phone"}})
    plan = stripe.plan(SUBJECT, request)
    assert [(c.key, c.fields, c.action) for c in plan.changes] == [
        (("cus_0001",), ("phone",), "set"), (("cus_0002",), ("phone",), "set")]
    stripe.execute(plan)
    posts = fake.calls("POST", "/v1/customers/")
    assert [p.form for p in posts] == [{"phone": ["+49 89 5555"]}] * 2
    assert fake.state["customers"]["cus_0001"]["phone"] == "+49 89 5555"  # type: ignore[attr-defined]


def test_stripe_library_sends_the_same_requests(stripe: HttpApiConnector, fake: FakeService,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Stripe's own Python library against the same fake: same methods, paths, auth and
    parameters as the definition's, a list over two pages included."""
    library = pytest.importorskip("stripe", reason="the stripe library is not installed")
    monkeypatch.setattr(fake_stripe, "PAGE_CAP", 1)
    client = library.StripeClient(fake_stripe.KEY, base_addresses={"api": fake.url},
                                  max_network_retries=0)
    found = [c.id for c in client.v1.customers.list(
        params={"email": EMAIL, "limit": 100}).auto_paging_iter()]
    assert found == ["cus_0001", "cus_0002"]
    client.v1.customers.delete("cus_0001")

    def shapes() -> list[tuple[str, str, str | None, dict[str, list[str]], bytes]]:
        seen = [(r.method, r.path, r.auth, r.query, r.body) for r in fake.received]
        fake.received.clear()
        return seen

    theirs = shapes()
    customers = fake.state["customers"]  # type: ignore[attr-defined]
    rest = dict(customers)
    customers.clear()  # cus_0001 back in its place, first
    customers.update({"cus_0001": {"id": "cus_0001", "object": "customer", "email": EMAIL},
                      **rest})
    plan = stripe.plan(SUBJECT, change_request("erasure"))
    ours_plan = shapes()
    stripe.execute(plan)
    ours_execute = shapes()
    assert ours_plan == theirs[:2]  # the list, page by page, exactly as the library asks
    assert theirs[1][3]["starting_after"] == ["cus_0001"]
    delete = theirs[2]
    assert delete in ours_execute  # DELETE /v1/customers/cus_0001, same auth, empty body
    assert delete[:2] == ("DELETE", "/v1/customers/cus_0001") and delete[4] == b""
