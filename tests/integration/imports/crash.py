"""What a cleaning process runs when a test needs it to die (imported by name in it)."""

from __future__ import annotations

import os


def die(items: object) -> None:
    os._exit(9)  # as the kernel's OOM killer would leave it: no exception, no cleanup
