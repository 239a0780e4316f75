"""CPU seconds of a process tree, from /proc: what a server spent, apart from the load
generator that drove it (Linux only).

A tree's figure is, for the root and each living descendant, its own user + system time
plus that of its children already reaped (``cutime`` + ``cstime``): a process that ended
between two readings (a PostgreSQL backend, a replaced gunicorn worker) still counts, once,
in its parent's reaped time."""

from __future__ import annotations

import os
import resource
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, ticks of the process and its reaped children), None if it has gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = raw[raw.rindex(")") + 2 :].split()  # the name may hold spaces and brackets
    return int(fields[1]), sum(int(f) for f in fields[11:15])  # utime stime cutime cstime


def tree_seconds(root: int) -> float:
    """CPU seconds of ``root`` and all its descendants so far; 0 if it has gone."""
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            found = _stat(int(entry.name))
            if found is not None:
                parents[int(entry.name)], ticks[int(entry.name)] = found
    if root not in ticks:
        return 0.0
    members, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        members.update(children)
        frontier.extend(children)
    return sum(ticks[pid] for pid in members) / TICK


def own_seconds() -> float:
    """CPU seconds of this process, all its threads (the load generator)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def pid_from_file(path: Path) -> int | None:
    """The pid on the first line of a pid file (postmaster.pid, redis.pid)."""
    try:
        return int(path.read_text().split()[0])
    except (FileNotFoundError, IndexError, ValueError):
        return None
