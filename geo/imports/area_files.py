"""Reading trading-area files: GeoJSON, TopoJSON, zipped Shapefile, GeoPackage, GeoParquet.

Any CRS is reprojected to WGS84 (EPSG:4326). A file that states no CRS is taken as lon/lat
only when every coordinate fits; otherwise the user is asked for its CRS. Invalid
geometries are repaired (``make_valid``, structure method, polygonal parts kept) and
reported; empty and non-polygon geometries, missing and duplicate IDs are rejected.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geo.errors import InputError
from geo.import_report import ImportReport, RowRejections
from geo.imports.table_files import detect_column, require_column
from geo.imports.upload_safety import (
    VECTOR_FORMATS,
    copy_bounded,
    detect_vector_format,
    extract_zip_safely,
)
from geo.schema import AREA_COLUMNS, CRS_WGS84

ID_NAMES = ("area_id", "id", "code", "fips", "geoid", "territory_id", "zone_id")
NAME_NAMES = ("name", "area_name", "label", "territory", "title")
PARENT_NAMES = ("parent_id", "parent")
OWNER_NAMES = ("owner", "sales_rep", "rep")
HOUSEHOLD_NAMES = ("households", "hh")
SHOWN_IDS = 5


def _gdal_layers(path: Path, kind: str) -> list[str]:
    return [str(name) for name, _ in pyogrio.list_layers(f"{VECTOR_FORMATS[kind]}{path}")]


def list_layers(path: Path, display_name: str | None = None) -> list[str]:
    """Layers of a TopoJSON or GeoPackage file ([] for single-layer formats)."""
    source = display_name or path.name
    with tempfile.TemporaryDirectory(prefix="areas-") as tmp:
        copy = copy_bounded(path, Path(tmp), display_name=source)
        kind = detect_vector_format(copy, source)
        if kind in ("topojson", "gpkg"):
            return _gdal_layers(copy, kind)
    return []


def _open_verified(path: Path, layer: str | None = None, kind: str = "") -> gpd.GeoDataFrame:
    """Open a file whose format was verified (detect_vector_format) with that format's driver.

    GeoJSON and TopoJSON are named to GDAL by prefix, which makes it use that driver and no
    other; GeoPackages and Shapefiles were verified by their header and members.
    """
    prefix = VECTOR_FORMATS.get(kind, "")
    return pyogrio.read_dataframe(f"{prefix}{path}", layer=layer)


def _read_frame(
    path: Path, kind: str, layer: str | None, source: str, work_dir: Path | None
) -> tuple[gpd.GeoDataFrame, str | None]:
    if kind == "geoparquet":
        return gpd.read_parquet(path), None
    if kind == "shapefile":
        tmp = Path(tempfile.mkdtemp(prefix="areas-", dir=work_dir))
        try:
            extract_zip_safely(path, tmp, source)
            shp = next(p for p in tmp.rglob("*") if p.suffix.lower() == ".shp")
            frame = _open_verified(shp)
            return frame, None
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    if kind in ("topojson", "gpkg"):
        layers = _gdal_layers(path, kind)
        if layer is None and len(layers) > 1:
            raise InputError(
                f"the file has {len(layers)} layers: {', '.join(layers)}",
                file=source,
                hint="Choose one with --layer",
            )
        if layer is not None and layer not in layers:
            raise InputError(
                f"there is no layer '{layer}'",
                file=source,
                hint=f"The layers are: {', '.join(layers)}",
            )
        layer = layer or (layers[0] if layers else None)
    frame = _open_verified(path, layer, kind)
    return frame, layer


def _column(
    frame: gpd.GeoDataFrame, named: str | None, names: tuple[str, ...], source: str
) -> str | None:
    columns = [c for c in frame.columns if c != "geometry"]
    if named is not None:
        return require_column(named, columns, source)
    return detect_column(columns, names)


def _set_crs(frame: gpd.GeoDataFrame, crs: str | None, source: str) -> gpd.GeoDataFrame:
    """The areas in WGS84 degrees, refused if their coordinates cannot be degrees.

    A CRS given by the user wins over the one the file states: GDAL states WGS84 for every
    GeoJSON, whatever its coordinates are. The check is on the coordinates themselves, after
    reprojection: a longitude beyond ±180 or a latitude beyond ±90 is not degrees.
    """
    stated = frame.crs is not None
    if crs is not None:
        try:
            frame = frame.set_crs(crs, allow_override=True)
        except Exception as exc:  # pyproj's message names the bad code
            raise InputError(
                f"'{crs}' is not a known CRS", file=source, hint="Use a code like EPSG:27700"
            ) from exc
    elif not stated:
        frame = frame.set_crs(CRS_WGS84)
    frame = frame.to_crs(CRS_WGS84)
    x0, y0, x1, y1 = frame.total_bounds
    if np.isnan([x0, y0, x1, y1]).any():  # no geometry at all: rejected feature by feature
        return frame
    if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
        reach = max(abs(v) for v in (x0, y0, x1, y1))
        reach_text = f"{reach:,.0f}" if np.isfinite(reach) else "infinity"
        if crs is not None:
            raise InputError(
                f"in {crs}, the coordinates reach {reach_text} degrees once converted",
                file=source,
                hint="Check the CRS: it is not the file's",
            )
        what = "the file states no CRS and its" if not stated else "the"
        raise InputError(
            f"{what} coordinates reach {reach_text} — not degrees; the file's CRS is "
            "probably projected",
            file=source,
            hint="Give it with --crs EPSG:xxxx (e.g. --crs EPSG:27700 or EPSG:3857)",
        )
    return frame


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Keep only the polygonal parts of each geometry (make_valid can add lines/points)."""
    out = geoms.copy()
    types = shapely.get_type_id(out)
    collections = np.flatnonzero(types == shapely.GeometryType.GEOMETRYCOLLECTION)
    for i in collections:
        parts = [
            p
            for p in shapely.get_parts(out[i])
            if shapely.get_type_id(p)
            in (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)
        ]
        out[i] = shapely.union_all(parts) if parts else shapely.Polygon()
    return out


def read_areas(
    path: Path,
    *,
    layer: str | None = None,
    id_col: str | None = None,
    name_col: str | None = None,
    parent_col: str | None = None,
    owner_col: str | None = None,
    households_col: str | None = None,
    level: str | None = None,
    crs: str | None = None,
    display_name: str | None = None,
    work_dir: Path | None = None,
) -> tuple[gpd.GeoDataFrame, ImportReport]:
    """Read one level of areas: canonical AREA_COLUMNS in EPSG:4326, and the import report."""
    source = display_name or path.name
    if work_dir is not None:
        work_dir.mkdir(parents=True, exist_ok=True)
    # GDAL and SQLite read a bounded private copy: a regular file that cannot grow, or
    # become a pipe or a device, while they read it.
    with tempfile.TemporaryDirectory(prefix="areas-", dir=work_dir) as tmp:
        copy = copy_bounded(path, Path(tmp), display_name=source)
        kind = detect_vector_format(copy, source)
        try:
            frame, used_layer = _read_frame(copy, kind, layer, source, Path(tmp))
        except InputError:
            raise
        except Exception as exc:  # GDAL's messages are all we have here
            raise InputError(f"the file cannot be read ({exc})", file=source) from exc
    report = ImportReport(source=source, table="areas", rows_read=len(frame))
    frame = _set_crs(frame, crs, source)
    ids_col = _column(frame, id_col, ID_NAMES, source)
    if ids_col is None:
        raise InputError(
            "no area ID column found (tried " + ", ".join(ID_NAMES) + ")",
            file=source,
            hint="Name it with --id-col",
        )
    names_col = _column(frame, name_col, NAME_NAMES, source)
    parents_col = _column(frame, parent_col, PARENT_NAMES, source)
    owners_col = _column(frame, owner_col, OWNER_NAMES, source)
    hh_col = _column(frame, households_col, HOUSEHOLD_NAMES, source)

    def text(col: str | None) -> pd.Series:
        if col is None:
            return pd.Series(None, index=frame.index, dtype=object)
        values = frame[col]
        as_text = values.map(
            lambda v: (
                None
                if v is None or (isinstance(v, float) and np.isnan(v))
                else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip())
            )
        )
        return as_text.where(as_text != "", None).astype(object)

    ids = text(ids_col)
    geoms = frame.geometry.to_numpy()
    rows = pd.Series(np.arange(1, len(frame) + 1), index=frame.index)
    rejections = RowRejections(frame.index)
    reject = rejections.reject
    named = [c for c in dict.fromkeys((ids_col, names_col, parents_col, owners_col)) if c]
    rejections.reject_long_text(pd.DataFrame({c: text(c) for c in named}), named)

    reject(ids.isna().to_numpy(), "missing_area_id", ids_col, "the area has no ID")
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    reject(empty, "empty_geometry", "geometry", "the area has no geometry")
    types = shapely.get_type_id(geoms)
    polygonal = np.isin(
        types,
        [
            shapely.GeometryType.POLYGON,
            shapely.GeometryType.MULTIPOLYGON,
            shapely.GeometryType.GEOMETRYCOLLECTION,
        ],
    )
    reject(~polygonal & ~empty, "not_polygon", "geometry", "an area must be a polygon")
    dup = ids.notna() & ids.duplicated(keep="first")
    reject(dup, "duplicate_area_id", ids_col, "the ID appears on an earlier feature")
    if dup.any():
        report.warnings.append(
            f"{int(dup.sum())} features repeat an earlier area ID and were rejected "
            f"({', '.join(ids[dup].head(SHOWN_IDS))})"
        )

    ok = rejections.ok.to_numpy()
    kept_geoms = geoms[ok]
    invalid = ~shapely.is_valid(kept_geoms)
    if invalid.any():
        kept_geoms[invalid] = _polygonal(
            shapely.make_valid(kept_geoms[invalid], method="structure", keep_collapsed=False)
        )
        bad_ids = ids[ok][invalid]
        report.repaired = [str(i) for i in bad_ids]
        report.warnings.append(
            f"{int(invalid.sum())} invalid geometries were repaired "
            f"({', '.join(bad_ids.head(SHOWN_IDS))}{', ...' if invalid.sum() > SHOWN_IDS else ''})"
        )
    still_empty = shapely.is_empty(kept_geoms)
    if still_empty.any():
        idx = np.flatnonzero(ok)[still_empty]
        ok_series = pd.Series(False, index=frame.index)
        ok_series.iloc[idx] = True
        reject(ok_series, "empty_geometry", "geometry", "nothing was left after repair")
        ok = rejections.ok.to_numpy()
        kept_geoms = kept_geoms[~still_empty]

    households = (
        pd.to_numeric(frame[hh_col], errors="coerce")
        if hh_col
        else pd.Series(np.nan, index=frame.index)
    )
    level_name = level or used_layer or Path(source).stem
    out = gpd.GeoDataFrame(
        {
            "area_id": ids[ok].to_numpy(),
            "name": text(names_col)[ok].fillna(ids[ok]).to_numpy() if names_col else ids[ok],
            "level": level_name,
            "parent_id": text(parents_col)[ok].to_numpy(),
            "owner": text(owners_col)[ok].to_numpy(),
            "households": households[ok].astype("float64").to_numpy(),
        },
        geometry=kept_geoms,
        crs=CRS_WGS84,
    )[list(AREA_COLUMNS)].reset_index(drop=True)

    attributes = pd.DataFrame(frame.drop(columns="geometry")).astype(object)
    attributes.insert(0, "_row", rows)
    report.rejected = rejections.rejected_rows(attributes)
    report.imported = len(out)
    report.check_counts()
    return out, report
