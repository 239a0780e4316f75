"""Helpers of the fault tests: a private redis-server a test can kill, free ports, and
the desk's and the distribution's fixtures reused as they are."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from redis import Redis
from redis.exceptions import RedisError

from tests.integration.desk.conftest import campaign  # noqa: F401 - fixtures reused
from tests.integration.distribution.conftest import exports, network  # noqa: F401


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class PrivateRedis:
    """A redis-server of the test's own, which the test may kill like a crashed host."""

    url: str
    process: subprocess.Popen

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def answers(self) -> bool:
        try:
            return bool(Redis.from_url(self.url, socket_connect_timeout=1).ping())
        except RedisError:
            return False


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    """A running redis-server on a free port (scripts/test's is shared by other tests,
    and must not be killed)."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI") or os.environ.get("TEST_REDIS_URL"):
            pytest.fail("redis-server is not installed: the Redis fault tests need it")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - a fixed binary, our own arguments
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    server = PrivateRedis(f"redis://127.0.0.1:{port}/0", process)
    deadline = time.monotonic() + 10
    while not server.answers():
        assert time.monotonic() < deadline, "the private redis-server did not start"
        time.sleep(0.05)
    try:
        yield server
    finally:
        if process.poll() is None:
            server.kill()


def own_database(base_url: str, tmp_path: Path, name: str) -> str:
    """A database of the test's own beside the suite's (jobs and servers commit for real
    there): a sibling PostgreSQL database, or a SQLite file."""
    import sqlalchemy as sa

    url = sa.engine.make_url(base_url)
    if url.get_backend_name() != "postgresql":
        return f"sqlite:///{tmp_path}/{name}.db"
    database = f"{url.database}_{name}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{database}"')
    admin.dispose()
    return url.set(database=database).render_as_string(hide_password=False)


ROOT = Path(__file__).resolve().parents[3]


def start_worker(env: dict[str, str], log: Path, *, slow_pdf: float = 0.0) -> subprocess.Popen:
    """The production RQ worker (``flask jobs worker``) in a process of its own, its
    output in ``log``; with ``slow_pdf``, each PDF account sheet takes that much longer,
    so a test can catch an export half-way."""
    command = [sys.executable, "-m", "tests.integration.faults.worker", str(slow_pdf)]
    with log.open("ab") as output:
        return subprocess.Popen(  # noqa: S603 - our own module, our own arguments
            command, cwd=ROOT, env={**os.environ, **env}, stdout=output, stderr=output
        )


def work_horse(worker: subprocess.Popen, timeout: float = 60) -> int:
    """The pid of the work horse the RQ worker forked for the job it runs now (asked
    once the job is known to be running: the worker may fork short-lived helpers)."""
    children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert worker.poll() is None, f"the RQ worker stopped: {worker.args}"
        pids = [p for p in children.read_text().split() if Path(f"/proc/{p}").exists()]
        if len(pids) == 1:
            return int(pids[0])
        time.sleep(0.02)
    raise AssertionError("the RQ worker never forked a work horse")


def stop_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)  # RQ's warm shutdown
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)
