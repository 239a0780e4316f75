"""The outcome set editor: one row per outcome (code, labels, Alt key, flags, recycle rule),
added, removed and put in order. The rows become the JSON list a campaign keeps; whether
it is a good set is ``app.campaigns.outcomes.check_outcome_set``'s to say, through the
campaign services, and its refusal comes back beside the field it names."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from app.accounts.labels import STATUS_LABELS
from app.campaigns.outcomes import DEFAULT_CONFIG, FINAL_STATUSES, FLAGS, OutcomeRule, to_config
from app.campaigns.services import CampaignError
from app.forms import BaseForm
from app.setup.campaign_forms import RowForm, sentence

EMPTY_ROWS = 2  # blank outcomes offered after the set's own (more with the page's script)
NUMBER = {"inputmode": "numeric", "size": 4}


class OutcomeRowForm(RowForm):
    position = IntegerField(_l("Order"), validators=[Optional()], render_kw=NUMBER)
    code = StringField(_l("Code"), render_kw={"maxlength": 32, "autocomplete": "off"})
    label_it = StringField(_l("Label in Italian"), render_kw={"maxlength": 60})
    label_en = StringField(_l("Label in English"), render_kw={"maxlength": 60})
    key = StringField(_l("Alt key"), render_kw={"maxlength": 1, "size": 2, "autocomplete": "off"})
    # Any value is passed on: the outcome checks say what is wrong with it.
    status = SelectField(
        _l("A final outcome leaves the account"),
        validate_choice=False,
        choices=[
            SelectChoice("", _l("— not final —")),
            *(SelectChoice(s.value, STATUS_LABELS[s]) for s in FINAL_STATUSES),
        ],
    )
    reached = BooleanField(_l("A person was reached"))
    final = BooleanField(_l("Final: the account leaves the queue"))
    qualified = BooleanField(_l("Counts as qualified"))
    unusable_number = BooleanField(_l("The number dialled is unusable"))
    do_not_call = BooleanField(_l("Adds the account to the do-not-call list"))
    callback = BooleanField(_l("Callback: the agent sets a time"))
    retry = SelectField(
        _l("Comes back after"),
        validate_choice=False,
        choices=[
            SelectChoice("", _l("the minutes given here")),
            SelectChoice("no_answer", _l("the campaign's no-answer delay")),
            SelectChoice("busy", _l("the campaign's busy delay")),
        ],
    )
    retry_minutes = IntegerField(_l("Minutes"), validators=[Optional()], render_kw=NUMBER)
    retry_at = StringField(
        _l("At (HH:MM)"), render_kw={"inputmode": "numeric", "placeholder": "16:00", "size": 5,
                                     "maxlength": 5, "autocomplete": "off"})  # fmt: skip
    retry_limit = IntegerField(_l("At most (times)"), validators=[Optional()], render_kw=NUMBER)
    remove = BooleanField(_l("Remove this outcome"))

    def blank(self) -> bool:
        typed = (self.code.data, self.label_it.data, self.label_en.data, self.key.data)
        return not any((value or "").strip() for value in typed)

    def config(self) -> dict[str, Any]:
        """The row as a campaign keeps an outcome; what is odd in it is left for the
        outcome checks to refuse."""
        final, callback = bool(self.final.data), bool(self.callback.data)
        item: dict[str, Any] = {
            "code": (self.code.data or "").strip().lower(),
            "label_it": (self.label_it.data or "").strip(),
            "label_en": (self.label_en.data or "").strip(),
            "key": (self.key.data or "").strip().lower(),
            "status": (self.status.data or "") if final else "callback" if callback else "queued",
        }
        item.update({name: True for name in FLAGS if self[name].data})
        if self.retry.data:
            item["retry"] = self.retry.data
        for name in ("retry_minutes", "retry_limit"):
            if self[name].data is not None:
                item[name] = self[name].data
        if (self.retry_at.data or "").strip():
            item["retry_at"] = self.retry_at.data.strip()
        return item


def _row(rule: OutcomeRule, position: int) -> dict[str, Any]:
    data = {**to_config(rule), "position": position}
    if not rule.final:
        data["status"] = ""
    return data


class OutcomesForm(BaseForm):
    outcomes = FieldList(FormField(OutcomeRowForm), min_entries=1)
    save = SubmitField(_l("Save the outcomes"), render_kw={"accesskey": "s"})
    restore = SubmitField(_l("Put the default set back"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.problems: list[str] = []
        self._rows: list[int] = []  # the row of each outcome in ``outcomes_config()``

    def fill(self, rules: list[OutcomeRule]) -> None:
        """Show the set, numbered, with blank rows to add outcomes."""
        while self.outcomes.entries:
            self.outcomes.pop_entry()
        for position, rule in enumerate(rules, start=1):
            self.outcomes.append_entry(_row(rule, position))
        for position in range(len(rules) + 1, len(rules) + 1 + EMPTY_ROWS):
            self.outcomes.append_entry({"position": position})

    def outcomes_config(self) -> list[dict[str, Any]] | None:
        """The set as typed, in the chosen order, without removed and blank rows; None
        when it is the default set (the campaign then follows the default)."""
        kept = [(row.form.position.data, n, row.form) for n, row in enumerate(self.outcomes)
                if not row.form.remove.data and not row.form.blank()]  # fmt: skip
        kept.sort(key=lambda item: (item[0] is None, item[0] or 0, item[1]))
        self._rows = [n for _position, n, _form in kept]
        config = [form.config() for _position, _n, form in kept]
        return None if config == list(DEFAULT_CONFIG) else config

    def refuse(self, exc: CampaignError) -> None:
        """Show the refusal beside the outcome and the field it names."""
        index = getattr(exc.cause, "index", None)
        field = getattr(exc.cause, "field", None)
        if index is None or index >= len(self._rows):
            self.problems.append(sentence(exc.reason))
            return
        row = self.outcomes[self._rows[index]].form
        target = row[field] if field in row._fields and field != "remove" else row.code
        target.errors = [*target.errors, sentence(exc.reason)]
