"""The redemption chart's geometry: a scale, a few days named, the target named."""

from __future__ import annotations

from app.board.charts import BOTTOM, HEIGHT, LEFT, MAX_DAY_MARKS, TOP, WIDTH, rate_line


def _days(n: int) -> list[tuple[str, float | None]]:
    return [(f"2026-11-{d:02d}", 0.5 if d % 3 else None) for d in range(1, n + 1)]


def test_the_scale_runs_from_0_to_100_percent_bottom_to_top():
    line = rate_line(_days(3), 0.6)
    values = [value for _y, value in line.y_ticks]
    assert values == [0.0, 0.25, 0.5, 0.75, 1.0]
    ys = [y for y, _value in line.y_ticks]
    assert ys[0] == HEIGHT - BOTTOM and ys[-1] == TOP  # 0 % on the axis, 100 % on top
    assert line.target == 0.6 and TOP < line.target_y < HEIGHT - BOTTOM


def test_at_most_seven_days_are_named_and_always_the_first_and_the_last():
    for n in (1, 2, 7, 8, 30, 31):
        line = rate_line(_days(n), None)
        named = [label for _x, label in line.x_ticks]
        assert len(named) <= MAX_DAY_MARKS + 1 and len(named) == len(set(named))
        assert named[0] == "2026-11-01" and named[-1] == f"2026-11-{n:02d}"
        assert all(LEFT <= x <= WIDTH for x, _label in line.x_ticks)


def test_days_without_a_figure_have_no_dot_and_no_target_draws_no_line():
    line = rate_line(_days(6), None)
    assert len(line.dots) == 4 and line.target_y is None  # days 3 and 6 have no figure
    assert rate_line([], None).x_ticks == ()
