"""Job status as small JSON, polled by pages that show a progress bar."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user

from app.jobs.models import JobRun
from app.jobs.runner import state_of
from app.security import Role, guard, load_or_404

bp = Blueprint("jobs", __name__, url_prefix="/jobs")
guard(bp, *Role)


def _visible(run: JobRun) -> bool:
    return run.created_by_id == current_user.id or current_user.role == Role.ADMIN


@bp.route("/<job_id>")
def status(job_id: str):
    """``{"status", "progress", "total", "percent", "message", "result"}`` of one job; a
    dead job shows failed (a GET records nothing: the next start of its work does)."""
    state = state_of(load_or_404(JobRun, job_id, allowed=_visible))
    return jsonify(
        id=state.id,
        kind=state.kind,
        status=state.status.value,
        percent=state.percent,
        progress=state.progress,
        total=state.total,
        message=state.message,
        result=None
        if state.result is None
        else {k: v for k, v in state.result.items() if k != "traceback"},
    )
