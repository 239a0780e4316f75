"""The campaigns pages' forms. They turn what was typed into the settings the campaign
services take, and the services' ``CampaignError`` into messages beside the fields: every
rule on settings, calling hours and outcomes is checked there (``validate_settings``,
``parse_calling_hours``, ``check_outcome_set``), never again here."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from flask_wtf.i18n import translations as wtf_translations
from wtforms import (
    BooleanField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.campaigns.calendar import CLOSED_KEY, WEEKDAYS, CallingHours, format_time, to_config
from app.campaigns.calendar import parse_calling_hours as parse_hours
from app.campaigns.models import Campaign
from app.campaigns.services import FLOOR_LIMITS, LIMITS, CampaignError, settings_problems
from app.forms import BaseForm
from app.scripting.models import CallScript
from app.users.models import Team

TIME = {"inputmode": "numeric", "placeholder": "09:00", "size": 5, "maxlength": 5,
        "autocomplete": "off"}  # fmt: skip
EMPTY_WINDOWS = 1  # blank windows offered after each day's own (more with the page's script)
EMPTY_DATES = 2


class PercentField(DecimalField):
    """A percentage as people type it: "60", "62,5" or "62.5"; at most one decimal."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist and isinstance(valuelist[0], str):
            valuelist = [valuelist[0].strip().replace(",", ".")]
        super().process_formdata(valuelist)

    def _value(self) -> str:
        if self.raw_data or not isinstance(self.data, Decimal):
            return super()._value()
        return format_decimal(self.data, format="0.#")  # 62,5 in Italian

    def pre_validate(self, form: Any) -> None:
        data = self.data
        if isinstance(data, Decimal) and data.is_finite() and data != round(data, 1):
            raise ValidationError(_l("Use at most one decimal, such as 62.5."))


class RowForm(Form):
    """A row of a form (an entry of a FieldList): Flask-WTF's messages in the user's
    language, and spaces trimmed, as in every form; the CSRF token is the whole form's."""

    class Meta:
        def get_translations(self, form: Any) -> Any:
            return wtf_translations

        def bind_field(self, form: Any, unbound_field: Any, options: Any) -> Any:
            return BaseForm.Meta.bind_field(self, form, unbound_field, options)


class WindowForm(RowForm):
    """One calling window of a day, "from" and "to" as HH:MM (24:00 may end a day)."""

    start = StringField(_l("From"), render_kw=TIME)
    end = StringField(_l("To"), render_kw={**TIME, "placeholder": "20:00"})


class DateForm(RowForm):
    day = StringField(_l("Closed on"), render_kw={"type": "date"})


def _windows() -> FieldList:
    return FieldList(FormField(WindowForm), min_entries=1)


class HoursForm(Form):
    """The week's calling windows, several per day, and the dates with no calls."""

    mon, tue, wed, thu, fri, sat, sun = (_windows() for _day in WEEKDAYS)
    closed = FieldList(FormField(DateForm), min_entries=1)

    def fill(self, hours: CallingHours) -> None:
        """Show ``hours`` with blank rows to add more."""
        for day, windows in zip(WEEKDAYS, hours.week, strict=True):
            rows = [{"start": format_time(a), "end": format_time(b)} for a, b in windows]
            _refill(self[day], [*rows, *([{}] * EMPTY_WINDOWS)])
        dates = [{"day": d.isoformat()} for d in sorted(hours.closed)]
        _refill(self.closed, [*dates, *([{}] * EMPTY_DATES)])

    def raw(self) -> dict[str, Any]:
        """What was typed, as calling-hours JSON (blank rows left out), checked by nobody
        yet: ``parse_calling_hours`` does that."""
        raw: dict[str, Any] = {}
        for day in WEEKDAYS:
            raw[day] = [[w.start.data or "", w.end.data or ""] for w in self[day]
                        if (w.start.data or "").strip() or (w.end.data or "").strip()]  # fmt: skip
        raw[CLOSED_KEY] = [d.day.data.strip() for d in self.closed if (d.day.data or "").strip()]
        return raw


def sentence(text: str) -> str:
    """A reason shown on its own, beside a field: it starts with a capital."""
    return text[:1].upper() + text[1:]


def _refill(rows: FieldList, values: list[dict[str, str]]) -> None:
    while rows.entries:
        rows.pop_entry()
    for value in values:
        rows.append_entry(value)


def compact_hours(raw: dict[str, Any]) -> dict[str, Any] | None:
    """The calling hours as the campaign keeps them (only what differs from the default);
    what does not parse is passed on as typed, for the service to refuse with its place."""
    try:
        return to_config(parse_hours(raw))
    except ValueError:
        return raw


class CampaignForm(BaseForm):
    """Everything ``flask campaigns create`` and ``set`` take, but the outcome set (its own
    page). ``code`` is removed when editing: it names the campaign for good."""

    code = StringField(_l("Code"), validators=[InputRequired()],
                       description=_l("Up to 32 letters, digits, - or _, such as PILOT16. "
                                      "It cannot change later."),
                       render_kw={"autofocus": True, "maxlength": 32})  # fmt: skip
    name = StringField(_l("Name"), validators=[InputRequired()], render_kw={"maxlength": 120})
    call_script_id = SelectField(
        _l("Call script version"), coerce=lambda v: int(v) if v not in (None, "") else None,
        description=_l("Calls already made keep the version they used."))  # fmt: skip
    target = PercentField(
        _l("Target redemption (%)"), places=1, validators=[InputRequired(), NumberRange(0, 100)],
        render_kw={"type": "text", "inputmode": "decimal", "size": 6})  # fmt: skip
    max_attempts = IntegerField(
        _l("Calls per account, at most"), validators=[InputRequired()],
        description=_l("Then the account is given up as unreachable."))  # fmt: skip
    retry_no_answer_minutes = IntegerField(
        _l("Minutes before calling again after no answer"), validators=[InputRequired()],
        description=_l("For the outcomes that use the campaign's no-answer delay."))  # fmt: skip
    retry_busy_minutes = IntegerField(
        _l("Minutes before calling again after a busy line"), validators=[InputRequired()],
        description=_l("For the outcomes that use the campaign's busy delay."))  # fmt: skip
    lease_minutes = IntegerField(
        _l("Minutes an agent holds an account"), validators=[InputRequired()],
        description=_l("An abandoned account returns to the queue after it."))  # fmt: skip
    callback_grace_minutes = IntegerField(
        _l("Minutes a due callback waits for its agent"), validators=[InputRequired()],
        description=_l("Then any agent may take it."))  # fmt: skip
    call_limit_minutes = IntegerField(
        _l("A call's minutes, at most"), validators=[Optional()],
        description=_l("A call (dialling or talking) longer than this is an alert on the "
                       "supervisor's floor. Empty: no limit."))  # fmt: skip
    wrap_up_limit_minutes = IntegerField(
        _l("A wrap-up's minutes, at most"), validators=[Optional()],
        description=_l("The time after a call, before its outcome, longer than this is an "
                       "alert on the floor. Empty: no limit."))  # fmt: skip
    teams = SelectMultipleField(
        _l("Teams that may work it"), coerce=int, validate_choice=True,
        invalid_choice_message=_l("Unknown team: choose among the teams listed."),
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
        description=_l("Only their agents see it on the desk and only their supervisors on "
                       "the board. None ticked: every agent."))  # fmt: skip
    practice = BooleanField(
        _l("Practice campaign"),
        description=_l("Invented companies, served at any hour and on any day: nobody is "
                       "phoned and nothing counts in the live figures. It changes kind only "
                       "while its queue is empty."))  # fmt: skip
    hours = FormField(HoursForm, label=_l("Calling hours"))
    submit = SubmitField(_l("Save the campaign"), render_kw={"accesskey": "s"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.problems: list[str] = []  # for the form as a whole
        self.hours_errors: dict[str, tuple[int | None, str]] = {}  # day -> (window, message)

    def for_editing(self) -> CampaignForm:
        """The form of an existing campaign: no code (it names the campaign for good), the
        name first."""
        del self.code
        self.name.render_kw = {**(self.name.render_kw or {}), "autofocus": True}
        return self

    def load(
        self,
        versions: list[tuple[CallScript, bool]],
        teams: list[Team],
        campaign: Campaign | None,
    ) -> None:
        """The script versions and teams to choose from and, on a GET, the values to start
        from: ``campaign``'s, or a new campaign's (the latest version of the first script)."""
        self.call_script_id.choices = [
            SelectChoice("", _l("— none yet (it cannot be activated) —")),
            *(SelectChoice(s.id, _version_label(s, latest)) for s, latest in versions),
        ]
        self.teams.choices = [(team.id, f"{team.name} ({team.code})") for team in teams]
        if self.is_submitted():
            return
        values = _values(campaign) if campaign else _defaults()
        if campaign is None:
            values["call_script_id"] = next((s.id for s, latest in versions if latest), None)
        for name, value in values.items():
            self[name].data = value
        self.hours.form.fill(parse_hours(campaign.calling_hours if campaign else None))

    def settings(self) -> dict[str, Any]:
        """The settings as the services take them, but those the form itself refused (not
        a number, left empty)."""
        settings: dict[str, Any] = {
            name: self[name].data
            for name in (*LIMITS, *FLOOR_LIMITS, "name")
            if not self[name].errors
        }
        if not self.target.errors and isinstance(self.target.data, Decimal):
            settings["target_redemption"] = self.target.data / 100
        settings["calling_hours"] = compact_hours(self.hours.form.raw())
        settings["practice"] = bool(self.practice.data)
        return settings

    def validate(self, extra_validators: Any = None) -> bool:
        """The form's own checks, then the campaign services' on every setting they did
        not refuse, so that every problem shows at once."""
        valid = super().validate(extra_validators)
        for exc in settings_problems(self.settings()).values():
            self.refuse(exc)
        return valid and not (self.problems or self.hours_errors or self.errors)

    def refuse(self, exc: CampaignError) -> None:
        """Show a service's refusal beside its field."""
        cause = getattr(exc.cause, "day", None)
        if exc.field == "calling_hours" and cause in (*WEEKDAYS, CLOSED_KEY):
            self.hours_errors[cause] = (exc.cause.index, exc.reason)  # type: ignore[union-attr]
        elif exc.field == "target_redemption":
            self.target.errors = [*self.target.errors, sentence(exc.reason)]
        elif exc.field in self._fields and exc.field != "hours":
            field = self[exc.field]
            field.errors = [*field.errors, sentence(exc.reason)]
        else:
            self.problems.append(sentence(exc.reason))


def _values(campaign: Campaign) -> dict[str, Any]:
    names = (*LIMITS, *FLOOR_LIMITS, "name", "call_script_id", "practice")
    values = {name: getattr(campaign, name) for name in names}
    teams = [team.id for team in campaign.teams]
    return values | {"target": campaign.target_redemption * 100, "teams": teams}


def _defaults() -> dict[str, Any]:
    """A new campaign's settings: the defaults of its columns (target 60 %, 6 calls...)."""
    columns = Campaign.__table__.c
    values = {name: columns[name].default.arg for name in LIMITS}
    target = columns["target_redemption"].default.arg * 100
    return values | dict.fromkeys(FLOOR_LIMITS) | {"target": target, "teams": [],
                                                   "practice": False}  # fmt: skip


def _version_label(script: CallScript, latest: bool) -> str:
    label = f"{script.name} v{script.version}"
    newest = _l("the latest")
    return f"{label} ({newest})" if latest else label


class CloneForm(BaseForm):
    code = StringField(_l("Code of the copy"), validators=[InputRequired()],
                       render_kw={"autofocus": True, "maxlength": 32})  # fmt: skip
    name = StringField(_l("Name of the copy"), validators=[InputRequired()],
                       render_kw={"maxlength": 120})  # fmt: skip
    submit = SubmitField(_l("Make the copy"), render_kw={"accesskey": "s"})

    def refuse(self, exc: CampaignError) -> None:
        field = self.name if exc.field == "name" else self.code
        field.errors = [*field.errors, sentence(exc.reason)]


class StatusChangeForm(BaseForm):
    """The confirmation of a status change, carrying the warnings the page showed."""

    confirmed = HiddenField()
    submit = SubmitField(render_kw={"accesskey": "s"})  # its label says what it does

    def confirmed_warnings(self) -> list[str]:
        return [name for name in (self.confirmed.data or "").split(",") if name]
