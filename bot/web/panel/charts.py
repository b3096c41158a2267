"""SVG charts drawn server-side with matplotlib (Agg, no pyplot: no global state across requests)."""

from __future__ import annotations

import io
from collections.abc import Sequence

COLOURS = ("#1f5fa8", "#d9822b", "#2e8540", "#b5322d", "#6f4ea1", "#8c6d1f", "#3a8fa0", "#c04f8a", "#555555")


def _svg(figure: object) -> bytes:
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    buffer = io.BytesIO()
    FigureCanvasSVG(figure).print_svg(buffer, metadata={"Date": None})  # type: ignore[arg-type]
    return buffer.getvalue()


def _figure(height: float = 4.0) -> object:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, height), layout="constrained")
    figure.patch.set_facecolor("white")
    return figure


def weekly_bars(weeks: Sequence[str], series: Sequence[tuple[str, Sequence[int]]], title: str) -> bytes:
    """Stacked bars: reports per category (series) per week."""
    figure = _figure()
    axes = figure.subplots()  # type: ignore[attr-defined]
    bottom = [0] * len(weeks)
    for index, (label, counts) in enumerate(series):
        axes.bar(weeks, counts, bottom=bottom, label=label, color=COLOURS[index % len(COLOURS)])
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    axes.set_title(title, fontsize=13)
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.tick_params(axis="x", labelrotation=45, labelsize=9)
    if series:
        axes.legend(fontsize=9, loc="upper left", frameon=False)
    return _svg(figure)


def horizontal_bars(labels: Sequence[str], values: Sequence[float], title: str, unit: str) -> bytes:
    """One bar per label (median days to resolve per category)."""
    figure = _figure(max(2.5, 0.5 * len(labels) + 1.2))
    axes = figure.subplots()  # type: ignore[attr-defined]
    axes.barh(list(labels), list(values), color=COLOURS[0])
    for y, value in enumerate(values):
        axes.annotate(f"{value:.1f}", (value, y), xytext=(4, 0), textcoords="offset points", va="center")
    axes.set_title(title, fontsize=13)
    axes.set_xlabel(unit)
    axes.invert_yaxis()
    return _svg(figure)
