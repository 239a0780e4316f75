"""Bandit, the security linter, finds nothing in the application. Each exception is a
``# nosec <test> # reason`` comment on its line, so the reason is written where it applies
(docs/access.md lists them)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bandit_finds_no_issue_in_the_application():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bandit",
            "-r",
            "app",
            "config.py",
            "wsgi.py",
            "-q",
            "-f",
            "custom",
            "--msg-template",
            "{relpath}:{line} {test_id} {msg}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
