"""The map picture: the right size, not blank, and a legend that matches the data."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from PIL import Image

from geo.area_map import class_breaks, legend_entries
from geo.customer_selection import compute_area_kpis
from geo.filters import Filters
from geo.map_picture import render_map_picture
from geo.store import Store


def _hex(rgb: tuple[int, ...]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb[:3])


def test_picture_has_the_size_colour_and_legend_of_the_data(demo_store: Store) -> None:
    areas = demo_store.load_areas("state")
    kpis = compute_area_kpis(demo_store, Filters(level="state")).set_index("area_id")
    values = kpis["customers"].astype("float64")
    png = render_map_picture(
        areas, values, title="Customers by state", metric_label="Customers", unit="count",
        size=(1200, 675),
    )  # fmt: skip
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == (1200, 675)
    pixels = np.asarray(image, dtype="float64")
    assert pixels.std() > 20  # not a blank picture
    colours = {_hex(c) for _, c in image.getcolors(maxcolors=2_000_000) or []}
    breaks = class_breaks(values.reindex(areas["area_id"]), diverging=False)
    entries = legend_entries(breaks, "count", diverging=False)
    # Every class of the legend is painted, and its upper bound is a value in the data.
    for label, colour in entries[:-1]:
        assert colour in colours, (label, colour)
    top = max(breaks)
    assert entries[-2][0] == f"up to {top:,.0f}" and top == values.max()


def test_a_diverging_metric_is_centred_on_zero(demo_store: Store) -> None:
    areas = demo_store.load_areas("territory")
    values = pd.Series(np.linspace(-50, 30, len(areas)), index=areas["area_id"])
    breaks = class_breaks(values, diverging=True)
    assert breaks[1] < 0 < breaks[2] and breaks[0] == -breaks[3] and breaks[1] == -breaks[2]
    png = render_map_picture(
        areas, values, title="Net change", metric_label="Net change", unit="count",
        diverging=True,
    )  # fmt: skip
    assert Image.open(io.BytesIO(png)).size == (1600, 900)


def test_names_with_dollar_signs_are_text_not_maths(demo_store: Store) -> None:
    areas = demo_store.load_areas("territory")
    values = pd.Series(np.arange(len(areas), dtype=float), index=areas["area_id"])
    # Read as mathtext, "$\\frac{$" cannot be drawn and raises.
    png = render_map_picture(
        areas, values, title="Sales $\\frac{$ by territory", subtitle="in $x^{2$ and $\\bad$",
        metric_label="Sales", unit="$",
    )  # fmt: skip
    assert Image.open(io.BytesIO(png)).size == (1600, 900)
