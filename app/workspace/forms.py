"""Forms of the staff workspace: the segment builder and its queue action, the review of
duplicate pairs and of the values an import doubted."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from wtforms import (
    BooleanField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, NumberRange, Optional

from app.accounts.labels import SOURCE_KIND_LABELS, STATUS_LABELS, TONNAGE_LABELS
from app.accounts.models import FleetLine, TonnageClass
from app.accounts.segments import Segment
from app.accounts.status import AccountStatus
from app.forms import BaseForm
from app.imports.accepting import DECISIONS
from app.imports.models import SourceKind
from app.territory.models import Dealer, Province, Zone


class SegmentForm(BaseForm):
    """The filters, read from the query string (a segment is a link one can share)."""

    class Meta:
        csrf = False  # a GET form that changes nothing

    regions = SelectMultipleField(_l("Regions"), validate_choice=True)
    provinces = SelectMultipleField(_l("Provinces"))
    zones = SelectMultipleField(_l("Zones"), coerce=int)
    dealers = SelectMultipleField(_l("Dealers"), coerce=int)
    tonnage = SelectMultipleField(
        _l("Tonnage class"),
        choices=[SelectChoice(t.value, TONNAGE_LABELS[t]) for t in TonnageClass],
    )
    fleet_min = IntegerField(_l("Vehicles, at least"), validators=[Optional(), NumberRange(0)])
    fleet_max = IntegerField(_l("Vehicles, at most"), validators=[Optional(), NumberRange(0)])
    brands = SelectMultipleField(_l("Vehicle brands"))
    sources = SelectMultipleField(
        _l("Found in"),
        choices=[SelectChoice(k.value, SOURCE_KIND_LABELS[k.value]) for k in SourceKind],
    )
    statuses = SelectMultipleField(
        _l("Status"),
        choices=[SelectChoice(s.value, STATUS_LABELS[s]) for s in AccountStatus],
        default=[AccountStatus.READY.value],
    )
    quality = SelectField(
        _l("Data quality"),
        choices=[
            SelectChoice("any", _l("any")),
            SelectChoice("clean", _l("nothing left to review")),
            SelectChoice("flagged", _l("with values to review")),
        ],
        default="any",
    )
    # A select, not a checkbox: a shared link or a form sent without it keeps them out.
    elsewhere = SelectField(
        _l("Accounts qualified elsewhere"),
        choices=[
            SelectChoice("leave_out", _l("leave out (already qualified by an earlier action)")),
            SelectChoice("include", _l("include (call them anyway)")),
        ],
        default="leave_out",
        validators=[AnyOf(["leave_out", "include"])],
    )
    practice = BooleanField(
        _l("Practice accounts (instead of the real base)"),
        description=_l("Invented companies, for practice campaigns only."),
    )
    salespeople = IntegerField(_l("Salespeople"), validators=[Optional(), NumberRange(0, 10_000)])
    accounts_each = IntegerField(
        _l("Accounts each"), default=50, validators=[Optional(), NumberRange(1, 10_000)]
    )
    redemption = DecimalField(
        _l("Expected redemption (%)"),
        default=Decimal(60),
        places=0,
        validators=[Optional(), NumberRange(1, 100)],
    )
    submit = SubmitField(_l("Count"))

    def load_choices(self, session: Session) -> None:
        self.regions.choices = [
            SelectChoice(r, r)
            for r in session.scalars(
                sa.select(Province.region).distinct().order_by(Province.region)
            )
        ]
        self.provinces.choices = [
            SelectChoice(code, f"{code} · {name}")
            for code, name in session.execute(
                sa.select(Province.code, Province.name).order_by(Province.code)
            )
        ]
        self.zones.choices = [
            SelectChoice(i, name)
            for i, name in session.execute(sa.select(Zone.id, Zone.name).order_by(Zone.name))
        ]
        self.dealers.choices = [
            SelectChoice(i, name)
            for i, name in session.execute(sa.select(Dealer.id, Dealer.name).order_by(Dealer.name))
        ]
        brands = session.scalars(
            sa.select(sa.func.upper(FleetLine.brand))
            .distinct()
            .order_by(sa.func.upper(FleetLine.brand))
        )
        self.brands.choices = [SelectChoice(b, b.title()) for b in brands]

    def segment(self) -> Segment:
        return Segment(
            regions=list(self.regions.data or []),
            provinces=list(self.provinces.data or []),
            zone_ids=list(self.zones.data or []),
            dealer_ids=list(self.dealers.data or []),
            tonnage=[TonnageClass(t) for t in self.tonnage.data or []],
            fleet_min=self.fleet_min.data,
            fleet_max=self.fleet_max.data,
            brands=list(self.brands.data or []),
            sources=list(self.sources.data or []),
            statuses=[AccountStatus(s) for s in self.statuses.data or []],
            quality=self.quality.data or "any",
            leave_out_qualified_elsewhere=self.elsewhere.data != "include",
            practice=bool(self.practice.data),
        )


class QueueSegmentForm(BaseForm):
    campaign = SelectField(_l("Campaign"), coerce=int)
    limit = IntegerField(
        _l("How many (oldest first)"),
        validators=[Optional(), NumberRange(1, 1_000_000)],
        description=_l("Leave empty to queue every matching account that can be queued."),
    )
    submit = SubmitField(_l("Put them in the campaign's queue"))


class DecisionForm(BaseForm):
    same = SubmitField(_l("Same company: merge"), render_kw={"accesskey": "m"})
    different = SubmitField(_l("Two companies"), render_kw={"accesskey": "n"})


class UndoForm(BaseForm):
    submit = SubmitField(_l("Undo this merge"))


class SeparateForm(BaseForm):
    submit = SubmitField(_l("Separate this row"))


class DoubtForm(BaseForm):
    """CSRF, the version of the account the page showed, and the button; the values and
    the "keep" boxes are read by name."""

    version = HiddenField()
    submit = SubmitField(_l("Save"), render_kw={"accesskey": "s"})

    def loaded_version(self) -> int | None:
        """The account version the person was editing; None when the page sent none."""
        raw = (self.version.data or "").strip()
        return int(raw) if raw.isdigit() else None


class DoubtDecisionForm(BaseForm):
    """One doubt decided in the review queue: the decision (a button's value), the account
    version and the suggestion the page showed, the corrected value."""

    decision = HiddenField(validators=[AnyOf(DECISIONS)])
    version = HiddenField()
    token = HiddenField()
    value = StringField()

    def loaded_version(self) -> int | None:
        raw = (self.version.data or "").strip()
        return int(raw) if raw.isdigit() else None


class UndoLastForm(BaseForm):
    """Undo the last decision of the review queue (what it was is kept in the session)."""


class AcceptSuggestionsForm(BaseForm):
    """The suggestions ticked on the page, by token; read with ``getlist('offer')``."""
