"""Call outcomes: what each one means for the account, the queue and the figures.

A campaign may replace the default set (``Campaign.outcomes``, a list of dicts with the
same keys); a call script lists which codes its agents may use.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from app.accounts.status import AccountStatus as S


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

    def label(self, locale: str) -> str:
        return self.label_it if locale == "it" else self.label_en


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

_FIELDS = {f.name for f in fields(OutcomeRule)}


class OutcomeConfigError(ValueError):
    """A campaign's outcome set is malformed; the message says where."""


def rules_from_config(config: Iterable[Mapping[str, Any]] | None) -> dict[str, OutcomeRule]:
    """The outcome set of a campaign, by code, in display order."""
    if config is None:
        return {rule.code: rule for rule in DEFAULT_OUTCOMES}
    rules: dict[str, OutcomeRule] = {}
    for index, item in enumerate(config):
        where = f"outcomes[{index}]"
        unknown = set(item) - _FIELDS
        if unknown:
            raise OutcomeConfigError(f"{where}: unknown keys {sorted(unknown)}")
        try:
            rule = OutcomeRule(**{**item, "status": S(item.get("status", ""))})
        except (TypeError, ValueError) as exc:
            raise OutcomeConfigError(f"{where}: {exc}") from exc
        if rule.code in rules:
            raise OutcomeConfigError(f"{where}: code {rule.code!r} appears twice")
        if rule.qualified and not (rule.final and rule.reached):
            raise OutcomeConfigError(f"{where}: a qualifying outcome must be final and reached")
        if not rule.final and not rule.callback and rule.retry not in ("no_answer", "busy"):
            raise OutcomeConfigError(
                f"{where}: an outcome that is not final needs callback or retry"
            )
        rules[rule.code] = rule
    if len({rule.key for rule in rules.values()}) != len(rules):
        raise OutcomeConfigError("outcomes: two outcomes share a keyboard shortcut")
    return rules
