"""Text from data made inert for maps.

folium writes tooltip and popup text into JavaScript template literals, and GeoJsonTooltip
inserts values with innerHTML. HTML escaping alone still lets ``${...}`` run and a backtick
end the literal, and a backslash (``\\u``, ``\\x``) breaks the whole script. So besides
``& < > " '`` we turn backtick, dollar and backslash into HTML character references, which
the browser shows as the characters themselves.
"""

from __future__ import annotations

import html
import math
from typing import Any

_EXTRA = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;"})


def to_map_text(value: Any) -> str:
    """Text safe to place in folium HTML and JavaScript template literals."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value), quote=True).translate(_EXTRA)
