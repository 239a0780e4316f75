"""Job status as small JSON, polled by pages that show a progress bar."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user

from app.jobs.models import JobRun, percent
from app.jobs.runner import live_progress, reconcile
from app.security import Role, guard, load_or_404

bp = Blueprint("jobs", __name__, url_prefix="/jobs")
guard(bp, *Role)


def _visible(run: JobRun) -> bool:
    return run.created_by_id == current_user.id or current_user.role == Role.ADMIN


@bp.route("/<job_id>")
def status(job_id: str):
    """``{"status", "progress", "total", "percent", "message", "result"}`` of one job."""
    run = reconcile(load_or_404(JobRun, job_id, allowed=_visible))
    live = live_progress(run)
    return jsonify(
        id=run.id,
        kind=run.kind,
        status=run.status.value,
        percent=percent(run.status, live["progress"], live["total"]),
        **live,
        result=None
        if run.result is None
        else {k: v for k, v in run.result.items() if k != "traceback"},
    )
