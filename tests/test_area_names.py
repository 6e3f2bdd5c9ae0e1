"""Area names that say which area they are: counties with their state, namesakes apart."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import box

from geo.demo.business import load_demo_areas
from geo.imports.area_names import name_namesakes, us_county_name
from geo.imports.runner import import_areas_file
from geo.segments.area_kpis import compute_area_kpis
from geo.segments.filters import Filters
from geo.store.protocol import Store


def test_us_counties_carry_their_type_and_state() -> None:
    assert us_county_name("29215", "Texas") == "Texas County, MO"
    assert us_county_name("48169", "Garza") == "Garza County, TX"
    assert us_county_name("22041", "Franklin") == "Franklin Parish, LA"
    # An independent city is not the county of the same name.
    assert us_county_name("51760", "Richmond") == "City of Richmond, VA"
    assert us_county_name("51159", "Richmond") == "Richmond County, VA"
    assert us_county_name("24510", "Baltimore") == "City of Baltimore, MD"
    assert us_county_name("32510", "Carson City") == "Carson City, NV"
    assert us_county_name("02110", "Juneau") == "Juneau City and Borough, AK"
    assert us_county_name("02122", "Kenai Peninsula") == "Kenai Peninsula Borough, AK"
    assert us_county_name("72069", "Florida") == "Florida Municipio, PR"  # not the state
    assert us_county_name("11001", "District of Columbia") == "District of Columbia, DC"


def test_demo_counties_are_named_once_each_and_never_like_a_state() -> None:
    areas = load_demo_areas()
    counties = areas[areas["level"] == "county"]
    states = set(areas.loc[areas["level"] == "state", "name"])
    assert not counties["name"].duplicated().any()
    assert not set(counties["name"]) & states
    texas = counties.loc[counties["name"].str.startswith("Texas "), "name"].tolist()
    assert sorted(texas) == ["Texas County, MO", "Texas County, OK"]
    assert (
        counties["name"].str.contains(" Parish, LA") == counties["area_id"].str[:2].eq("22")
    ).all()


def test_namesakes_in_an_imported_level_get_their_parents_name_then_their_id() -> None:
    areas = pd.DataFrame(
        {
            "area_id": ["T1", "T2", "T3", "T4", "N", "S"],
            "name": ["Springfield", "Springfield", "Springfield", "Shelby", "North", "South"],
            "level": ["territory"] * 4 + ["region"] * 2,
            "parent_id": ["N", "S", "S", "S", None, None],
        }
    )
    named = name_namesakes(areas, {})
    assert named.tolist() == [
        "Springfield, North",
        "Springfield, South (T2)",
        "Springfield, South (T3)",
        "Shelby",
        "North",
        "South",
    ]
    # Parents already stored name the new level's namesakes too.
    stored = name_namesakes(areas.iloc[:2], {"N": "North", "S": "South"})
    assert stored.tolist() == ["Springfield, North", "Springfield, South"]


def test_importing_namesakes_renames_them_and_says_so(tiny_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "zones.geojson"
    gpd.GeoDataFrame(
        {"id": ["Z1", "Z2"], "name": ["Springfield", "Springfield"], "parent": ["R", "R"]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)],
        crs="EPSG:4326",
    ).to_file(path, driver="GeoJSON")
    result = import_areas_file(tiny_store, path, parent_col="parent", level="zone")
    names = tiny_store.area_names("zone")
    # Both have the stored parent "Region", so the IDs tell them apart.
    assert names["name"].tolist() == ["Springfield, Region (Z1)", "Springfield, Region (Z2)"]
    assert any("2 areas share their name" in w for w in result.report.warnings)


def test_the_area_table_names_the_parent(demo_store: Store) -> None:
    kpis = compute_area_kpis(demo_store, Filters(level="state")).set_index("area_id")
    assert kpis.loc["06", "parent_id"] == "DIV9" and kpis.loc["06", "parent_name"] == "Pacific"
    counties = compute_area_kpis(demo_store, Filters(level="county")).set_index("area_id")
    assert counties.loc["29215", "name"] == "Texas County, MO"
    assert counties.loc["29215", "parent_name"] == "Missouri"
