"""The review queues' keys: one letter per decision, pressed without a modifier (the
pages say so; ``static/js/review.js`` reads them from the elements that carry them).

Plain letters, not the desk's Alt+letter: a reviewer makes hundreds of decisions an hour
with one hand on the keys, and no text field has the focus unless the reviewer opens one
(E), so a letter never types into a field by mistake (in a field, Esc leaves it).
"""

from __future__ import annotations

from collections.abc import Mapping

REVIEW_KEYS: Mapping[str, str] = {
    "accept": "a",  # accept the suggested fix
    "keep": "k",  # keep the value as it is
    "edit": "e",  # correct the value: the field opens, Enter saves
    "skip": "s",  # the next item, this one stays for later
    "merge": "m",  # same company: merge
    "different": "d",  # two different companies
    "undo": "u",  # undo the last decision
}
