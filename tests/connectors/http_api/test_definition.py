"""A definition or a connector section with a mistake stops the start with one line naming
the key: an unknown auth kind, a bad JSON path, a secret that is not set, a placeholder that
names nothing known, a setting the definition needs; every shipped definition loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.base import ConnectorConfigError, build_connector
from connectors.http_api.definition import load_definition, shipped_definitions

GOOD = """
service = "Example"
recipient = "newsletter_service"
role = "processor"
base_url = "https://api.example.org"
label = { de = "Beispiel", en = "Example" }
category = "newsletter"
secrets = ["token"]

[auth]
kind = "header"
value = "Bearer {secret.token}"

[find]
path = "/contacts"
query = { email = "{email}" }
records = "$.contacts[*]"
"""


def build(tmp_path: Path, text: str, **settings: object) -> object:
    path = tmp_path / "example.toml"
    path.write_text(text)
    section = {"kind": "http_api", "definition": str(path), "subject_from": "shop",
               "secrets": {"token": "DSR_TEST_TOKEN_THAT_IS_SET"}, **settings}
    return build_connector("example", section)


def refusal(tmp_path: Path, text: str, **settings: object) -> str:
    with pytest.raises(ConnectorConfigError) as raised:
        build(tmp_path, text, **settings)
    message = str(raised.value)
    assert "\n" not in message
    return message


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSR_TEST_TOKEN_THAT_IS_SET", "t0ken")


def test_a_good_definition_builds(tmp_path: Path) -> None:
    connector = build(tmp_path, GOOD)
    assert connector.recipient == "newsletter_service"  # type: ignore[attr-defined]


def test_an_unknown_auth_kind_is_refused(tmp_path: Path) -> None:
    message = refusal(tmp_path, GOOD.replace('kind = "header"', 'kind = "kerberos"'))
    assert message.startswith(f"connectors.example.definition[{tmp_path / 'example.toml'}]"
                              f".auth.kind: Must be one of")


def test_a_bad_json_path_is_refused(tmp_path: Path) -> None:
    message = refusal(tmp_path, GOOD.replace('"$.contacts[*]"', '"$.contacts[*"'))
    assert ".find.records: not a JSON path: '$.contacts[*'" in message


def test_a_secret_that_is_not_set_is_refused(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DSR_TEST_TOKEN_THAT_IS_SET")
    assert refusal(tmp_path, GOOD) == ("connectors.example.secrets.token: environment "
                                       "variable DSR_TEST_TOKEN_THAT_IS_SET is not set")


def test_a_secret_without_a_source_is_refused(tmp_path: Path) -> None:
    assert refusal(tmp_path, GOOD, secrets={}) == (
        "connectors.example.secrets.token: missing (name an environment variable, or put "
        "token in secrets_file)")


def test_a_secret_in_the_definition_cannot_be_named(tmp_path: Path) -> None:
    text = GOOD.replace('"Bearer {secret.token}"', '"Bearer {secret.password}"')
    assert "auth.value: {secret.password}: secret 'password' is not listed in secrets" in \
        refusal(tmp_path, text)


def test_an_unknown_placeholder_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace('"{email}"', '"{mail}"')
    assert ".find.query.email: {mail}: unknown placeholder" in refusal(tmp_path, text)


def test_a_missing_setting_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace('secrets = ["token"]', 'secrets = ["token"]\nsettings = ["list_id"]')
    assert refusal(tmp_path, text) == (
        f"connectors.example.settings.list_id: required by definition "
        f"'{tmp_path / 'example.toml'}'")


def test_a_missing_definition_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConnectorConfigError) as raised:
        build_connector("pay", {"kind": "http_api", "definition": "paypal",
                                "subject_from": "shop"})
    assert str(raised.value) == "connectors.pay.definition[paypal]: no definition 'paypal' " \
                                "(paypal.toml)"


def test_a_typo_in_the_section_is_refused(tmp_path: Path) -> None:
    assert refusal(tmp_path, GOOD, timeout_seconds="soon") == (
        "connectors.example.timeout_seconds: Not a valid number.")


def test_paging_needs_its_keys(tmp_path: Path) -> None:
    text = GOOD + 'paging = { kind = "cursor", param = "after" }\n'
    assert ".find.paging.next: required for paging kind 'cursor'" in refusal(tmp_path, text)


def test_every_shipped_definition_loads() -> None:
    names = shipped_definitions()
    assert names == ["brevo", "cleverreach", "freshdesk", "google_analytics", "mailchimp",
                     "stripe", "zendesk"]
    for name in names:
        definition = load_definition(name)
        assert definition["role"] in ("processor", "controller")
        assert definition["docs"].startswith("https://")
