"""The colour of each area and the legend that explains it.

Numeric metrics take the classes of :mod:`geo.maps.classes`; categories take a fixed palette;
areas with no value are grey (:data:`NO_DATA`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from branca.element import MacroElement
from jinja2 import Template

from geo.maps.classes import DEFAULT_SCHEME, classify
from geo.maps.inert_text import to_map_text

NO_DATA = "#d9d9d9"


def format_value(value: float, unit: str) -> str:
    """A metric value as people read it: 1,234 / $1,234 / 12.3%; 'no data' for NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "no data"
    if unit == "%":
        return f"{value:.1%}"
    if unit == "$":
        return f"-${-value:,.0f}" if value < 0 else f"${value:,.0f}"
    return f"{value:,.0f}"


class Legend(MacroElement):
    """A plain-HTML legend (no d3) and the boundary data attribution."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var legend = L.control({position: {{ this.position|tojson }}});
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "geocrm-legend");
                div.innerHTML = {{ this.html|tojson }};
                return div;
            };
            legend.addTo({{ this._parent.get_name() }});
            {{ this._parent.get_name() }}.attributionControl.addAttribution(
                {{ this.attribution|tojson }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, html: str, attribution: str, position: str = "bottomleft") -> None:
        super().__init__()
        self._name = "Legend"
        self.html = html
        self.attribution = attribution
        self.position = position


#: Categorical colours (Okabe-Ito, colour-blind safe, then ColorBrewer Set3) for maps of
#: who covers which area.
CATEGORY_COLOURS = (
    "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#999999",
    "#8dd3c7", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69", "#fccde5", "#bc80bd",
)  # fmt: skip
#: The unit of a metric whose values are names (an owner), not numbers.
CATEGORY = "category"


@dataclass(frozen=True)
class AreaColours:
    """Each area's fill colour and tooltip text, and the legend that explains them."""

    fill: dict[str, str]
    text: dict[str, str]
    legend: list[tuple[str, str]]


def area_colours(
    area_ids: Sequence[str],
    values: pd.Series,
    unit: str,
    diverging: bool = False,
    scheme: str = DEFAULT_SCHEME,
) -> AreaColours:
    """Colours for ``values`` (index area_id) of the areas ``area_ids`` (those shown: the
    classes are made from their values only): classes of a number by ``scheme`` (see
    :mod:`geo.maps.classes`), or one colour per name when ``unit`` is CATEGORY (e.g.
    owners); missing values are "no data", listed in the legend when an area has none."""
    ids = [str(a) for a in area_ids]
    if unit == CATEGORY:
        names = values.reindex(ids)
        present = sorted({str(v) for v in names.dropna()})
        palette = {n: CATEGORY_COLOURS[i % len(CATEGORY_COLOURS)] for i, n in enumerate(present)}
        fill = {str(a): palette[str(v)] if pd.notna(v) else NO_DATA for a, v in names.items()}
        text = {str(a): str(v) if pd.notna(v) else "none" for a, v in names.items()}
        legend = [(n, palette[n]) for n in present]
        if names.isna().any():  # listed only when an area has none, as "no data" is
            legend.append(("none", NO_DATA))
        return AreaColours(fill, text, legend)
    numbers = values.reindex(ids).astype("float64")
    found = classify(numbers.to_numpy(), unit, diverging=diverging, scheme=scheme)
    fill = {a: found.colour_of(i, NO_DATA) for i, a in enumerate(ids)}
    text = {str(a): format_value(float(v), unit) for a, v in numbers.items()}
    legend = [(c.label, c.colour) for c in found.classes]
    if (found.index < 0).any():
        legend.append(("no data", NO_DATA))
    return AreaColours(fill, text, legend)


def legend_html(
    title: str,
    entries: Sequence[tuple[str, str]],
    points: Sequence[tuple[str, str]] = (),
    font_px: int = 13,
) -> str:
    """The legend's markup, its text ``font_px`` pixels high; the map's other labels (layer
    names, attribution, scale) are set no smaller than two pixels below it."""
    rows = [
        f'<div><span style="background:{colour}"></span>{to_map_text(label)}</div>'
        for label, colour in entries
    ]
    if points:
        rows.append("<b>Customers</b>")
        rows.extend(
            f'<div><i style="background:{colour}"></i>{to_map_text(label)}</div>'
            for label, colour in points
        )
    swatch = round(font_px * 0.92)
    others = (
        f".leaflet-control-layers,.leaflet-control-attribution,.leaflet-control-scale-line"
        f"{{font-size:{font_px - 2}px}}"
        if font_px > 13
        else ""
    )
    return (
        '<div style="background:rgba(255,255,255,.92);padding:8px 10px;border-radius:6px;'
        f"font:{font_px}px/1.35 sans-serif;color:#222;box-shadow:0 1px 4px rgba(0,0,0,.3);"
        'max-width:min(44vw,460px)">'
        f"<b>{to_map_text(title)}</b>"
        f"<style>.geocrm-legend span{{display:inline-block;width:{swatch + 6}px;"
        f"height:{swatch}px;margin-right:6px;border:1px solid #999;vertical-align:middle}}"
        f".geocrm-legend i{{display:inline-block;width:{swatch - 1}px;height:{swatch - 1}px;"
        "border-radius:50%;margin:0 9px 0 3px;border:1px solid #555;vertical-align:middle}"
        f"{others}</style>" + "".join(rows) + "</div>"
    )
