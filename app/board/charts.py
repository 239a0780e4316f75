"""Charts drawn as inline SVG on the server: no chart library, no CDN, nothing to run in
the browser, and the numbers stay readable in the table beside each chart."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 32  # room for the scale on the left, days below
SCALE = (0.0, 0.25, 0.5, 0.75, 1.0)  # the percentages marked on the vertical axis
MAX_DAY_MARKS = 7


@dataclass(frozen=True)
class Line:
    width: int
    height: int
    points: str  # the polyline's "x,y x,y ..." (days without a figure are skipped)
    dots: list[tuple[float, float, str, float]]  # x, y, label, value
    target_y: float | None
    target: float | None = None  # the target's value (0-1), named beside its line
    y_ticks: tuple[tuple[float, float], ...] = ()  # y, value (0-1) of each scale mark
    x_ticks: tuple[tuple[float, str], ...] = ()  # x, label of each day marked
    left: int = LEFT
    bottom: float = HEIGHT - BOTTOM  # the horizontal axis


def rate_line(values: list[tuple[str, float | None]], target: float | None) -> Line:
    """Rates (0-1) by label (a day), left to right, against a target line; with a scale
    of percentages, a few days named under the axis, and the target named on its line."""
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = inner_w / max(len(values) - 1, 1)

    def x(n: int) -> float:
        return round(LEFT + n * step, 1)

    def y(rate: float) -> float:
        return round(TOP + inner_h * (1 - min(max(rate, 0.0), 1.0)), 1)

    dots = [(x(n), y(value), label, value) for n, (label, value) in enumerate(values)
            if value is not None]  # fmt: skip
    points = " ".join(f"{dx},{dy}" for dx, dy, _, _ in dots)
    every = max(1, -(-len(values) // MAX_DAY_MARKS))  # at most MAX_DAY_MARKS names
    marked = {*range(0, len(values), every), len(values) - 1} if values else set()
    return Line(
        WIDTH, HEIGHT, points, dots,
        target_y=None if target is None else y(target),
        target=target,
        y_ticks=tuple((y(v), v) for v in SCALE),
        x_ticks=tuple((x(n), values[n][0]) for n in sorted(marked)),
    )  # fmt: skip


def bar_width(share: float | None, full: int = 200) -> int:
    """A share (0-1) as a bar's width in pixels."""
    return 0 if not share else max(1, round(full * min(share, 1.0)))
