"""Serve the app, with its libraries imported before the first visitor arrives.

``python -m ui.serve app.py [streamlit options]`` is ``streamlit run`` after importing
what the pages need (pandas, geopandas, shapely, folium, altair, DuckDB,
GeoCRM's core and the app's own Streamlit glue), so the first visit to any page does not
wait for seconds of imports.
"""

from __future__ import annotations

import importlib
import logging
import sys

import altair  # noqa: F401  # the charts of every page but the map (0.7 s)
import folium.plugins  # noqa: F401  # what streamlit_folium imports (0.2-0.6 s)
from streamlit import delta_generator
from streamlit.web import cli

# GeoCRM's core, as the pages use it.
import geo.access.audit
import geo.analytics.churn_backtest
import geo.analytics.database_contents
import geo.analytics.place_finder
import geo.demo.database
import geo.imports.guide
import geo.imports.runner
import geo.maps.area_map
import geo.maps.assets
import geo.maps.framing
import geo.maps.point_layers
import geo.present.exports
import geo.present.help_text
import geo.present.target_list
import geo.segments.area_kpis  # noqa: F401

#: The app's glue, imported before serving. Not ui.folium_view (nor the pages, which
#: import it): a component declared before the server's runtime exists would be registered
#: where the server never looks. These declare only cached functions, whose caches are made
#: in the runtime's storage when first called.
GLUE = (
    "ui.access",
    "ui.busy",
    "ui.charts",
    "ui.customer_finder",
    "ui.inert_text",
    "ui.page_style",
    "ui.permissions",
    "ui.sidebar",
    "ui.state",
    "ui.tables",
    "ui.user_admin",
    "ui.widgets",
)


def skip_the_repl_check() -> None:
    """Streamlit asks, once per process before the first element is sent, whether it runs
    in a Python REPL, by walking the stack and finding every frame's source file (0.7 s of
    the first visit). We are ``streamlit run``, so the answer is known."""
    delta_generator._use_warning_has_been_displayed = True


def import_glue() -> None:
    """Import :data:`GLUE`, without Streamlit's note (once per cached function) that no
    runtime exists yet to check the caches' options against."""
    checker = logging.getLogger("streamlit.runtime.caching.cache_data_api")
    level = checker.level
    checker.setLevel(logging.ERROR)
    try:
        for name in GLUE:
            importlib.import_module(name)
    finally:
        checker.setLevel(level)


def main() -> None:
    import_glue()
    skip_the_repl_check()
    sys.argv = ["streamlit", "run", *sys.argv[1:]]
    cli.main()


if __name__ == "__main__":
    main()
