"""Serve the app, with its libraries imported before the first visitor arrives.

``python -m ui.serve app.py [streamlit options]`` is ``streamlit run`` after importing
what every page needs (pandas, geopandas, shapely, folium, DuckDB, mapclassify and GeoCRM's
core), so the first visit does not wait for seconds of imports.
"""

from __future__ import annotations

import sys

# The map's class breaks: geo.maps.classes imports it on first use, and it loads SciPy and
# scikit-learn (seconds).
import mapclassify  # noqa: F401
from streamlit.web import cli

# Only modules that do not touch Streamlit: a component declared before the server's runtime
# exists would be registered where the server never looks for it.
import geo.imports.runner
import geo.maps.area_map
import geo.present.exports
import geo.segments.area_kpis  # noqa: F401


def main() -> None:
    sys.argv = ["streamlit", "run", *sys.argv[1:]]
    cli.main()


if __name__ == "__main__":
    main()
