"""The RQ worker of ``flask jobs worker``, run by the fault tests in a process of its own.

    python -m tests.integration.faults.worker SLOW_PDF_SECONDS

Configured from the environment exactly as in production (DATABASE_URL, REDIS_URL,
RQ_QUEUE...). With SLOW_PDF_SECONDS > 0 each PDF account sheet takes that much longer,
so that a test can kill the work horse while an export is half-written.
"""

from __future__ import annotations

import sys
import time

from flask.cli import ScriptInfo

from app import create_app
from app.distribution import exporting
from app.jobs.cli import worker


def main(slow_pdf: float) -> None:
    if slow_pdf > 0:
        render = exporting.render_pdf

        def slowly(*args, **kwargs) -> bytes:
            time.sleep(slow_pdf)
            return render(*args, **kwargs)

        exporting.render_pdf = slowly
    app = create_app()
    info = ScriptInfo(create_app=lambda: app)
    worker.main(args=[], prog_name="flask jobs worker", obj=info, standalone_mode=False)


if __name__ == "__main__":
    main(float(sys.argv[1]))
