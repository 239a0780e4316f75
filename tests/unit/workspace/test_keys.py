"""The review queues' keys: one plain letter per decision, each meaning one thing."""

from __future__ import annotations

from pathlib import Path

from app.workspace.keys import REVIEW_KEYS

TEMPLATES = Path(__file__).resolve().parents[3] / "templates" / "workspace"


def test_one_letter_each_and_no_two_alike() -> None:
    assert all(len(k) == 1 and k.isalpha() and k.islower() for k in REVIEW_KEYS.values())
    assert len(set(REVIEW_KEYS.values())) == len(REVIEW_KEYS)


def test_the_pages_take_their_keys_from_the_table() -> None:
    """No letter written into a page by hand: a key changed in the table changes there."""
    for name in ("doubt_next.html", "pair.html", "_review.html"):
        text = (TEMPLATES / name).read_text(encoding="utf-8")
        assert 'data-review-key="' not in text.replace('data-review-key="{{', "")
