"""Colour classes of the map: breaks from mapclassify, readable bounds, no empty classes."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from geo.analytics.area_metrics import area_metric_values
from geo.maps.area_colours import NO_DATA, area_colours
from geo.maps.classes import DIVERGING, SCHEMES, classify, format_bound, round_bound
from geo.segments.area_kpis import compute_area_kpis
from geo.segments.filters import Filters
from geo.store.protocol import Store


def _check_classes(values: np.ndarray, unit: str, **kwargs: object) -> list[str]:
    """The labels of the classes of ``values``, after checking what must hold for any."""
    found = classify(values, unit, **kwargs)  # type: ignore[arg-type]
    labels = [c.label for c in found.classes]
    assert len(set(labels)) == len(labels), labels  # never the same class twice
    assert all(c.count > 0 for c in found.classes), found.classes  # never an empty class
    finite = np.isfinite(values)
    counts = np.bincount(found.index[finite], minlength=len(found.classes))
    assert counts.tolist() == [c.count for c in found.classes]
    assert (found.index[~finite] == -1).all()
    assert not any("up to" in label for label in labels)
    return labels


def _inner_bounds(labels: list[str]) -> list[float]:
    """The numbers that the ranges show, between the first and the last value."""
    numbers = [
        float(n.replace(",", ""))
        for label in labels[:-1]
        for n in re.findall(r"[\d,.]+", label.split(" – ")[-1])
    ]
    return numbers[1:] if labels[0] == "0" else numbers


@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_skewed_county_counts_get_five_round_classes(demo_store: Store, scheme: str) -> None:
    kpis = compute_area_kpis(demo_store, Filters(level="county"))
    values = kpis["customers"].to_numpy(dtype="float64")
    labels = _check_classes(values, "count", scheme=scheme)
    assert 3 <= len(labels) <= 5
    assert labels[0] == "0"  # counties without a customer are a class of their own
    assert labels[-1].endswith(f" – {values.max():,.0f}")
    for bound in _inner_bounds(labels):
        # Round: one or two significant figures on a half-step grid (1,000 / 1,500 / 25).
        assert round_bound(bound - 1, True) in (bound - 1, bound) or bound < 20, labels


def test_schemes_cut_differently(demo_store: Store) -> None:
    values = compute_area_kpis(demo_store, Filters(level="county"))["sales_amount"].to_numpy()
    cuts = {s: tuple(_check_classes(values, "$", scheme=s)) for s in SCHEMES}
    assert len(set(cuts.values())) == 3, cuts
    assert all(label.startswith("$") for labels in cuts.values() for label in labels)


def test_a_filter_that_leaves_most_areas_empty_still_spreads_the_rest(
    demo_store: Store,
) -> None:
    # The bug: one owner's customers by county read "up to 0 / up to 4,922", one colour.
    owner = demo_store.owner_names()[0]
    filters = Filters(level="county", owners=(owner,))
    kpis = compute_area_kpis(demo_store, filters).set_index("area_id")
    values = kpis["customers"].astype("float64")
    assert (values == 0).mean() > 0.5  # most counties have none of this owner's customers
    colours = area_colours(kpis.index.tolist(), values, "count")
    labels = [label for label, _ in colours.legend]
    assert labels[0] == "0" and len(labels) >= 4, labels
    with_customers = {colours.fill[a] for a in values[values > 0].index}
    assert len(with_customers) >= 3  # the owner's counties are told apart


def test_one_area_reads_as_its_value() -> None:
    for unit, value, text in (("count", 4922.0, "4,922"), ("$", 1234567.0, "$1,234,567")):
        found = classify(np.array([value]), unit)
        assert [c.label for c in found.classes] == [text]
    # One state, net change: its value, in the colour of its side of zero.
    found = classify(np.array([-12.0]), "count", diverging=True)
    assert [(c.label, c.colour) for c in found.classes] == [("−12", DIVERGING[1])]


def test_few_distinct_values_give_one_class_each_and_all_equal_one() -> None:
    assert _check_classes(np.array([3.0, 3, 3, 3]), "count") == ["3"]
    assert _check_classes(np.array([0.0, 1, 2, 2, 1, 0]), "count") == ["0", "1", "2"]
    zeros = classify(np.zeros(50), "count")
    assert [c.label for c in zeros.classes] == ["0"]
    assert zeros.classes[0].colour == "#ffffcc"  # all zero: the lightest, not a full map


def test_missing_values_are_no_data_only_when_some_are_missing() -> None:
    values = pd.Series({"A": 1.0, "B": 2.0, "C": np.nan})
    colours = area_colours(["A", "B", "C"], values, "count")
    assert colours.fill["C"] == NO_DATA and colours.legend[-1] == ("no data", NO_DATA)
    assert "no data" not in dict(area_colours(["A", "B"], values, "count").legend)
    assert classify(np.array([np.nan]), "count").classes == []


def test_net_change_is_centred_on_zero(demo_store: Store) -> None:
    values = area_metric_values(demo_store, Filters(level="county"), "net_change").to_numpy(
        dtype="float64"
    )
    assert (values < 0).any() and (values > 0).any() and (values == 0).any()
    found = classify(values, "count", diverging=True)
    labels = _check_classes(values, "count", diverging=True)
    colours = [c.colour for c in found.classes]
    # Losses red, zero neutral, gains blue; in that order, from the largest loss up.
    zero = labels.index("0")
    assert set(colours[:zero]) <= set(DIVERGING[:2]) and colours[zero] == DIVERGING[2]
    assert set(colours[zero + 1 :]) <= set(DIVERGING[3:])
    assert all(label.startswith("−") for label in labels[:zero])
    assert all(label.startswith("+") for label in labels[zero + 1 :])
    assert (values[found.index == zero] == 0).all()


def test_continuous_changes_start_at_zero() -> None:
    values = np.linspace(-0.24, 0.29, 40)
    labels = _check_classes(values, "%", diverging=True)
    assert labels[1].endswith(" to 0%") and labels[2].startswith("0% to +"), labels


def test_bounds_read_short() -> None:
    assert format_bound(2_500_000, "$") == "$2.5M"
    assert format_bound(250_000, "$") == "$250K"
    assert format_bound(1_500, "$") == "$1.5K"
    assert format_bound(2_500, "count") == "2,500"
    assert format_bound(0.25, "%") == "25%" and format_bound(0.025, "%") == "2.5%"
    assert format_bound(-40, "count") == "−40"
    assert round_bound(4922, True) == 5000 and round_bound(0.2453, False) == 0.25


def test_an_unknown_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown class scheme 'kmeans'"):
        classify(np.array([1.0, 2.0]), "count", scheme="kmeans")


def test_a_narrow_spread_is_cut_finer_not_merged(demo_store: Store) -> None:
    # Penetration by state lies within a few points: rounding to 25% would leave one class.
    kpis = compute_area_kpis(demo_store, Filters(level="state"))
    values = kpis["penetration"].to_numpy(dtype="float64")
    labels = _check_classes(values, "%")
    assert len(labels) >= 4, labels
    assert all(re.fullmatch(r"\d+(\.\d)?% – \d+(\.\d)?%", label) for label in labels), labels


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("classes", [2, 3, 5, 7])
def test_quantile_and_equal_interval_bounds_are_mapclassify_s_to_the_last_bit(
    seed: int, classes: int
) -> None:
    import mapclassify

    from geo.maps.classes import equal_interval_cuts, quantile_cuts

    rng = np.random.default_rng(seed)
    samples = [
        rng.lognormal(3, 1.5, 3230),  # skewed, like sales by county
        rng.integers(0, 40, 51).astype("float64"),  # counts by state, many ties
        np.round(rng.normal(0, 1, 9), 2),  # nine territories, signed
        np.array([0.0, 0.0, 0.0, 1.0, 1.0, 2.0, 10.0, 250.0]),  # repeated bounds merge
    ]
    for values in samples:
        assert quantile_cuts(values, classes) == [
            float(b) for b in mapclassify.Quantiles(values, k=classes).bins
        ]
        assert equal_interval_cuts(values, classes) == [
            float(b) for b in mapclassify.EqualInterval(values, k=classes).bins
        ]
