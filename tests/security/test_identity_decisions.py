"""Power-of-attorney and ID-copy decisions are not bare buttons: "power of attorney valid" needs
the document on file and the name check recorded; accepting an ID copy needs the name check."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dsr.context import Services
from dsr.requests.models import Request
from dsr.verification import steps
from dsr.verification.models import VerificationStep
from tests.support.verification import new_request


def _lawyer(services: Services) -> int:
    return new_request(services, name="Kanzlei Huber & Partner",
                       email_address="kanzlei@huber-partner.example.net",
                       customer_number="K-100001", acting_as="lawyer")


def test_power_of_attorney_valid_needs_the_document_and_the_name_check(
        demo_services: Services) -> None:
    request_id = _lawyer(demo_services)
    with demo_services.db.session() as session:
        req = session.get(Request, request_id)
        with pytest.raises(steps.VerificationError, match="no power of attorney on file"):
            steps.check_power_of_attorney(session, req, actor="user:1", valid=True,
                                          name_check="match")
        steps.record_postal_evidence(session, req, actor="user:3",
                                     evidence=["power_of_attorney_enclosed"])
        with pytest.raises(steps.VerificationError, match="name check"):
            steps.check_power_of_attorney(session, req, actor="user:1", valid=True)
        steps.check_power_of_attorney(session, req, actor="user:1", valid=True,
                                      name_check="match")
        step = session.scalars(select(VerificationStep).where(
            VerificationStep.kind == "power_of_attorney")).one()
        assert step.outcome == "ok" and step.details["name_check"] == "match"
        # Finding it invalid needs neither.
        steps.check_power_of_attorney(session, req, actor="user:1", valid=False)


def test_an_id_copy_is_accepted_only_with_the_name_check(demo_services: Services) -> None:
    from dsr.verification import id_copies
    from tests.support.mail_samples import id_card_png

    request_id = new_request(demo_services)
    settings = demo_services.config.verification
    with demo_services.db.session() as session:
        req = session.get(Request, request_id)
        id_copies.store(session, demo_services.documents, req, id_card_png(), settings=settings,
                        actor="customer", uploaded_by_id=None)
        with pytest.raises(steps.VerificationError, match="name check"):
            id_copies.decide(session, demo_services.documents, req, actor="user:1",
                             accepted=True, settings=settings)
        assert req.status == "awaiting_verification"
        id_copies.decide(session, demo_services.documents, req, actor="user:1", accepted=True,
                         settings=settings, name_check="match")
        assert req.status == "verified"
