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
    """Where a local copy comes from: an npm package folder and a path in it."""

    package_dir: str
    version: str
    path: str
    local_name: str

    @property
    def local_path(self) -> str:
        return f"{self.local_name}@{self.version}/{self.path}"


def _npm(package: str, version: str, path: str) -> VendorFile:
    return VendorFile(package, version, path, package)


#: Only what the app's map asks for: Leaflet, and the drawing and full-screen plugins (the map
#: drops folium's default jQuery, Bootstrap and icon fonts; see geo.maps.area_map).
ASSETS: dict[str, VendorFile] = {
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": _npm(
        "leaflet", "1.9.3", "dist/leaflet.js"
    ),
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css": _npm(
        "leaflet", "1.9.3", "dist/leaflet.css"
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
}

#: Folders and files copied beside the files above (images their CSS names).
VENDOR_FOLDERS: tuple[VendorFile, ...] = (
    _npm("leaflet", "1.9.3", "dist/images"),
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
