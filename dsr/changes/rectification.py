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

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from connectors.base import Connector, JsonValue
from connectors.capabilities import DataMapped, capable
from connectors.changes import RectifiableRow, RectifiableValue, RowCorrection
from connectors.datamap_model import rectification_columns
from connectors.datamap_schema import RECTIFIABLE_FIELDS
from dsr.changes.operations import ChangeInputError
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


# --- the rectification editor: rows and fields ------------------------------------------------


@dataclass(frozen=True)
class EditorField:
    """One rectifiable field of one row in the editor: its stored and its proposed value,
    whether it is picked, and — for a document under retention — the day until which its
    correction is only recorded beside it (§146(4) AO)."""

    column: str  # table.column
    field: str
    old: str | None
    new: str
    picked: bool
    recorded_beside_until: date | None = None

    def token(self, connector: str, key: tuple[JsonValue, ...]) -> str:
        """The name the editor's form gives this row's field."""
        return f"{connector}|{self.column}|{json.dumps(list(key))}"


@dataclass(frozen=True)
class EditorRow:
    """One of the subject's rows in the editor, with what tells it apart (billing/delivery)."""

    connector: str
    table: str
    key: tuple[JsonValue, ...]
    kinds: tuple[tuple[str, str], ...]
    document: date | None
    fields: tuple[EditorField, ...]


def _proposed(row: RectifiableRow, value: RectifiableValue, requested: RequestedCorrections,
              recorded: Mapping[str, str],
              saved: Mapping[tuple[str, tuple[JsonValue, ...]], str]) -> str:
    """The new value shown: the coordinator's saved one, else the recorded line's, else the
    requester's for the field (empty when nobody asked)."""
    column = f"{row.table}.{value.column}"
    if (column, row.key) in saved:
        return saved[(column, row.key)]
    if saved:  # a row left as it is keeps no recorded value of another row
        return requested.fields.get(value.field, "")
    return recorded.get(column) or requested.fields.get(value.field, "")


def editor_rows(found: Mapping[str, list[RectifiableRow]], requested: RequestedCorrections,
                recorded: Mapping[str, str],
                saved: tuple[RowCorrection, ...]) -> list[EditorRow]:
    """The editor's rows, per connector, with a proposal per field.

    Once the coordinator has saved picks they are shown as saved. Before, a field is picked
    where a new value is proposed that differs from the stored one, outside a kept document,
    and in a row that is plainly the subject's: the only row of its table holding the field,
    or one whose stored value equals the one the subject's single rows hold (an address-book
    name equal to the account's; a gift recipient's name is not proposed). Several addresses
    (billing, delivery) are left to the coordinator to pick."""
    by_key = {(pick.column, tuple(pick.key)): pick.value for pick in saved}
    counts: dict[tuple[str, str], int] = {}
    for rows in found.values():
        for row in rows:
            for value in row.fields:
                counts[(row.table, value.column)] = counts.get((row.table, value.column), 0) + 1
    single: dict[str, set[str]] = {}
    for rows in found.values():
        for row in rows:
            for value in row.fields:
                if counts[(row.table, value.column)] == 1 and value.old is not None:
                    single.setdefault(value.field, set()).add(value.old)
    shown: list[EditorRow] = []
    for connector, rows in found.items():
        for row in rows:
            fields = []
            for value in row.fields:
                new = _proposed(row, value, requested, recorded, by_key)
                column = f"{row.table}.{value.column}"
                if saved:
                    picked = (column, row.key) in by_key
                else:
                    own = counts[(row.table, value.column)] == 1 or value.old in single.get(
                        value.field, set())
                    picked = bool(new) and new != value.old and own \
                        and value.recorded_beside_until is None
                fields.append(EditorField(column, value.field, value.old, new, picked,
                                          value.recorded_beside_until))
            shown.append(EditorRow(connector, row.table, row.key, row.kinds, row.document,
                                   tuple(fields)))
    return shown


def picks_from(form: Mapping[str, str], picked: Iterable[str],
               rows: list[EditorRow]) -> tuple[RowCorrection, ...]:
    """The coordinator's picks from the editor's form: each picked token with its new value
    (``new:<token>``); raises :class:`ChangeInputError` for a row or field the editor did not
    show, an empty value, or no pick at all."""
    shown = {field.token(row.connector, row.key): (field, row)
             for row in rows for field in row.fields}
    picks = []
    for token in picked:
        if token not in shown:
            raise ChangeInputError("unknown row or field", msgid="err_rect_unknown_row")
        field, row = shown[token]
        value = form.get(f"new:{token}", "").strip()
        if not value:
            raise ChangeInputError("a picked field has no new value", msgid="err_rect_no_value",
                                   column=field.column)
        picks.append(RowCorrection(field.column, row.key, value))
    if not picks:
        raise ChangeInputError("no row and field picked", msgid="err_rect_nothing_picked")
    return tuple(picks)

