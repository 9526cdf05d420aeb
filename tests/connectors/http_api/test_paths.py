"""JSON paths and placeholder templates of the definitions."""

from __future__ import annotations

import pytest

from connectors.http_api.paths import TemplateError, compile_path, find_all, find_one, render

DOC = {"data": [{"id": "a", "n": 1}, {"id": "b", "n": 2}], "has_more": False}


def test_paths_find_values() -> None:
    assert find_all("$.data[*].id", DOC) == ["a", "b"]
    assert find_one("$.data[-1:].id", DOC) == "b"
    assert find_one("$.missing", DOC) is None


def test_a_broken_path_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="not a JSON path"):
        compile_path("$.data[")


def test_a_whole_placeholder_keeps_its_type_and_parts_are_text() -> None:
    context = {"record": {"id": 17, "tags": ["x"]}, "email": "a@example.org"}
    assert render({"id": "{record.id}", "q": "email:{email}", "t": "{record.tags.0}"},
                  context) == {"id": 17, "q": "email:a@example.org", "t": "x"}
    assert render(["{record.id}", 3, True], context) == [17, 3, True]


def test_a_placeholder_not_in_the_data_is_an_error() -> None:
    with pytest.raises(TemplateError, match=r"\{record.email\} is not in the data"):
        render("{record.email}", {"record": {"id": 1}})
    with pytest.raises(TemplateError, match="not known here"):
        render("{correction.name}", {})
