import os
import stat

import pytest

import config
from app import create_app


def test_secret_key_generated_once_and_private(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = config._secret_key(tmp_path)
    second = config._secret_key(tmp_path)
    assert first == second
    assert len(first) >= 40
    mode = stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode)
    assert mode == 0o600


def test_secret_key_from_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-env")
    assert config._secret_key(tmp_path) == "from-env"
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("postgresql://u@h:5433/db", "postgresql+psycopg://u@h:5433/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_database_url_normalised(monkeypatch, tmp_path, given, expected):
    monkeypatch.setenv("DATABASE_URL", given)
    assert config._database_url(tmp_path) == expected


def test_database_url_defaults_to_sqlite_in_instance(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert config._database_url(tmp_path) == f"sqlite:///{tmp_path / 'qualifica.db'}"


def test_environment_settings(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://localhost:6379/3")
    monkeypatch.setenv("QUALIFICA_MAX_UPLOAD_MB", "7")
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "15")
    settings = config.Config()
    assert settings.REDIS_URL == "redis://localhost:6379/3"
    assert settings.MAX_CONTENT_LENGTH == 7 * 1024 * 1024
    assert settings.PERMANENT_SESSION_LIFETIME.total_seconds() == 15 * 60
    assert settings.TIMEZONE == "Europe/Rome"
    assert settings.BABEL_DEFAULT_LOCALE == "it"


def test_defaults_without_environment(monkeypatch):
    for name in ("REDIS_URL", "QUALIFICA_MAX_UPLOAD_MB", "QUALIFICA_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    settings = config.Config()
    assert settings.REDIS_URL is None  # jobs then run in-process
    assert settings.MAX_CONTENT_LENGTH == 50 * 1024 * 1024
    assert settings.TIMEZONE == "Europe/Rome"


def test_bad_number_in_environment_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("QUALIFICA_MAX_UPLOAD_MB", "lots")
    with pytest.raises(RuntimeError, match="QUALIFICA_MAX_UPLOAD_MB must be a whole number"):
        config.Config()


def test_factory_applies_overrides(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/a.db"})
    assert app.testing
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("a.db")
    assert create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).testing is False


def test_factory_uses_root_templates_and_static():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.template_folder == str(config.ROOT / "templates")
    assert app.static_folder == str(config.ROOT / "static")


def test_wsgi_exposes_app():
    import wsgi

    assert wsgi.app.name == "app"


def test_proxy_fix_only_when_asked():
    from flask import request

    from app.security import public

    def whoami():
        return request.remote_addr

    seen = {}
    for count in (0, 1):
        app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "PROXY_COUNT": count})
        app.add_url_rule("/whoami", "whoami", public(whoami))
        response = app.test_client().get(
            "/whoami",
            headers={"X-Forwarded-For": "203.0.113.7"},
            environ_base={"REMOTE_ADDR": "10.0.0.1"},
        )
        seen[count] = response.get_data(as_text=True)
    assert seen == {0: "10.0.0.1", 1: "203.0.113.7"}


def test_the_gunicorn_settings_are_gunicorns_and_contain_a_runaway():
    """A misspelt setting in gunicorn.conf.py would be ignored without a word: each name
    must be one of Gunicorn's, and the limits that stop a runaway worker must be there."""
    import runpy

    from gunicorn.config import Config as GunicornConfig

    from config import ROOT

    found = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    settings = {name: value for name, value in found.items() if not name.startswith("__")}
    assert set(settings) <= set(GunicornConfig().settings)
    assert settings["wsgi_app"] == "wsgi:app"
    assert 0 < settings["graceful_timeout"] < settings["timeout"] <= 120
    assert settings["max_requests"] > 0 and settings["max_requests_jitter"] > 0
    assert settings["worker_tmp_dir"] == "/dev/shm"  # noqa: S108 - tmpfs, as configured


def test_the_old_name_of_the_sign_in_limit_still_counts(monkeypatch):
    """``LOGIN_MAX_FAILURES_PER_ACCOUNT`` (before the limit became per account and address)
    is read when the new name is not set, so an existing deployment keeps its limit."""
    monkeypatch.delenv("LOGIN_MAX_FAILURES_PER_PAIR", raising=False)
    monkeypatch.setenv("LOGIN_MAX_FAILURES_PER_ACCOUNT", "3")
    assert config.Config().LOGIN_MAX_FAILURES_PER_PAIR == 3
    monkeypatch.setenv("LOGIN_MAX_FAILURES_PER_PAIR", "7")
    assert config.Config().LOGIN_MAX_FAILURES_PER_PAIR == 7
