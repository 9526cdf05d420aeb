"""The register editor's domain: each form validated by its schema, the entry put into the
register and the whole register validated again, every save a new version in canonical
TOML, and the diff between two versions shows the changed entry only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dsr.answers.models import RegisterVersion
from dsr.audit import AuditEvent
from dsr.context import Services
from dsr.register import editor, store
from dsr.register.schema import RegisterError, load_register, parse_register

DEMO = Path(__file__).resolve().parents[3] / "dsr" / "demo" / "register.toml"


def _retention(**changes: Any) -> dict[str, Any]:
    form = {"key": "support_tickets", "owner": "Kundenservice (Leitung)",
            "label_de": "Support-Tickets", "label_en": "Support tickets", "period": "2",
            "unit": "years", "starts": "end_of_year", "norm_de": "Art. 6 Abs. 1 lit. f DSGVO",
            "norm_en": "Art. 6(1)(f) GDPR"}
    return {**form, **changes}


def test_the_canonical_form_reads_back_to_the_same_register() -> None:
    data = load_register(DEMO)
    text = editor.canonical(data)
    assert parse_register(text) == data
    assert editor.canonical(parse_register(text)) == text


def test_a_new_retention_rule_and_its_owner() -> None:
    data = editor.with_entry(load_register(DEMO), editor.Section.RETENTION, _retention(),
                             original=None)
    rule = data["retention"]["support_tickets"]
    assert rule == {"label": {"de": "Support-Tickets", "en": "Support tickets"}, "years": 2,
                    "starts": "end_of_year",
                    "norm": {"de": "Art. 6 Abs. 1 lit. f DSGVO", "en": "Art. 6(1)(f) GDPR"},
                    "owner": "Kundenservice (Leitung)"}
    switched = editor.with_entry(data, editor.Section.RETENTION,
                                 _retention(unit="days", period="90"), original="support_tickets")
    assert "years" not in switched["retention"]["support_tickets"]
    assert switched["retention"]["support_tickets"]["days"] == 90


def test_a_norm_name_or_legal_basis_is_edited_in_german_and_english() -> None:
    """The register's ``TextOrLabel`` fields (a retention rule's norm, a recipient's name, a
    purpose's legal basis) have a German and an English input; one text for both (an older
    register's string) fills both and is saved as one text while they agree."""
    data = load_register(DEMO)
    assert isinstance(data["recipients"]["dhl"]["name"], str)
    dhl = editor.form_values(editor.Section.RECIPIENTS, "dhl", data["recipients"]["dhl"])
    assert dhl["name_de"] == dhl["name_en"] == "DHL Paket GmbH" and "name" not in dhl
    same = editor.with_entry(data, editor.Section.RECIPIENTS, {**dhl, "owner": "Logistik"},
                             original="dhl")
    assert same["recipients"]["dhl"]["name"] == "DHL Paket GmbH"
    authorities = editor.form_values(editor.Section.RECIPIENTS, "authorities",
                                     data["recipients"]["authorities"])
    assert authorities["name_de"].startswith("Strafverfolgungs- und Finanzbehörden")
    assert authorities["name_en"].startswith("Law enforcement and tax authorities")
    purpose = data["purposes"][0]
    values = {**editor.form_values(editor.Section.PURPOSES, purpose["name"], purpose),
              "owner": "Vertrieb", "legal_basis_en": "Art. 6(1)(b) GDPR (contract)"}
    assert values["legal_basis_de"] == "Art. 6 Abs. 1 lit. b DSGVO"
    changed = editor.with_entry(data, editor.Section.PURPOSES, values, original=purpose["name"])
    assert changed["purposes"][0]["legal_basis"] == {
        "de": "Art. 6 Abs. 1 lit. b DSGVO", "en": "Art. 6(1)(b) GDPR (contract)"}
    assert parse_register(editor.canonical(changed))["purposes"][0] == changed["purposes"][0]
    with pytest.raises(editor.EntryError) as info:
        editor.with_entry(data, editor.Section.RETENTION, _retention(norm_en=""), original=None)
    assert "norm_en" in info.value.errors


def test_a_storage_limit_is_a_checkbox_of_the_retention_form() -> None:
    data = load_register(DEMO)
    rule = data["retention"]["credit_check"]
    assert rule["storage_limit"] is True and rule["days"] == 90
    values = editor.form_values(editor.Section.RETENTION, "credit_check", rule)
    assert values["storage_limit"] is True and values["period"] == 90
    limited = editor.with_entry(data, editor.Section.RETENTION,
                                _retention(storage_limit="on"), original=None)
    assert limited["retention"]["support_tickets"]["storage_limit"] is True
    unticked = {**values, "owner": "Bonität", "period": "90"}
    unticked.pop("storage_limit")
    duty = editor.with_entry(data, editor.Section.RETENTION, unticked, original="credit_check")
    assert "storage_limit" not in duty["retention"]["credit_check"]


@pytest.mark.parametrize(("changes", "field"), [
    ({"owner": ""}, "owner"), ({"key": "Support Tickets"}, "key"), ({"period": "zwei"}, "period"),
    ({"unit": "weeks"}, "unit"), ({"label_en": ""}, "label_en"), ({"starts": "never"}, "starts"),
])
def test_form_mistakes_name_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(editor.EntryError) as info:
        editor.with_entry(load_register(DEMO), editor.Section.RETENTION, _retention(**changes),
                          original=None)
    assert field in info.value.errors


def test_a_taken_name_a_renamed_key_and_an_unknown_reference_are_refused() -> None:
    data = load_register(DEMO)
    with pytest.raises(editor.EntryError, match="taken"):
        editor.with_entry(data, editor.Section.RETENTION, _retention(key="business_letter"),
                          original=None)
    with pytest.raises(editor.EntryError, match="cannot change"):
        editor.with_entry(data, editor.Section.RETENTION, _retention(key="other"),
                          original="business_letter")
    purpose = {**editor.form_values(editor.Section.PURPOSES, data["purposes"][0]["name"],
                                    data["purposes"][0]), "owner": "Vertrieb"}
    purpose["categories"] = ["no_such_category"]
    changed = editor.with_entry(data, editor.Section.PURPOSES, purpose,
                                original=purpose["key"])
    with pytest.raises(RegisterError, match="unknown category 'no_such_category'"):
        parse_register(editor.canonical(changed))


def test_every_save_is_a_version_audited_and_the_diff_shows_the_entry(
        services: Services) -> None:
    path = services.config.register_path
    data = store.from_file(path).data  # the shipped register
    with services.db.session() as session:
        first = editor.save_entry(session, path, editor.Section.RETENTION, _retention(),
                                  original=None, actor="user:1", user_id=None)
        recipient = "dhl" if "dhl" in data["recipients"] else next(iter(data["recipients"]))
        form = {**editor.form_values(editor.Section.RECIPIENTS, recipient,
                                     data["recipients"][recipient]), "owner": "Logistik"}
        second = editor.save_entry(session, path, editor.Section.RECIPIENTS, form,
                                   original=recipient, actor="user:1", user_id=None)
        assert (first.number, second.number) == (2, 3)  # the file became version 1
        versions = {v.number: v for v in session.scalars(select(RegisterVersion))}
        lines = editor.diff(versions[2], versions[3])
        added = [line.text for line in lines if line.kind == "add"]
        assert added == ['+owner = "Logistik"'] and not [x for x in lines if x.kind == "del"]
        first_diff = editor.diff(versions[1], versions[2])
        assert '+[retention.support_tickets]' in [x.text for x in first_diff]
        assert not [x for x in first_diff if x.kind == "del"]  # comments do not count
        events = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "register_changed")).all()
        assert [e.details["version"] for e in events] == [2, 3]
        assert store.in_force(session, path).data["recipients"][recipient]["owner"] == "Logistik"
        assert versions[3].note == f"recipients.{recipient}"


def test_the_services_see_a_saved_version_once_it_commits(services: Services) -> None:
    """The register ``Services`` read is theirs: a save through their sessions drops it when
    it commits (not before, and not when it rolls back), without any process-wide counter."""
    path = services.config.register_path
    assert "support_tickets" not in services.register["retention"]
    with pytest.raises(RuntimeError), services.db.session() as session:
        editor.save_entry(session, path, editor.Section.RETENTION, _retention(),
                          original=None, actor="user:1", user_id=None)
        raise RuntimeError("the transaction is rolled back")
    assert "support_tickets" not in services.register["retention"]
    with services.db.session() as session:
        editor.save_entry(session, path, editor.Section.RETENTION, _retention(),
                          original=None, actor="user:1", user_id=None)
        assert "support_tickets" not in services.register["retention"]  # not committed yet
    assert "support_tickets" in services.register["retention"]  # at once, not after seconds
