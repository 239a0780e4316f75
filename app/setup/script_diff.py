"""Two versions of a script side by side: the lines of each, aligned by ``difflib``.

Rows carry plain text; the template escapes every line. Long runs of unchanged lines are
folded to a few lines of context around each change.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

CONTEXT = 3  # unchanged lines kept around a change


@dataclass(frozen=True)
class DiffRow:
    """One row of the side-by-side view. ``kind`` is ``same``, ``changed``, ``removed``
    (only on the left), ``added`` (only on the right) or ``fold`` (``folded`` unchanged
    lines not shown)."""

    kind: str
    left_no: int | None = None
    left: str = ""
    right_no: int | None = None
    right: str = ""
    folded: int = 0


def side_by_side(old: str, new: str, context: int = CONTEXT) -> list[DiffRow]:
    """``old`` on the left and ``new`` on the right, line by line; empty if identical."""
    a, b = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.ratio() == 1.0:
        return []
    rows: list[DiffRow] = []
    opcodes = matcher.get_opcodes()
    for n, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            rows.extend(_unchanged(a, i1, i2, j1, first=n == 0,
                                   last=n == len(opcodes) - 1, context=context))  # fmt: skip
            continue
        for k in range(max(i2 - i1, j2 - j1)):
            left = i1 + k if i1 + k < i2 else None
            right = j1 + k if j1 + k < j2 else None
            kind = "changed" if left is not None and right is not None else (
                "removed" if right is None else "added")  # fmt: skip
            rows.append(DiffRow(
                kind,
                None if left is None else left + 1, "" if left is None else a[left],
                None if right is None else right + 1, "" if right is None else b[right],
            ))  # fmt: skip
    return rows


def _unchanged(
    a: list[str], i1: int, i2: int, j1: int, *, first: bool, last: bool, context: int
) -> list[DiffRow]:
    """An unchanged run: whole if short, else its ends next to the changes and a fold."""
    keep_head = 0 if first else context
    keep_tail = 0 if last else context
    length = i2 - i1
    if length <= keep_head + keep_tail + 1:
        shown = list(range(length))
        folded = 0
    else:
        shown = [*range(keep_head), *range(length - keep_tail, length)]
        folded = length - keep_head - keep_tail
    rows = []
    for k in shown:
        if folded and k == length - keep_tail:
            rows.append(DiffRow("fold", folded=folded))
        rows.append(DiffRow("same", i1 + k + 1, a[i1 + k], j1 + k + 1, a[i1 + k]))
    if folded and keep_tail == 0:
        rows.append(DiffRow("fold", folded=folded))
    return rows
