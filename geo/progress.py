"""Reporting the progress of long work (imports, assignment, the demo build).

A ``Progress`` is called with a short step name and the fraction done, 0.0 to 1.0. The
app shows it as a progress bar, the command line as lines on a terminal.
"""

from __future__ import annotations

from collections.abc import Callable

#: What it returns is ignored (a progress bar's update returns the bar).
Progress = Callable[[str, float], object]


def within(progress: Progress | None, start: float, end: float) -> Progress | None:
    """A Progress for one stage of larger work: its 0..1 maps onto ``start..end``."""
    if progress is None:
        return None
    outer = progress

    def report(step: str, fraction: float) -> None:
        outer(step, start + (end - start) * min(max(fraction, 0.0), 1.0))

    return report
