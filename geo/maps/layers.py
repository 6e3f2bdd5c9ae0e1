"""Folium layers that render large data once instead of twice.

folium renders each layer's script to text and then wraps that text in a new branca
``Element``, which compiles it as a Jinja template: the whole GeoJSON of 3,230 counties or
20,000 points is tokenised a second time for nothing. Here the rendered text is kept as
plain text. Everything else (the layer added to its map, its children, its links) renders
exactly as folium does it, so streamlit-folium still sees and wires every layer.
"""

from __future__ import annotations

from typing import Any

import folium
from branca.element import Element, Figure, MacroElement
from jinja2 import Template


class RenderedText(Element):
    """Text that is already rendered: output as is, never compiled as a template."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


class RenderOnce(MacroElement):
    """MacroElement.render, with the rendered header, html and script kept as text."""

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # as MacroElement
        figure = self.get_root()
        assert isinstance(figure, Figure), "render the element inside a Figure"
        module = self._template.module.__dict__
        for part, target in (
            ("header", figure.header),
            ("html", figure.html),
            ("script", figure.script),
        ):
            macro = module.get(part)
            if macro is not None:
                target.add_child(RenderedText(macro(self, kwargs)), name=self.get_name())
        for element in self._children.values():
            element.render(**kwargs)


class AreaLayer(folium.GeoJson, RenderOnce):
    """folium.GeoJson, rendered once (see the module docstring)."""


class PointDotLayer(folium.map.Layer, RenderOnce):
    """Points as small circles on the map's canvas, each with its label as a tooltip.

    ``rows`` are ``[lat, lon, label, colour or None]`` (WGS84 degrees; labels already made
    inert, colours from fixed palettes). No clustering, so no number is drawn.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var group = L.featureGroup(), rows = {{ this.rows|tojson }};
            for (var i = 0; i < rows.length; i++) {
                var r = rows[i], m = L.circleMarker([r[0], r[1]], {radius: 4.5,
                    color: "#333333", weight: 0.6, fillOpacity: 0.9,
                    fillColor: r[3] || {{ this.colour|tojson }}});
                if (r[2]) { m.bindTooltip(r[2]); }
                group.addLayer(m);
            }
            return group;
        })();
        {% endmacro %}
        """
    )

    def __init__(self, rows: list[list[Any]], *, name: str, colour: str) -> None:
        super().__init__(name=name, overlay=True, control=True)
        self._name = "PointDotLayer"
        self.rows = rows
        self.colour = colour


class PointCellLayer(folium.map.Layer, RenderOnce):
    """Counted cells as round labels: a disc per cell, its area in proportion to the count,
    the count written on it. The labels take no clicks, so a click reaches the area below.

    ``rows`` are ``[lat, lon, count, diameter_px, ring colour or None]``; ``fill`` is the
    layer's one neutral colour. Only numbers and fixed colours reach the page's markup.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var group = L.layerGroup(), rows = {{ this.rows|tojson }};
            var fill = {{ this.fill|tojson }};
            for (var i = 0; i < rows.length; i++) {
                var r = rows[i], d = r[3], ring = r[4] || "#ffffff";
                var html = '<div style="width:' + d + 'px;height:' + d + 'px;'
                    + 'box-sizing:border-box;border-radius:50%;display:flex;'
                    + 'align-items:center;justify-content:center;color:#ffffff;'
                    + 'font:bold 12px/1 sans-serif;text-shadow:0 0 2px #000000;'
                    + 'background:' + fill + ';border:' + (r[4] ? 3 : 1.5)
                    + 'px solid ' + ring + '">'
                    + Number(r[2]).toLocaleString("en-US") + '</div>';
                group.addLayer(L.marker([r[0], r[1]], {interactive: false, keyboard: false,
                    icon: L.divIcon({className: "geocrm-cell", html: html,
                        iconSize: [d, d]})}));
            }
            return group;
        })();
        {% endmacro %}
        """
    )

    def __init__(self, rows: list[list[Any]], *, name: str, fill: str) -> None:
        super().__init__(name=name, overlay=True, control=True)
        self._name = "PointCellLayer"
        self.rows = rows
        self.fill = fill
