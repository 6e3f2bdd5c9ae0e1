"""Colour classes of a map metric: class breaks as mapclassify draws them, readably rounded.

The same classes serve every output (the interactive map, its standalone HTML file, the
picture and the slide deck), computed from the values of the areas shown, so a filter or a
drawn shape that leaves most areas at zero still spreads the others over the colours:

- ``quantiles`` (about as many areas in each class), ``natural_breaks`` (Fisher-Jenks:
  classes of similar values) or ``equal_interval`` (classes of equal width);
- bounds rounded to one or two significant figures on a 1-2.5-5 style grid, shown as ranges
  ("1,000 – 2,500", "$2.0M – $4.5M"); a class that rounding leaves empty is merged away;
- areas at exactly zero (of a metric that cannot be negative) are a class of their own;
- five distinct values or fewer: one class per value, shown as that value (one area: one
  class, its value);
- diverging metrics (a change) keep red for losses, blue for gains and a neutral zero,
  whatever the spread of the values.

Values are in the metric's unit: counts, an amount in the sales currency, or a share
(0.25 = 25%).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Class schemes a user may choose, and how the choice is labelled.
SCHEMES: dict[str, str] = {
    "quantiles": "Quantiles",
    "natural_breaks": "Natural breaks",
    "equal_interval": "Equal intervals",
}
DEFAULT_SCHEME = "quantiles"
#: The query parameter of the scheme in a presentation view's link.
CLASSES_PARAM = "classes"
CLASSES = 5
#: ColorBrewer YlGnBu (sequential) and RdBu (diverging), both colour-blind safe.
SEQUENTIAL = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494")
DIVERGING = ("#ca0020", "#f4a582", "#f7f7f7", "#92c5de", "#0571b0")
#: Fisher-Jenks is quadratic in the number of values: it runs on this many evenly spaced
#: quantiles of the values (deterministic, so every output gets the same breaks).
JENKS_SAMPLE = 200


@dataclass(frozen=True)
class ColourClass:
    """One class of the legend: its label, its colour, and how many values fall in it."""

    label: str
    colour: str
    count: int


@dataclass(frozen=True)
class Classification:
    """The classes, and for each value given (in order) the index of its class (-1: NaN)."""

    classes: list[ColourClass]
    index: np.ndarray

    def colour_of(self, i: int, missing: str) -> str:
        """The colour of the ``i``-th value, ``missing`` when it has no class."""
        k = int(self.index[i])
        return self.classes[k].colour if k >= 0 else missing


def round_bound(value: float, integral: bool, fineness: int = 2) -> float:
    """``value`` rounded to a readable number: steps of 1/``fineness`` of the power of ten
    below it (fineness 2: 4,922 -> 5,000; 1,234 -> 1,000; 27.3 -> 25; 0.2453 -> 0.25);
    whole numbers for ``integral`` values."""
    if value == 0 or not math.isfinite(value):
        return value
    step = 10 ** math.floor(math.log10(abs(value))) / fineness
    if integral:
        step = max(step, 1.0)
    # Rounded through a decimal string: 0.1 * 3 would otherwise read 0.30000000000000004.
    return float(f"{round(value / step) * step:.12g}")


def format_bound(value: float, unit: str) -> str:
    """A class bound, short: 1,250 / $250K / $2.5M / 25% / 2.5%; a sign when negative."""
    if value < 0:
        return "−" + format_bound(-value, unit)
    if unit == "$":
        if value >= 1e6:
            return f"${value / 1e6:,.1f}M"
        if value >= 1e4:
            return f"${value / 1e3:,.0f}K"
        if value >= 1e3:
            return f"${value / 1e3:.1f}K"
        return f"${value:,.0f}"
    if unit == "%":
        return f"{value * 100:,.1f}".removesuffix(".0") + "%"
    if value >= 1e6:
        return f"{value / 1e6:,.1f}M"
    return f"{value:,.0f}" if value == round(value) or value >= 10 else f"{value:.1f}"


def format_exact(value: float, unit: str) -> str:
    """One value in full, for a class that holds only that value: 1,234 / $1,234 / 12.3%."""
    if unit == "$":
        return f"−${-value:,.0f}" if value < 0 else f"${value:,.0f}"
    if unit == "%":
        return "0%" if value == 0 else f"{value:,.1%}".replace("-", "−")
    text = f"{value:,.0f}" if value == round(value) else f"{value:,.1f}"
    return text.replace("-", "−")


def _percentile(ordered: np.ndarray, percent: float) -> float:
    """The ``percent`` percentile of the sorted ``ordered``, interpolated between the two
    nearest ranks with weights as SciPy's ``scoreatpercentile`` (what mapclassify's
    quantiles use), so the bounds are the same to the last bit."""
    position = percent / 100.0 * (len(ordered) - 1)
    below = int(position)
    if below == position:
        return float(ordered[below])
    weights = np.array([below + 1 - position, position - below], float)
    return float(np.add.reduce(ordered[below : below + 2] * weights) / weights.sum())


def quantile_cuts(values: np.ndarray, classes: int) -> list[float]:
    """Upper bounds of ``classes`` quantile classes, repeated bounds merged (fewer classes
    then): mapclassify's ``Quantiles``, without loading SciPy for it."""
    width = 100.0 / classes
    percents = np.arange(width, 100 + width, width)
    if percents[-1] > 100.0:
        percents[-1] = 100.0
    ordered = np.sort(np.asarray(values, dtype="float64").ravel())
    return [float(b) for b in np.unique([_percentile(ordered, p) for p in percents])]


def equal_interval_cuts(values: np.ndarray, classes: int) -> list[float]:
    """Upper bounds of ``classes`` classes of equal width: mapclassify's ``EqualInterval``."""
    values = np.asarray(values).ravel()
    top, bottom = max(values), min(values)
    if top == bottom:
        raise ValueError(f"all {len(values)} values are {top}: no classes of equal width")
    width = (top - bottom) * 1.0 / classes
    cuts = np.arange(bottom + width, top + width, width)[:classes]
    cuts[-1] = top
    return [float(c) for c in cuts]


def scheme_cuts(values: np.ndarray, scheme: str, classes: int) -> list[float]:
    """Upper bounds of ``classes`` classes of ``values`` by ``scheme`` (the last is the max)."""
    if classes <= 1 or len(values) < 2:
        return [float(values.max())]
    if scheme == "quantiles":
        return quantile_cuts(values, classes)
    if scheme == "equal_interval":
        return equal_interval_cuts(values, classes)
    if scheme != "natural_breaks":
        raise ValueError(f"unknown class scheme {scheme!r}: use one of {', '.join(SCHEMES)}")
    # Imported here, for natural breaks only: mapclassify loads SciPy and scikit-learn
    # (seconds), which the default map (quantiles) and a command that draws none should not
    # wait for.
    with warnings.catch_warnings():
        # "numba not installed" (said on import; Fisher-Jenks runs on a sample).
        warnings.simplefilter("ignore")
        import mapclassify

        sample = np.quantile(values, np.linspace(0, 1, min(len(values), JENKS_SAMPLE)))
        bins = mapclassify.FisherJenks(sample, k=classes).bins
    return [float(b) for b in bins]


def _useful_cuts(values: np.ndarray, bounds: list[float]) -> list[float]:
    """The ascending ``bounds`` that leave at least one value in every class, and one above."""
    low, high = float(values.min()), float(values.max())
    useful: list[float] = []
    for bound in bounds:
        lower = useful[-1] if useful else -math.inf
        if low <= bound < high and bound > lower and ((values > lower) & (values <= bound)).any():
            useful.append(bound)
    return useful


def _readable_cuts(values: np.ndarray, cuts: list[float], integral: bool) -> list[float]:
    """The inner ``cuts`` rounded as coarsely as keeps as many classes as the scheme made
    (values of 23% to 28% are cut at 24.5% and 26%, not all at 25%)."""
    wanted = len(_useful_cuts(values, cuts[:-1]))
    best: list[float] = []
    for fineness in (2, 4, 10, 20, 100, 1000):
        found = _useful_cuts(values, [round_bound(c, integral, fineness) for c in cuts[:-1]])
        if len(found) > len(best):
            best = found
        if len(best) >= wanted:
            break
    return best


def _range_label(lo: float, hi: float, unit: str, joiner: str = " – ") -> str:
    """ "lo – hi" in short bounds (in full when both would read the same); one value alone."""
    if lo == hi:
        return format_exact(lo, unit)
    low, high = format_bound(lo, unit), format_bound(hi, unit)
    if low == high:
        low, high = format_exact(lo, unit), format_exact(hi, unit)
    return f"{low}{joiner}{high}"


def _spread(n: int, palette: tuple[str, ...]) -> list[str]:
    """``n`` colours spread over ``palette``, lightest first; one class takes the middle."""
    if n == 1:
        return [palette[len(palette) // 2]]
    picks = np.linspace(0, len(palette) - 1, n).round().astype(int)
    return [palette[i] for i in picks]


def _ranges(
    values: np.ndarray, cuts: list[float], integral: bool
) -> tuple[list[tuple[float, float, int]], np.ndarray]:
    """(lowest, highest, count) of the classes cut at ``cuts`` (inclusive upper bounds,
    each class non-empty), and each value's class index. The bounds shown are the cuts
    (whole numbers: the next one up), the data's minimum and its maximum."""
    index = np.searchsorted(np.asarray(cuts, dtype="float64"), values, side="left")
    out = []
    for k in range(len(cuts) + 1):
        inside = values[index == k]
        # Whole numbers: a class starts one above the cut below it.
        if k == 0:
            lo = float(values.min())
        elif integral:
            lo = cuts[k - 1] + 1
        else:
            lo = cuts[k - 1]
        hi = cuts[k] if k < len(cuts) else float(values.max())
        out.append((lo, hi, len(inside)))
    return out, index


def _value_classes(values: np.ndarray) -> tuple[list[tuple[float, float, int]], np.ndarray]:
    """One class per distinct value."""
    distinct = np.unique(values)
    index = np.searchsorted(distinct, values)
    counts = np.bincount(index, minlength=len(distinct))
    return [(float(v), float(v), int(c)) for v, c in zip(distinct, counts, strict=True)], index


def _sequential(
    finite: np.ndarray, unit: str, scheme: str, classes: int, integral: bool
) -> tuple[list[ColourClass], np.ndarray]:
    if len(np.unique(finite)) <= classes:
        ranges, index = _value_classes(finite)
    else:
        zero_class = bool(finite.min() == 0)
        rest = finite[finite > 0] if zero_class else finite
        cuts = _readable_cuts(rest, scheme_cuts(rest, scheme, classes - zero_class), integral)
        ranges, index = _ranges(rest, cuts, integral)
        if zero_class:
            full = np.zeros(len(finite), dtype="int64")
            full[finite > 0] = index + 1
            ranges, index = [(0.0, 0.0, int((finite == 0).sum())), *ranges], full
    colours = _spread(len(ranges), SEQUENTIAL)
    if len(ranges) == 1 and finite.max() == 0:
        colours = [SEQUENTIAL[0]]  # all zero: the lightest colour, not a full map
    found = [
        ColourClass(_range_label(lo, hi, unit), colour, n)
        for (lo, hi, n), colour in zip(ranges, colours, strict=True)
    ]
    return found, index


def _signed(value: float, unit: str, exact: bool) -> str:
    text = format_exact(value, unit) if exact else format_bound(value, unit)
    return "+" + text if value > 0 else text


def _diverging(
    finite: np.ndarray, unit: str, scheme: str, integral: bool
) -> tuple[list[ColourClass], np.ndarray]:
    """Losses in two reds, zero neutral, gains in two blues. Small and large changes are
    split at the same size for both signs (by ``scheme``), so the map reads symmetrically."""
    magnitudes = np.abs(finite[finite != 0])
    split: list[float] = []
    if len(np.unique(magnitudes)) > 2:
        split = _readable_cuts(magnitudes, scheme_cuts(magnitudes, scheme, 2), integral)
    found: list[ColourClass] = []
    index = np.zeros(len(finite), dtype="int64")
    for sign in (-1, 0, 1):
        side = np.flatnonzero(np.sign(finite) == sign)
        if not len(side):
            continue
        if sign == 0:
            found.append(ColourClass(format_exact(0.0, unit), DIVERGING[2], len(side)))
            index[side] = len(found) - 1
            continue
        size = np.abs(finite[side])
        if len(np.unique(size)) == 1:
            ranges, where = [(float(size[0]), float(size[0]), len(size))], np.zeros(len(size))
        else:
            ranges, where = _ranges(size, [c for c in split if c < size.max()], integral)
            if not integral:  # a share or an amount: the small changes start at zero
                ranges[0] = (0.0, *ranges[0][1:])
        # Small changes in the light colour next to zero, large ones in the strong one.
        shades = (DIVERGING[1], DIVERGING[0]) if sign < 0 else (DIVERGING[3], DIVERGING[4])
        order = range(len(ranges) - 1, -1, -1) if sign < 0 else range(len(ranges))
        for k in order:
            lo, hi, n = ranges[k]
            if not n:
                continue
            low, high = (0.0 - hi, 0.0 - lo) if sign < 0 else (lo, hi)  # never "-0"
            exact = low == high
            label = (
                _signed(low, unit, True)
                if exact
                else f"{_signed(low, unit, False)} to {_signed(high, unit, False)}"
            )
            found.append(ColourClass(label, shades[min(k, 1)], n))
            index[side[where == k]] = len(found) - 1
    return found, index


def classify(
    values: pd.Series | np.ndarray,
    unit: str,
    *,
    diverging: bool = False,
    scheme: str = DEFAULT_SCHEME,
    classes: int = CLASSES,
) -> Classification:
    """Colour classes of ``values`` (NaN: no class) and each value's class."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown class scheme {scheme!r}: use one of {', '.join(SCHEMES)}")
    numbers = np.asarray(values, dtype="float64")
    ok = np.isfinite(numbers)
    index = np.full(len(numbers), -1, dtype="int64")
    finite = numbers[ok]
    if not len(finite):
        return Classification([], index)
    integral = bool(np.all(finite == np.round(finite))) and unit != "%"
    if diverging:
        found, where = _diverging(finite, unit, scheme, integral)
    else:
        found, where = _sequential(finite, unit, scheme, classes, integral)
    index[ok] = where
    return Classification(found, index)
