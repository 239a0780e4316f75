"""The send job: every due delivery, each claim and attempt committed as it is made (no
transaction, so on SQLite no write lock, is held while a receiver answers)."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from sqlalchemy.orm import Session

from app.jobs.registry import Handler
from app.jobs.runner import Progress
from app.webhooks.events import SEND_JOB
from app.webhooks.sending import Settings, send_due


def settings(app: Flask | None = None) -> Settings:
    config = (app or current_app).config
    return Settings(
        timeout=float(config["WEBHOOK_TIMEOUT_SECONDS"]),
        pause_after=int(config["WEBHOOK_PAUSE_AFTER"]),
        allow_private=bool(config["WEBHOOK_ALLOW_PRIVATE"]),
    )


def send_job(session: Session, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    return send_due(session, settings(), commit=session.commit).as_dict()


JOBS: dict[str, Handler] = {SEND_JOB: send_job}
