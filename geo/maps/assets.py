"""Map scripts and styles served locally: one exact table from CDN URL to local file.

folium and streamlit-folium name their JavaScript and CSS by CDN URLs. GeoCRM serves the
same files itself (``static/vendor/``, filled from pinned npm packages at install time), so
maps render with no internet. Any URL the table does not know raises ``UnknownAssetError``,
so a library upgrade can never silently fall back to a CDN.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path

import folium

from geo.shipped_files import VENDOR_DIR

#: URL prefix under which Streamlit serves ``static/`` (relative: works under a base path).
SERVED_PREFIX = "app/static/vendor/"


class UnknownAssetError(LookupError):
    """A map asset URL that has no local copy."""


@dataclass(frozen=True)
class VendorFile:
    """Where a local copy comes from: an npm package folder (or ``folium``) and a path in it."""

    package_dir: str
    version: str
    path: str
    local_name: str

    @property
    def local_path(self) -> str:
        return f"{self.local_name}@{self.version}/{self.path}"


def _npm(package: str, version: str, path: str, folder: str | None = None) -> VendorFile:
    return VendorFile(folder or package, version, path, package)


ASSETS: dict[str, VendorFile] = {
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": _npm(
        "leaflet", "1.9.3", "dist/leaflet.js"
    ),
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css": _npm(
        "leaflet", "1.9.3", "dist/leaflet.css"
    ),
    "https://code.jquery.com/jquery-3.7.1.min.js": _npm("jquery", "3.7.1", "dist/jquery.min.js"),
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js": _npm(
        "bootstrap", "5.2.2", "dist/js/bootstrap.bundle.min.js"
    ),
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css": _npm(
        "bootstrap", "5.2.2", "dist/css/bootstrap.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js": _npm(  # noqa: E501
        "drmonty-leaflet-awesome-markers", "2.0.2", "js/leaflet.awesome-markers.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css": _npm(  # noqa: E501
        "drmonty-leaflet-awesome-markers", "2.0.2", "css/leaflet.awesome-markers.css"
    ),
    "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css": _npm(
        "glyphicons-only-bootstrap", "1.0.1", "css/bootstrap.min.css"
    ),
    "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css": _npm(
        "@fortawesome/fontawesome-free", "6.2.0", "css/all.min.css"
    ),
    "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/leaflet.awesome.rotate.min.css": VendorFile(  # noqa: E501
        "folium", "0", "leaflet.awesome.rotate.min.css", "folium"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/leaflet.markercluster.js": _npm(  # noqa: E501
        "leaflet.markercluster", "1.1.0", "dist/leaflet.markercluster.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.css": _npm(
        "leaflet.markercluster", "1.1.0", "dist/MarkerCluster.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.Default.css": _npm(  # noqa: E501
        "leaflet.markercluster", "1.1.0", "dist/MarkerCluster.Default.css"
    ),
    "https://cdn.jsdelivr.net/gh/python-visualization/folium@main/folium/templates/leaflet_heat.min.js": VendorFile(  # noqa: E501
        "folium", "0", "leaflet_heat.min.js", "folium"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.draw/1.0.2/leaflet.draw.js": _npm(
        "leaflet-draw", "1.0.2", "dist/leaflet.draw.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.draw/1.0.2/leaflet.draw.css": _npm(
        "leaflet-draw", "1.0.2", "dist/leaflet.draw.css"
    ),
    "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.min.js": _npm(
        "leaflet.fullscreen", "3.0.0", "Control.FullScreen.js"
    ),
    "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.css": _npm(
        "leaflet.fullscreen", "3.0.0", "Control.FullScreen.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js": _npm("d3", "3.5.5", "d3.min.js"),
    "https://d3js.org/d3.v3.min.js": _npm("d3", "3.5.5", "d3.min.js"),
    "https://d3js.org/d3.v4.min.js": _npm("d3", "4.13.0", "build/d3.min.js", folder="d3-v4"),
}

#: Folders and files copied beside the files above (images and fonts their CSS names).
VENDOR_FOLDERS: tuple[VendorFile, ...] = (
    _npm("leaflet", "1.9.3", "dist/images"),
    _npm("@fortawesome/fontawesome-free", "6.2.0", "webfonts"),
    _npm("leaflet-draw", "1.0.2", "dist/images"),
    _npm("leaflet.fullscreen", "3.0.0", "icon-fullscreen.svg"),  # the button's icon
)


def rewrite_asset_url(url: str) -> str:
    """The local URL (relative to the app's root) for a CDN asset URL."""
    try:
        return SERVED_PREFIX + ASSETS[url].local_path
    except KeyError:
        raise UnknownAssetError(
            f"no local copy of map asset {url}: add it to ASSETS in geo/maps/assets.py"
        ) from None


def list_map_assets(fmap: folium.Map) -> list[str]:
    """Every script and stylesheet URL the rendered map page asks for, in order."""
    html = fmap.get_root().render()
    urls = re.findall(r'<script src="([^"]+)"', html) + re.findall(
        r'<link rel="stylesheet" href="([^"]+)"', html
    )
    return list(dict.fromkeys(urls))


def local_file(url: str) -> Path:
    """The vendored file for an asset URL (after ``make install``)."""
    rewrite_asset_url(url)
    return VENDOR_DIR / ASSETS[url].local_path


def _inline_css_urls(css: str, base: Path) -> str:
    def to_data_uri(match: re.Match[str]) -> str:
        ref = match.group(2).split("?")[0].split("#")[0]
        if ref.startswith("data:"):
            return match.group(0)
        target = (base / ref).resolve()
        if not target.is_file() or not target.is_relative_to(VENDOR_DIR.resolve()):
            return "url()"
        mime = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        data = base64.b64encode(target.read_bytes()).decode("ascii")
        return f"url(data:{mime};base64,{data})"

    return re.sub(r"url\((['\"]?)([^'\")]+)\1\)", to_data_uri, css)


def build_standalone_html(fmap: folium.Map) -> str:
    """The map as one HTML file that opens offline: scripts and styles inlined."""
    html = fmap.get_root().render()

    def script(match: re.Match[str]) -> str:
        body = local_file(match.group(1)).read_text(encoding="utf-8")
        return "<script>" + body.replace("</script", "<\\/script") + "</script>"

    def style(match: re.Match[str]) -> str:
        path = local_file(match.group(1))
        css = _inline_css_urls(path.read_text(encoding="utf-8"), path.parent)
        return "<style>" + css.replace("</style", "<\\/style") + "</style>"

    html = re.sub(r'<script src="([^"]+)"></script>', script, html)
    return re.sub(r'<link rel="stylesheet" href="([^"]+)"\s*/?>', style, html)
