"""``flask jobs worker``: an RQ worker with the application loaded."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from redis import Redis
from rq import Worker
from rq.job import Job

from app.jobs.runner import record_killed

jobs_cli = AppGroup("jobs", help="Background jobs.")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst: bool) -> None:
    """Run an RQ worker for Qualifica's queue (needs REDIS_URL).

    Each job runs in a forked work horse that inherits the application context; run as
    many workers, on as many machines, as the load needs.
    """
    url = current_app.config["REDIS_URL"]
    if not url:
        raise click.ClickException(
            "REDIS_URL is not set: without Redis, jobs run inside the web process and no "
            "worker is needed."
        )
    connection = Redis.from_url(url)
    Worker(
        [current_app.config["RQ_QUEUE"]],
        connection=connection,
        work_horse_killed_handler=_horse_killed,
    ).work(burst=burst)


def _horse_killed(job: Job, _pid: int, _status: int, _rusage: object) -> None:
    # Runs in the worker, which outlives its work horses and holds the application.
    record_killed(job.id)
