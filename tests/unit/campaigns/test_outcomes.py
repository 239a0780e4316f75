"""Outcome sets: the recycle rule of each outcome and the checks a set must pass."""

from __future__ import annotations

import pytest

from app.accounts.status import AccountStatus as S
from app.campaigns.outcomes import (
    DEFAULT_CONFIG,
    DEFAULT_OUTCOMES,
    DESK_KEYS,
    OutcomeConfigError,
    OutcomeRule,
    check_outcome_set,
    rules_from_config,
    to_config,
)

QUALIFIED = {"code": "qualified", "label_it": "Qualificato", "label_en": "Qualified", "key": "q",
             "status": "qualified", "reached": True, "final": True, "qualified": True}  # fmt: skip
NO_ANSWER = {"code": "no_answer", "label_it": "Non risponde", "label_en": "No answer",
             "key": "a", "status": "queued", "retry": "no_answer"}  # fmt: skip
BUSY = {"code": "busy", "label_it": "Occupato", "label_en": "Busy", "key": "o",
        "status": "queued", "retry_minutes": 30, "retry_limit": 3}  # fmt: skip


def rule(**kw) -> OutcomeRule:
    return OutcomeRule(**{"code": "x", "label_it": "x", "label_en": "x", "key": "x",
                          "status": S.QUEUED, **kw})  # fmt: skip


# -- the recycle rule -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "delay"),
    [
        ({"retry": "no_answer"}, 120),  # the campaign's no-answer delay
        ({"retry": "busy"}, 15),  # the campaign's busy delay
        ({"retry_minutes": 45}, 45),  # the outcome's own
        ({"retry_at": "16:00"}, 0),  # a time of day alone: no delay before it
        ({"retry_minutes": 60, "retry_at": "16:00"}, 60),
    ],
)
def test_the_delay_is_the_outcome_s_own_else_the_campaign_s(kw, delay):
    assert rule(**kw).retry_delay(no_answer=120, busy=15) == delay


def test_time_of_day_in_minutes():
    assert rule(retry_at="16:30").retry_minute_of_day == 16 * 60 + 30
    assert rule(retry="busy").retry_minute_of_day is None


@pytest.mark.parametrize(
    ("limit", "before", "exhausted"),
    [
        (None, 50, False),  # no limit of its own: only the campaign's max_attempts
        (3, 0, False),  # the first time it sends the account back
        (3, 2, False),  # the third time
        (3, 3, True),  # sent back three times already: this time ends it
        (1, 1, True),
    ],
)
def test_the_outcome_s_limit_ends_the_account_after_that_many_returns(limit, before, exhausted):
    assert rule(retry="busy", retry_limit=limit).exhausted(before) is exhausted


def test_only_outcomes_that_are_neither_final_nor_callback_recycle():
    rules = rules_from_config(None)
    assert [c for c, r in rules.items() if r.recycles] == ["no_answer", "busy"]


def test_the_default_set_keeps_the_campaign_s_delays():
    """Existing sets and campaigns keep working: no_answer and busy still mean the
    campaign's delays, with no limit of their own."""
    rules = rules_from_config(None)
    assert (rules["no_answer"].retry, rules["busy"].retry) == ("no_answer", "busy")
    assert all(r.retry_minutes is None and r.retry_limit is None for r in rules.values())
    assert rules_from_config(DEFAULT_CONFIG) == rules
    assert check_outcome_set(DEFAULT_CONFIG) == rules


def test_a_rule_round_trips_through_its_stored_form():
    rules = rules_from_config([QUALIFIED, NO_ANSWER, {**BUSY, "retry_at": "16:00"}])
    stored = [to_config(r) for r in rules.values()]
    assert stored[2] == {**BUSY, "retry_at": "16:00"}
    assert stored[0] == QUALIFIED  # flags that are false are left out
    assert rules_from_config(stored) == rules
    assert [to_config(r) for r in DEFAULT_OUTCOMES] == list(DEFAULT_CONFIG)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"retry": None}, "retry_minutes", "needs callback or retry"),
        ({"retry": "later"}, "retry", "retry must be 'no_answer' or 'busy'"),
        ({"retry_minutes": 30}, "retry_minutes", "either the campaign's delay or minutes"),
        ({"retry": None, "retry_minutes": 0}, "retry_minutes", "0 is out of range"),
        ({"retry": None, "retry_minutes": 10081}, "retry_minutes", "it must be 1 to 10080"),
        ({"retry": None, "retry_minutes": "30"}, "retry_minutes", "not a whole number"),
        ({"retry_limit": 0}, "retry_limit", "0 is out of range, it must be 1 to 20"),
        ({"retry_limit": 21}, "retry_limit", "21 is out of range"),
        ({"retry_limit": True}, "retry_limit", "not a whole number"),
        ({"retry_at": "4 pm"}, "retry_at", "'4 pm' is not a time written as HH:MM"),
        ({"retry_at": "24:00"}, "retry_at", "'24:00' is not a time of day"),
        ({"retry_at": "16:60"}, "retry_at", "is not a time of day"),
    ],
)
def test_bad_recycle_rules_are_refused_where_they_are(changes, field, message):
    with pytest.raises(OutcomeConfigError, match=message) as caught:
        rules_from_config([QUALIFIED, {**NO_ANSWER, **changes}])
    assert (caught.value.index, caught.value.field) == (1, field)
    assert str(caught.value).startswith("outcomes[1]: ")


def test_zero_minutes_is_allowed_with_a_time_of_day():
    rules = rules_from_config([{**NO_ANSWER, "retry": None, "retry_minutes": 0,
                                "retry_at": "16:00"}])  # fmt: skip
    assert rules["no_answer"].retry_delay(no_answer=120, busy=15) == 0


@pytest.mark.parametrize("extra", [{"retry_minutes": 30}, {"retry_at": "16:00"},
                                   {"retry_limit": 2}])  # fmt: skip
def test_a_final_or_callback_outcome_has_no_recycle_rule(extra):
    with pytest.raises(OutcomeConfigError, match="does not send the account back"):
        rules_from_config([{**QUALIFIED, **extra}])
    callback = {"code": "callback", "label_it": "Richiamare", "label_en": "Callback",
                "key": "r", "status": "callback", "reached": True, "callback": True}  # fmt: skip
    with pytest.raises(OutcomeConfigError, match="does not send the account back"):
        rules_from_config([callback | extra])


# -- checks of a whole set --------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "index", "field", "message"),
    [
        ([QUALIFIED, {**NO_ANSWER, "key": "q"}], 1, "key",
         "no_answer and qualified share a keyboard shortcut"),
        ([QUALIFIED, {**NO_ANSWER, "key": DESK_KEYS["dial"]}], 1, "key",
         r"the desk already uses Alt\+T for something else"),
        ([QUALIFIED, {**NO_ANSWER, "key": "ab"}], 1, "key", "is not one letter"),
        ([QUALIFIED, {**NO_ANSWER, "key": "1"}], 1, "key", "is not one letter"),
        ([QUALIFIED, {**NO_ANSWER, "key": "à"}], 1, "key", "is not one letter"),
        ([NO_ANSWER, BUSY], None, None, "no outcome counts as qualified"),
        ([QUALIFIED, {**NO_ANSWER, "code": "No Answer"}], 1, "code", "lowercase letters"),
        ([QUALIFIED, {**NO_ANSWER, "label_it": "  "}], 1, "label_it", "1 to 60 characters"),
        ([QUALIFIED, {**NO_ANSWER, "label_en": "x" * 61}], 1, "label_en", "1 to 60"),
        ([QUALIFIED, {**NO_ANSWER, "reached": "yes"}], 1, "reached", "true or false"),
        ([QUALIFIED, {**NO_ANSWER, "label_it": ""}], 1, "label_it", "label_it missing"),
        ([QUALIFIED, {**NO_ANSWER, "status": "qualified"}], 1, "status",
         "not final leaves the account queued"),
        ([{**QUALIFIED, "status": "queued"}], 0, "status", "a final outcome must leave"),
        ([{**QUALIFIED, "status": "not_interested"}], 0, "qualified",
         "counts as qualified exactly when"),
        ([QUALIFIED, {**NO_ANSWER, "final": True, "retry": None, "callback": True,
                      "status": "callback"}], 1, "callback", "cannot be final"),
        ([QUALIFIED, {**NO_ANSWER, "final": True, "retry": None, "status": "do_not_call"}],
         1, "do_not_call", "do-not-call list exactly when"),
        ([QUALIFIED, {**NO_ANSWER, "status": "happy"}], 1, "status",
         "'happy' is not an account status"),
    ],
)  # fmt: skip
def test_a_set_that_cannot_be_saved_is_refused_with_its_place(config, index, field, message):
    with pytest.raises(OutcomeConfigError, match=message) as caught:
        check_outcome_set(config)
    assert (caught.value.index, caught.value.field) == (index, field)


def test_the_desk_keys_are_letters_no_default_outcome_takes():
    keys = {rule.key for rule in DEFAULT_OUTCOMES}
    assert all(len(k) == 1 and k.isalpha() for k in DESK_KEYS.values())
    assert not keys & set(DESK_KEYS.values())


def test_the_desk_homes_next_account_key_is_a_desk_key_no_outcome_may_take():
    """Alt+N was "next account" on the desk home and "Non interessato" on the call screen:
    one key, one meaning on the desk."""
    assert "next" in DESK_KEYS
    assert len(set(DESK_KEYS.values())) == len(DESK_KEYS)
    with pytest.raises(OutcomeConfigError, match="the desk already uses") as caught:
        check_outcome_set([QUALIFIED, {**NO_ANSWER, "key": DESK_KEYS["next"]}])
    assert (caught.value.index, caught.value.field) == (1, "key")


def test_the_shipped_script_and_the_default_set_give_no_desk_key_to_an_outcome():
    from pathlib import Path

    from app.scripting.parser import parse_script

    text = Path(__file__).parents[3].joinpath("call_scripts/fleet_qualification.toml")
    script = parse_script(text.read_text(encoding="utf-8"))
    rules = check_outcome_set(DEFAULT_CONFIG)
    keys = [rules[code].key for code in script.outcomes]
    assert len(set(keys)) == len(keys)
    assert not set(keys) & set(DESK_KEYS.values())


def test_a_good_set_with_its_own_recycle_rules_passes():
    rules = check_outcome_set([QUALIFIED, NO_ANSWER, {**BUSY, "retry_at": "16:00"}])
    assert list(rules) == ["qualified", "no_answer", "busy"]
    assert rules["busy"].retry_limit == 3


def test_every_key_an_agent_s_pages_use_is_a_desk_key_no_outcome_may_take():
    """Alt+D was the navigation bar's Desk and the default set's *Duplicato*: every access
    key of the sections an agent sees is reserved as well."""
    from app.navigation import ITEMS
    from app.security import Role, access_for
    from tests.conftest import build_app

    app = build_app("sqlite://")
    agent_keys = {key for endpoint, _label, key in ITEMS
                  if Role.AGENT in (access_for(app, endpoint) or ())}  # fmt: skip
    assert agent_keys and agent_keys <= set(DESK_KEYS.values())
    with pytest.raises(OutcomeConfigError, match="the desk already uses"):
        check_outcome_set([QUALIFIED, {**NO_ANSWER, "key": DESK_KEYS["home"]}])
