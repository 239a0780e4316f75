"""Configuration read from the environment: the only module that reads ``os.environ``.

Every setting has a default that lets a newcomer run the application with nothing
installed: SQLite in ``instance/``, jobs in-process, a secret key generated once.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent
INSTANCE = Path(os.environ.get("QUALIFICA_INSTANCE_PATH", ROOT / "instance"))


def _secret_key(instance: Path) -> str:
    """Return ``SECRET_KEY`` or a key generated once into ``instance/`` (never committed)."""
    if value := os.environ.get("SECRET_KEY"):
        return value
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    # Written whole to a private temporary file, then linked into place: two processes
    # starting together agree on one key, and none ever reads a half-written file.
    temporary = instance / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass  # another process won the race: use its key
    finally:
        temporary.unlink()
    return path.read_text().strip()


def normalise_database_url(url: str) -> str:
    """Heroku-style URLs and plain ``postgresql://`` both mean psycopg 3 here."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _database_url(instance: Path) -> str:
    return normalise_database_url(
        os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'qualifica.db'}"
    )


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be a whole number, got {raw!r}") from exc


class Config:
    """Settings from the environment; ``create_app(overrides)`` can replace any of them."""

    def __init__(self) -> None:
        self.INSTANCE_PATH = str(INSTANCE)
        self.SECRET_KEY = _secret_key(INSTANCE)
        self.SQLALCHEMY_DATABASE_URI = _database_url(INSTANCE)
        # No pool_pre_ping: a connection the server closed while idle is dropped without a
        # round trip (``extensions._closed_while_idle``).
        self.SQLALCHEMY_ENGINE_OPTIONS: dict[str, object] = {}
        self.REDIS_URL = os.environ.get("REDIS_URL") or None
        self.RQ_QUEUE = os.environ.get("RQ_QUEUE", "qualifica")
        self.JOB_TIMEOUT_SECONDS = _int("JOB_TIMEOUT_SECONDS", 3600)
        self.TIMEZONE = os.environ.get("QUALIFICA_TIMEZONE", "Europe/Rome")
        self.BABEL_DEFAULT_LOCALE = os.environ.get("QUALIFICA_LOCALE", "it")
        self.BABEL_DEFAULT_TIMEZONE = self.TIMEZONE
        self.LANGUAGES = ("it", "en")
        self.BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")
        self.MAX_CONTENT_LENGTH = _int("QUALIFICA_MAX_UPLOAD_MB", 50) * 1024 * 1024
        # Imported files: the same limit from the shell, kept here with their batch.
        self.IMPORT_MAX_BYTES = self.MAX_CONTENT_LENGTH
        # What one file may hold, whatever its size (app/spreadsheets/bounds.py): a row's
        # length (CSV line breaks in quotes included), its columns, the rows (50 bytes a
        # row at the upload limit) and a workbook's grid, which its reader loads whole.
        self.READ_MAX_LINE_CHARS = _int("QUALIFICA_MAX_LINE_KB", 64) * 1024
        self.READ_MAX_COLUMNS = _int("QUALIFICA_MAX_COLUMNS", 200)
        self.READ_MAX_ROWS = _int("QUALIFICA_MAX_ROWS", self.MAX_CONTENT_LENGTH // 50)
        self.READ_MAX_CELLS = _int("QUALIFICA_MAX_CELLS", 2_000_000)
        self.IMPORT_DIR = os.environ.get("QUALIFICA_IMPORT_DIR") or str(INSTANCE / "imports")
        # Export runs publish their files here (shared storage when web and workers run
        # on different machines); the CRM column mapping the load files follow.
        self.EXPORT_DIR = os.environ.get("QUALIFICA_EXPORT_DIR") or str(INSTANCE / "exports")
        self.CRM_MAPPING = os.environ.get("QUALIFICA_CRM_MAPPING") or str(
            ROOT / "app" / "distribution" / "mappings" / "siebel_eim.toml"
        )
        # An export is split into this many jobs, so several RQ workers share it.
        self.EXPORT_PARTS = _int("QUALIFICA_EXPORT_PARTS", 8)
        # Idle expiry: the session cookie is refreshed on each request and dies after
        # this long without one; an absolute cap forces a new sign-in every working day.
        self.PERMANENT_SESSION_LIFETIME = timedelta(minutes=_int("SESSION_IDLE_MINUTES", 60))
        self.SESSION_MAX_HOURS = _int("SESSION_MAX_HOURS", 12)
        # Sign-in throttling (app/users/throttle.py), over the window: a hard limit per
        # account from one address and per address; per account from anywhere, a few
        # seconds' wait that doubles up to a cap and never blocks.
        # Its name before the limit counted per account and address, still read.
        self.LOGIN_MAX_FAILURES_PER_PAIR = _int(
            "LOGIN_MAX_FAILURES_PER_PAIR", _int("LOGIN_MAX_FAILURES_PER_ACCOUNT", 5)
        )
        self.LOGIN_MAX_FAILURES_PER_ADDRESS = _int("LOGIN_MAX_FAILURES_PER_ADDRESS", 20)
        self.LOGIN_SLOWDOWN_AFTER = _int("LOGIN_SLOWDOWN_AFTER", 5)
        self.LOGIN_SLOWDOWN_MAX_SECONDS = _int("LOGIN_SLOWDOWN_MAX_SECONDS", 30)
        self.LOGIN_THROTTLE_MINUTES = _int("LOGIN_THROTTLE_MINUTES", 15)
        self.SESSION_REFRESH_EACH_REQUEST = True
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"
        self.REMEMBER_COOKIE_DURATION = timedelta(seconds=0)
        self.WTF_CSRF_TIME_LIMIT = None  # the CSRF token lives as long as the session
        # How many reverse proxies sit in front (X-Forwarded-For/Proto are trusted that far).
        self.PROXY_COUNT = _int("QUALIFICA_PROXY_COUNT", 0)
        # Requests one API key may make (Flask-Limiter syntax: "600 per minute", or several
        # joined by ";"); counted in Redis when REDIS_URL is set (docs/api.md).
        self.API_RATE_LIMIT = os.environ.get("QUALIFICA_API_RATE_LIMIT", "600 per minute")
        self.DEMO_ACCOUNTS = _int("QUALIFICA_DEMO_ACCOUNTS", 2000)
        # Days an extract of the opposition register stays valid (DPR 178/2010: 15 days);
        # campaigns warn once the newest extract is older (docs/do-not-call.md).
        self.DNC_MAX_AGE_DAYS = _int("QUALIFICA_DNC_MAX_AGE_DAYS", 15)
        # Personal data of accounts never qualified is anonymised this many months after
        # their last activity; 0 or an empty value turns retention off (docs/privacy.md).
        retention = os.environ.get("QUALIFICA_RETENTION_MONTHS")
        self.RETENTION_MONTHS = 0 if retention == "" else _int("QUALIFICA_RETENTION_MONTHS", 24)
        # When `flask privacy cron` starts the retention job (cron syntax, server time).
        self.RETENTION_CRON = os.environ.get("QUALIFICA_RETENTION_CRON", "15 3 * * *")
        # Webhooks (docs/webhooks.md): how long a receiver may take to answer, how many
        # failed attempts in a row pause its subscription, and whether a subscription may
        # point at a loopback or private address (off: a webhook must not reach the
        # server's own network; tests and a receiver on the same host turn it on).
        self.WEBHOOK_TIMEOUT_SECONDS = _int("QUALIFICA_WEBHOOK_TIMEOUT_SECONDS", 5)
        self.WEBHOOK_PAUSE_AFTER = _int("QUALIFICA_WEBHOOK_PAUSE_AFTER", 10)
        self.WEBHOOK_ALLOW_PRIVATE = os.environ.get("QUALIFICA_WEBHOOK_ALLOW_PRIVATE", "0") == "1"

        self._mail_settings()

    def _mail_settings(self) -> None:
        """E-mail (app/mail): SMTP when a host is set, else each message is written as an
        .eml file into ``MAIL_FOLDER`` (install-free, like the rest of the defaults)."""
        self.MAIL_SMTP_HOST = os.environ.get("MAIL_SMTP_HOST") or None
        self.MAIL_SMTP_PORT = _int("MAIL_SMTP_PORT", 587)
        self.MAIL_SMTP_USERNAME = os.environ.get("MAIL_SMTP_USERNAME") or None
        self.MAIL_SMTP_PASSWORD = os.environ.get("MAIL_SMTP_PASSWORD") or None
        self.MAIL_SMTP_STARTTLS = os.environ.get("MAIL_SMTP_STARTTLS", "1") == "1"
        self.MAIL_SMTP_SSL = os.environ.get("MAIL_SMTP_SSL", "0") == "1"
        self.MAIL_SMTP_TIMEOUT = _int("MAIL_SMTP_TIMEOUT", 20)
        self.MAIL_FROM = os.environ.get("MAIL_FROM", "Qualifica <qualifica@localhost>")
        self.MAIL_FOLDER = os.environ.get("MAIL_FOLDER") or str(INSTANCE / "mail")
        # A message that could not be sent is tried again this many times in all, each
        # wait doubling from MAIL_RETRY_MINUTES (``flask mail send-due`` sends those due).
        self.MAIL_MAX_ATTEMPTS = _int("MAIL_MAX_ATTEMPTS", 6)
        self.MAIL_RETRY_MINUTES = _int("MAIL_RETRY_MINUTES", 5)
        # The address links in e-mails start with (the pack-ready link).
        self.MAIL_BASE_URL = os.environ.get("QUALIFICA_BASE_URL", "http://localhost:5000")
        # How long a salesperson's pack link works.
        self.MAIL_LINK_MAX_AGE_DAYS = _int("MAIL_LINK_MAX_AGE_DAYS", 14)
        # At most one e-mail per floor alert kind to a supervisor in this many minutes.
        self.MAIL_ALERT_EVERY_MINUTES = _int("MAIL_ALERT_EVERY_MINUTES", 30)

    def as_dict(self) -> dict[str, object]:
        return {key: value for key, value in vars(self).items() if key.isupper()}
