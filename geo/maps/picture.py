"""A static picture of the area map (PNG), drawn without a browser, for slides and reports.

The same classes, colours and legend as the interactive map (:mod:`geo.maps.area_map`): areas
coloured by one metric, a legend with units, a title, a subtitle and the boundary
attribution. Geometries are WGS84 lon/lat degrees, drawn in an equirectangular view whose
aspect is corrected for the latitude of the frame, so shapes do not look stretched.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Sequence

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")  # no display: pictures are drawn in memory

import matplotlib.pyplot as plt
import pandas as pd
import shapely
from matplotlib.patches import Patch

from geo.maps.area_colours import area_colours
from geo.maps.area_map import BOUNDARY_ATTRIBUTION
from geo.maps.classes import DEFAULT_SCHEME
from geo.maps.display_geometry import bulk_bounds

#: A 16:9 picture that fills a slide: 1600 x 900 pixels.
SLIDE_SIZE = (1600, 900)
#: A 16:9 picture for part of a slide: smaller, so its legend reads at the same size.
PANEL_SIZE = (1000, 563)
DPI = 100


def picture_frame(areas: gpd.GeoDataFrame, focus: str | None = None) -> tuple[float, ...]:
    """(west, south, east, north) to show, with a margin: the focus area, else the bulk of
    the areas (see :func:`geo.maps.display_geometry.bulk_bounds`)."""
    if focus is not None and (areas["area_id"] == focus).any():
        b = shapely.bounds(areas.geometry.to_numpy()[(areas["area_id"] == focus).to_numpy()])
        west, south = float(b[:, 0].min()), float(b[:, 1].min())
        east, north = float(b[:, 2].max()), float(b[:, 3].max())
    else:
        west, south, east, north = bulk_bounds(areas)
    pad_x, pad_y = max((east - west) * 0.04, 0.05), max((north - south) * 0.04, 0.05)
    return (west - pad_x, south - pad_y, east + pad_x, north + pad_y)


def render_map_picture(
    areas: gpd.GeoDataFrame,
    values: pd.Series,
    *,
    title: str,
    metric_label: str,
    unit: str,
    diverging: bool = False,
    subtitle: str = "",
    focus: str | None = None,
    size: Sequence[int] = SLIDE_SIZE,
    scheme: str = DEFAULT_SCHEME,
) -> bytes:
    """PNG bytes of the areas coloured by ``values`` (index area_id), ``size`` pixels, in
    the classes of ``scheme`` (those of the interactive map: see :mod:`geo.maps.classes`).

    ``focus`` (an area_id) frames that area and outlines it; the others stay for context.
    """
    width, height = int(size[0]), int(size[1])
    fig = plt.figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    try:
        top = 0.82 if title else 0.92
        ax = fig.add_axes((0.01, 0.04, 0.70, top))
        colours = area_colours(areas["area_id"].tolist(), values, unit, diverging, scheme)
        fills = [colours.fill[str(a)] for a in areas["area_id"]]
        areas.plot(ax=ax, color=fills, edgecolor="#666666", linewidth=0.3)
        if focus is not None and (areas["area_id"] == focus).any():
            areas[areas["area_id"] == focus].boundary.plot(ax=ax, color="#111111", linewidth=2.2)
        west, south, east, north = picture_frame(areas, focus)
        ax.set_xlim(west, east)
        ax.set_ylim(south, north)
        ax.set_aspect(1 / max(math.cos(math.radians((south + north) / 2)), 0.2))
        ax.set_axis_off()
        # Title and subtitle quote names from the data: shown as typed, "$...$" is no maths.
        if title:
            fig.text(
                0.015, 0.945, title, fontsize=26, fontweight="bold", va="center",
                parse_math=False,
            )  # fmt: skip
        if subtitle:
            fig.text(
                0.015, 0.895, subtitle, fontsize=14, color="#444444", va="center",
                parse_math=False,
            )  # fmt: skip
        unit_title = {"$": " ($)", "%": " (%)"}.get(unit, "")
        handles = [
            Patch(facecolor=colour, edgecolor="#999999", label=label)
            for label, colour in colours.legend
        ]
        legend = fig.legend(
            handles=handles,
            title=textwrap.fill(metric_label + unit_title, 22),
            loc="center left",
            bbox_to_anchor=(0.72, 0.5),
            fontsize=13,
            title_fontsize=13,
            frameon=False,
            alignment="left",
        )
        # "$80K – $350K" is two amounts, not mathematics between two dollar signs.
        for text in (*legend.get_texts(), legend.get_title()):
            text.set_parse_math(False)
        fig.text(0.99, 0.015, BOUNDARY_ATTRIBUTION, fontsize=10, color="#555555", ha="right")
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI, facecolor="white")
        return buffer.getvalue()
    finally:
        plt.close(fig)
