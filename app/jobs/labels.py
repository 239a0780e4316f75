"""How a failed job reads on a page, in the reader's language.

A job's failure is stored as the runner wrote it: ``"<exception class>: <message>"``, or
one of the runner's own sentences (``WORKER_STOPPED``, ``TIMED_OUT``). Only refusals
written for the person who started the job are shown as they are; anything else (a
database error, a library's words) gives a sentence saying what to do, the detail
staying in the job's row and the server's log.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _

from app.jobs.runner import TIMED_OUT, WORKER_STOPPED

# Exceptions whose message is written for the user (their class names: the jobs' own
# layers lie above this package).
USER_FACING = frozenset({"FileRefused", "ImportRefused", "MappingError", "DistributionError"})


def failure_text(message: str | None) -> str:
    if message == WORKER_STOPPED:
        return _("The background worker stopped before the job finished. Try again.")
    if message == TIMED_OUT:
        return _("The job did not finish in time (was the server restarted?). Try again.")
    name, separator, text = (message or "").partition(": ")
    if separator and name in USER_FACING:
        return text
    return _(
        "The job failed on our side (the details are in the server's log). Try again; if it "
        "fails again, tell an administrator."
    )


TEMPLATE_HELPERS: dict[str, Callable[..., str]] = {"job_failure": failure_text}
