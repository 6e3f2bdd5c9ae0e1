"""The map picture: the right size, not blank, and a legend that matches the data."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from geo.maps.area_colours import area_colours
from geo.maps.picture import render_map_picture
from geo.segments.area_kpis import compute_area_kpis
from geo.segments.filters import Filters
from geo.store.protocol import Store


def _hex(rgb: tuple[int, ...] | float) -> str:
    assert isinstance(rgb, tuple), rgb  # a colour of an RGB picture: (red, green, blue)
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
    entries = area_colours(areas["area_id"].tolist(), values, "count").legend
    # Every class of the legend is painted, and the top class ends at the largest value.
    assert len(entries) >= 4
    for label, colour in entries:
        assert colour in colours, (label, colour)
    assert entries[-1][0].endswith(f" – {values.max():,.0f}")


def test_a_diverging_metric_is_centred_on_zero(demo_store: Store) -> None:
    areas = demo_store.load_areas("territory")
    values = pd.Series(np.linspace(-50, 30, len(areas)), index=areas["area_id"])
    legend = area_colours(areas["area_id"].tolist(), values, "count", diverging=True).legend
    labels = [label for label, _ in legend]
    # Losses in reds, gains in blues, split at the same size on both sides of zero.
    assert labels[0].startswith("−50 to ") and labels[-1].endswith(" to +30")
    colours = [c for _, c in legend]
    assert colours[:2] == ["#ca0020", "#f4a582"] and colours[-2:] == ["#92c5de", "#0571b0"]
    assert ("#f7f7f7" in colours) == bool((values == 0).any())  # a neutral zero class
    small_loss, small_gain = labels[1].split(" to ")[0], labels[-2].split(" to ")[1]
    assert small_loss.lstrip("−") == small_gain.lstrip("+")
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


def test_legend_amounts_are_text_not_maths(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "$80K – $350K" read as mathtext loses its dollar signs and turns italic.
    import matplotlib.figure
    import matplotlib.legend

    legends: list[matplotlib.legend.Legend] = []
    make_legend = matplotlib.figure.Figure.legend

    def keep(self: matplotlib.figure.Figure, *args: Any, **kwargs: Any) -> matplotlib.legend.Legend:
        legends.append(make_legend(self, *args, **kwargs))
        return legends[-1]

    monkeypatch.setattr(matplotlib.figure.Figure, "legend", keep)
    areas = demo_store.load_areas("state")
    values = compute_area_kpis(demo_store, Filters(level="state")).set_index("area_id")
    render_map_picture(areas, values["sales_amount"], title="", metric_label="Sales", unit="$")
    texts = legends[0].get_texts()
    assert any(t.get_text().count("$") == 2 for t in texts)
    assert all(not t.get_parse_math() for t in texts)
