"""Shared arithmetic of the benchmarks: percentiles of latency samples."""

from __future__ import annotations


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile by nearest rank (NaN for no samples)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]
