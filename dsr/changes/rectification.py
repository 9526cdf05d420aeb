"""Rectification as the customer asks for it (Art. 16 GDPR).

The public form and the API take corrected values for the fields a customer knows (first
name, street, date of birth, ...) and a free text saying what is wrong. They are kept on the
request as its ``requested`` :class:`RequestCorrection`, which only coordinators see. The data map's
``rectify_as`` keys say which ``table.column`` holds each field; from them the coordinator's
``table.column = value`` lines are pre-filled. Nothing here changes a system: the coordinator
checks the values and records them as the ``recorded`` one (:mod:`dsr.changes.operations`), and only
recorded corrections are planned.

A new e-mail or postal address is a change of contact details: it is also kept as the claim
``new_email`` / ``new_postal_address``, which the identity policy
(:mod:`dsr.verification.policy`) lets pass only through the address on file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from connectors.base import Connector
from connectors.capabilities import DataMapped, capable
from connectors.datamap_model import rectification_columns
from connectors.datamap_schema import RECTIFIABLE_FIELDS
from dsr.requests.contracts import RequestedCorrections
from dsr.requests.intake import IntakeError
from dsr.requests.models import CorrectionSource, Request

ADDRESS_FIELDS = ("street", "postcode", "city", "country")


def field_columns(connectors: Mapping[str, Connector]) -> dict[str, tuple[str, ...]]:
    """Each rectifiable field some connector's data map holds -> its ``table.column`` names,
    in the form's order (only the tables each connector owns, so none is counted twice)."""
    found: dict[str, list[str]] = {}
    for connector in connectors.values():
        mapped = capable(connector, DataMapped)
        if mapped is None or not mapped.tables:
            continue
        for name, columns in rectification_columns(mapped.tables).items():
            found.setdefault(name, []).extend(columns)
    return {name: tuple(found[name]) for name in RECTIFIABLE_FIELDS if name in found}


def unavailable(fields: Iterable[str], columns: Mapping[str, tuple[str, ...]]) -> list[str]:
    """The fields given that no system holds (the form does not offer them)."""
    return sorted(name for name in fields if name not in columns)


def claims_for(requested: RequestedCorrections, columns: Mapping[str, tuple[str, ...]],
               types: Iterable[str]) -> dict[str, str]:
    """The contact-change claims a submission's requested corrections become (the corrections
    themselves go to intake as :attr:`Submission.requested_corrections`); raises
    :class:`IntakeError` for a field no system holds or corrections without a request for
    rectification."""
    if not requested:
        return {}
    if "rectification" not in set(types):
        raise IntakeError("corrections: given without a request for rectification "
                          "(add \"rectification\" to types)")
    unknown = unavailable(requested.fields, columns)
    if unknown:
        raise IntakeError(f"corrections.{unknown[0]}: the shop holds no such field; it can "
                          f"correct: {', '.join(columns) or 'none'}")
    claims: dict[str, str] = {}
    if requested.fields.get("email"):
        claims["new_email"] = requested.fields["email"]
    address = [requested.fields[part] for part in ADDRESS_FIELDS if requested.fields.get(part)]
    if address:
        claims["new_postal_address"] = "\n".join(address)
    return claims


def requested_of(request: Request) -> RequestedCorrections:
    """The corrections the requester asked for (empty when none or unreadable)."""
    stored = request.correction(CorrectionSource.REQUESTED)
    if stored is None:
        return RequestedCorrections()
    return RequestedCorrections(stored.fields, stored.note or "")


def prefill(requested: RequestedCorrections,
            columns: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """The coordinator's ``table.column -> value`` proposal, in the form's order: each
    requested value for every column the data map names for its field (a field no system
    holds is left out)."""
    return {column: requested.fields[name] for name, names in columns.items()
            if requested.fields.get(name) for column in names}


def in_form_order(fields: Mapping[str, str]) -> list[tuple[str, str]]:
    """``fields`` as (name, value) in the form's order (unknown names last)."""
    order = {name: index for index, name in enumerate(RECTIFIABLE_FIELDS)}
    return sorted(fields.items(), key=lambda item: (order.get(item[0], len(order)), item[0]))
