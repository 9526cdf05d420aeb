"""The requested corrections: which fields the connected systems hold (from the data map), the
claims a submission becomes, and the coordinator's lines proposed from them."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.base import build_connector
from dsr.changes.rectification import (
    RequestedCorrections,
    claims_for,
    field_columns,
    prefill,
    requested_of,
)
from dsr.config import DEMO_DIR
from dsr.requests.intake import IntakeError
from dsr.requests.models import CorrectionSource, Request, RequestCorrection

COLUMNS = {"first_name": ("customers.first_name", "addresses.first_name"),
           "street": ("addresses.street",), "email": ("customers.email",)}


def test_field_columns_come_from_each_connectors_own_tables() -> None:
    shop = {"url": "sqlite://", "datamap": str(DEMO_DIR / "datamap.toml")}
    connectors = {
        "shop": build_connector("shop", {"kind": "shop_sql", **shop}),
        "newsletter": build_connector("newsletter", {
            "kind": "newsletter", **shop, "subject_from": "shop",
            "suppression_key": "a-suppression-key"}),
        "logs": build_connector("logs", {"kind": "access_logs", "subject_from": "shop",
                                         "directory": "/var/log"})}
    found = field_columns(connectors)
    assert list(found) == ["first_name", "last_name", "street", "postcode", "city", "country",
                           "phone", "email", "birth_date"]
    assert found["email"] == ("customers.email",)  # not the newsletter's address


def test_claims_of_a_submission() -> None:
    requested = RequestedCorrections({"first_name": "Jürgen", "street": "Hauptstr. 1",
                                      "email": "neu@example.org"}, "Tippfehler")
    claims = claims_for(requested, COLUMNS, ["access", "rectification"])
    assert "requested_corrections" not in claims  # a RequestCorrection row, not a claim
    assert claims["new_email"] == "neu@example.org"
    assert claims["new_postal_address"] == "Hauptstr. 1"
    assert claims_for(RequestedCorrections(), COLUMNS, ["access"]) == {}
    assert "new_email" not in claims_for(RequestedCorrections(note="x"), COLUMNS,
                                         ["rectification"])
    with pytest.raises(IntakeError, match="without a request for rectification"):
        claims_for(RequestedCorrections(note="x"), COLUMNS, ["access"])
    with pytest.raises(IntakeError, match="corrections.phone: the shop holds no such field"):
        claims_for(RequestedCorrections({"phone": "089 1"}), COLUMNS, ["rectification"])


def test_prefill_names_every_column_of_a_field_and_skips_what_no_system_holds() -> None:
    requested = RequestedCorrections({"street": "Hauptstr. 1", "first_name": "Jürgen",
                                      "phone": "089 1"})
    assert list(prefill(requested, COLUMNS).items()) == [
        ("customers.first_name", "Jürgen"), ("addresses.first_name", "Jürgen"),
        ("addresses.street", "Hauptstr. 1")]


@pytest.mark.parametrize("stored", [[1, 2], "x", None])
def test_values_that_are_no_mapping_read_as_no_fields(stored: Any) -> None:
    request = Request(corrections=[RequestCorrection(source=CorrectionSource.REQUESTED,
                                                     values=stored, note="n")])
    assert not requested_of(request).fields and requested_of(request).note == "n"
    assert requested_of(Request(corrections=[])) == RequestedCorrections()


def test_the_requested_corrections_are_read_from_their_row() -> None:
    request = Request(corrections=[
        RequestCorrection(source=CorrectionSource.RECORDED, values={"customers.city": "Ulm"}),
        RequestCorrection(source=CorrectionSource.REQUESTED, values={"city": "Ulm"}, note="")])
    assert requested_of(request) == RequestedCorrections({"city": "Ulm"}, "")
