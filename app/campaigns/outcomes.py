"""Call outcomes: what each one means for the account, the queue and the figures.

A campaign may replace the default set (``Campaign.outcomes``, a list of dicts with the
same keys); a call script lists which codes its agents may use.

An outcome that is neither final nor a callback sends the account back to the queue: its
**recycle rule** says after how long (``retry_minutes``, or ``retry``: the campaign's
no-answer or busy delay), optionally at which time of day (``retry_at``, "16:00" in
Europe/Rome: the next such time within calling hours), and at most how many times
(``retry_limit``: the next time it ends the account as unreachable). The campaign's
``max_attempts`` still caps every account. ``rules_from_config`` reads a set (every check
a stored set must pass to be used); ``check_outcome_set`` adds the checks a set must pass
to be saved (one letter per outcome that the desk does not use for something else, a
qualifying outcome, statuses that fit the flags).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from flask_babel import gettext as _

from app.accounts.status import AccountStatus as S
from app.campaigns.calendar import CallingHoursError, parse_time
from app.navigation import access_key

CAMPAIGN_DELAYS = ("no_answer", "busy")  # ``retry``: which of the campaign's delays
RETRY_MINUTES = (0, 10080)  # up to a week; 0 only with a time of day
RETRY_LIMIT = (1, 20)
CODE_RE = re.compile(r"[a-z0-9_]{1,32}")
LABEL_MAX = 60
# The desk's own keys, for what is not an outcome: an outcome may not take one of these
# letters, so a letter means one thing everywhere on the desk (``templates/desk/home.html``
# and ``templates/desk/_call_screen.html`` read them from here). "next": the desk home's
# *Next account* (G, "go"; it was N, which the default set gives to *Non interessato*);
# "home": the navigation bar's Desk, the one section an agent's bar shows (it was D, which
# the default set gives to *Duplicato*); "hang_up": the call screen's *Hang up* (F, "fine
# chiamata"), which ends the talk and starts the wrap-up; "pause": *Pause* on the desk home
# (the reason list) and *Pause after this call* on the call screen, and *Resume* while
# paused (one letter for the pause, whichever way it goes); "site": the call screen's list
# of the company's sites, which one the call qualified (U, "unità locale").
DESK_KEYS: Mapping[str, str] = {
    "dial": "t",
    "next": "g",
    "home": access_key("desk.home"),
    "hang_up": "f",
    "pause": "p",
    "site": "u",
}
# The statuses a final outcome may leave an account in.
FINAL_STATUSES = (S.QUALIFIED, S.NOT_INTERESTED, S.INVALID, S.TO_REVIEW, S.DO_NOT_CALL,
                  S.UNREACHABLE)  # fmt: skip


@dataclass(frozen=True)
class OutcomeRule:
    code: str
    label_it: str
    label_en: str
    key: str  # keyboard shortcut on the desk (accesskey)
    status: S  # the account's status after it (UNREACHABLE when retries run out)
    reached: bool = False  # a person answered: counts for the contact rate
    final: bool = False  # the account leaves the queue
    qualified: bool = False  # counts as qualified; needs the script's required answers
    unusable_number: bool = False  # the number dialled is wrong: mark it invalid
    do_not_call: bool = False  # adds the account to the do-not-call list at once
    callback: bool = False  # needs a callback time
    retry: str | None = None  # "no_answer" or "busy": which campaign retry delay applies
    retry_minutes: int | None = None  # the outcome's own delay (instead of ``retry``)
    retry_at: str | None = None  # "HH:MM" in Europe/Rome: back at the next such time
    retry_limit: int | None = None  # sends the account back at most this many times

    def label(self, locale: str) -> str:
        return self.label_it if locale == "it" else self.label_en

    @property
    def recycles(self) -> bool:
        """The account comes back to the queue after it (neither final nor a callback)."""
        return not self.final and not self.callback

    def retry_delay(self, *, no_answer: int, busy: int) -> int:
        """Minutes before the account comes back: the outcome's own, else the campaign's
        delay it names, else none (a time of day alone)."""
        if self.retry_minutes is not None:
            return self.retry_minutes
        return {"no_answer": no_answer, "busy": busy}.get(self.retry or "", 0)

    @property
    def retry_minute_of_day(self) -> int | None:
        return None if self.retry_at is None else parse_time(self.retry_at)

    def exhausted(self, times_before: int) -> bool:
        """Whether this outcome, having sent the account back ``times_before`` times
        already, now ends it as unreachable."""
        return self.retry_limit is not None and times_before >= self.retry_limit


DEFAULT_OUTCOMES: tuple[OutcomeRule, ...] = (
    OutcomeRule("qualified", "Qualificato", "Qualified", "q", S.QUALIFIED,
                reached=True, final=True, qualified=True),
    OutcomeRule("not_interested", "Non interessato", "Not interested", "n", S.NOT_INTERESTED,
                reached=True, final=True),
    OutcomeRule("callback", "Richiamare", "Callback requested", "r", S.CALLBACK,
                reached=True, callback=True),
    OutcomeRule("no_answer", "Non risponde", "No answer", "a", S.QUEUED, retry="no_answer"),
    OutcomeRule("busy", "Occupato", "Busy", "o", S.QUEUED, retry="busy"),
    OutcomeRule("wrong_number", "Numero errato", "Wrong number", "e", S.INVALID,
                final=True, unusable_number=True),
    OutcomeRule("company_closed", "Azienda chiusa / inesistente",
                "Company closed / does not exist", "c", S.INVALID, final=True),
    OutcomeRule("duplicate", "Duplicato di un altro account", "Duplicate of another account",
                "d", S.TO_REVIEW, final=True),
    OutcomeRule("do_not_call", "Non chiamare più", "Do not call again", "x", S.DO_NOT_CALL,
                reached=True, final=True, do_not_call=True),
)  # fmt: skip

_FIELDS = {f.name: f for f in fields(OutcomeRule)}
REQUIRED = ("code", "label_it", "label_en", "key", "status")
FLAGS = ("reached", "final", "qualified", "unusable_number", "do_not_call", "callback")
RECYCLE = ("retry", "retry_minutes", "retry_at", "retry_limit")


class OutcomeConfigError(ValueError):
    """A campaign's outcome set is malformed; the message says where. ``index`` is the
    outcome's place in the set and ``field`` its key the problem is about (None: the set
    as a whole, or the outcome as a whole), ``reason`` the message without the place."""

    def __init__(self, reason: str, index: int | None = None, field: str | None = None) -> None:
        self.reason, self.index, self.field = reason, index, field
        where = "outcomes" if index is None else f"outcomes[{index}]"
        super().__init__(f"{where}: {reason}")


def rules_from_config(config: Iterable[Mapping[str, Any]] | None) -> dict[str, OutcomeRule]:
    """The outcome set of a campaign, by code, in display order."""
    if config is None:
        return {rule.code: rule for rule in DEFAULT_OUTCOMES}
    rules: dict[str, OutcomeRule] = {}
    for index, item in enumerate(config):
        rule = _rule(index, item)
        if rule.code in rules:
            raise OutcomeConfigError(
                _("code %(code)r appears twice", code=rule.code), index, "code"
            )
        if rule.qualified and not (rule.final and rule.reached):
            raise OutcomeConfigError(
                _("a qualifying outcome must be final and reached"), index, "qualified"
            )
        _check_recycle(index, rule)
        for other in rules.values():
            if other.key == rule.key:
                raise OutcomeConfigError(
                    _(
                        "%(code)s and %(other)s share a keyboard shortcut (%(key)s): give "
                        "each outcome its own letter",
                        code=rule.code,
                        other=other.code,
                        key=rule.key,
                    ),
                    index,
                    "key",
                )
        rules[rule.code] = rule
    return rules


def _rule(index: int, item: Mapping[str, Any]) -> OutcomeRule:
    unknown = set(item) - set(_FIELDS)
    if unknown:
        raise OutcomeConfigError(_("unknown keys %(keys)s", keys=sorted(unknown)), index)
    missing = [name for name in REQUIRED if item.get(name) in (None, "")]
    if missing:
        raise OutcomeConfigError(
            _("%(keys)s missing: every outcome needs them", keys=", ".join(missing)),
            index,
            missing[0],
        )
    try:
        status = S(item["status"])
    except ValueError:
        raise OutcomeConfigError(
            _(
                "%(value)r is not an account status; use one of: %(statuses)s",
                value=item["status"],
                statuses=", ".join(s.value for s in (*FINAL_STATUSES, S.QUEUED, S.CALLBACK)),
            ),
            index,
            "status",
        ) from None
    return OutcomeRule(**{**item, "status": status})


def _whole(index: int, rule: OutcomeRule, name: str, low: int, high: int) -> None:
    value = getattr(rule, name)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise OutcomeConfigError(_("%(value)r is not a whole number", value=value), index, name)
    if not low <= value <= high:
        raise OutcomeConfigError(
            _("%(value)s is out of range, it must be %(low)s to %(high)s",
              value=value, low=low, high=high),
            index,
            name,
        )  # fmt: skip


def _check_recycle(index: int, rule: OutcomeRule) -> None:
    """An outcome that sends the account back says when; only such an outcome may."""
    if not rule.recycles:
        given = [name for name in RECYCLE[1:] if getattr(rule, name) is not None]
        if given:
            raise OutcomeConfigError(
                _("a final or callback outcome does not send the account back: leave its "
                  "recycle rule empty"),
                index,
                given[0],
            )  # fmt: skip
        return
    if rule.retry is not None and rule.retry not in CAMPAIGN_DELAYS:
        raise OutcomeConfigError(
            _("retry must be %(choices)s", choices=" or ".join(map(repr, CAMPAIGN_DELAYS))),
            index,
            "retry",
        )
    if rule.retry is None and rule.retry_minutes is None and rule.retry_at is None:
        raise OutcomeConfigError(
            _("an outcome that is not final needs callback or retry: say after how many "
              "minutes (or at what time) the account comes back"),
            index,
            "retry_minutes",
        )  # fmt: skip
    if rule.retry is not None and rule.retry_minutes is not None:
        raise OutcomeConfigError(
            _("give either the campaign's delay or minutes of its own, not both"),
            index,
            "retry_minutes",
        )
    low = RETRY_MINUTES[0] if rule.retry_at is not None else 1
    _whole(index, rule, "retry_minutes", low, RETRY_MINUTES[1])
    _whole(index, rule, "retry_limit", *RETRY_LIMIT)
    if rule.retry_at is not None:
        try:
            parse_time(rule.retry_at)
        except CallingHoursError as exc:
            raise OutcomeConfigError(exc.reason, index, "retry_at") from None


def check_outcome_set(config: Iterable[Mapping[str, Any]]) -> dict[str, OutcomeRule]:
    """``rules_from_config`` and what a set must also be to be saved: codes, labels and
    flags of the right kind, one letter per outcome that the desk keeps for nothing else,
    statuses that fit the flags, and at least one qualifying outcome."""
    items = list(config)
    rules = rules_from_config(items)
    for index, (item, rule) in enumerate(zip(items, rules.values(), strict=True)):
        _check_kinds(index, item)
        _check_key(index, rule)
        _check_status(index, rule)
    if not any(rule.qualified for rule in rules.values()):
        raise OutcomeConfigError(
            _("no outcome counts as qualified: mark one (final, a person reached) as "
              "qualified, or no call could ever qualify an account")
        )  # fmt: skip
    return rules


def _check_kinds(index: int, item: Mapping[str, Any]) -> None:
    if not isinstance(item["code"], str) or not CODE_RE.fullmatch(item["code"]):
        raise OutcomeConfigError(
            _("code %(code)r: use 1 to 32 lowercase letters, digits or _", code=item["code"]),
            index,
            "code",
        )
    for name in ("label_it", "label_en"):
        text = item[name]
        if not isinstance(text, str) or not text.strip() or len(text.strip()) > LABEL_MAX:
            raise OutcomeConfigError(
                _("the label must be text of 1 to %(max)s characters", max=LABEL_MAX),
                index,
                name,
            )
    for name in FLAGS:
        if not isinstance(item.get(name, False), bool):
            raise OutcomeConfigError(_("%(name)s must be true or false", name=name), index, name)


def _check_key(index: int, rule: OutcomeRule) -> None:
    if len(rule.key) != 1 or not ("a" <= rule.key <= "z"):
        raise OutcomeConfigError(
            _("the key %(key)r is not one letter from a to z (the desk takes Alt + a letter)",
              key=rule.key),
            index,
            "key",
        )  # fmt: skip
    if rule.key in DESK_KEYS.values():
        raise OutcomeConfigError(
            _("the desk already uses Alt+%(key)s for something else: choose another letter",
              key=rule.key.upper()),
            index,
            "key",
        )  # fmt: skip


def _check_status(index: int, rule: OutcomeRule) -> None:
    """The account's status after the outcome must be what its flags say."""
    if rule.final and rule.callback:
        message = _("a callback outcome cannot be final: the account waits for the callback")
        raise OutcomeConfigError(message, index, "callback")
    if rule.final and rule.status not in FINAL_STATUSES:
        message = _("a final outcome must leave the account in one of: %(statuses)s",
                    statuses=", ".join(s.value for s in FINAL_STATUSES))  # fmt: skip
        raise OutcomeConfigError(message, index, "status")
    expected = None if rule.final else S.CALLBACK if rule.callback else S.QUEUED
    if expected is not None and rule.status != expected:
        message = _("an outcome that is not final leaves the account %(status)s",
                    status=expected.value)  # fmt: skip
        raise OutcomeConfigError(message, index, "status")
    if rule.qualified != (rule.status == S.QUALIFIED):
        message = _("an outcome counts as qualified exactly when the account becomes qualified")
        raise OutcomeConfigError(message, index, "qualified")
    if rule.do_not_call != (rule.status == S.DO_NOT_CALL):
        message = _("an outcome adds to the do-not-call list exactly when the account becomes "
                    "do_not_call")  # fmt: skip
        raise OutcomeConfigError(message, index, "do_not_call")


def to_config(rule: OutcomeRule) -> dict[str, Any]:
    """The outcome as a campaign stores it: the required keys, the flags that are set and
    the recycle rule it has."""
    config: dict[str, Any] = {name: getattr(rule, name) for name in REQUIRED}
    config["status"] = rule.status.value
    config.update({name: True for name in FLAGS if getattr(rule, name)})
    recycle = {name: getattr(rule, name) for name in RECYCLE}
    config.update({name: value for name, value in recycle.items() if value is not None})
    return config


DEFAULT_CONFIG: tuple[dict[str, Any], ...] = tuple(to_config(rule) for rule in DEFAULT_OUTCOMES)
