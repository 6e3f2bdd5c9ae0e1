"""The session-state keys more than one module of the app shares, in one place.

A key owned by one page (its own widgets' state) stays in that page.
"""

from __future__ import annotations

#: The filters the sidebar drew on this run (a geo.segments.filters.Filters).
FILTERS_KEY = "geocrm_filters"
#: The area clicked on the map, shown in the area panel.
SELECTED_AREA_KEY = "geocrm_selected_area"
#: The drawn selection (a tuple of geo.places.shapes.Shape), shared by the map and the filters.
SHAPES_KEY = "geocrm_shapes"
#: Messages about parts of a link or saved segment that could not be used.
LINK_PROBLEMS_KEY = "geocrm_link_problems"
#: A segment to show on the next run (see ui.sidebar.open_segment).
PENDING_KEY = "geocrm_pending_segment"
#: Set once the session's widgets have taken the link's filters.
LINK_READ_KEY = "geocrm_link_read"
#: This run's user and scope (a ui.access.Access), set by app.py before any page runs.
ACCESS_KEY = "geocrm_access"
