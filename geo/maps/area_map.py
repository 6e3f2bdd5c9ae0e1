"""Building the area map: a choropleth of one metric, a legend, and point layers.

Geometries are WGS84 lon/lat degrees (EPSG:4326). The browser never receives one object
per customer: customers come as counted cells (geo.maps.point_cells), each drawn as a disc with
its true count, or close up as one compact array of ``[lat, lon, label]`` rows of a seeded
sample. Nothing is clustered in the browser, so every number on the map is a true count.
Every string from data passes through :func:`geo.maps.inert_text.to_map_text` before it reaches
the page.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
import shapely
from branca.element import MacroElement
from folium.plugins import Draw, Fullscreen
from jinja2 import Template

from geo.maps.area_colours import NO_DATA, Legend, area_colours, legend_html
from geo.maps.classes import DEFAULT_SCHEME
from geo.maps.display_geometry import framing_bounds
from geo.maps.inert_text import to_map_text
from geo.maps.layers import AreaLayer
from geo.maps.point_layers import CellLayer, PointLayer, add_customer_layers, customer_legend
from geo.places.shapes import Shape

BOUNDARY_ATTRIBUTION = "Boundaries: US Census Bureau via us-atlas"
#: Optional tile layers (they need the internet); the map works without any.
BASEMAPS = ("OpenStreetMap", "CartoDB positron")


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
    classes are cut (see :data:`geo.maps.classes.SCHEMES`). ``legend_font_px`` sizes the
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
