"""The cold-start baseline: a bare Streamlit page with a small folium map (1,000 points)."""

from __future__ import annotations

import folium
import numpy as np
import streamlit as st

from ui.folium_view import show_map

rng = np.random.default_rng(0)
points = {
    "type": "FeatureCollection",
    "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [x, y]}}
        for x, y in zip(rng.uniform(-120, -75, 1000), rng.uniform(30, 47, 1000), strict=True)
    ],
}
fmap = folium.Map(location=[39, -98], zoom_start=4, tiles=None)
# Leaflet only, as on the app's map (the app serves no jQuery, Bootstrap or icon fonts).
fmap.default_js = [(n, u) for n, u in fmap.default_js if n == "leaflet"]
fmap.default_css = [(n, u) for n, u in fmap.default_css if n == "leaflet_css"]
folium.GeoJson(points, marker=folium.CircleMarker(radius=3)).add_to(fmap)
st.title("Baseline")
show_map(fmap, key="bare", height=600, returned_objects=[])
