"""Showing a folium map in Streamlit with every script and style served by the app.

st_folium hands lists of CDN links to its component; we rewrite them, at that one place, to
the local copies in ``static/vendor`` (see geo.maps.assets), so the map paints offline.
"""

from __future__ import annotations

from typing import Any

import folium
import streamlit as st
import streamlit_folium

from geo.maps.assets import rewrite_asset_url

_original_component = streamlit_folium._component_func


def _local(url: str) -> str:
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return "/" + (f"{base}/" if base else "") + rewrite_asset_url(url)


def _component_with_local_assets(*args: Any, **kwargs: Any) -> Any:
    kwargs["css_links"] = [_local(u) for u in kwargs.get("css_links", [])]
    kwargs["js_links"] = [_local(u) for u in kwargs.get("js_links", [])]
    return _original_component(*args, **kwargs)


streamlit_folium._component_func = _component_with_local_assets


def show_map(
    fmap: folium.Map,
    *,
    key: str,
    height: int,
    returned_objects: list[str],
    layers: folium.FeatureGroup | None = None,
) -> dict[str, Any]:
    """Render ``fmap``; only ``returned_objects`` come back (so panning does not rerun).

    ``layers`` are swapped on the live map when they change, without rebuilding it (so the
    map stays where the user put it); the last value that came back is also kept in
    ``st.session_state[key]``, readable before the map is drawn again.
    """
    out = streamlit_folium.st_folium(
        fmap,
        key=key,
        height=height,
        use_container_width=True,
        returned_objects=returned_objects,
        feature_group_to_add=layers,
    )
    return out or {}
