"""The public form's mistakes as the page shows them: one message per wrong field, in the
order of the form, each with the id of the field it belongs to. The page lists them in a
summary at the top (links to the fields) and beside each field (``aria-describedby``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from dsr.requests import postcodes
from dsr.web.i18n import _

#: The form's fields in the order the page shows them (the summary keeps that order).
ORDER = ("types", "corrections", "correct", "correction_note", "consents", "restriction_ground",
         "name", "email",
         "customer_number", "postal_address", "message", "acting_as", "new_email", "deliver_to")
#: Fields with a message of their own; the others say "too long: n at most" or "check this".
OWN = {"types": "error_types", "name": "error_name", "email": "error_email",
       "new_email": "error_email", "message": "error_message",
       "correction_note": "error_correction_note", "consents": "sup_error_consents",
       "restriction_ground": "sup_error_ground"}
#: Fields whose summary link names another element than the field itself.
TARGETS = {"consents": "consents-fieldset"}


@dataclass(frozen=True)
class Problem:
    """One wrong field: the id of its input (the summary's link target) and the message."""

    field: str
    text: str


def _too_long(name: str, errors: Mapping[str, Any], too_long: Mapping[str, str]) -> str | None:
    return _("error_too_long", n=too_long[name]) if name in errors.get("too_long", ()) else None


def _correction(field: str, key: str, values: Mapping[str, Any]) -> str:
    if field == "postcode":
        country = str((values.get("corrections") or {}).get("country") or "").upper()
        example = postcodes.EXAMPLES.get(country)
        if example:
            return _("error_correct_postcode_country", example=example)
    return _(key)


def problems(errors: Mapping[str, Any], too_long: Mapping[str, str], values: Mapping[str, Any],
             shown_corrections: Iterable[str]) -> list[Problem]:
    """The form's errors (``public_views._form_errors``) as messages by field, form order."""
    found: list[Problem] = []
    offered = set(shown_corrections)
    for name in ORDER:
        if name not in errors:
            continue
        if name == "types":
            found.append(Problem("type-access", _("error_types")))
        elif name == "corrections":
            found.append(Problem("type-rectification", _(errors["corrections"])))
        elif name == "correct":
            for field, key in errors["correct"].items():
                target = f"correct_{field}" if field in offered else "rectification-fields"
                found.append(Problem(target, _correction(field, key, values)))
        else:
            long = _too_long(name, errors, too_long) if name not in OWN or name == "name" else None
            text = long or _(OWN.get(name, "error_field"))
            found.append(Problem(TARGETS.get(name, name), text))
    return found
