from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date
from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import force_locale, format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from app.board.charts import bar_width, rate_line
from app.board.control import (
    ControlError,
    callbacks,
    dead_ends,
    move_callback,
    reassign_callback,
    reassign_callbacks,
    requeue,
)
from app.board.floor import floor_now
from app.board.forms import (
    AgentForm,
    CheckForm,
    MoveForm,
    RangeForm,
    RequeueForm,
    StatusForm,
    TargetForm,
)
from app.board.models import Verdict
from app.board.quality import QualityError, check, to_check
from app.board.services import (
    FRESH_SECONDS,
    agent_now,
    campaign_now,
    campaign_parts,
    campaigns_for,
    depth_now,
    qualified_elsewhere,
)
from app.campaigns.calendar import ROME
from app.campaigns.models import Campaign, CampaignStatus, QueueEntry
from app.campaigns.outcomes import rules_from_config
from app.campaigns.services import CampaignError, set_status, update_settings
from app.campaigns.teams import may_see, workable_agents
from app.columns import utcnow
from app.desk.models import CallAttempt
from app.desk.queue import release_held
from app.donotcall.interval import campaign_check_warning, campaign_warnings, local_today
from app.extensions import db
from app.security import Role, guard, load_or_404
from app.spreadsheets.downloads import csv_download, xlsx_download
from app.users.models import User

bp = Blueprint("board", __name__, url_prefix="/board")
guard(bp, Role.SUPERVISOR, Role.ADMIN)

# Pausing stops agents being served its accounts; resuming serves them again.
NEXT_STATUS = {CampaignStatus.ACTIVE: CampaignStatus.PAUSED,
               CampaignStatus.PAUSED: CampaignStatus.ACTIVE}  # fmt: skip


def _visible(campaign: Campaign) -> bool:
    return may_see(db.session, campaign, current_user)


def _campaign(campaign_id: int) -> Campaign:
    """The campaign in the URL; a supervisor of a team may open only those open to it."""
    return load_or_404(Campaign, campaign_id, allowed=_visible)


@bp.route("/")
def home():
    """Supervisor home: every campaign (a team's supervisor: those open to the team) with
    its live figures against its target."""
    warnings = campaign_warnings(db.session, local_today())
    return render_template(
        "board/home.html",
        data=campaigns_for(db.session, current_user),
        refresh_seconds=FRESH_SECONDS,
        dnc_warnings=[(c, w) for c, w in warnings if _visible(c)],
        elsewhere=qualified_elsewhere(db.session),
    )


@bp.route("/data.json")
def data():
    """The same figures for the open page to refresh itself (``static/js/board.js``)."""
    return jsonify(campaigns_for(db.session, current_user))


LIST_LIMIT = 100  # callbacks and dead ends listed on a campaign's page


def _span() -> tuple[RangeForm, date | None, date | None]:
    """The page's range of days, checked; the whole campaign when it is wrong."""
    span = RangeForm(request.args)
    if request.args and not span.validate():
        return span, None, None
    start, end = span.start.data, span.end.data
    if start and end and start > end:
        span.end.errors = [_("The last day comes before the first.")]
        return span, None, None
    return span, start, end


def _parts(found: Campaign, start: date | None, end: date | None) -> dict[str, Any]:
    """The campaign's figures as HTML, rendered once for all open boards."""
    locale = str(get_locale() or "it")
    today = date.today()
    campaign_id = found.id

    def render() -> dict[str, str]:  # may run once this request's session has closed
        found = db.session.get_one(Campaign, campaign_id)
        data = campaign_now(db.session, found, start, end, today)
        target = float(found.target_redemption)
        labels = {c: r.label(locale) for c, r in rules_from_config(found.outcomes).items()}
        context = {
            "campaign": found, "data": data, "start": start, "end": end,
            "chart": rate_line([(d["day"], d["redemption"]) for d in data["days"]], target),
            "bar_width": bar_width, "outcome_labels": labels,
        }  # fmt: skip
        with force_locale(locale):  # the key's language, whoever's request runs this
            return {
                "as_of": data["as_of"],
                "headline": render_template("board/_headline.html", **context),
                "figures": render_template("board/_figures.html", **context),
            }

    return campaign_parts(found, start, end, today, locale, render)


@bp.route("/campaigns/<int:campaign_id>")
def campaign(campaign_id: int):
    """One campaign: its figures by day, agent, zone, dealer, hour and outcome, its plan,
    the floor now and the controls."""
    found = _campaign(campaign_id)
    span, start, end = _span()
    parts = _parts(found, start, end)
    now = utcnow()
    return render_template(
        "board/campaign.html",
        campaign=found,
        dnc_warning=campaign_check_warning(db.session, found, local_today()),
        # HTML our own templates rendered (autoescaped), kept in the cache as text.
        parts={name: Markup(html) for name, html in parts.items()},  # noqa: S704  # nosec B704 # our own autoescaped HTML
        start=start,
        end=end,
        refresh_seconds=FRESH_SECONDS,
        floor=floor_now(db.session, found, now, depth_now(db.session, found, now)),
        release_form=StatusForm(),
        callbacks=callbacks(db.session, found, limit=LIST_LIMIT),
        dead_ends=dead_ends(db.session, found, limit=LIST_LIMIT),
        list_limit=LIST_LIMIT,
        move_form=MoveForm(),
        agent_form=_agent_form(found),
        requeue_form=RequeueForm(),
        span=span,
        target_form=TargetForm(target=found.target_redemption * 100),
        status_form=StatusForm(),
        next_status=NEXT_STATUS.get(found.status),
    )


@bp.route("/campaigns/<int:campaign_id>/parts.json")
def campaign_parts_json(campaign_id: int):
    """The campaign page's figures, for the open page to refresh itself in place
    (``static/js/board_campaign.js``)."""
    found = _campaign(campaign_id)
    _span_form, start, end = _span()
    return jsonify(_parts(found, start, end))


@bp.route("/campaigns/<int:campaign_id>/target", methods=["POST"])
def target(campaign_id: int):
    found = _campaign(campaign_id)
    form = TargetForm()
    if not form.validate():
        for error in form.target.errors:
            flash(str(error), "error")
        return redirect(url_for("board.campaign", campaign_id=found.id))
    target = form.target.data / Decimal(100)
    _attempt(
        lambda: update_settings(
            db.session, found, user_id=current_user.id, target_redemption=target
        ),
        lambda _changed: _("Target set."),
        CampaignError,
    )
    return redirect(url_for("board.campaign", campaign_id=found.id))


@bp.route("/campaigns/<int:campaign_id>/status", methods=["POST"])
def status(campaign_id: int):
    found = _campaign(campaign_id)
    form = StatusForm()
    wanted = NEXT_STATUS.get(found.status)
    if not form.validate() or wanted is None:
        abort(400)
    _attempt(
        lambda: set_status(db.session, found, wanted, user_id=current_user.id),
        lambda _none: (
            _("Campaign paused.") if wanted == CampaignStatus.PAUSED else _("Campaign resumed.")
        ),
        CampaignError,
    )
    return redirect(url_for("board.campaign", campaign_id=found.id))


@bp.route(
    "/campaigns/<int:campaign_id>/<any(days, agents, zone, dealer, hour):table>"
    ".<any(csv, xlsx):kind>"
)
def table_file(campaign_id: int, table: str, kind: str):
    """One of the campaign page's tables, for the same days, as a CSV or XLSX file."""
    found = _campaign(campaign_id)
    span = RangeForm(request.args)
    start, end = (span.start.data, span.end.data) if span.validate() else (None, None)
    data = campaign_now(db.session, found, start, end, date.today())
    rows = data["days"] if table == "days" else data["agents"] if table == "agents" else (
        data["slices"][table])  # fmt: skip
    first = {"days": "day", "agents": "agent"}.get(table, "label")
    heading = {"days": _("Day"), "agents": _("Agent"), "zone": _("Zone"), "dealer": _("Dealer"),
               "hour": _("Hour")}[table]  # fmt: skip
    header = [heading, _("Calls"), _("Reached"), _("Worked to a final outcome"), _("Qualified"),
              _("Redemption"), _("Contact rate"), _("Average handling time (s)")]  # fmt: skip
    figures: tuple[str, ...] = ("redemption", "contact_rate", "average_handling_seconds")
    if table in ("days", "agents"):  # time in the campaign is an agent's, day by day
        header.append(_("Calls per signed-in hour"))
        figures += ("calls_per_hour",)
    if kind == "xlsx":  # numbers stay numbers: the spreadsheet formats them
        body = [[r[first], r["attempts"], r["reached"], r["final"], r["qualified"],
                 *(r[name] for name in figures)] for r in rows]  # fmt: skip
        return xlsx_download(f"{found.code}-{table}.xlsx", [header, *body], sheet=heading)
    body = [[r[first], r["attempts"], r["reached"], r["final"], r["qualified"],
             *(_decimal(r[name]) for name in figures)] for r in rows]  # fmt: skip
    return csv_download(f"{found.code}-{table}.csv", [header, *body])


def _decimal(value: float | None) -> str:
    """A number as the user's spreadsheet reads it (0,5 in Italian); empty for none."""
    return "" if value is None else format_decimal(value, format="0.##")


@bp.route("/campaigns/<int:campaign_id>/held/<int:entry_id>/release", methods=["POST"])
def release(campaign_id: int, entry_id: int):
    """Give back an account an agent holds (a dead browser, an agent gone home)."""
    found = _campaign(campaign_id)
    entry = load_or_404(QueueEntry, entry_id, allowed=lambda e: e.campaign_id == found.id)
    if not StatusForm().validate():
        abort(400)
    holder = release_held(db.session, entry, by=current_user.id)
    db.session.commit()
    if holder is None:
        flash(_("Nobody held that account any more."), "info")
    else:
        flash(_("The account is back in the queue."), "success")
    return redirect(url_for("board.campaign", campaign_id=found.id))


@bp.route("/campaigns/<int:campaign_id>/agents/<int:agent_id>")
def agent(campaign_id: int, agent_id: int):
    """An agent's drill-down: their figures and calls, and qualifications to check."""
    found = _campaign(campaign_id)
    person = load_or_404(User, agent_id, allowed=lambda u: u.role == Role.AGENT)
    locale = str(get_locale() or "it")
    return render_template(
        "board/agent.html",
        campaign=found,
        agent=person,
        data=agent_now(db.session, found, person),
        sample=to_check(db.session, found, person.id, locale),
        check_form=CheckForm(),
        outcome_labels={c: r.label(locale) for c, r in rules_from_config(found.outcomes).items()},
    )


@bp.route("/campaigns/<int:campaign_id>/agents/<int:agent_id>/checks", methods=["POST"])
def check_call(campaign_id: int, agent_id: int):
    found = _campaign(campaign_id)
    person = load_or_404(User, agent_id, allowed=lambda u: u.role == Role.AGENT)
    form = CheckForm()
    if not form.validate() or not str(form.call_id.data).isdigit():
        abort(400)
    verdict = Verdict.REJECTED if form.reject.data else Verdict.VERIFIED
    call = db.session.get(CallAttempt, int(form.call_id.data))
    if call is None or call.agent_id != person.id:
        abort(404)
    _attempt(
        lambda: check(db.session, found, call.id, verdict, by=current_user.id,
                      note=form.note.data),
        lambda _check: _("Rejected: the account is back in the queue.")
        if verdict == Verdict.REJECTED
        else _("Verified."),
        QualityError,
    )  # fmt: skip
    return redirect(url_for("board.agent", campaign_id=found.id, agent_id=person.id))


def _agent_form(found: Campaign) -> AgentForm:
    form = AgentForm()
    agents = workable_agents(db.session, found)
    form.agent.choices = [("", _("any agent")), *((str(i), name) for i, name in agents)]
    return form


def _back(found: Campaign):
    return redirect(url_for("board.campaign", campaign_id=found.id) + "#callbacks")


@bp.route("/campaigns/<int:campaign_id>/callbacks/<int:entry_id>/move", methods=["POST"])
def move(campaign_id: int, entry_id: int):
    found = _campaign(campaign_id)
    form = MoveForm()
    if not form.validate():
        for error in form.when.errors or [_("Give a day and a time.")]:
            flash(str(error), "error")
        return _back(found)
    when = form.when.data.replace(tzinfo=ROME).astimezone(UTC)
    _attempt(
        lambda: move_callback(db.session, found, entry_id, when, by=current_user.id),
        lambda _none: _("Callback moved."),
        ControlError,
    )
    return _back(found)


@bp.route("/campaigns/<int:campaign_id>/callbacks/<int:entry_id>/agent", methods=["POST"])
def reassign(campaign_id: int, entry_id: int):
    found = _campaign(campaign_id)
    form = _agent_form(found)
    if not form.validate():
        abort(400)
    agent_id = int(form.agent.data) if form.agent.data else None
    _attempt(
        lambda: reassign_callback(db.session, found, entry_id, agent_id, by=current_user.id),
        lambda _none: _("Callback given."),
        ControlError,
    )
    return _back(found)


@bp.route("/campaigns/<int:campaign_id>/callbacks/reassign", methods=["POST"])
def reassign_many(campaign_id: int):
    """Give the chosen callbacks to one agent, or to any agent."""
    found = _campaign(campaign_id)
    form = _agent_form(found)
    if not form.validate():
        abort(400)
    chosen = [int(v) for v in request.form.getlist("callback") if v.isdigit()]
    if not chosen:
        flash(_("Choose at least one callback."), "error")
        return _back(found)
    agent_id = int(form.agent.data) if form.agent.data else None
    _attempt(
        lambda: reassign_callbacks(db.session, found, chosen, agent_id, by=current_user.id),
        lambda n: _("%(n)s callbacks given.", n=n),
        ControlError,
    )
    return _back(found)


@bp.route("/campaigns/<int:campaign_id>/requeue", methods=["POST"])
def requeue_accounts(campaign_id: int):
    found = _campaign(campaign_id)
    if not RequeueForm().validate():
        abort(400)
    chosen = [int(v) for v in request.form.getlist("entry") if v.isdigit()]
    if not chosen:
        flash(_("Choose at least one account."), "error")
        return _back(found)
    _attempt(
        lambda: requeue(db.session, found, chosen, by=current_user.id),
        lambda moved: _("%(n)s accounts back in the queue.", n=moved),
        ControlError,
    )
    return _back(found)


def _attempt(
    change: Callable[[], Any], done: Callable[[Any], str], *errors: type[Exception]
) -> None:
    """Make a supervisor's change: committed and confirmed (``done`` of its result), or
    rolled back and its reason shown."""
    try:
        result = change()
    except errors as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(done(result), "success")
