"""An agent's working day for the demo, planned as the desk would log it: signed in about
the shift's start, the calls one after the other (preview, dial, talk, wrap-up, outcome;
now and then one dialled by hand), a break or two (one sometimes past its maximum), lunch
on a full day, a meeting or some coaching now and then, the pilot's training on its first
day, signed out about the shift's end. Pure: the random generator and the day are given,
so the same seed plans the same day.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.workday.machine import Moment

M = Moment


@dataclass(frozen=True)
class Shift:
    start: time
    end: time
    lunch: time | None = None  # a full day's lunch, about this time


# A full day with lunch, a morning and an afternoon part-time shift.
SHIFTS = (
    Shift(time(9, 0), time(17, 30), time(13, 0)),
    Shift(time(9, 0), time(13, 0)),
    Shift(time(14, 0), time(18, 0)),
)


@dataclass(frozen=True)
class Step:
    """A moment of the log: ``call`` is the index of the call it belongs to (its take,
    dial, answer, hang-up and outcome), ``reason`` a pause's reason code."""

    at: datetime
    moment: Moment
    call: int | None = None
    reason: str | None = None


@dataclass(frozen=True)
class _Pause:
    at: datetime  # due from
    reason: str
    minutes: float


def _pauses(rng: random.Random, start: datetime, shift: Shift, day: date,
            zone: ZoneInfo, first_day: bool) -> list[_Pause]:  # fmt: skip
    """The day's pauses, each due from a time (taken after the call in progress)."""
    end = datetime.combine(day, shift.end, zone)
    found = []
    if first_day:  # the pilot's briefing
        found.append(_Pause(start + timedelta(minutes=2), "training", rng.uniform(40, 60)))
    hours = (end - start).total_seconds() / 3600
    breaks = [0.3, 0.75] if hours > 6 else [0.5]
    for share in breaks:
        minutes = rng.uniform(17, 21) if rng.random() < 0.2 else rng.uniform(10, 15)
        found.append(_Pause(start + (end - start) * share, "break", minutes))
    if shift.lunch is not None:
        lunch = datetime.combine(day, shift.lunch, zone) + timedelta(minutes=rng.randint(-10, 10))
        found.append(_Pause(lunch, "lunch", rng.uniform(50, 62)))
    if rng.random() < 0.35:
        reason = rng.choice(["meeting", "coaching"])
        found.append(_Pause(start + (end - start) * rng.uniform(0.55, 0.9), reason,
                            rng.uniform(15, 30)))  # fmt: skip
    return sorted(found, key=lambda p: p.at)


def _seconds(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(seconds=rng.uniform(low, high))


def plan_day(rng: random.Random, day: date, shift: Shift, calls: int, zone: ZoneInfo, *,
             first_day: bool = False) -> list[Step]:  # fmt: skip
    """The steps of one agent's day with ``calls`` calls, in time order."""
    t = datetime.combine(day, shift.start, zone) + timedelta(minutes=rng.randint(-4, 8))
    end = datetime.combine(day, shift.end, zone)
    steps = [Step(t, M.SIGN_IN)]
    pauses = _pauses(rng, t, shift, day, zone, first_day)
    for n in range(calls):
        while pauses and t >= pauses[0].at:  # a pause due: taken now, from ready
            t = _pause(steps, pauses.pop(0), t)
        left = (end - t).total_seconds() - sum(p.minutes for p in pauses) * 60
        average_gap = max(20.0, left / (calls - n) - 11 * 60)
        t += timedelta(seconds=average_gap * rng.uniform(0.3, 1.7))
        t = _call(rng, steps, n, t)
    for pause in pauses:
        t = _pause(steps, pause, max(t, pause.at))
    steps.append(Step(max(t, end) + timedelta(minutes=rng.randint(0, 6)), M.SIGN_OUT))
    return steps


def _pause(steps: list[Step], pause: _Pause, t: datetime) -> datetime:
    steps.append(Step(t, M.PAUSE, reason=pause.reason))
    t += timedelta(minutes=pause.minutes)
    steps.append(Step(t, M.RESUME))
    return t


def _call(rng: random.Random, steps: list[Step], n: int, t: datetime) -> datetime:
    """One call from the take to the outcome; about one in ten dialled by hand (the
    preview runs into the outcome, untimed)."""
    steps.append(Step(t, M.TAKE, n))
    t += _seconds(rng, 45, 180)  # reading the account
    if rng.random() < 0.1:
        t += _seconds(rng, 180, 540)
        steps.append(Step(t, M.OUTCOME, n))
        return t
    steps.append(Step(t, M.DIAL, n))
    t += _seconds(rng, 8, 30)
    steps.append(Step(t, M.ANSWER, n))
    t += _seconds(rng, 180, 600)  # B2B qualification: a long script
    steps.append(Step(t, M.HANG_UP, n))
    t += _seconds(rng, 30, 150)
    steps.append(Step(t, M.OUTCOME, n))
    return t
