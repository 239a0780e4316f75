"""Interface names of the wave and export statuses, translated by Flask-Babel."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import lazy_gettext as _l

from app.distribution.models import ExportStatus, WaveStatus

WAVE_STATUS_LABELS = {
    WaveStatus.DRAFT: _l("Draft"),
    WaveStatus.CONFIRMED: _l("Confirmed"),
    WaveStatus.SENT: _l("Sent"),
    WaveStatus.CANCELLED: _l("Cancelled"),
}

EXPORT_STATUS_LABELS = {
    ExportStatus.QUEUED: _l("Waiting"),
    ExportStatus.RUNNING: _l("Running"),
    ExportStatus.DONE: _l("Done"),
    ExportStatus.FAILED: _l("Failed"),
}


def wave_status_label(value: WaveStatus | str) -> str:
    return str(WAVE_STATUS_LABELS[WaveStatus(value)])


def export_status_label(value: ExportStatus | str) -> str:
    return str(EXPORT_STATUS_LABELS[ExportStatus(value)])


TEMPLATE_HELPERS: dict[str, Callable[..., str]] = {
    "wave_status_label": wave_status_label,
    "export_status_label": export_status_label,
}
