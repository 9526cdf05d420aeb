"""Recipient e-mail: one Art. 19 notice per recipient that actually received the subject's
data, the reference in the subject, sent once even when the step runs again."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from connectors.base import ConnectorConfigError, Subject, build_connector
from connectors.changes import ChangeRequest, MemoryStepLog, Plan
from connectors.recipient_mail import RecipientMailConnector
from tests.support.clock import CLOCK

ENDPOINTS = {"dhl": {"email": "datenschutz@dhl.example.org", "values": ["DHL"]},
             "ups": {"email": "datenschutz@ups.example.org", "values": ["UPS"]},
             "schufa": {"email": "datenschutz@schufa.example.org",
                        "values": ["SCHUFA Holding AG"], "credit_bureau": True}}


class Outbox:
    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> None:
        self.sent.append(message)


def connector() -> RecipientMailConnector:
    built = build_connector("recipients", {"kind": "recipient_mail", "subject_from": "shop",
                                           "endpoints": ENDPOINTS})
    assert isinstance(built, RecipientMailConnector)
    return built


WHO = Subject(((1,),), {"email": ("a@example.org",), "customer_number": ("K-1",),
                        "disclosed_to": ("DHL", "SCHUFA Holding AG", "PayPal")})


def test_only_actual_recipients_are_told_and_only_for_art_19_types() -> None:
    recipients = connector()
    plan = recipients.plan(WHO, ChangeRequest("DSR-R1", ("erasure", "objection"), CLOCK.today(),
                                              recipient_names={"dhl": "DHL Paket GmbH"}))
    assert [(c.target, c.action, c.reason) for c in plan.changes] == [
        ("dhl", "notify", "erasure"), ("schufa", "notify", "erasure")]
    assert not recipients.plan(WHO, ChangeRequest("DSR-R2", ("objection",), CLOCK.today())).changes


def test_each_notice_goes_once_with_the_reference() -> None:
    recipients, outbox = connector(), Outbox()
    recipients.use_mailer(outbox, "datenschutz@pso.example.org")
    plan = recipients.plan(WHO, ChangeRequest("DSR-R3", ("rectification",), CLOCK.today()))
    log = MemoryStepLog(at=CLOCK.now())
    receipt = recipients.execute(plan, log)
    assert [str(m["To"]) for m in outbox.sent] == ["datenschutz@dhl.example.org",
                                                   "datenschutz@schufa.example.org"]
    assert all("[DSR-R3]" in str(m["Subject"]) for m in outbox.sent)
    assert "berichtigen bzw. erledigen" in outbox.sent[1].get_content()
    assert "a@example.org" in outbox.sent[0].get_content()
    again = recipients.execute(plan, log)
    assert len(outbox.sent) == 2 and all(s["done_before"] for s in again.steps)
    assert [s["notice"]["message_id"] for s in receipt.steps] == [
        "<DSR-R3.dhl.art19@pso.example.org>", "<DSR-R3.schufa.art19@pso.example.org>"]


def test_without_a_mailer_nothing_is_sent_and_the_error_is_clear() -> None:
    recipients = connector()
    plan = recipients.plan(WHO, ChangeRequest("DSR-R4", ("erasure",), CLOCK.today()))
    with pytest.raises(ConnectorConfigError, match="no mailer"):
        recipients.execute(plan, MemoryStepLog(at=CLOCK.now()))
    with pytest.raises(ConnectorConfigError, match="endpoints.dhl.email"):
        build_connector("r", {"kind": "recipient_mail", "subject_from": "shop",
                              "endpoints": {"dhl": {"email": "nope"}}})


def test_without_values_of_its_own_an_endpoint_is_named_by_the_registers_evidence() -> None:
    recipients = build_connector("recipients", {"kind": "recipient_mail", "subject_from": "shop",
                                                "endpoints": {
                                                    "dhl": {"email": "dsb@dhl.example.org"},
                                                    "hermes": {"email": "dsb@hermes.example.org"}}})
    wanted = ChangeRequest("DSR-R9", ("erasure",), CLOCK.today(),
                           recipient_values={"dhl": ("DHL",), "hermes": ("Hermes",)})
    plan = recipients.plan(WHO, wanted)
    assert [(c.target, c.value["disclosed"]) for c in plan.changes] == [("dhl", ["DHL"])]
    # Without evidence in the register and without values, nobody is named.
    assert not recipients.plan(WHO, ChangeRequest("DSR-R9", ("erasure",), CLOCK.today())).changes


def test_with_the_services_templates_each_recipient_is_written_to_in_its_language() -> None:
    from dsr.correspondence.drafts import render

    def compose(template: str, language: str, **context: object) -> tuple[str, str]:
        done = render(template, language, controller={"name": "PSO Computer GmbH",
                                                      "email": "dsb@pso.example.org"}, **context)
        return done.subject, done.text

    recipients = build_connector("recipients", {"kind": "recipient_mail", "subject_from": "shop",
                                                "endpoints": {**ENDPOINTS, "ups": {
                                                    **ENDPOINTS["ups"], "language": "en"}}})
    outbox = Outbox()
    recipients.use_mailer(outbox, "datenschutz@pso.example.org", compose=compose)
    who = Subject(((1,),), {"email": ("a@example.org",), "disclosed_to": ("UPS", "DHL",
                                                                          "SCHUFA Holding AG")})
    plan = recipients.plan(who, ChangeRequest(
        "DSR-R4", ("rectification",), CLOCK.today(),
        corrections={"customers.street": "Neuweg 5", "customers.birth_date": "1970-02-03"},
        correction_labels={
            "customers.street": {"de": "Straße", "en": "Street", "field": "street"},
            "customers.birth_date": {"de": "Geburtsdatum", "en": "Date of birth",
                                     "field": "birth_date"}}))
    recipients.execute(plan, MemoryStepLog(at=CLOCK.now()))
    sent = {str(m["To"]).split("@")[1].split(".")[0]: m for m in outbox.sent}
    assert str(sent["dhl"]["Subject"]) == ("Mitteilung nach Art. 19 DSGVO – Berichtigung "
                                           "(Vorgang DSR-R4)")
    assert "Straße: Neuweg 5" in sent["dhl"].get_content()
    # A carrier is told that the date of birth was corrected, not the date itself.
    assert "1970-02-03" not in sent["dhl"].get_content()
    assert "Geburtsdatum: berichtigt (neuer Wert auf Anfrage" in sent["dhl"].get_content()
    assert "Street: Neuweg 5" in sent["ups"].get_content()
    assert str(sent["ups"]["Subject"]).startswith("Notice under Art. 19 GDPR – rectification")
    assert "E-mail address: a@example.org" in sent["ups"].get_content()
    assert "Bitte berichtigen Sie" in sent["schufa"].get_content()
    assert str(sent["schufa"]["Subject"]) == "Berichtigung eines Datensatzes (Vorgang DSR-R4)"
    assert "1970-02-03" not in sent["schufa"].get_content()
    assert {str(m["Message-ID"]) for m in outbox.sent} == {
        f"<DSR-R4.{k}.art19@pso.example.org>" for k in ("dhl", "ups", "schufa")}


def test_each_recipient_is_told_only_what_it_received_while_it_processes_it() -> None:
    """Art. 19 without over-disclosure: the carrier gets the new street (not the new phone
    number it never had) and is named by its tracking number; the bureau gets it with the name,
    date of birth and its own reference; a carrier whose processing ended is not told, and
    a recipient that received none of the corrected fields neither — each recorded with why."""
    from datetime import timedelta

    from connectors.changes import KnownValue, RecipientTerms
    from dsr.correspondence.drafts import render

    def compose(template: str, language: str, **context: object) -> tuple[str, str]:
        done = render(template, language, controller={"name": "PSO GmbH",
                                                      "email": "dsb@pso.example.org"}, **context)
        return done.subject, done.text

    today = CLOCK.today()
    address = ("first_name", "last_name", "street", "postcode", "city", "country")
    terms = {
        "dhl": RecipientTerms(address, 180, today - timedelta(days=20), (
            KnownValue({"de": "Sendungsnummer", "en": "Tracking number"}, "00340434", True),)),
        "ups": RecipientTerms(address, 180, today - timedelta(days=400), (
            KnownValue({"de": "Sendungsnummer", "en": "Tracking number"}, "1Z999", True),)),
        "schufa": RecipientTerms((*address[:5], "birth_date"), 365, today - timedelta(days=30), (
            KnownValue({"de": "Nachname", "en": "Last name"}, "Weiß"),
            KnownValue({"de": "Geburtsdatum", "en": "Date of birth"}, "1968-04-12"),
            KnownValue({"de": "Referenz der Auskunftei", "en": "Bureau's reference"},
                       "SA-1402922632", True)))}
    who = Subject(((1,),), {"email": ("a@example.org",), "customer_number": ("K-1",),
                            "disclosed_to": ("DHL", "UPS", "SCHUFA Holding AG")})
    labels = {"addresses.street": {"de": "Straße", "en": "Street", "field": "street"},
              "customers.phone": {"de": "Telefon", "en": "Phone", "field": "phone"}}
    recipients, outbox = connector(), Outbox()
    recipients.use_mailer(outbox, "datenschutz@pso.example.org", compose=compose)
    plan = recipients.plan(who, ChangeRequest(
        "DSR-R5", ("rectification",), today, recipient_terms=terms,
        corrections={"addresses.street": "Neuweg 5", "customers.phone": "089 1234"},
        correction_labels=labels))
    assert [c.target for c in plan.changes] == ["dhl", "schufa"]
    assert [(w.target, w.reason, w.processed_until) for w in plan.withheld] == [
        ("ups", "no_longer_processing", today - timedelta(days=220))]
    assert Plan.from_json(plan.to_json()) == plan  # stored with the plan
    recipients.execute(plan, MemoryStepLog(at=CLOCK.now()))
    sent = {str(m["To"]).split("@")[1].split(".")[0]: m.get_content() for m in outbox.sent}
    assert "Straße: Neuweg 5" in sent["dhl"] and "Sendungsnummer: 00340434" in sent["dhl"]
    for never in ("Telefon", "089 1234", "a@example.org", "K-1", "1Z999"):
        assert never not in sent["dhl"]
    assert "Ihre Referenz SA-1402922632" in sent["schufa"]
    assert "Nachname: Weiß" in sent["schufa"] and "Geburtsdatum: 1968-04-12" in sent["schufa"]
    assert "Straße: Neuweg 5" in sent["schufa"] and "089 1234" not in sent["schufa"]
    # Only the phone number corrected: no carrier ever had it, nobody is told.
    phone = recipients.plan(who, ChangeRequest(
        "DSR-R6", ("rectification",), today, recipient_terms=terms,
        corrections={"customers.phone": "089 1234"}, correction_labels=labels))
    assert not phone.changes
    assert {(w.target, w.reason) for w in phone.withheld} == {
        ("dhl", "not_received"), ("schufa", "not_received"), ("ups", "no_longer_processing")}
    # An erasure still goes to every recipient that received data and still processes it.
    erasure = recipients.plan(who, ChangeRequest("DSR-R7", ("erasure",), today,
                                                 recipient_terms=terms))
    assert [c.target for c in erasure.changes] == ["dhl", "schufa"]
    assert [w.target for w in erasure.withheld] == ["ups"]
