"""The customer layers of the area map: points coloured by segment or risk, or counts per cell.

Coordinates are WGS84 lon/lat degrees, written with :data:`COORD_DECIMALS` decimals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import folium
import numpy as np

from geo.maps.colours import RISK_COLOURS, SEGMENT_GROUP_COLOURS
from geo.maps.inert_text import to_map_text
from geo.maps.layers import PointCellLayer, PointDotLayer
from geo.maps.point_cells import PointCells, keep_discs_in_cells

COORD_DECIMALS = 5


#: Colours of points by RFM segment (grouped, so that five colours stay distinguishable)
#: and by churn risk band: the charts' colour-blind-safe colours (geo.maps.colours).
_GROUPS = {
    "best": ("champions", "loyal"),
    "growing": ("potential loyalists", "new", "promising"),
    "slipping": ("need attention", "about to sleep"),
    "at risk": ("can't lose", "at risk"),
    "gone quiet": ("hibernating", "lost"),
}
SEGMENT_GROUPS: dict[str, tuple[str, str]] = {
    segment: (f"{group}: {', '.join(members)}", SEGMENT_GROUP_COLOURS[group])
    for group, members in _GROUPS.items()
    for segment in members
}
UNSCORED_COLOUR = "#ffffff"


def colour_points(categories: Sequence[str], by: str) -> tuple[list[str], list[tuple[str, str]]]:
    """Point colours for categories (``rfm_segment`` or ``churn_risk_band`` values) and
    the legend entries, in a fixed order; unscored points (no orders) are white."""
    if by == "rfm_segment":
        mapping = {k: v[1] for k, v in SEGMENT_GROUPS.items()}
        legend = list(dict.fromkeys(SEGMENT_GROUPS.values()))
    else:
        mapping = RISK_COLOURS
        legend = [(f"churn risk {k}", v) for k, v in RISK_COLOURS.items()]
    colours = [mapping.get(c, UNSCORED_COLOUR) for c in categories]
    legend.append(("no orders yet", UNSCORED_COLOUR))
    return colours, legend


@dataclass(frozen=True)
class PointLayer:
    """Points of one kind, WGS84 degrees; ``total`` is how many matched (>= shown)."""

    name: str
    lat: np.ndarray
    lon: np.ndarray
    labels: Sequence[str] | None
    colour: str
    total: int
    #: Per point, a colour for its category (see POINT_PALETTES); None: all in ``colour``.
    point_colours: Sequence[str] | None = None
    #: The legend of the point colours: (label, colour) pairs.
    colour_legend: Sequence[tuple[str, str]] = ()

    @property
    def title(self) -> str:
        shown = len(self.lat)
        if shown < self.total:
            return f"{self.name} (showing {shown:,} of {self.total:,})"
        return f"{self.name} ({self.total:,})"


#: Diameters of the count discs, in pixels: the largest count of a view gets the largest;
#: the disc's area is in proportion to its count, but never smaller than the smallest. The
#: largest is under a cell's side (geo.maps.point_cells.CELL_PIXELS), so that each disc, kept
#: inside its cell, leaves a gap to its neighbours' even where the customers are dense.
CELL_DIAMETER_PX = (26, 60)


@dataclass(frozen=True)
class CellLayer:
    """Customers of one kind counted per cell, drawn as discs of one neutral ``fill``.

    ``ring_colours`` (per cell, for its most common category) and ``colour_legend`` are set
    when customers are coloured by a category.
    """

    name: str
    cells: PointCells
    fill: str
    ring_colours: Sequence[str] | None = None
    colour_legend: Sequence[tuple[str, str]] = ()

    @property
    def title(self) -> str:
        return f"{self.name} ({self.cells.total:,}, counted per cell)"

    def rows(self) -> list[list[Any]]:
        """``[lat, lon, count, diameter_px, ring colour or None]`` per cell."""
        cells = self.cells
        if not len(cells):
            return []
        small, large = CELL_DIAMETER_PX
        diameters = np.maximum(small, large * np.sqrt(cells.count / cells.count.max()))
        lat, lon = keep_discs_in_cells(cells.lat, cells.lon, cells.zoom, diameters / 2)
        rings = self.ring_colours if self.ring_colours is not None else [None] * len(cells)
        return [
            [round(float(la), COORD_DECIMALS), round(float(lo), COORD_DECIMALS), int(n),
             round(float(d), 1), ring]
            for la, lo, n, d, ring in zip(lat, lon, cells.count, diameters, rings, strict=True)
        ]  # fmt: skip


def add_customer_layers(
    parent: folium.Map | folium.FeatureGroup,
    point_layers: Sequence[PointLayer] = (),
    cell_layers: Sequence[CellLayer] = (),
) -> None:
    """Add dots for ``point_layers`` and count discs for ``cell_layers`` to ``parent``."""
    for layer in point_layers:
        labels = layer.labels if layer.labels is not None else [""] * len(layer.lat)
        rows: list[list[Any]] = [
            [round(float(la), COORD_DECIMALS), round(float(lo), COORD_DECIMALS), to_map_text(t)]
            for la, lo, t in zip(layer.lat, layer.lon, labels, strict=True)
        ]
        # Colours come from the fixed palettes above, never from data.
        colours: Sequence[str | None] = layer.point_colours or [None] * len(rows)
        for row, colour in zip(rows, colours, strict=True):
            row.append(colour)
        PointDotLayer(rows, name=to_map_text(layer.title), colour=layer.colour).add_to(parent)
    for cell_layer in cell_layers:
        PointCellLayer(
            cell_layer.rows(), name=to_map_text(cell_layer.title), fill=cell_layer.fill
        ).add_to(parent)


def customer_legend(
    point_layers: Sequence[PointLayer] = (),
    cell_layers: Sequence[CellLayer] = (),
    close_up: Sequence[PointLayer] = (),
) -> list[tuple[str, str]]:
    """(label, colour) legend lines of customer layers: what a disc is, what a dot is
    (``close_up``: the dots that replace the discs when zoomed in), then category colours."""
    lines = [(f"{layer.name}: number in the area of the disc", layer.fill) for layer in cell_layers]
    lines += [
        (f"{layer.name}: one dot each, zoomed in", layer.colour)
        for layer in close_up
        if not layer.colour_legend
    ]
    for legend in (
        *(c.colour_legend for c in cell_layers),
        *(p.colour_legend for p in (*close_up, *point_layers)),
    ):
        lines.extend(legend)
    return list(dict.fromkeys(lines))


def customer_layers(
    point_layers: Sequence[PointLayer] = (), cell_layers: Sequence[CellLayer] = ()
) -> folium.FeatureGroup:
    """The customer layers as one group, to be swapped on a live map as its zoom changes
    (streamlit-folium's ``feature_group_to_add``) without rebuilding the areas."""
    group = folium.FeatureGroup(name="Customers", control=False)
    add_customer_layers(group, point_layers, cell_layers)
    return group
