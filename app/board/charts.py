"""Charts drawn as inline SVG on the server: no chart library, no CDN, nothing to run in
the browser, and the numbers stay readable in the table beside each chart."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT, PAD = 640, 200, 24


@dataclass(frozen=True)
class Line:
    width: int
    height: int
    points: str  # the polyline's "x,y x,y ..." (days without a figure are skipped)
    dots: list[tuple[float, float, str, float]]  # x, y, label, value
    target_y: float | None


def rate_line(values: list[tuple[str, float | None]], target: float | None) -> Line:
    """Rates (0-1) by label, left to right, against a target line."""
    inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    step = inner_w / max(len(values) - 1, 1)

    def y(rate: float) -> float:
        return round(PAD + inner_h * (1 - min(max(rate, 0.0), 1.0)), 1)

    dots = [
        (round(PAD + n * step, 1), y(value), label, value)
        for n, (label, value) in enumerate(values)
        if value is not None
    ]
    points = " ".join(f"{x},{yy}" for x, yy, _, _ in dots)
    return Line(WIDTH, HEIGHT, points, dots, None if target is None else y(target))


def bar_width(share: float | None, full: int = 200) -> int:
    """A share (0-1) as a bar's width in pixels."""
    return 0 if not share else max(1, round(full * min(share, 1.0)))
