"""A segment: every filter criterion, drawn shapes, a name and a map position, as one value.

A segment travels as JSON (saved segments), as URL query parameters (a shared link) and as
command-line flags, and reads back to the same value. Reading is forgiving but never
silent: a criterion that cannot be used (an unknown area, a date that is not a date, an
unreadable shape, broken JSON) is dropped, the reader says which and why, and the rest of
the segment still applies. A segment's criteria are exactly :class:`geo.filters.Filters`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from geo.filters import Filters
from geo.schema import CONTACT_STATUSES, KINDS, RISK_BANDS, SEGMENTS
from geo.shapes import Shape, ShapeError

#: The query parameter of the map position: "lat,lon,zoom".
VIEW_PARAM = "view"


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
        if not (-90 <= lat <= 90 and -180 <= lon <= 180 and 0 <= zoom <= 22) or not all(
            math.isfinite(v) for v in (lat, lon, zoom)
        ):
            raise ValueError(f"view {text} is outside the map")
        return cls(lat, lon, zoom)


@dataclass(frozen=True)
class Known:
    """What the database holds, to check a segment against: levels and their area IDs."""

    areas_by_level: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @property
    def levels(self) -> list[str]:
        return list(self.areas_by_level)


@dataclass(frozen=True)
class Segment:
    """Filters plus an optional name and map position."""

    filters: Filters = field(default_factory=Filters)
    name: str | None = None
    view: MapView | None = None

    def to_query(self) -> dict[str, list[str]]:
        """URL query parameters: the filters' parameters, plus ``view`` (and ``name``)."""
        params = self.filters.to_query()
        if self.view is not None:
            params[VIEW_PARAM] = [self.view.to_text()]
        if self.name:
            params["name"] = [self.name]
        return params

    def to_json(self) -> str:
        """The same content as :meth:`to_query`, as a JSON object (saved segments)."""
        return json.dumps(self.to_query(), sort_keys=True)

    def describe(self, area_names: Mapping[str, str] | None = None) -> str:
        return self.filters.describe(area_names)


def _one(values: Sequence[str]) -> str:
    return values[0] if values else ""


def segment_from_query(
    params: Mapping[str, Sequence[str]], known: Known | None = None
) -> tuple[Segment, list[str]]:
    """A segment from query parameters (a link) and what could not be used, one line each.

    ``known`` (levels and their areas) lets unknown levels and areas be dropped with a
    message; without it they are kept as written.
    """
    problems: list[str] = []
    kept: dict[str, Any] = {}

    def take(key: str, parse: Callable[[Sequence[str]], Any], what: str) -> None:
        values = [str(v) for v in params.get(key, []) if str(v) != ""]
        if not values:
            return
        try:
            kept[key] = parse(values)
        except (ValueError, TypeError) as exc:
            problems.append(f"{what} '{', '.join(values)[:60]}' was ignored: {exc}")

    def level(values: Sequence[str]) -> str:
        if known is not None and values[0] not in known.areas_by_level:
            raise ValueError(f"no such level (known: {', '.join(known.levels) or 'none'})")
        return values[0]

    def choice(options: Sequence[str]) -> Callable[[Sequence[str]], tuple[str, ...]]:
        def parse(values: Sequence[str]) -> tuple[str, ...]:
            bad = [v for v in values if v not in options]
            if bad:
                raise ValueError(f"use {', '.join(options)}")
            return tuple(values)

        return parse

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
                problems.append(f"shape '{text[:40]}' was ignored: {exc}")
        return tuple(out)

    take("level", level, "level")
    take("kind", lambda v: choice(KINDS)(v)[0], "who")
    take("owner", tuple, "owner")
    take("from", day, "start date")
    take("to", day, "end date")
    take("rfm", choice(SEGMENTS), "RFM segment")
    take("risk", choice(RISK_BANDS), "churn risk")
    take("value_min", amount, "lowest lifetime revenue")
    take("value_max", amount, "highest lifetime revenue")
    take("shape", shapes, "shapes")
    take("contact", choice(CONTACT_STATUSES), "contact timing")
    area_ids = tuple(str(v) for v in params.get("area", []) if str(v))
    lvl = kept.get("level")
    if area_ids and known is not None and lvl is not None:
        allowed = known.areas_by_level.get(lvl, frozenset())
        unknown = [a for a in area_ids if a not in allowed]
        if unknown:
            problems.append(
                f"area {', '.join(unknown[:5])} was ignored: not an area of level '{lvl}'"
            )
        area_ids = tuple(a for a in area_ids if a in allowed)
    elif area_ids and lvl is None:
        problems.append("areas were ignored: the link names no level")
        area_ids = ()
    filters = _valid_filters(
        {
            "level": lvl,
            "area_ids": area_ids,
            "kind": kept.get("kind"),
            "owners": kept.get("owner", ()),
            "date_from": kept.get("from"),
            "date_to": kept.get("to"),
            "segments": kept.get("rfm", ()),
            "risk_bands": kept.get("risk", ()),
            "value_min": kept.get("value_min"),
            "value_max": kept.get("value_max"),
            "shapes": kept.get("shape", ()),
            "contact": kept.get("contact", ()),
        },
        problems,
    )
    view = None
    if params.get(VIEW_PARAM):
        try:
            view = MapView.from_text(_one([str(v) for v in params[VIEW_PARAM]]))
        except ValueError as exc:
            problems.append(f"map position was ignored: {exc}")
    name = _one([str(v) for v in params.get("name", [])]) or None
    return Segment(filters, name=name, view=view), problems


def _valid_filters(values: dict[str, Any], problems: list[str]) -> Filters:
    """Filters from checked parts; a pair that contradicts itself is dropped, said so."""
    try:
        return Filters(**values)
    except ValueError as exc:
        problems.append(f"{exc}: the dates and revenue range were ignored")
        return Filters(
            **{
                **values,
                "date_from": None,
                "date_to": None,
                "value_min": None,
                "value_max": None,
            }
        )


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
