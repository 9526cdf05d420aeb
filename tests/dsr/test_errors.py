"""Service refusals carry a message id and parameters: the CLI and the API read the plain text,
the pages the catalogs' text for the id, so rewording the plain text keeps the German."""

from __future__ import annotations

import pytest
from flask import Flask, g

from dsr.catalogs import gettext
from dsr.changes.holds import HoldError
from dsr.errors import ServiceError
from dsr.requests.operations import ActionError
from dsr.web import i18n


@pytest.fixture
def app() -> Flask:
    app = Flask(__name__)
    i18n.init_app(app, ["de", "en"], [])
    return app


def test_the_plain_text_is_filled_and_the_page_text_comes_from_the_catalog(app: Flask) -> None:
    exc = ActionError("extend: the request is {status}", msgid="err_extend_state",
                      status="review")
    assert str(exc) == "extend: the request is review"
    assert isinstance(exc, ServiceError) and isinstance(exc, ValueError)
    with app.test_request_context():
        g.lang = "de"
        assert i18n.service_error(exc) == "Verlängerung: Die Anfrage ist im Status review."
        g.lang = "en"
        assert i18n.service_error(exc) == "Extension: the request is review."


def test_rewording_the_plain_text_keeps_the_german(app: Flask) -> None:
    reworded = HoldError("reason: no more than {max} characters, please",
                         msgid="err_hold_reason_too_long", max=500)
    with app.test_request_context():
        g.lang = "de"
        assert i18n.service_error(reworded) == "Begründung: höchstens 500 Zeichen."


def test_an_error_without_a_message_id_reads_as_its_text(app: Flask) -> None:
    with app.test_request_context():
        g.lang = "de"
        assert i18n.service_error(HoldError("connector: no connector 'x' is configured")) == (
            "connector: no connector 'x' is configured")
        assert i18n.service_error(ValueError("plain")) == "plain"


def test_parameters_keep_their_conversion() -> None:
    exc = ActionError("decisions: unknown outcome {outcome!r}", msgid="err_unknown_outcome",
                      outcome="maybe")
    assert str(exc) == "decisions: unknown outcome 'maybe'"
    assert gettext("de", exc.msgid or "", **exc.params) == "Entscheidungen: unbekanntes Ergebnis 'maybe'."


def test_marshmallow_messages_are_translated_from_the_catalog(app: Flask) -> None:
    with app.test_request_context():
        g.lang = "de"
        assert i18n.error_text("Length must be between 3 and 200.") == "Bitte 3 bis 200 Zeichen."
        assert i18n.error_text("Something marshmallow never says.") == (
            "Something marshmallow never says.")
        g.lang = "en"
        assert i18n.error_text("Length must be between 3 and 200.") == (
            "Length must be between 3 and 200.")


def test_a_lazy_text_is_read_in_the_language_of_the_page_that_uses_it(app: Flask) -> None:
    label = i18n.lazy_gettext("days_left", n=2)
    with app.test_request_context():
        g.lang = "de"
        assert str(label) == "noch 2 Tage"
        g.lang = "en"
        assert str(label) == "2 days left"


def test_refusals_of_triage_delivery_lift_and_transitions_read_in_german() -> None:
    from datetime import date

    from dsr.answers.delivery import DeliveryError
    from dsr.catalogs import gettext
    from dsr.changes.restriction_lift import LiftRefused
    from dsr.mail.triage import TriageError
    from workflows.states import TransitionError

    refusals = [TriageError("a request cannot be merged into itself", msgid="err_merge_itself"),
                DeliveryError("no e-mail address", msgid="err_delivery_no_email"),
                LiftRefused("the notice period ends on {earliest}", msgid="err_lift_too_early",
                            earliest=date(2026, 12, 16), lift_on=date(2026, 12, 3)),
                TransitionError("request {reference}: not allowed", msgid="err_transition_not_now",
                                reference="DSR-ABCDEFG", current="review", target="verified")]
    for error in refusals:
        assert isinstance(error, ServiceError) and error.msgid
        german = gettext("de", error.msgid, **error.params)
        assert german != error.msgid and german != gettext("en", error.msgid, **error.params)
    lift = refusals[2]
    assert "16.12.2026" in gettext("de", lift.msgid or "", **lift.params)
    assert "16 December 2026" in gettext("en", lift.msgid or "", **lift.params)
    assert "2026-12-16" in str(lift)   # the CLI, API and logs keep the plain text
