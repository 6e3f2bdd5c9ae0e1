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
from folium.plugins import FastMarkerCluster


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


class PointClusterLayer(FastMarkerCluster, RenderOnce):
    """folium.plugins.FastMarkerCluster, rendered once (see the module docstring)."""
