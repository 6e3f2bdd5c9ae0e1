"""The map's backgrounds: none (the map works offline) or a tile layer (needs the internet).

Keys are what a link carries (``basemap=osm``); ``tiles`` is the folium tile layer's name.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Basemap:
    """A background choice: its label on screen and its folium tiles (None: no tiles)."""

    label: str
    tiles: str | None


#: The choices, the offline one first (the default).
BASEMAPS: dict[str, Basemap] = {
    "none": Basemap("No basemap", None),
    "osm": Basemap("OpenStreetMap", "OpenStreetMap"),
}
DEFAULT_BASEMAP = "none"
