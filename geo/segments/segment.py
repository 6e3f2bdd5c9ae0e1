"""A segment: every filter criterion, drawn shapes, a name and a map position, as one value.

A segment travels as JSON (saved segments), as URL query parameters (a shared link) and as
command-line flags, and reads back to the same value. Reading is forgiving but never
silent: a criterion that cannot be used (an unknown area, a date that is not a date, an
unreadable shape, a reversed range, an oversized or repeated value, broken JSON) is dropped,
the reader says which parameter and why, and the rest of the segment still applies. A
segment's criteria are exactly :class:`geo.segments.filters.Filters`.

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
from geo.places.shapes import Shape, ShapeError
from geo.schema import CONTACT_STATUSES, KINDS, RISK_BANDS, SEGMENTS
from geo.segments.filters import Filters

#: The query parameter of the map position: "lat,lon,zoom".
VIEW_PARAM = "view"
#: The query parameter of the metric the areas are coloured by (the presentation view).
METRIC_PARAM = "metric"
#: The query parameter of the map's background (a key of geo.basemaps.BASEMAPS).
BASEMAP_PARAM = "basemap"
#: Parameters that take one value; given twice with different values they are dropped.
SINGLE_VALUED = ("level", "kind", "from", "to", "value_min", "value_max", VIEW_PARAM,
                 "name", METRIC_PARAM, BASEMAP_PARAM)  # fmt: skip
#: Longest value a link parameter may have, in characters (a drawn polygon of some hundred
#: vertices fits); a longer one is dropped.
MAX_VALUE_CHARS = 20_000
#: Most values one parameter may repeat (areas of a level); more and it is dropped.
MAX_VALUES = 5_000
#: How much of a dropped value a note quotes, in characters.
QUOTED_CHARS = 60


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
class Known:
    """What the database holds, to check a segment against: levels and their area IDs,
    and (when given) the owners and the metric keys; ``None`` leaves those unchecked."""

    areas_by_level: Mapping[str, frozenset[str]] = field(default_factory=dict)
    owners: frozenset[str] | None = None
    metrics: frozenset[str] | None = None

    @property
    def levels(self) -> list[str]:
        return list(self.areas_by_level)


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


def _one(values: Sequence[str]) -> str:
    return values[0] if values else ""


def _quoted(values: Sequence[str]) -> str:
    text = ", ".join(values)
    return text if len(text) <= QUOTED_CHARS else text[:QUOTED_CHARS] + " …"


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
                f"{key} '{_quoted(values)}' was ignored: the link gives {len(values)} "
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
    kept: dict[str, Any] = {}

    def take(key: str, parse: Callable[[Sequence[str]], Any], what: str) -> None:
        values = usable.get(key)
        if not values:
            return
        try:
            kept[key] = parse(values)
        except (ValueError, TypeError, OverflowError) as exc:
            problems.append(f"{what} '{_quoted(values)}' was ignored (parameter {key}): {exc}")

    def level(values: Sequence[str]) -> str:
        if known is not None and values[0] not in known.areas_by_level:
            raise ValueError(f"no such level (known: {', '.join(known.levels) or 'none'})")
        return values[0]

    def choice(options: Sequence[str]) -> Callable[[Sequence[str]], tuple[str, ...]]:
        def parse(values: Sequence[str]) -> tuple[str, ...]:
            bad = [v for v in values if v not in options]
            if bad:
                raise ValueError(f"use {', '.join(options)}")
            return tuple(dict.fromkeys(values))

        return parse

    def owners(values: Sequence[str]) -> tuple[str, ...]:
        if known is None or known.owners is None:
            return tuple(dict.fromkeys(values))
        unknown = [v for v in values if v not in known.owners]
        if unknown:
            problems.append(
                f"owner '{_quoted(unknown)}' was ignored (parameter owner): no such owner"
            )
        return tuple(dict.fromkeys(v for v in values if v in known.owners))

    def day(values: Sequence[str]) -> date:
        return date.fromisoformat(_one(values))

    def amount(values: Sequence[str]) -> float:
        value = float(_one(values))
        if not math.isfinite(value) or value < 0:
            raise ValueError("use a positive number")
        return value

    def shapes(values: Sequence[str]) -> tuple[Shape, ...]:
        out = []
        for text in values:
            try:
                out.append(Shape.from_text(text))
            except ShapeError as exc:
                problems.append(f"shape '{_quoted([text])}' was ignored (parameter shape): {exc}")
        return tuple(out)

    def metric(values: Sequence[str]) -> str:
        if known is not None and known.metrics is not None and values[0] not in known.metrics:
            raise ValueError("no such metric")
        return values[0]

    def basemap(values: Sequence[str]) -> str:
        if values[0] not in BASEMAPS:
            raise ValueError(f"use {' or '.join(BASEMAPS)}")
        return values[0]

    take("level", level, "level")
    take("kind", lambda v: choice(KINDS)(v)[0], "who")
    take("owner", owners, "owner")
    take("from", day, "start date")
    take("to", day, "end date")
    take("rfm", choice(SEGMENTS), "RFM segment")
    take("risk", choice(RISK_BANDS), "churn risk")
    take("value_min", amount, "lowest lifetime revenue")
    take("value_max", amount, "highest lifetime revenue")
    take("shape", shapes, "shapes")
    take("contact", choice(CONTACT_STATUSES), "contact timing")
    take(VIEW_PARAM, lambda v: MapView.from_text(_one(v)), "map position")
    take(METRIC_PARAM, metric, "metric")
    take(BASEMAP_PARAM, basemap, "basemap")
    area_ids = tuple(dict.fromkeys(usable.get("area", [])))
    lvl = kept.get("level")
    if area_ids and known is not None and lvl is not None:
        allowed = known.areas_by_level.get(lvl, frozenset())
        unknown = [a for a in area_ids if a not in allowed]
        if unknown:
            problems.append(
                f"area {_quoted(unknown[:5])} was ignored (parameter area): "
                f"not an area of level '{lvl}'"
            )
        area_ids = tuple(a for a in area_ids if a in allowed)
    elif area_ids and lvl is None:
        problems.append("areas were ignored (parameter area): the link names no level")
        area_ids = ()
    date_from, date_to = _ordered(kept.get("from"), kept.get("to"), "from", "to", problems)
    value_min, value_max = _ordered(
        kept.get("value_min"), kept.get("value_max"), "value_min", "value_max", problems
    )
    filters = Filters(
        level=lvl,
        area_ids=area_ids,
        kind=kept.get("kind"),
        owners=kept.get("owner", ()),
        date_from=date_from,
        date_to=date_to,
        segments=kept.get("rfm", ()),
        risk_bands=kept.get("risk", ()),
        value_min=value_min,
        value_max=value_max,
        shapes=kept.get("shape", ()),
        contact=kept.get("contact", ()),
    )
    name = _one(usable.get("name", [])) or None
    segment = Segment(
        filters,
        name=name,
        view=kept.get(VIEW_PARAM),
        metric=kept.get(METRIC_PARAM),
        basemap=kept.get(BASEMAP_PARAM),
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
