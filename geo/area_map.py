"""Building the area map: a choropleth of one metric, a legend, and point layers.

Geometries are WGS84 lon/lat degrees (EPSG:4326). The browser never receives one object
per customer: customers come as counted cells (geo.point_cells), each drawn as a disc with
its true count, or close up as one compact array of ``[lat, lon, label]`` rows of a seeded
sample. Nothing is clustered in the browser, so every number on the map is a true count.
Every string from data passes through :func:`geo.map_text.to_map_text` before it reaches
the page.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from folium.plugins import Draw, Fullscreen
from jinja2 import Template

from geo.chart_colours import RISK_COLOURS, SEGMENT_GROUP_COLOURS
from geo.map_classes import DEFAULT_SCHEME, classify
from geo.map_layers import AreaLayer, PointCellLayer, PointDotLayer
from geo.map_text import to_map_text
from geo.point_cells import PointCells, keep_discs_in_cells
from geo.shapes import Shape

NO_DATA = "#d9d9d9"
BOUNDARY_ATTRIBUTION = "Boundaries: US Census Bureau via us-atlas"
COORD_DECIMALS = 5
#: Area outlines are drawn to 1e-4 degrees (about 10 m): finer than a pixel at city zoom.
AREA_DECIMALS = 4
#: Below this many points the map frames the areas instead of the points.
FRAME_MIN_POINTS = 50
#: Optional tile layers (they need the internet); the map works without any.
BASEMAPS = ("OpenStreetMap", "CartoDB positron")


#: Colours of points by RFM segment (grouped, so that five colours stay distinguishable)
#: and by churn risk band: the charts' colour-blind-safe colours (geo.chart_colours).
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
#: largest is under a cell's side (geo.point_cells.CELL_PIXELS), so that each disc, kept
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


def format_value(value: float, unit: str) -> str:
    """A metric value as people read it: 1,234 / $1,234 / 12.3%; 'no data' for NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "no data"
    if unit == "%":
        return f"{value:.1%}"
    if unit == "$":
        return f"-${-value:,.0f}" if value < 0 else f"${value:,.0f}"
    return f"{value:,.0f}"


def simplify_for_display(areas: gpd.GeoDataFrame, tolerance_deg: float) -> gpd.GeoDataFrame:
    """Areas with simplified outlines for drawing only (never for assignment)."""
    out = areas.copy()
    simple = shapely.simplify(out.geometry.to_numpy(), tolerance_deg, preserve_topology=True)
    # A tiny area may collapse: keep its original outline rather than lose it.
    collapsed = shapely.is_empty(simple)
    simple[collapsed] = out.geometry.to_numpy()[collapsed]
    out["geometry"] = shapely.set_precision(simple, 10**-AREA_DECIMALS)
    # The GeoJSON of each outline, made once here so that each map build only adds values.
    out["geojson"] = [shapely.geometry.mapping(g) for g in out.geometry.to_numpy()]
    return out


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
    :mod:`geo.map_classes`), or one colour per name when ``unit`` is CATEGORY (e.g.
    owners); missing values are "no data", listed in the legend when an area has none."""
    ids = [str(a) for a in area_ids]
    if unit == CATEGORY:
        names = values.reindex(ids)
        present = sorted({str(v) for v in names.dropna()})
        palette = {n: CATEGORY_COLOURS[i % len(CATEGORY_COLOURS)] for i, n in enumerate(present)}
        fill = {str(a): palette[str(v)] if pd.notna(v) else NO_DATA for a, v in names.items()}
        text = {str(a): str(v) if pd.notna(v) else "none" for a, v in names.items()}
        return AreaColours(fill, text, [*((n, palette[n]) for n in present), ("none", NO_DATA)])
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


def framing_bounds(
    areas: gpd.GeoDataFrame, point_layers: Sequence[PointLayer] = ()
) -> list[list[float]]:
    """[[south, west], [north, east]]: where the business is, else where the areas are.

    With enough points the frame holds the 2nd to 98th percentile of their coordinates, so a
    few customers in Hawaii or Alaska (or areas across the antimeridian) do not zoom the map
    out to the whole Pacific. Otherwise it holds the areas narrower than 90 degrees.
    """
    empty = np.empty(0, dtype="float64")
    lat = np.concatenate([empty, *(np.asarray(p.lat, dtype="float64") for p in point_layers)])
    lon = np.concatenate([empty, *(np.asarray(p.lon, dtype="float64") for p in point_layers)])
    if len(lat) >= FRAME_MIN_POINTS:
        south, north = np.quantile(lat, [0.02, 0.98])
        west, east = np.quantile(lon, [0.02, 0.98])
        pad_y, pad_x = (north - south) * 0.03, (east - west) * 0.03
        return [
            [float(south - pad_y), float(west - pad_x)],
            [float(north + pad_y), float(east + pad_x)],
        ]
    west, south, east, north = bulk_bounds(areas)
    return [[south, west], [north, east]]


def bulk_bounds(areas: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    """(west, south, east, north) of the bulk of the areas: those narrower than 90 degrees
    and, with 20 areas or more, whose centres lie within the central 96% both ways, so
    far-flung islands (Alaska, Hawaii, Guam) do not shrink the rest to a dot."""
    b = shapely.bounds(areas.geometry.to_numpy())
    narrow = (b[:, 2] - b[:, 0]) < 90
    b = b[narrow] if narrow.any() else b
    if len(b) >= 20:
        cx, cy = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
        keep = (
            (cx >= np.quantile(cx, 0.02))
            & (cx <= np.quantile(cx, 0.98))
            & (cy >= np.quantile(cy, 0.02))
            & (cy <= np.quantile(cy, 0.98))
        )
        b = b[keep]
    return (
        float(b[:, 0].min()),
        float(b[:, 1].min()),
        float(b[:, 2].max()),
        float(b[:, 3].max()),
    )


def _features(areas: gpd.GeoDataFrame, texts: dict[str, str], label: str) -> dict[str, object]:
    if "geojson" in areas:
        geo: dict[str, Any] = {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "geometry": g, "properties": {"area_id": a, "name": n}}
                for a, n, g in zip(areas["area_id"], areas["name"], areas["geojson"], strict=True)
            ],
        }
    else:
        geo = json.loads(
            areas[["area_id", "name", "geometry"]].to_json(drop_id=True, to_wgs84=False)
        )
    for feature in geo["features"]:
        props = feature["properties"]
        props["value_text"] = to_map_text(texts.get(str(props["area_id"]), "no data"))
        props["name"] = to_map_text(props["name"])
        props["area_id"] = str(props["area_id"])
        props["metric"] = to_map_text(label)
    return geo


class ViewInLink(MacroElement):
    """Keeps the page's address up to date with the map position (``view=lat,lon,zoom``),
    in the browser only: panning never reruns the app, and a copied link reopens here."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.on("moveend", function () {
            try {
                var m = {{ this._parent.get_name() }}, c = m.getCenter();
                var u = new URL(window.parent.location.href);
                u.searchParams.set("view", c.lat.toFixed(5) + "," + c.lng.toFixed(5) + ","
                    + m.getZoom());
                window.parent.history.replaceState(window.parent.history.state, "", u.href);
            } catch (e) { /* a page that is not ours: leave its address alone */ }
        });
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "ViewInLink"


#: The outline of the selected area: a dark line on a white halo, visible on every fill.
SELECTED_OUTLINE = {"color": "#111111", "weight": 3.5}
SELECTED_HALO = {"color": "#ffffff", "weight": 8}


class SelectedOutline(MacroElement):
    """The selected area's outline in a pane of its own above the areas (and below the
    customers), so that no neighbour's fill covers it at any zoom; it takes no clicks, so
    a click still reaches the area below. Only coordinates reach the page."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var m = {{ this._parent.get_name() }};
            var pane = m.createPane("geocrm-selected");
            pane.style.zIndex = 450;
            pane.style.pointerEvents = "none";
            var shape = {{ this.geometry|tojson }};
            [{{ this.halo|tojson }}, {{ this.line|tojson }}].forEach(function (s) {
                L.geoJSON(shape, {pane: "geocrm-selected", interactive: false,
                    style: {color: s.color, weight: s.weight, opacity: 1, fill: false,
                            lineJoin: "round"}}).addTo(m);
            });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, geometry: dict[str, Any]) -> None:
        super().__init__()
        self._name = "SelectedOutline"
        self.geometry = geometry
        self.halo = SELECTED_HALO
        self.line = SELECTED_OUTLINE


def _draw_shapes(fmap: folium.Map, shapes: Sequence[Shape]) -> None:
    """The drawn selection, outlined, so that the map shows what the counts include."""
    style: dict[str, Any] = {"color": "#d95f02", "weight": 2.5, "fill": True, "fill_opacity": 0.06}
    group = folium.FeatureGroup(name="Drawn selection", control=True)
    for shape in shapes:
        if shape.kind == "circle":
            (lon, lat), km = shape.points[0], float(shape.radius_km or 0)
            folium.Circle(location=(lat, lon), radius=km * 1000, **style).add_to(group)
        else:
            if shape.kind == "rectangle":
                (w, s), (e, n) = shape.points
                ring = [(s, w), (n, w), (n, e), (s, e)]
            else:
                ring = [(lat, lon) for lon, lat in shape.points]
            folium.Polygon(locations=ring, **style).add_to(group)
    group.add_to(fmap)


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


def build_area_map(
    areas: gpd.GeoDataFrame,
    values: pd.Series,
    *,
    metric_label: str,
    unit: str,
    diverging: bool = False,
    point_layers: Sequence[PointLayer] = (),
    cell_layers: Sequence[CellLayer] = (),
    frame_layers: Sequence[PointLayer] | None = None,
    point_legend: Sequence[tuple[str, str]] | None = None,
    basemap: str | None = None,
    selected_area_id: str | None = None,
    height: int = 600,
    shapes: Sequence[Shape] = (),
    drawing: bool = False,
    view: tuple[float, float, float] | None = None,
    scheme: str = DEFAULT_SCHEME,
    legend_font_px: int = 13,
    fullscreen: bool = False,
    legend_position: str = "bottomleft",
    layer_control: bool = True,
) -> folium.Map:
    """A folium map: areas coloured by ``values`` (index area_id), legend, point layers.

    ``point_layers`` are drawn as dots, ``cell_layers`` as discs with counts; the first
    view frames ``frame_layers`` (default: the point layers) and the legend explains
    ``point_legend`` (default: that of the layers given), so that a map whose customer
    layers come later (see :func:`customer_layers`) opens where the business is.

    ``shapes`` outlines a drawn selection; ``drawing`` adds the tools to draw rectangles,
    polygons and circles; ``view`` (lat, lon, zoom) opens the map there instead of framing
    the data, and the map keeps the page's address up to date with its position.
    ``selected_area_id`` is outlined on top of every area; ``scheme`` is how the colour
    classes are cut (see :data:`geo.map_classes.SCHEMES`). ``legend_font_px`` sizes the
    legend's text (a projector needs 16 or more) and ``legend_position`` places it (a Leaflet
    corner); ``fullscreen`` adds a control that fills the screen with the map;
    ``layer_control`` lists the layers with boxes to hide them.
    """
    fmap = folium.Map(
        location=None,
        tiles=None,
        max_zoom=18,
        min_zoom=2,
        control_scale=True,
        prefer_canvas=True,
        height=height,
    )
    # Only Leaflet itself: folium's default jQuery, Bootstrap and awesome-marker fonts serve
    # features this map does not use, and each is one more script the browser waits for.
    fmap.default_js = [(n, u) for n, u in fmap.default_js if n == "leaflet"]
    fmap.default_css = [(n, u) for n, u in fmap.default_css if n == "leaflet_css"]
    # Without tiles Leaflet has no maximum zoom, and clustering needs one.
    fmap.options["maxZoom"] = 18
    fmap.options["minZoom"] = 2
    # Quarter steps let the frame fit the business snugly instead of a zoom level too far out.
    fmap.options["zoomSnap"] = 0.25
    if basemap in BASEMAPS:
        folium.TileLayer(basemap, name=to_map_text(basemap), control=False).add_to(fmap)
    colours = area_colours(areas["area_id"].tolist(), values, unit, diverging, scheme)
    data = _features(areas, colours.text, metric_label)
    selected = str(selected_area_id) if selected_area_id is not None else None

    def style(feature: dict[str, object]) -> dict[str, object]:
        props = feature["properties"]
        assert isinstance(props, dict)
        return {
            "fillColor": colours.fill.get(str(props.get("area_id")), NO_DATA),
            "color": "#666666",
            "weight": 0.4,
            "fillOpacity": 0.75,
        }

    AreaLayer(
        data,
        name=to_map_text(f"Areas: {metric_label}"),
        style_function=style,
        highlight_function=lambda _f: {"weight": 2.5, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(
            fields=["name", "value_text"],
            aliases=["Area", to_map_text(metric_label)],
            sticky=True,
        ),
        control=True,
    ).add_to(fmap)
    if selected is not None and (areas["area_id"].astype(str) == selected).any():
        shape = areas[areas["area_id"].astype(str) == selected].geometry.iloc[0]
        SelectedOutline(shapely.geometry.mapping(shape)).add_to(fmap)
    add_customer_layers(fmap, point_layers, cell_layers)
    unit_title = {"$": " ($)", "%": " (%)"}.get(unit, "")
    if point_legend is None:
        point_legend = customer_legend(point_layers, cell_layers)
    Legend(
        legend_html(metric_label + unit_title, colours.legend, point_legend, legend_font_px),
        to_map_text(BOUNDARY_ATTRIBUTION),
        legend_position,
    ).add_to(fmap)
    if shapes:
        _draw_shapes(fmap, shapes)
    if drawing:
        Draw(
            draw_options={
                "polyline": False,
                "marker": False,
                "circlemarker": False,
                "rectangle": {"shapeOptions": {"color": "#d95f02"}},
                "polygon": {"shapeOptions": {"color": "#d95f02"}},
                "circle": {"shapeOptions": {"color": "#d95f02"}},
            },
            edit_options={"edit": False, "remove": False},
        ).add_to(fmap)
    if layer_control:
        folium.LayerControl(collapsed=False).add_to(fmap)
    if fullscreen:
        Fullscreen(
            position="topleft", title="Show the map on the whole screen", title_cancel="Back"
        ).add_to(fmap)
    ViewInLink().add_to(fmap)
    if view is not None:
        fmap.location = [view[0], view[1]]
        fmap.options["zoom"] = view[2]
        fmap.options["center"] = [view[0], view[1]]
    elif len(areas):
        frame = point_layers if frame_layers is None else frame_layers
        fmap.fit_bounds(framing_bounds(areas, frame))
    return fmap
