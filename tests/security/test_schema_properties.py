"""Property-based tests (hypothesis) over the input schemas: whatever JSON-like value comes in,
loading either succeeds with values the database can store (NFC text, no NUL, no lone
surrogate in what the input guard lets through, names without invisible characters) or
raises a ValidationError naming the field; nothing else is ever raised."""

from __future__ import annotations

import contextlib
import unicodedata
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError

from dsr.requests.schemas import (
    CorrectionValuesSchema,
    DecisionSchema,
    ExtendSchema,
    RejectSchema,
    SubmissionSchema,
)
from dsr.security.text import BadInput, check_json, name_problem
from dsr.web.api.schemas import ApproveSchema, VerifySchema

SETTINGS = settings(max_examples=150, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

text = st.text(max_size=60)
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | text
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(text, inner, max_size=4), max_leaves=12)


def submissions() -> st.SearchStrategy[dict[str, Any]]:
    """Mostly plausible submissions, each field sometimes replaced by anything at all."""
    plausible = st.fixed_dictionaries({
        "types": st.lists(st.sampled_from(["access", "erasure", "objection", "x"]), max_size=3),
        "name": text, "email": st.emails() | text, "message": text,
        "customer_number": text, "postal_address": text, "language": st.sampled_from(["de", "en", "fr"]),
    })
    return plausible.flatmap(lambda base: st.dictionaries(
        st.sampled_from(sorted(base)), json_values, max_size=2).map(lambda over: {**base, **over}))


@SETTINGS
@given(submissions())
def test_submission_schema_loads_or_names_the_field(raw: dict[str, Any]) -> None:
    try:
        check_json(raw)
    except BadInput:
        return  # refused by the input guard before any schema sees it
    try:
        data = SubmissionSchema().load(raw)
    except ValidationError as exc:
        assert isinstance(exc.messages, dict) and exc.messages
        return
    for key in ("name", "message", "postal_address", "customer_number"):
        assert unicodedata.is_normalized("NFC", data[key])
    assert name_problem(data["name"]) is None
    assert data["types"] and set(data["types"]) <= {"access", "erasure", "objection"}


@pytest.mark.parametrize("schema", [CorrectionValuesSchema, DecisionSchema, ExtendSchema,
                                    RejectSchema, VerifySchema, ApproveSchema],
                         ids=lambda s: s.__name__)
def test_other_schemas_load_or_raise_a_validation_error(schema: type[Schema]) -> None:
    @SETTINGS
    @given(st.dictionaries(text, json_values, max_size=5) | json_values)
    def load(raw: Any) -> None:
        with contextlib.suppress(ValidationError):
            schema().load(raw)

    load()
