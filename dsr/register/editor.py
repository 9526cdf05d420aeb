"""The register editor: one form per purpose, data category, recipient and retention rule,
each with an owner, validated by a marshmallow schema of its own and then, as part of the
whole register, by :class:`RegisterSchema` (names that must exist, one period per rule).
A saved entry becomes the next version through :func:`store.save_version`; the version's text
is the register's canonical TOML (:func:`canonical`), which is also what two versions are
compared in (:func:`diff`), so a diff shows changed entries, not moved comments.

No Flask here: the pages hand in the form as a mapping of strings.
"""

from __future__ import annotations

import copy
import difflib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import tomli_w
from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate
from sqlalchemy.orm import Session

from dsr.answers.models import RegisterVersion
from dsr.catalogs import gettext
from dsr.register import store
from dsr.register.schema import RegisterError, parse_register


class Section(StrEnum):
    """The parts of the register that have an entry form."""

    PURPOSES = "purposes"
    CATEGORIES = "categories"
    RECIPIENTS = "recipients"
    RETENTION = "retention"


# Each check's message is a message id of the catalogs (the pages translate it, as they do
# marshmallow's own messages: dsr.web.i18n.error_text).
IDENTIFIER = validate.Regexp(r"^[a-z][a-z0-9_]{0,59}$", error="register_err_identifier")
TEXT = validate.Length(min=1, max=500, error="register_err_text")
OWNER = validate.Length(min=1, max=120, error="register_err_owner")


def _text(required: bool = True) -> fields.String:
    return fields.String(required=required, validate=TEXT if required else validate.Length(max=500))


def _label(data: Mapping[str, Any], prefix: str) -> dict[str, str]:
    return {"de": data[f"{prefix}_de"].strip(), "en": data[f"{prefix}_en"].strip()}


def _text_or_label(data: Mapping[str, Any], prefix: str) -> str | dict[str, str]:
    """A ``TextOrLabel`` field from its German and English inputs: one text when both read
    the same (a name, a citation without words), else the two."""
    label = _label(data, prefix)
    return label["de"] if label["de"] == label["en"] else label


TEXT_OR_LABEL = ("name", "norm", "legal_basis")
"""Register fields that are a text or a ``{de, en}`` table: edited as two inputs each."""


class _EntryForm(Schema):
    class Meta:
        unknown = EXCLUDE  # the form also carries csrf_token, note and the button

    key = fields.String(required=True, validate=IDENTIFIER)
    owner = fields.String(required=True, validate=OWNER)


class CategoryForm(_EntryForm):
    label_de = _text()
    label_en = _text()
    provided = fields.Boolean(load_default=False)

    @post_load
    def entry(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {"label": _label(data, "label"), "provided": data["provided"],
                "owner": data["owner"].strip()}


class RetentionForm(_EntryForm):
    label_de = _text()
    label_en = _text()
    period = fields.Integer(required=True, validate=validate.Range(min=1, max=3650))
    unit = fields.String(required=True, validate=validate.OneOf(["years", "days"]))
    starts = fields.String(required=True,
                           validate=validate.OneOf(["end_of_year", "creation", "event"]))
    norm_de = _text()
    norm_en = _text()
    storage_limit = fields.Boolean(load_default=False)

    @post_load
    def entry(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "label": _label(data, "label"), data["unit"]: data["period"],
            "starts": data["starts"], "norm": _text_or_label(data, "norm"),
            "owner": data["owner"].strip()}
        if data["storage_limit"]:
            entry["storage_limit"] = True
        return entry


class RecipientForm(_EntryForm):
    name_de = _text()
    name_en = _text()
    kind = fields.String(required=True, validate=validate.OneOf(["processor", "controller"]))
    role_de = _text()
    role_en = _text()
    country = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{2}$",
                                                                    error="register_err_country"))

    @post_load
    def entry(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {"name": _text_or_label(data, "name"), "kind": data["kind"],
                "role": _label(data, "role"),
                "country": data["country"], "owner": data["owner"].strip()}


class PurposeForm(_EntryForm):
    label_de = _text()
    label_en = _text()
    legal_basis_de = _text()
    legal_basis_en = _text()
    categories = fields.List(fields.String(validate=IDENTIFIER), required=True,
                             validate=validate.Length(min=1, error="register_err_categories"))
    recipients = fields.List(fields.String(validate=IDENTIFIER), load_default=list)
    retention = fields.List(fields.String(validate=IDENTIFIER), load_default=list)
    source_de = _text()
    source_en = _text()
    deletion_de = _text(required=False)
    deletion_en = _text(required=False)

    @post_load
    def entry(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "name": data["key"], "label": _label(data, "label"),
            "legal_basis": _text_or_label(data, "legal_basis"), "categories": data["categories"],
            "recipients": data["recipients"], "retention": data["retention"],
            "source": _label(data, "source"), "owner": data["owner"].strip()}
        if data.get("deletion_de", "").strip() or data.get("deletion_en", "").strip():
            if not (data.get("deletion_de", "").strip() and data.get("deletion_en", "").strip()):
                raise ValidationError("register_err_deletion_both", "deletion_de")
            entry["deletion"] = _label(data, "deletion")
        return entry


FORMS: dict[Section, type[_EntryForm]] = {
    Section.PURPOSES: PurposeForm, Section.CATEGORIES: CategoryForm,
    Section.RECIPIENTS: RecipientForm, Section.RETENTION: RetentionForm}
LISTS = ("categories", "recipients", "retention")


class EntryError(RegisterError):
    """The form has mistakes: ``errors`` maps each field to its messages (message ids of the
    catalogs, or marshmallow's own English messages; the text of the error is in English)."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(gettext('en', m) for m in v)}"
                                   for k, v in errors.items()))
        self.errors = errors


def _keep_order(before: list[str], chosen: list[str]) -> list[str]:
    """The chosen names in the entry's own order: those it had stay where they were, new ones
    follow in the form's order (the form lists every name in the register's order, so a save
    would otherwise reorder them and show a change nobody made)."""
    kept = [name for name in before if name in chosen]
    return kept + [name for name in chosen if name not in kept]


def form_values(section: Section, key: str, entry: Mapping[str, Any]) -> dict[str, Any]:
    """An entry as its form's fields (what the edit page fills in)."""
    values: dict[str, Any] = {"key": key, "owner": entry.get("owner", "")}
    for name in ("label", "role", "source", "deletion"):
        for lang in ("de", "en"):
            values[f"{name}_{lang}"] = (entry.get(name) or {}).get(lang, "")
    for name in TEXT_OR_LABEL:  # one text for both fills both inputs
        value = entry.get(name) or ""
        for lang in ("de", "en"):
            values[f"{name}_{lang}"] = value if isinstance(value, str) else value.get(lang, "")
    for name in ("provided", "kind", "country", "starts"):
        values[name] = entry.get(name, "")
    values["storage_limit"] = bool(entry.get("storage_limit"))
    values["unit"] = "days" if "days" in entry else "years"
    values["period"] = entry.get("days", entry.get("years", ""))
    for name in LISTS:
        values[name] = list(entry.get(name, [])) if section is Section.PURPOSES else []
    return values


def entry_of(register: Mapping[str, Any], section: Section, key: str) -> dict[str, Any] | None:
    """The entry ``key`` of ``section`` (a purpose by its name), or None."""
    if section is Section.PURPOSES:
        return next((dict(p) for p in register["purposes"] if p["name"] == key), None)
    found = register[section.value].get(key)
    return dict(found) if found is not None else None


def with_entry(register: Mapping[str, Any], section: Section, form: Mapping[str, Any], *,
               original: str | None) -> dict[str, Any]:
    """A copy of ``register`` with the form's entry in it (replacing ``original``, or new).
    Raises :class:`EntryError` for a form mistake; the whole register is checked on save."""
    raw = {k: v for k, v in form.items() if k not in LISTS}
    for name in LISTS:
        raw[name] = [v for v in form.get(name, []) if v]
    if not raw.get("period"):
        raw.pop("period", None)
    try:
        entry = FORMS[section]().load(raw)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"key": exc.messages}
        raise EntryError({str(k): [str(m) for m in (v if isinstance(v, list) else [v])]
                          for k, v in messages.items()}) from None
    key = str(raw["key"])
    data = copy.deepcopy(dict(register))
    if original is not None and key != original:
        raise EntryError({"key": ["register_err_key_fixed"]})
    if section is Section.PURPOSES:
        purposes = data["purposes"]
        at = next((i for i, p in enumerate(purposes) if p["name"] == key), None)
        if original is None and at is not None:
            raise EntryError({"key": ["register_err_key_taken"]})
        if at is None:
            purposes.append(entry)
        else:
            for name in LISTS:
                entry[name] = _keep_order(list(purposes[at].get(name, [])), entry[name])
            purposes[at] = {**purposes[at], **entry}
    else:
        table = data[section.value]
        if original is None and key in table:
            raise EntryError({"key": ["register_err_key_taken"]})
        kept = {k: v for k, v in table.get(key, {}).items()
                if k not in ("years", "days", "deletion", "storage_limit")}
        table[key] = {**kept, **entry}
    return data


def _clean(value: Any) -> Any:
    """Drop what TOML cannot hold (None) and empty defaults the schema adds on load."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None and v != [] and v != {}}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


HEADER = ("# Processing register (Art. 30 GDPR), saved in the register editor.\n"
          "# Edit in the queue or import a file; comments of an imported file are kept in\n"
          "# that file's version, each save from a form writes this canonical form.\n\n")


def canonical(register: Mapping[str, Any]) -> str:
    """The register as TOML in a fixed form: the text a form's save stores, and the one two
    versions are compared in."""
    return HEADER + tomli_w.dumps(_clean(dict(register)))


def save_entry(session: Session, path: Path, section: Section, form: Mapping[str, Any], *,
               original: str | None, actor: str, user_id: int | None,
               note: str = "") -> RegisterVersion:
    """Validate the form, put its entry into the register in force and save the result as
    the next version (raises :class:`EntryError` or :class:`RegisterError`)."""
    current = store.in_force(session, path)
    data = with_entry(current.data, section, form, original=original)
    what = f"{section.value}.{form.get('key', '')}"
    return store.save_version(session, canonical(data), path=path, actor=actor,
                              user_id=user_id, note=note or what)


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "add", "del", "hunk", "same"
    text: str


def diff(old: RegisterVersion, new: RegisterVersion) -> list[DiffLine]:
    """The changes from ``old`` to ``new``, compared in canonical form."""
    def lines(version: RegisterVersion) -> list[str]:
        try:  # loaded through the schema, so defaults read the same in both versions
            data = parse_register(version.toml, f"register version {version.number}")
        except RegisterError:  # a version from before a schema change: as it was written
            data = tomllib.loads(version.toml)
        return canonical(data).splitlines()

    result = []
    for line in difflib.unified_diff(lines(old), lines(new), f"v{old.number}", f"v{new.number}",
                                     n=3, lineterm=""):
        if line.startswith(("---", "+++")):
            continue
        kind = {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "same")
        result.append(DiffLine(kind, line))
    return result
