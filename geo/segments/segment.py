"""A segment: every filter criterion, drawn shapes, a name and a map position, as one value.

A segment travels as JSON (saved segments), as URL query parameters (a shared link) and as
command-line flags, and reads back to the same value. Reading is forgiving but never
silent: a criterion that cannot be used (an unknown area, a date that is not a date, an
unreadable shape, a reversed range, an oversized or repeated value, broken JSON) is dropped,
the reader says which parameter and why, and the rest of the segment still applies. A
segment's criteria are exactly :class:`geo.segments.filters.Filters`, and each is read and
written as its declaration in that table says.

:func:`segment_from_query` is the one reader of a link: every page (the sidebar, the map's
position, the presentation view) takes the link's filters from it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from geo.basemaps import BASEMAPS
from geo.segments.criteria import Known, Reading, quoted
from geo.segments.filters import CRITERIA, Filters

#: The query parameter of the map position: "lat,lon,zoom".
VIEW_PARAM = "view"
#: The query parameter of the metric the areas are coloured by (the presentation view).
METRIC_PARAM = "metric"
#: The query parameter of the map's background (a key of geo.basemaps.BASEMAPS).
BASEMAP_PARAM = "basemap"
#: Parameters that take one value; given twice with different values they are dropped.
SINGLE_VALUED = (
    *(c.param for _, c in CRITERIA if not c.many),
    VIEW_PARAM,
    "name",
    METRIC_PARAM,
    BASEMAP_PARAM,
)
#: Longest value a link parameter may have, in characters (a drawn polygon of some hundred
#: vertices fits); a longer one is dropped.
MAX_VALUE_CHARS = 20_000
#: Most values one parameter may repeat (areas of a level); more and it is dropped.
MAX_VALUES = 5_000


@dataclass(frozen=True)
class MapView:
    """Where the map looks: centre latitude and longitude (degrees) and zoom level."""

    lat: float
    lon: float
    zoom: float

    def to_text(self) -> str:
        return f"{self.lat:.5f},{self.lon:.5f},{self.zoom:g}"

    @classmethod
    def from_text(cls, text: str) -> MapView:
        parts = text.split(",")
        if len(parts) != 3:
            raise ValueError("view: write latitude,longitude,zoom")
        lat, lon, zoom = (float(p) for p in parts)
        if not all(math.isfinite(v) for v in (lat, lon, zoom)) or not (
            -90 <= lat <= 90 and -180 <= lon <= 180 and 0 <= zoom <= 22
        ):
            raise ValueError(f"view {text} is outside the map")
        return cls(lat, lon, zoom)


@dataclass(frozen=True)
class Segment:
    """Filters plus an optional name, map position, metric (key of
    :data:`geo.analytics.area_metrics.METRICS`) and basemap (key of
    :data:`geo.basemaps.BASEMAPS`)."""

    filters: Filters = field(default_factory=Filters)
    name: str | None = None
    view: MapView | None = None
    metric: str | None = None
    basemap: str | None = None

    def to_query(self) -> dict[str, list[str]]:
        """URL query parameters: the filters' parameters, plus ``view`` (and ``name``)."""
        params = self.filters.to_query()
        if self.view is not None:
            params[VIEW_PARAM] = [self.view.to_text()]
        if self.name:
            params["name"] = [self.name]
        if self.metric:
            params[METRIC_PARAM] = [self.metric]
        if self.basemap:
            params[BASEMAP_PARAM] = [self.basemap]
        return params

    def to_json(self) -> str:
        """The same content as :meth:`to_query`, as a JSON object (saved segments)."""
        return json.dumps(self.to_query(), sort_keys=True)

    def describe(self, area_names: Mapping[str, str] | None = None) -> str:
        return self.filters.describe(area_names)


#: Each criterion by its field name.
CRITERIA_BY_NAME = dict(CRITERIA)


def _one(values: Sequence[str]) -> str:
    return values[0] if values else ""


def _usable_values(
    params: Mapping[str, Sequence[str]], problems: list[str]
) -> dict[str, list[str]]:
    """Each parameter's non-empty values; oversized, too many or conflicting repeats of a
    one-value parameter dropped, said so."""
    usable: dict[str, list[str]] = {}
    for key, raw in params.items():
        values = [str(v) for v in raw if str(v) != ""]
        if not values:
            continue
        longest = max(len(v) for v in values)
        if longest > MAX_VALUE_CHARS:
            problems.append(
                f"{key} was ignored: a value of {longest:,} characters is too long "
                f"(at most {MAX_VALUE_CHARS:,})"
            )
        elif len(values) > MAX_VALUES:
            problems.append(
                f"{key} was ignored: {len(values):,} values are too many (at most {MAX_VALUES:,})"
            )
        elif key in SINGLE_VALUED and len(set(values)) > 1:
            problems.append(
                f"{key} '{quoted(values)}' was ignored: the link gives {len(values)} "
                "different values and takes one"
            )
        else:
            usable[key] = values[:1] if key in SINGLE_VALUED else values
    return usable


def segment_from_query(
    params: Mapping[str, Sequence[str]], known: Known | None = None
) -> tuple[Segment, list[str]]:
    """A segment from query parameters (a link) and what could not be used, one line each,
    naming the parameter.

    ``known`` (levels and their areas, owners, metrics) lets unknown ones be dropped with
    a message; without it they are kept as written.
    """
    problems: list[str] = []
    usable = _usable_values(params, problems)
    reading = Reading(known, {}, problems)
    for name, criterion in CRITERIA:
        values = usable.get(criterion.param)
        if not values:
            continue
        try:
            reading.kept[name] = criterion.read(values, reading)
        except (ValueError, TypeError, OverflowError) as exc:
            problems.append(
                f"{criterion.what} '{quoted(values)}' was ignored "
                f"(parameter {criterion.param}): {exc}"
            )
    for name, criterion in CRITERIA:
        if criterion.upper is not None:
            upper = CRITERIA_BY_NAME[criterion.upper]
            reading.kept[name], reading.kept[criterion.upper] = _ordered(
                reading.kept.get(name),
                reading.kept.get(criterion.upper),
                criterion.param,
                upper.param,
                problems,
            )
    filters = Filters(**{k: v for k, v in reading.kept.items() if v is not None})
    extras: dict[str, Any] = {}

    def take(key: str, parse: Callable[[Sequence[str]], Any], what: str) -> None:
        values = usable.get(key)
        if not values:
            return
        try:
            extras[key] = parse(values)
        except (ValueError, TypeError, OverflowError) as exc:
            problems.append(f"{what} '{quoted(values)}' was ignored (parameter {key}): {exc}")

    def metric(values: Sequence[str]) -> str:
        if known is not None and known.metrics is not None and values[0] not in known.metrics:
            raise ValueError("no such metric")
        return values[0]

    def basemap(values: Sequence[str]) -> str:
        if values[0] not in BASEMAPS:
            raise ValueError(f"use {' or '.join(BASEMAPS)}")
        return values[0]

    take(VIEW_PARAM, lambda v: MapView.from_text(_one(v)), "map position")
    take(METRIC_PARAM, metric, "metric")
    take(BASEMAP_PARAM, basemap, "basemap")
    segment = Segment(
        filters,
        name=_one(usable.get("name", [])) or None,
        view=extras.get(VIEW_PARAM),
        metric=extras.get(METRIC_PARAM),
        basemap=extras.get(BASEMAP_PARAM),
    )
    return segment, problems


def _ordered(
    low: Any, high: Any, low_key: str, high_key: str, problems: list[str]
) -> tuple[Any, Any]:
    """A range's two ends, or neither when the low end is above the high end (said so)."""
    if low is not None and high is not None and low > high:
        what, order = ("date", "after") if isinstance(low, date) else ("value", "above")
        problems.append(
            f"{what} range is empty: {low_key} {low} is {order} {high_key} {high}; "
            f"both were ignored (parameters {low_key}, {high_key})"
        )
        return None, None
    return low, high


def segment_from_json(text: str, known: Known | None = None) -> tuple[Segment, list[str]]:
    """A segment from its JSON (see :meth:`Segment.to_json`); broken JSON gives the empty
    segment (no filter) and says why."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, TypeError) as exc:
        return Segment(), [f"the segment could not be read ({exc}); no filter applied"]
    if not isinstance(data, dict):
        return Segment(), ["the segment is not a JSON object; no filter applied"]
    params = {
        str(k): [str(x) for x in (v if isinstance(v, list) else [v])] for k, v in data.items()
    }
    return segment_from_query(params, known)
