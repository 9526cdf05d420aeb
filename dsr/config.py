"""Configuration: a TOML file validated by marshmallow schemas, secrets overridable by environment.

Every key is documented in ``config.example.toml``. An unknown key or a wrong type stops the
start with one line naming the key (:class:`ConfigError`), never a traceback.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from marshmallow import INCLUDE, RAISE, Schema, ValidationError, fields, validate

DEMO_DIR = Path(__file__).parent / "demo"


#: Where links point when ``[service] base_url`` is not set and no server derived it.
DEFAULT_BASE_URL = "http://127.0.0.1:5000"


class ConfigError(Exception):
    """The configuration cannot be used; the message names the key or URL at fault."""


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class ServiceSchema(_Strict):
    secret_key = fields.String(load_default="")
    data_dir = fields.String(load_default="")
    database_url = fields.String(load_default="")
    # Where links in mails and letters point. Unset: `dsr serve` derives it from its host and
    # port; other commands use http://127.0.0.1:5000.
    base_url = fields.String(load_default="", validate=validate.Regexp(
        r"^$|^https?://[^\s/]+(/\S*)?$", error="an http(s) URL such as https://privacy.example.org"))
    encryption_keys = fields.List(fields.String(), load_default=list)
    # German states whose public holidays end a period on the next working day (Reg. 1182/71).
    holiday_subdivision = fields.String(load_default="BY", validate=validate.OneOf(
        ["BB", "BE", "BW", "BY", "HB", "HE", "HH", "MV", "NI", "NW", "RP", "SH", "SL", "SN",
         "ST", "TH"]))
    accountability_years = fields.Integer(load_default=3, validate=validate.Range(min=1, max=10))
    # Pin the service clock to this instant (ISO 8601 with offset) at start-up: for tests and
    # rehearsals only; every process built from the file starts there and runs on at real pace.
    clock_start = fields.AwareDateTime(load_default=None, allow_none=True)
    # The pages' languages (each needs a catalog; the first is the default) and extra catalog
    # directories (``<dir>/<lang>/LC_MESSAGES/messages.po``) searched before the shipped ones.
    languages = fields.List(fields.String(validate=validate.Regexp(r"^[a-z]{2}$")),
                            load_default=lambda: ["de", "en"], validate=validate.Length(min=1))
    translations = fields.List(fields.String(), load_default=list)


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


class ConnectorSchema(Schema):
    """``[connectors.<name>]``: ``kind`` and ``label`` are checked here; every other key by the
    connector of that kind when it is built (its ``from_settings`` schema names the key)."""

    class Meta:
        unknown = INCLUDE

    kind = fields.String(required=True)
    label = fields.Dict(keys=fields.String(validate=validate.OneOf(["de", "en"])),
                        values=fields.String(), load_default=dict)


_TYPES = ["access", "portability", "rectification", "restriction", "erasure", "objection",
          "consent_withdrawal", "contest_decision"]


class VerificationSchema(_Strict):
    """Identity verification (``[verification]``): levels, codes, shop tokens, ID copies."""

    levels = fields.Dict(keys=fields.String(validate=validate.OneOf(_TYPES)),
                         values=fields.String(validate=validate.OneOf(["basic", "standard",
                                                                       "elevated"])),
                         load_default=dict)
    authenticated_channel_suffices = fields.Boolean(load_default=True)
    code_minutes = fields.Integer(load_default=2880, validate=validate.Range(min=5, max=20160))
    code_attempts = fields.Integer(load_default=5, validate=validate.Range(min=1, max=20))
    codes_per_request = fields.Integer(load_default=3, validate=validate.Range(min=1, max=10))
    shop_token_secret = fields.String(load_default="")
    shop_token_max_age_seconds = fields.Integer(load_default=900,
                                                validate=validate.Range(min=30, max=86400))
    id_copy_max_bytes = fields.Integer(load_default=10 * 1024 * 1024,
                                       validate=validate.Range(min=10_000, max=50 * 1024 * 1024))
    id_copy_max_pixels = fields.Integer(load_default=40_000_000,
                                        validate=validate.Range(min=100_000, max=200_000_000))
    id_copy_delete_after_days = fields.Integer(load_default=0, validate=validate.Range(min=0, max=90))
    no_data_answer_days_before_deadline = fields.Integer(load_default=3,
                                                         validate=validate.Range(min=0, max=25))


class MailboxSchema(_Strict):
    """One IMAP mailbox of ``[mail_ingest]`` (the privacy mailbox, the general one)."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    host = fields.String(required=True)
    port = fields.Integer(load_default=993, validate=validate.Range(min=1, max=65535))
    tls = fields.Boolean(load_default=True)
    user = fields.String(required=True)
    password = fields.String(load_default="")
    password_env = fields.String(load_default="")
    folder = fields.String(load_default="INBOX")
    processed_folder = fields.String(load_default="DSR-Processed")
    fax = fields.Boolean(load_default=False)


class MailFolderSchema(_Strict):
    """A Maildir or a folder of .eml files of ``[mail_ingest]``."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    path = fields.String(required=True)
    processed_folder = fields.String(load_default="processed")
    fax = fields.Boolean(load_default=False)


class MailIngestSchema(_Strict):
    """Incoming mail (``[mail_ingest]``): mailboxes, Maildirs, .eml folders."""

    mailboxes = fields.List(fields.Nested(MailboxSchema), load_default=list)
    maildirs = fields.List(fields.Nested(MailFolderSchema), load_default=list)
    eml_folders = fields.List(fields.Nested(MailFolderSchema), load_default=list)
    fax_senders = fields.List(fields.String(), load_default=list)
    trusted_authserv_ids = fields.List(fields.String(), load_default=list)
    batch_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=1000))


class ReceiverSchema(_Strict):
    """Another controller that takes a portability copy through an interface of its own
    (``[delivery.portability_receivers.<name>]``, Art. 20(2) GDPR): the export ZIP is posted
    to ``url`` with ``token`` as a bearer token."""

    label = fields.Dict(keys=fields.String(), values=fields.String(validate=validate.Length(min=1)),
                        required=True)
    url = fields.Url(required=True, schemes={"http", "https"}, require_tld=False)
    token = fields.String(load_default="")


class DeliverySchema(_Strict):
    """How answers are handed out (``[delivery]``): the portal link and its one-time code, and
    the controllers a portability copy can be transmitted to directly."""

    portal_days = fields.Integer(load_default=14, validate=validate.Range(min=1, max=90))
    max_downloads = fields.Integer(load_default=5, validate=validate.Range(min=1, max=50))
    code_attempts = fields.Integer(load_default=5, validate=validate.Range(min=1, max=20))
    codes_per_delivery = fields.Integer(load_default=5, validate=validate.Range(min=1, max=20))
    portability_receivers = fields.Dict(keys=fields.String(), values=fields.Nested(ReceiverSchema),
                                        load_default=dict)


#: The request types ``[workflow] four_eyes`` may name.
FOUR_EYES_TYPES = ("access", "portability", "rectification", "restriction", "erasure",
                   "objection", "consent_withdrawal", "contest_decision")


class WorkflowSchema(_Strict):
    """How requests move (``[workflow]``): the Art. 18(3) notice period before a lift."""

    restriction_lift_notice_days = fields.Integer(load_default=14,
                                                  validate=validate.Range(min=0, max=365))
    # A recipient that has not confirmed an e-mailed notice after this many days is reminded
    # once (0: never).
    recipient_reminder_days = fields.Integer(load_default=14,
                                             validate=validate.Range(min=0, max=365))
    # Request types whose irreversible step needs a second, different coordinator (four-eyes):
    # the approval that executes the plan, and for access/portability the release of the answer.
    four_eyes = fields.List(fields.String(validate=validate.OneOf(FOUR_EYES_TYPES)),
                            load_default=list)
    # A shop with a single active coordinator: an identity-policy override of an erasing or
    # disclosing request takes effect this long after a notice to the address on file.
    single_coordinator_wait_hours = fields.Integer(load_default=72,
                                                   validate=validate.Range(min=1, max=720))


class WebSchema(_Strict):
    """The web process (``[web]``): proxies in front of it, staff sessions, sign-in throttling."""

    # Reverse proxies in front of dsr whose X-Forwarded-* headers are believed (ProxyFix).
    trusted_proxies = fields.Integer(load_default=0, validate=validate.Range(min=0, max=5))
    session_idle_minutes = fields.Integer(load_default=30, validate=validate.Range(min=1, max=1440))
    session_absolute_hours = fields.Integer(load_default=12, validate=validate.Range(min=1, max=168))
    login_failures_before_wait = fields.Integer(load_default=5,
                                                validate=validate.Range(min=1, max=100))
    login_max_wait_minutes = fields.Integer(load_default=15, validate=validate.Range(min=1, max=1440))
    # Origins (scheme://host[:port]) besides base_url from which forms may be posted.
    allowed_origins = fields.List(fields.String(), load_default=list)


class UsersSchema(_Strict):
    """Accounts (``[users]``): the second factor, password reset links."""

    # Roles whose users must sign in with a TOTP code; one without enrolment is sent to
    # enrolment right after the password.
    second_factor_required = fields.List(
        fields.String(validate=validate.OneOf(["staff", "coordinator", "admin"])),
        load_default=list)
    # The name an authenticator app shows beside the account.
    totp_issuer = fields.String(load_default="dsr", validate=validate.Length(min=1, max=60))
    reset_link_hours = fields.Integer(load_default=24, validate=validate.Range(min=1, max=168))


class OidcSchema(_Strict):
    """Optional sign-in through the shop's OpenID Connect provider (``[oidc]``). It signs in
    existing users only: ``claim`` of the ID token is matched to the user's ``match`` field;
    no account is ever created from it."""

    enabled = fields.Boolean(load_default=False)
    issuer = fields.String(load_default="")
    client_id = fields.String(load_default="")
    client_secret = fields.String(load_default="")
    claim = fields.String(load_default="email", validate=validate.Length(min=1, max=60))
    match = fields.String(load_default="email", validate=validate.OneOf(["email", "username"]))
    scopes = fields.String(load_default="openid email profile")
    label = fields.String(load_default="Single sign-on", validate=validate.Length(max=60))


class ConfigSchema(_Strict):
    service = fields.Nested(ServiceSchema, load_default=lambda: ServiceSchema().load({}))
    tasks = fields.Nested(TasksSchema, load_default=lambda: TasksSchema().load({}))
    mail = fields.Nested(MailSchema, load_default=lambda: MailSchema().load({}))
    verification = fields.Nested(VerificationSchema,
                                 load_default=lambda: VerificationSchema().load({}))
    mail_ingest = fields.Nested(MailIngestSchema, load_default=lambda: MailIngestSchema().load({}))
    delivery = fields.Nested(DeliverySchema, load_default=lambda: DeliverySchema().load({}))
    workflow = fields.Nested(WorkflowSchema, load_default=lambda: WorkflowSchema().load({}))
    web = fields.Nested(WebSchema, load_default=lambda: WebSchema().load({}))
    users = fields.Nested(UsersSchema, load_default=lambda: UsersSchema().load({}))
    oidc = fields.Nested(OidcSchema, load_default=lambda: OidcSchema().load({}))
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
    holiday_subdivision: str
    accountability_years: int
    tasks: dict[str, Any]
    mail: dict[str, Any]
    register_path: Path
    connectors: dict[str, dict[str, Any]]
    source: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    verification: dict[str, Any] = field(default_factory=lambda: VerificationSchema().load({}))
    mail_ingest: dict[str, Any] = field(default_factory=lambda: MailIngestSchema().load({}))
    delivery: dict[str, Any] = field(default_factory=lambda: DeliverySchema().load({}))
    workflow: dict[str, Any] = field(default_factory=lambda: WorkflowSchema().load({}))
    clock_start: datetime | None = None
    web: dict[str, Any] = field(default_factory=lambda: WebSchema().load({}))
    languages: list[str] = field(default_factory=lambda: ["de", "en"])
    translation_dirs: list[Path] = field(default_factory=list)
    #: whether ``base_url`` was set (file or ``DSR_BASE_URL``) rather than defaulted
    base_url_configured: bool = True
    users: dict[str, Any] = field(default_factory=lambda: UsersSchema().load({}))
    oidc: dict[str, Any] = field(default_factory=lambda: OidcSchema().load({}))

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
        connectors = demo_connectors()
    for name, conn in connectors.items():
        if conn["kind"] in ("shop_sql", "newsletter"):  # the demo shop's database and map
            conn["url"] = env.get("DSR_SHOP_DATABASE_URL") or conn.get("url") or (
                f"sqlite:///{data_dir / 'shop.sqlite'}"
            )
            conn["datamap"] = str(_resolve(base, conn.get("datamap", ""),
                                           DEMO_DIR / "datamap.toml"))
        if conn["kind"] == "newsletter" and not conn.get("suppression_key"):
            conn["suppression_key"] = env.get("DSR_SUPPRESSION_KEY") or derived_secret(
                secret_key, "suppression")
        if conn["kind"] == "access_logs":
            conn["directory"] = str(_resolve(base, conn.get("directory", ""),
                                             data_dir / "shop-logs"))
        conn["name"] = name
        conn["label"] = {"de": name, "en": name} | conn.get("label", {})
    return Config(
        secret_key=secret_key,
        data_dir=data_dir,
        database_url=database_url,
        base_url=(env.get("DSR_BASE_URL") or service["base_url"] or DEFAULT_BASE_URL).rstrip("/"),
        base_url_configured=bool(env.get("DSR_BASE_URL") or service["base_url"]),
        encryption_keys=keys,
        holiday_subdivision=service["holiday_subdivision"],
        accountability_years=service["accountability_years"],
        tasks=tasks,
        mail=dict(data["mail"]),
        register_path=_resolve(base, data["register"], DEMO_DIR / "register.toml"),
        connectors=connectors,
        source=source,
        verification={**data["verification"], "shop_token_secret": env.get(
            "DSR_SHOP_TOKEN_SECRET") or data["verification"]["shop_token_secret"]},
        mail_ingest=_mail_ingest(data["mail_ingest"], base, env),
        delivery=dict(data["delivery"]),
        workflow=dict(data["workflow"]),
        clock_start=_clock_start(env, service["clock_start"]),
        web=dict(data["web"]),
        languages=list(service["languages"]),
        translation_dirs=[_resolve(base, d, base) for d in service["translations"]],
        users=dict(data["users"]),
        oidc=_oidc(data["oidc"], env),
    )


def _oidc(section: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    """The OpenID Connect settings; the client secret may come from ``DSR_OIDC_CLIENT_SECRET``."""
    out = {**section, "client_secret": env.get("DSR_OIDC_CLIENT_SECRET")
           or section["client_secret"]}
    if out["enabled"] and not (out["issuer"] and out["client_id"]):
        raise ConfigError("configuration key oidc.issuer: issuer and client_id are required "
                          "when oidc.enabled = true")
    out["issuer"] = out["issuer"].rstrip("/")
    return out


def _clock_start(env: dict[str, str], configured: datetime | None) -> datetime | None:
    """``DSR_CLOCK_START`` (ISO 8601 with offset) or the configured instant, else None."""
    value = env.get("DSR_CLOCK_START")
    if not value:
        return configured
    try:
        start = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError("DSR_CLOCK_START: not an ISO 8601 date and time") from None
    if start.tzinfo is None:
        raise ConfigError("DSR_CLOCK_START: needs a UTC offset (e.g. +01:00)")
    return start


def _mail_ingest(section: dict[str, Any], base: Path, env: dict[str, str]) -> dict[str, Any]:
    """Folders resolved against the config file; IMAP passwords from ``password_env`` if set."""
    out = dict(section)
    out["mailboxes"] = [{**m, "password": env.get(m["password_env"], "") if m["password_env"]
                         else m["password"]} for m in section["mailboxes"]]
    for key in ("maildirs", "eml_folders"):
        out[key] = [{**f, "path": str(_resolve(base, f["path"], base))} for f in section[key]]
    names = [s["name"] for key in ("mailboxes", "maildirs", "eml_folders") for s in out[key]]
    if len(names) != len(set(names)):
        raise ConfigError("configuration key mail_ingest: every source needs its own name")
    return out


def derived_secret(secret_key: str, purpose: str) -> str:
    """A key for ``purpose`` derived from the service secret (when none is configured)."""
    return hmac.new(secret_key.encode(), f"dsr:{purpose}".encode(), hashlib.sha256).hexdigest()


def demo_connectors() -> dict[str, dict[str, Any]]:
    """The embedded default: the demo shop, its newsletter tables, its web server's logs and
    its recipients (endpoints on example.org; mail goes to the mail-out folder)."""
    endpoints = {key: {"email": f"datenschutz@{key.replace('_', '-')}.example.org",
                       "credit_bureau": key == "schufa"} for key in DEMO_RECIPIENTS}
    return {
        "shop": {"kind": "shop_sql", "label": {"de": "Shop-Datenbank", "en": "Shop database"}},
        "newsletter": {"kind": "newsletter", "subject_from": "shop",
                       "label": {"de": "Newsletter und Einwilligungen",
                                 "en": "Newsletter and consents"}},
        "logs": {"kind": "access_logs", "subject_from": "shop",
                 "label": {"de": "Server-Logdateien", "en": "Server log files"}},
        "recipients": {"kind": "recipient_mail", "subject_from": "shop", "endpoints": endpoints,
                       "label": {"de": "Empfänger (E-Mail)", "en": "Recipients (e-mail)"}},
    }


#: The recipients of the demo register told by e-mail (carriers, bureau, payment providers,
#: collection agency); which rows name them comes from the register's evidence.
DEMO_RECIPIENTS = ("dhl", "dpd", "hermes", "ups", "schufa", "paypal", "klarna", "stripe",
                   "collection_agency")


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
