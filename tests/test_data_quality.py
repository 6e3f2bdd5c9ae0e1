"""The data-quality fix lists on a messy file: each list holds what an independent query or
a hand count finds, says why, and imports again once fixed."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from pyproj import Geod
from shapely.geometry import Point, Polygon, box

from geo.errors import InputError
from geo.imports.location_fixes import fix_location
from geo.imports.runner import import_areas_file, import_customers_file
from geo.quality.duplicates import normalised_names, probable_duplicates
from geo.quality.fix_lists import CUSTOMER_FIELDS, fix_list, quality_counts
from geo.quality.problems import PROBLEMS
from geo.store.protocol import Store


def _ids(frame: pd.DataFrame) -> list[str]:
    return sorted(frame["customer_id"].astype(str))


def test_every_problem_has_its_list_and_every_list_its_count(messy: Store) -> None:
    counts = quality_counts(messy)
    assert set(counts) == set(PROBLEMS)
    for code, count in counts.items():
        listed = fix_list(messy, code)
        assert len(listed) == count, code
        assert set(listed["_reason"]) <= {code}
        if PROBLEMS[code].of_customers:
            assert list(listed.columns[: len(CUSTOMER_FIELDS)]) == list(CUSTOMER_FIELDS)


def test_without_a_location_says_why(messy: Store) -> None:
    listed = fix_list(messy, "no_location").set_index("customer_id")
    independent = messy.query("SELECT customer_id FROM customers WHERE lat IS NULL")
    assert sorted(listed.index) == _ids(independent) == ["c5", "z1"]
    assert listed.loc["z1", "_detail"] == "postcode '99999' is not in the US postcode file"
    assert listed.loc["c5", "_detail"] == "the file gave no coordinates and no postcode"


def test_outside_all_areas_names_the_nearest_area_and_its_true_distance(messy: Store) -> None:
    listed = fix_list(messy, "outside_areas", "county").set_index("customer_id")
    independent = messy.query(
        "SELECT customer_id FROM assignments WHERE level = 'county' "
        "AND location_status = 'outside_areas'"
    )
    assert sorted(listed.index) == _ids(independent) == ["c4", "sea"]
    # From (2.5, 0.5) the nearest point of B = [1,2]x[0,1] is (2, 0.5): half a degree of
    # longitude at 0.5°N on the ellipsoid.
    _, _, metres = Geod(ellps="WGS84").inv(2.5, 0.5, 2.0, 0.5)
    assert listed.loc["sea", "_nearest_area_id"] == "B"
    assert listed.loc["sea", "_distance_km"] == pytest.approx(metres / 1000, abs=0.001)
    assert listed.loc["sea", "_distance_km"] == pytest.approx(55.66, abs=0.05)
    assert "nearest: B Beta, 55.66 km away" in str(listed.loc["sea", "_detail"])
    # c4 (5, 5): the nearest point of B is its corner (2, 1).
    _, _, corner = Geod(ellps="WGS84").inv(5.0, 5.0, 2.0, 1.0)
    assert listed.loc["c4", "_distance_km"] == pytest.approx(corner / 1000, abs=0.001)
    with pytest.raises(InputError, match="no level 'parish'"):
        fix_list(messy, "outside_areas", "parish")


def test_probable_duplicates_by_each_rule_and_not_beyond(messy: Store) -> None:
    listed = fix_list(messy, "duplicates").set_index("customer_id")["_detail"].astype(str)
    assert sorted(listed.index) == ["d1", "d2", "e1", "e2", "s1", "s2"]
    assert "the same name and postcode as d2" in listed["d1"]
    assert "the same email as e1" in listed["e2"]
    assert "the same coordinates and a similar name as s2" in listed["s1"]
    # Independently: the two rules that are plain equalities, in SQL.
    by_email = messy.query(
        "SELECT customer_id FROM customers WHERE lower(trim(email)) IN (SELECT lower(trim(email)) "
        "FROM customers WHERE email IS NOT NULL GROUP BY 1 HAVING count(*) > 1)"
    )
    assert _ids(by_email) == ["e1", "e2"]


def test_duplicate_names_are_normalised_and_big_groups_are_named_in_part() -> None:
    names = pd.Series(["ACME, Inc.", "  acme  ", "Acme Widgets Ltd", None])
    assert normalised_names(names).tolist() == ["acme", "acme", "acme widgets", ""]
    many = pd.DataFrame(
        {
            "customer_id": [f"x{i:02d}" for i in range(12)],
            "name": "Same",
            "postcode": "1",
            "email": None,
            "lat": [float(i) for i in range(12)],
            "lon": 0.0,
        }
    )
    groups = probable_duplicates(many)
    assert len(groups) == 12 and set(groups["group"]) == {1}
    assert groups.iloc[0]["others"] == "x01, x02, x03, x04, x05 and 6 more"


def test_areas_without_an_owner_only_where_owners_are_used(
    tiny_store: Store, tmp_path: Path
) -> None:
    assert fix_list(tiny_store, "areas_without_owner").empty  # no county has an owner
    path = tmp_path / "counties.geojson"
    gpd.GeoDataFrame(
        {"id": ["A", "B"], "name": ["Alpha", "Beta"], "owner": ["Ann", None]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)],
        crs="EPSG:4326",
    ).to_file(path, driver="GeoJSON")
    import_areas_file(tiny_store, path, level="county")
    listed = fix_list(tiny_store, "areas_without_owner")
    assert listed[["area_id", "level", "customers"]].to_dict("records") == [
        {"area_id": "B", "level": "county", "customers": 3}  # c2, p1, p2
    ]


def test_repaired_and_rejected_geometries_are_listed_until_the_import_is_undone(
    tiny_store: Store, tmp_path: Path
) -> None:
    from geo.imports.undo import undo_import

    bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])
    path = tmp_path / "parishes.geojson"
    gpd.GeoDataFrame(
        {"id": ["P1", "P2", "P3"]},
        geometry=[bowtie, box(1, 0, 2, 1), Point(3, 3)],
        crs="EPSG:4326",
    ).to_file(path, driver="GeoJSON")
    result = import_areas_file(tiny_store, path, level="parish")
    listed = fix_list(tiny_store, "geometry_repairs")
    assert listed["area_id"].iloc[0] == "P1" and pd.isna(listed["area_id"].iloc[1])
    assert listed["feature"].tolist()[1] == 3
    assert listed["_detail"].tolist()[0] == "invalid geometry, repaired"
    assert listed["_detail"].tolist()[1].startswith("rejected: not_polygon")
    logged = json.loads(str(tiny_store.scalar("SELECT detail FROM import_log")))
    assert logged["repaired_areas"] == ["P1"]
    assert result.report.batch_id is not None
    undo_import(tiny_store, result.report.batch_id)
    assert fix_list(tiny_store, "geometry_repairs").empty


def test_sales_of_unknown_customers_and_customers_without_sales(messy: Store) -> None:
    with messy.transaction() as tx:
        tx.execute(
            "INSERT INTO sales (order_id, customer_id, order_date, amount, category, channel) "
            "VALUES ('o9', 'ghost', DATE '2026-01-02', 5.0, 'Hardware', 'Direct')"
        )
    assert fix_list(messy, "sales_unknown_customers")["customer_id"].tolist() == ["ghost"]
    without = fix_list(messy, "customers_without_sales")
    independent = messy.query(
        "SELECT customer_id FROM customers WHERE kind = 'customer' "
        "AND customer_id NOT IN (SELECT customer_id FROM sales)"
    )
    assert _ids(without) == _ids(independent)
    assert {"c3", "c4", "c5", "d1", "sea"} <= set(without["customer_id"])
    assert not {"c1", "c2", "p1"} & set(without["customer_id"])


def test_a_fixed_list_imports_again_and_leaves_the_list(messy: Store, tmp_path: Path) -> None:
    listed = fix_list(messy, "no_location")
    fixed = listed[listed["customer_id"] == "z1"].copy()
    fixed[["lat", "lon"]] = [0.5, 0.5]
    path = tmp_path / "fixed.csv"
    fixed.to_csv(path, index=False)
    result = import_customers_file(messy, path)
    assert result.report.imported == 1
    assert any("_reason" in w for w in result.report.warnings)  # the annotations dropped
    assert _ids(fix_list(messy, "no_location")) == ["c5"]
    extra = messy.scalar("SELECT extra FROM customers WHERE customer_id = 'z1'")
    assert extra is None or "_detail" not in str(extra)


def test_the_command_counts_and_writes_a_list_that_imports_again(
    messy: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from geo.cli import main

    assert main(["--db", messy.location, "quality", "--json"]) == 0
    counts = json.loads(capsys.readouterr().out)["counts"]
    assert counts == quality_counts(messy)
    out = tmp_path / "outside.csv"
    assert main(["--db", messy.location, "quality", "outside_areas", "--out", str(out)]) == 0
    assert "2 rows written to outside.csv" in capsys.readouterr().out
    written = pd.read_csv(out, dtype=str, encoding="utf-8-sig")
    assert sorted(written["customer_id"]) == ["c4", "sea"]
    written.loc[written["customer_id"] == "sea", "lon"] = "1.5"  # the point was mistyped
    written.to_csv(out, index=False)
    assert main(["--db", messy.location, "import", "customers", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert any("fix list" in w and "_distance_km" in w for w in report["warnings"])
    assert _ids(fix_list(messy, "outside_areas")) == ["c4"]
    extra = messy.scalar("SELECT extra FROM customers WHERE customer_id = 'sea'")
    assert extra is None or "_nearest_area_id" not in str(extra)
    assert main(["--db", messy.location, "quality", "outside_areas", "--level", "parish"]) == 2
    assert "no level 'parish'" in capsys.readouterr().err


CITIES = (
    "id,name,city,state,country\n"
    "k1,Capital Books,Denver,Colorado,\n"  # one Denver in Colorado: located, by city
    "k2,Spring Tools,Springfield,,\n"  # many Springfields: not guessed
    "k3,Nowhere Inc,Nowhereville,,\n"  # not a known place
    "k4,Cardiff Cafe,Cardiff,,GB\n"
    "k5,Plain,,,\n"  # nothing at all
)


def test_a_city_locates_a_customer_only_when_one_place_fits(
    tiny_store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "cities.csv"
    path.write_text(CITIES)
    report = import_customers_file(tiny_store, path).report
    assert report.imported == 5
    assert any("located by city" in w for w in report.warnings)
    assert any("ambiguous" in w and "rows 3" in w for w in report.warnings)
    stored = tiny_store.query(
        "SELECT customer_id, lat, lon, location_source, location_note FROM customers "
        "WHERE customer_id LIKE 'k%' ORDER BY customer_id"
    ).set_index("customer_id")
    assert stored.loc["k1", "location_source"] == "city"
    assert stored.loc["k1", "lat"] == pytest.approx(39.739, abs=0.01)
    assert stored.loc["k4", "location_source"] == "city"
    notes = stored["location_note"].fillna("").astype(str)
    assert stored["lat"].isna()["k2"] and stored["location_source"].isna()["k2"]
    assert "is ambiguous" in notes["k2"]
    assert "not among the shipped places" in notes["k3"]
    assert stored.loc["k5", "location_note"] == "the file gave no coordinates, postcode or city"
    # The lists say the same: two located coarsely, three without a location and why.
    assert _ids(fix_list(tiny_store, "coarse_location")) == ["k1", "k4"]
    without = fix_list(tiny_store, "no_location").set_index("customer_id")["_detail"]
    assert "is ambiguous" in str(without["k2"]) and "Springfield" in str(without["k2"])
    # The city, state and country columns stay the file's own, in extra, too.
    extra = json.loads(
        str(tiny_store.scalar("SELECT extra FROM customers WHERE customer_id = 'k1'"))
    )
    assert extra["city"] == "Denver" and extra["state"] == "Colorado"


def test_coordinates_and_postcodes_say_how_they_were_found(
    tiny_store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "found.csv"
    path.write_text("id,name,lat,lon,zip\nm1,A,0.5,0.5,\nm2,B,,,10001\nm3,C,,,99999\n")
    import_customers_file(tiny_store, path)
    sources = tiny_store.query(
        "SELECT customer_id, location_source, location_note FROM customers "
        "WHERE customer_id LIKE 'm%' ORDER BY customer_id"
    )
    assert sources["location_source"].tolist()[:2] == ["coordinates", "postcode"]
    assert pd.isna(sources["location_source"].iloc[2])
    assert sources["location_note"].iloc[2] == "postcode '99999' is not in the US postcode file"


def test_the_card_says_how_a_customer_was_located(tiny_store: Store, tmp_path: Path) -> None:
    from geo.analytics.customer_card import customer_card

    path = tmp_path / "cities.csv"
    path.write_text(CITIES)
    import_customers_file(tiny_store, path)
    k1 = customer_card(tiny_store, "k1").how_located()
    assert k1 == "located by city (its centre), low confidence"
    assert (
        customer_card(tiny_store, "k2")
        .how_located()
        .startswith("no location: city 'Springfield' is ambiguous")
    )
    # The tiny business was written without sources (as before they were kept).
    assert "not recorded" in customer_card(tiny_store, "c1").how_located()
    fix_location(tiny_store, "k2", 39.8, -89.6)
    assert customer_card(tiny_store, "k2").how_located() == "located by hand, high confidence"
