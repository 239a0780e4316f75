"""Call scripts in the browser: a text uploaded or typed is checked (every problem with its
line and column), previewed on the agent's call screen, saved as a new version, and the
campaigns on a script are moved to its newest version.

Saving goes through ``app.scripting.services.load_script``, the one path the shell and the
demo use too: a text with a problem is never stored, so it never reaches an agent, and a
text identical to the newest version adds nothing. Functions flush and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.campaigns.models import Campaign, CampaignStatus
from app.campaigns.services import CampaignError, use_script
from app.desk.models import CallAttempt
from app.scripting.locations import Located, locate_problems
from app.scripting.models import CallScript
from app.scripting.parser import ScriptError, parse_script
from app.scripting.schema import Script
from app.scripting.services import latest_version, load_script
from app.users.models import User

SCRIPT_MAX_BYTES = 256 * 1024  # the shipped script is 12 KB


class EditingError(ValueError):
    """A text or a request that cannot be taken; the message says why, for the user."""


@dataclass(frozen=True)
class Checked:
    """A text and what the checker found in it: the script, or every problem."""

    text: str
    script: Script | None
    problems: list[Located]

    @property
    def ok(self) -> bool:
        return self.script is not None


class ScriptRefused(EditingError):
    """A text with problems: it is not saved. ``checked`` has them, with their lines."""

    def __init__(self, checked: Checked) -> None:
        super().__init__(
            ngettext(
                "The script has %(num)d problem and was not saved: correct it and save again.",
                "The script has %(num)d problems and was not saved: correct them and save again.",
                len(checked.problems),
            )
        )
        self.checked = checked


@dataclass(frozen=True)
class Saved:
    stored: CallScript
    created: bool  # False: identical to the newest version, which is returned


# -- the text ---------------------------------------------------------------------------
def read_upload(data: bytes) -> str:
    """An uploaded file's text: UTF-8 (a byte-order mark is dropped), not empty, not
    larger than a script can sensibly be."""
    if not data.strip():
        raise EditingError(_("The file is empty: choose the script's .toml file."))
    if len(data) > SCRIPT_MAX_BYTES:
        raise EditingError(_too_large())
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise EditingError(
            _(
                "The file is not UTF-8 text (line %(line)d): save it as UTF-8 in your "
                "editor and upload it again.",
                line=line,
            )
        ) from None
    return clean_text(text)


def clean_text(text: str) -> str:
    """A typed or uploaded text as it is stored: one kind of line ending (a browser sends
    CR LF), so the same script saved from a file or the browser is the same version."""
    if not text.strip():
        raise EditingError(_("The script is empty: type it or upload its file."))
    if "\x00" in text:
        raise EditingError(
            _("The text contains NUL characters: it is not a text file. Check the file.")
        )
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if len(text.encode("utf-8")) > SCRIPT_MAX_BYTES:
        raise EditingError(_too_large())
    return text


def _too_large() -> str:
    return _(
        "The script is larger than %(kb)d KB: a call script is a few KB of text. Check that "
        "this is the right file.",
        kb=SCRIPT_MAX_BYTES // 1024,
    )


def check_text(text: str) -> Checked:
    """The script in ``text`` and, if it cannot be used, every problem with its line and
    column, in the order of the file. Nothing is stored."""
    try:
        return Checked(text, parse_script(text), [])
    except ScriptError as exc:
        return Checked(text, None, locate_problems(text, exc.problems))


def save_text(session: Session, text: str, *, user_id: int) -> Saved:
    """Store ``text`` as the next version of its script (audited as ``script.load``).
    ``ScriptRefused`` with every problem if it cannot be used: nothing is stored."""
    checked = check_text(text)
    if checked.script is None:
        raise ScriptRefused(checked)
    before = latest_version(session, checked.script.name)
    stored = load_script(session, text, user_id=user_id)
    return Saved(stored, created=before is None or before.id != stored.id)


def next_version(session: Session, checked: Checked) -> int:
    """The version ``checked`` would be saved as (the newest one's, if identical)."""
    if checked.script is None:
        raise ScriptRefused(checked)
    latest = latest_version(session, checked.script.name)
    if latest is None:
        return 1
    return latest.version if latest.source_text == checked.text else latest.version + 1


# -- versions and the campaigns on them ----------------------------------------------------
@dataclass(frozen=True)
class ScriptSummary:
    """One script (a name) on the list: its newest version and how it is used."""

    latest: CallScript
    versions: int
    loaded_by: str | None
    campaigns: int


@dataclass(frozen=True)
class VersionRow:
    stored: CallScript
    loaded_by: str | None
    campaigns: list[Campaign]
    calls: int  # calls recorded with this version


def list_scripts(session: Session) -> list[ScriptSummary]:
    """Every script by name, with its newest version."""
    counts = dict(
        session.execute(select(CallScript.name, func.count()).group_by(CallScript.name)).all()
    )
    used = dict(
        session.execute(
            select(CallScript.name, func.count(Campaign.id))
            .join(Campaign, Campaign.call_script_id == CallScript.id)
            .group_by(CallScript.name)
        ).all()
    )
    names = _loaders(session)
    summaries = []
    for name in sorted(counts):
        latest = latest_version(session, name)
        if latest is not None:
            loader = names.get(latest.loaded_by_id)
            summaries.append(ScriptSummary(latest, counts[name], loader, used.get(name, 0)))
    return summaries


def versions_of(session: Session, name: str) -> list[VersionRow]:
    """Every version of the script ``name``, newest first, with who loaded it, the
    campaigns on it and the calls recorded with it."""
    stored = session.scalars(
        select(CallScript).where(CallScript.name == name).order_by(CallScript.version.desc())
    ).all()
    ids = [s.id for s in stored]
    calls = dict(
        session.execute(
            select(CallAttempt.call_script_id, func.count())
            .where(CallAttempt.call_script_id.in_(ids))
            .group_by(CallAttempt.call_script_id)
        ).all()
    )
    campaigns: dict[int, list[Campaign]] = {i: [] for i in ids}
    for campaign in session.scalars(
        select(Campaign).where(Campaign.call_script_id.in_(ids)).order_by(Campaign.code)
    ):
        campaigns[campaign.call_script_id or 0].append(campaign)
    names = _loaders(session)
    return [
        VersionRow(s, names.get(s.loaded_by_id), campaigns[s.id], calls.get(s.id, 0))
        for s in stored
    ]


def _loaders(session: Session) -> dict[int | None, str]:
    rows = session.execute(
        select(User.id, User.display_name).where(
            User.id.in_(select(CallScript.loaded_by_id).distinct())
        )
    ).all()
    return {user_id: name for user_id, name in rows}


def previous_version(session: Session, stored: CallScript) -> CallScript | None:
    return session.scalars(
        select(CallScript)
        .where(CallScript.name == stored.name, CallScript.version < stored.version)
        .order_by(CallScript.version.desc())
    ).first()


def newest_for(session: Session, campaign: Campaign) -> CallScript | None:
    """The newest version of the script ``campaign`` is on (None: it has none)."""
    if campaign.call_script_id is None:
        return None
    current = session.get_one(CallScript, campaign.call_script_id)
    return latest_version(session, current.name)


def switch_to_latest(
    session: Session, campaign: Campaign, *, seen_id: int | None, user_id: int
) -> CallScript:
    """Move ``campaign`` to the newest version of the script it is on (audited as
    ``campaign.use_script``); calls already made keep the version they used. ``seen_id``
    is the newest version the user was shown: if another was saved since, nothing changes,
    so nobody switches to a version they have not seen."""
    if campaign.call_script_id is None:
        raise EditingError(_("This campaign has no call script."))
    current = session.get_one(CallScript, campaign.call_script_id)
    latest = latest_version(session, current.name)
    if campaign.status == CampaignStatus.CLOSED:
        raise EditingError(
            _("Campaign %(code)s is closed: it can no longer change.", code=campaign.code)
        )
    if latest is None or (seen_id is not None and latest.id != seen_id):
        raise EditingError(_("A newer version was saved meanwhile: look at it, then switch again."))
    if latest.id == current.id:
        raise EditingError(
            _(
                "Campaign %(code)s already uses the newest version (%(version)d).",
                code=campaign.code,
                version=latest.version,
            )
        )
    try:
        return use_script(session, campaign, current.name, user_id=user_id)
    except CampaignError as exc:  # its own guards, should they ever say no
        raise EditingError(str(exc)) from None
