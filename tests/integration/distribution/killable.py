"""Run one export part job in a child process that a test kills mid-way (SIGKILL).

    python -m tests.integration.distribution.killable DATABASE_URL EXPORT_DIR JOB_ID

The PDF step is replaced by one that never returns, so the child is killed while the
salesperson's folder is being written, as a worker killed by the OOM killer would be.
"""

from __future__ import annotations

import sys
import time

from app.distribution import exporting
from app.jobs import runner
from tests.conftest import build_app


def _hang(pack, **_kw) -> bytes:
    time.sleep(600)
    raise AssertionError("the test should have killed this process")


def main(url: str, export_dir: str, job_id: str) -> None:
    exporting.render_pdf = _hang
    app = build_app(url, EXPORT_DIR=export_dir)
    with app.app_context():
        runner.perform(job_id)


if __name__ == "__main__":
    main(*sys.argv[1:4])
