"""The navigation bar: what each role sees, filtered by the same access table as routes."""

from __future__ import annotations

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.security import access_for

# (endpoint, label, access key): the access key is the accesskey attribute, so that
# Alt+key (Alt+Shift+key in Firefox) reaches each section from the keyboard.
ITEMS = (
    ("desk.home", _l("Desk"), "h"),  # h: home; never an outcome's key (campaigns.outcomes)
    ("board.home", _l("Board"), "b"),
    ("floor.index", _l("Floor"), "l"),  # l: fLoor
    ("timesheets.index", _l("Timesheets"), "e"),  # e: timEsheets (f and h are the desk's)
    ("workspace.home", _l("Workspace"), "w"),
    ("campaigns.index", _l("Campaigns"), "c"),
    ("imports.index", _l("Imports"), "i"),
    ("cards.index", _l("Paper cards"), "d"),  # d: Data entry (s and a are pages' own keys)
    ("distribution.home", _l("Distribution"), "t"),
    ("donotcall.index", _l("Do not call"), "o"),  # o: opposizioni
    ("scripts.index", _l("Scripts"), "r"),  # r: scRipt
    ("privacy.index", _l("Privacy"), "p"),
    ("users.index", _l("Users"), "u"),
    ("webhooks.index", _l("Webhooks"), "k"),  # k: hooK
    ("api_keys.index", _l("API keys"), "y"),  # y: keY
)


def access_key(endpoint: str) -> str:
    """The access key of a section of the navigation bar."""
    return next(key for name, _label, key in ITEMS if name == endpoint)


def navigation() -> dict[str, object]:
    """Template context: the items the signed-in user may open, the current one marked."""
    if not current_user.is_authenticated:
        return {"nav_items": []}
    items = []
    for endpoint, label, key in ITEMS:
        allowed = access_for(current_app, endpoint)
        if allowed is None or current_user.role in allowed:
            items.append(
                {
                    "url": url_for(endpoint),
                    "label": label,
                    "key": key,
                    "current": request.endpoint == endpoint,
                }
            )
    return {"nav_items": items}
