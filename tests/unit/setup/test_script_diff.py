"""Two versions of a script side by side."""

from __future__ import annotations

from app.setup.script_diff import DiffRow, side_by_side

OLD = "\n".join(f"line {n}" for n in range(1, 21))


def kinds(rows: list[DiffRow]) -> list[str]:
    return [r.kind for r in rows]


def test_identical_texts_have_no_rows():
    assert side_by_side(OLD, OLD) == []


def test_a_changed_line_sits_beside_its_old_self_with_context_and_folds():
    new = OLD.replace("line 10", 'label.it = "Quanti veicoli?"')
    rows = side_by_side(OLD, new)
    assert kinds(rows) == ["fold", *["same"] * 3, "changed", *["same"] * 3, "fold"]
    assert rows[0].folded == 6 and rows[-1].folded == 7
    changed = rows[4]
    assert (changed.left_no, changed.left) == (10, "line 10")
    assert (changed.right_no, changed.right) == (10, 'label.it = "Quanti veicoli?"')


def test_added_and_removed_lines_leave_the_other_side_empty():
    old = "a\nb\nc"
    new = "a\nc\nd\ne"
    rows = side_by_side(old, new)
    assert [(r.kind, r.left_no, r.left, r.right_no, r.right) for r in rows] == [
        ("same", 1, "a", 1, "a"),
        ("removed", 2, "b", None, ""),
        ("same", 3, "c", 2, "c"),
        ("added", None, "", 3, "d"),
        ("added", None, "", 4, "e"),
    ]


def test_a_replaced_block_of_unequal_length_pairs_lines_then_adds():
    rows = side_by_side("x\nold1\ny", "x\nnew1\nnew2\ny")
    assert kinds(rows) == ["same", "changed", "added", "same"]
    assert rows[2].right == "new2" and rows[2].left_no is None


def test_short_unchanged_runs_are_shown_whole():
    old = "\n".join("abcdefgh")
    new = old.replace("a", "A").replace("h", "H")
    assert kinds(side_by_side(old, new)) == ["changed", *["same"] * 6, "changed"]


def test_text_is_kept_as_typed_for_the_template_to_escape():
    rows = side_by_side("a", "<script>alert(1)</script> & co")
    assert rows[0].right == "<script>alert(1)</script> & co"
