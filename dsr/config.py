"""Configuration: a TOML file validated by marshmallow schemas, secrets overridable by environment.

Every key is documented in ``config.example.toml``. An unknown key or a wrong type stops the
start with one line naming the key (:class:`ConfigError`), never a traceback.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

DEMO_DIR = Path(__file__).parent / "demo"


class ConfigError(Exception):
    """The configuration cannot be used; the message names the key or URL at fault."""


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class ServiceSchema(_Strict):
    secret_key = fields.String(load_default="")
    data_dir = fields.String(load_default="")
    database_url = fields.String(load_default="")
    base_url = fields.String(load_default="http://127.0.0.1:5000")
    encryption_keys = fields.List(fields.String(), load_default=list)
    timezone = fields.String(load_default="Europe/Berlin")
    holiday_subdivision = fields.String(load_default="BY")
    accountability_years = fields.Integer(load_default=3, validate=validate.Range(min=1, max=10))


class TasksSchema(_Strict):
    backend = fields.String(load_default="thread", validate=validate.OneOf(["thread", "rq"]))
    redis_url = fields.String(load_default="")
    max_attempts = fields.Integer(load_default=5, validate=validate.Range(min=1, max=50))
    backoff_seconds = fields.Float(load_default=2.0, validate=validate.Range(min=0))
    lease_seconds = fields.Integer(load_default=300, validate=validate.Range(min=2))
    job_modules = fields.List(fields.String(), load_default=list)


class MailSchema(_Strict):
    backend = fields.String(load_default="folder", validate=validate.OneOf(["folder", "smtp"]))
    sender = fields.Email(load_default="datenschutz@pso.example.org")
    smtp_host = fields.String(load_default="127.0.0.1")
    smtp_port = fields.Integer(load_default=25)
    smtp_user = fields.String(load_default="")
    smtp_password = fields.String(load_default="")
    smtp_starttls = fields.Boolean(load_default=False)
    acknowledgements_per_hour = fields.Integer(load_default=3, validate=validate.Range(min=1))


class ConnectorSchema(_Strict):
    kind = fields.String(required=True)
    url = fields.String(load_default="")
    datamap = fields.String(load_default="")
    statement_timeout_ms = fields.Integer(load_default=5000, validate=validate.Range(min=0))
    label = fields.Dict(keys=fields.String(validate=validate.OneOf(["de", "en"])),
                        values=fields.String(), load_default=dict)


class ConfigSchema(_Strict):
    service = fields.Nested(ServiceSchema, load_default=lambda: ServiceSchema().load({}))
    tasks = fields.Nested(TasksSchema, load_default=lambda: TasksSchema().load({}))
    mail = fields.Nested(MailSchema, load_default=lambda: MailSchema().load({}))
    register = fields.String(load_default="")
    connectors = fields.Dict(
        keys=fields.String(), values=fields.Nested(ConnectorSchema), load_default=dict
    )


@dataclass
class Config:
    """The validated configuration with every default and override resolved."""

    secret_key: str
    data_dir: Path
    database_url: str
    base_url: str
    encryption_keys: list[str]
    timezone: str
    holiday_subdivision: str
    accountability_years: int
    tasks: dict[str, Any]
    mail: dict[str, Any]
    register_path: Path
    connectors: dict[str, dict[str, Any]]
    source: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def mail_out_dir(self) -> Path:
        return self.data_dir / "mail-out"

    @property
    def documents_dir(self) -> Path:
        return self.data_dir / "documents"

    @property
    def shop_log_dir(self) -> Path:
        return self.data_dir / "shop-logs"


def flatten_error(messages: Any, prefix: str = "") -> str:
    """Turn marshmallow's nested error dict into 'key.path: message'."""
    if isinstance(messages, dict):
        key, value = next(iter(messages.items()))
        path = f"{prefix}.{key}" if prefix else str(key)
        return flatten_error(value, path)
    if isinstance(messages, list) and messages:
        first = messages[0]
        if isinstance(first, str):
            if first == "Unknown field.":
                return f"{prefix}: unknown key"
            return f"{prefix}: {first}"
        return flatten_error(first, prefix)
    return f"{prefix}: {messages}"


def _resolve(base: Path, value: str, default: Path) -> Path:
    if not value:
        return default
    path = Path(value).expanduser()
    return path if path.is_absolute() else (base / path)


def load_config(path: str | os.PathLike[str] | None = None, env: dict[str, str] | None = None,
                overrides: dict[str, Any] | None = None) -> Config:
    """Load and validate the configuration.

    ``path`` falls back to ``$DSR_CONFIG``, then ``./config.toml`` if present, else the
    embedded defaults. Environment variables override secrets and URLs.
    """
    env = dict(os.environ if env is None else env)
    source: Path | None = None
    raw: dict[str, Any] = {}
    chosen = path or env.get("DSR_CONFIG") or ("config.toml" if Path("config.toml").exists() else None)
    if chosen:
        source = Path(chosen).resolve()
        try:
            raw = tomllib.loads(source.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{source}: configuration file not found") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{source}: not valid TOML ({exc})") from None
    for section, values in (overrides or {}).items():
        if isinstance(values, dict):
            raw.setdefault(section, {}).update(values)
        else:
            raw[section] = values
    try:
        data = ConfigSchema().load(raw)
    except ValidationError as exc:
        raise ConfigError(f"configuration key {flatten_error(exc.messages)}") from None

    base = source.parent if source else Path.cwd()
    service = data["service"]
    data_dir = _resolve(base, env.get("DSR_DATA_DIR") or service["data_dir"], Path.cwd() / "dsr-data")
    database_url = env.get("DSR_DATABASE_URL") or service["database_url"] or (
        f"sqlite:///{data_dir / 'service.sqlite'}"
    )
    secret_key = env.get("DSR_SECRET_KEY") or service["secret_key"] or _stored_secret(data_dir)
    keys = [k for k in env.get("DSR_ENCRYPTION_KEYS", "").split(",") if k] or service["encryption_keys"]
    tasks = dict(data["tasks"])
    tasks["redis_url"] = env.get("DSR_REDIS_URL") or tasks["redis_url"]
    if tasks["backend"] == "rq" and not tasks["redis_url"]:
        raise ConfigError("configuration key tasks.redis_url: required when tasks.backend = 'rq'")

    connectors = {name: dict(c) for name, c in data["connectors"].items()}
    if not connectors:
        connectors = {"shop": {"kind": "shop_sql", "url": "", "datamap": "",
                               "statement_timeout_ms": 5000,
                               "label": {"de": "Shop-Datenbank", "en": "Shop database"}}}
    for name, conn in connectors.items():
        if conn["kind"] == "shop_sql":
            conn["url"] = env.get("DSR_SHOP_DATABASE_URL") or conn["url"] or (
                f"sqlite:///{data_dir / 'shop.sqlite'}"
            )
            conn["datamap"] = str(_resolve(base, conn["datamap"], DEMO_DIR / "datamap.toml"))
        conn["name"] = name
        conn["label"] = {"de": name, "en": name} | conn.get("label", {})
    return Config(
        secret_key=secret_key,
        data_dir=data_dir,
        database_url=database_url,
        base_url=service["base_url"].rstrip("/"),
        encryption_keys=keys,
        timezone=service["timezone"],
        holiday_subdivision=service["holiday_subdivision"],
        accountability_years=service["accountability_years"],
        tasks=tasks,
        mail=dict(data["mail"]),
        register_path=_resolve(base, data["register"], DEMO_DIR / "register.toml"),
        connectors=connectors,
        source=source,
    )


def _stored_secret(data_dir: Path) -> str:
    """The embedded default keeps a generated secret in the data directory (mode 0600)."""
    path = data_dir / "secret.key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value
