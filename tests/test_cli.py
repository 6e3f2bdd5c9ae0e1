"""The command line end to end on small hand-made files: JSON out, exit codes, atomicity."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from geo.cli import main

SQUARES = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"code": code, "name": name},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[x0, 0], [x0 + 1, 0], [x0 + 1, 1], [x0, 1], [x0, 0]]],
            },
        }
        for code, name, x0 in (("A", "Alpha", 0), ("B", "Beta", 1))
    ],
}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    code = main(list(args))
    out = capsys.readouterr().out.strip()
    return code, json.loads(out) if out else {}


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    areas = tmp_path / "squares.geojson"
    areas.write_text(json.dumps(SQUARES))
    customers = tmp_path / "customers.csv"
    customers.write_text(
        "id,name,lat,lon\n"
        "001,Ann,0.5,0.5\n"
        "002,Bob,0.5,1.5\n"
        "003,Edge,0.5,1.0\n"
        "004,Far,5,5\n"
        "005,Nowhere,,\n"
        ",No id,0.5,0.5\n"
        "001,Duplicate,0.5,0.5\n"
        "006,Swapped,120,0.5\n"
    )
    sales = tmp_path / "sales.csv"
    sales.write_text(
        "order_id,customer_id,order_date,amount\n"
        "o1,001,2026-01-05,100\n"
        "o2,002,2026-02-05,50.5\n"
        "o3,999,2026-02-05,10\n"
        "o4,001,05/02/2026,10\n"
        "o5,001,2026-03-01,ten\n"
    )
    return {"areas": areas, "customers": customers, "sales": sales, "dir": tmp_path}


def test_import_assign_areas_export(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(files["dir"] / "t.duckdb")
    code, out = run(
        capsys,
        "--db",
        db,
        "import",
        "areas",
        str(files["areas"]),
        "--id-col",
        "code",
        "--level",
        "square",
        "--json",
    )
    assert code == 0 and out["imported"] == 2
    rejects = files["dir"] / "rejects.csv"
    code, out = run(
        capsys,
        "--db",
        db,
        "import",
        "customers",
        str(files["customers"]),
        "--rejects",
        str(rejects),
        "--json",
    )
    assert code == 0
    assert (out["rows_read"], out["imported"], out["rejected"]) == (8, 5, 3)
    assert out["rejected_by_reason"] == {"duplicate_id": 1, "missing_id": 1, "swapped_lat_lon": 1}
    assert out["assignment"]["in_area"] == 3
    assert out["assignment"]["outside_areas"] == 1
    assert out["assignment"]["no_location"] == 1
    assert len(pd.read_csv(rejects, dtype=str, encoding="utf-8-sig")) == 3

    code, out = run(capsys, "--db", db, "import", "sales", str(files["sales"]), "--json")
    assert code == 0
    assert out["imported"] == 2
    assert out["rejected_by_reason"] == {"bad_amount": 1, "bad_date": 1, "unknown_customer": 1}

    code, out = run(capsys, "--db", db, "assign", "--json")
    assert code == 0
    assert out["levels"]["square"] == {"in_area": 3, "outside_areas": 1, "no_location": 1}

    areas_csv = files["dir"] / "areas.csv"
    code, out = run(capsys, "--db", db, "areas", "--out", str(areas_csv), "--json")
    assert code == 0
    table = pd.read_csv(areas_csv, dtype={"area_id": str}, encoding="utf-8-sig").set_index(
        "area_id"
    )
    assert table.loc["A", "customers"] == 2  # Ann and the edge point (A < B)
    assert table.loc["A", "sales_amount"] == pytest.approx(100.0)
    assert table.loc["B", "sales_amount"] == pytest.approx(50.5)

    out_csv = files["dir"] / "targets.csv"
    code, out = run(
        capsys,
        "--db",
        db,
        "export",
        "--area",
        "A",
        "--format",
        "csv",
        "--out",
        str(out_csv),
        "--json",
    )
    assert code == 0 and out["rows"] == 2
    ids = pd.read_csv(out_csv, dtype=str, encoding="utf-8-sig")["customer_id"].tolist()
    assert sorted(ids) == ["001", "003"]

    code, out = run(capsys, "--db", db, "status", "--json")
    assert out["tables"]["customers"] == 5 and out["tables"]["sales"] == 2


def test_bad_file_exits_non_zero_and_changes_nothing(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(files["dir"] / "t.duckdb")
    run(capsys, "--db", db, "import", "customers", str(files["customers"]), "--json")
    _, before = run(capsys, "--db", db, "status", "--json")
    broken = files["dir"] / "broken.csv"
    broken.write_text("who,where\nAnn,here\n")
    code = main(["--db", db, "import", "customers", str(broken)])
    err = capsys.readouterr().err
    assert code == 2
    assert "broken.csv" in err and "--id-col" in err
    code = main(["--db", db, "import", "customers", str(files["customers"]), "--strict"])
    err = capsys.readouterr().err
    assert code == 2 and "row" in err
    _, after = run(capsys, "--db", db, "status", "--json")
    assert after == before


def test_a_fixed_rejects_file_imports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "t.duckdb")
    source = tmp_path / "customers.csv"
    source.write_text(
        "Account,Company,Latitude,Longitude,Tier\n"
        "C1,Ann,40.71,-74.00,gold\n"
        "C2,Bob,4o.6,-73.95,silver\n"
        "C3,Cy,140.7,-74.0,\n"
    )
    rejects = tmp_path / "rejects.csv"
    code, out = run(
        capsys, "--db", db, "import", "customers", str(source), "--id-col", "Account",
        "--rejects", str(rejects), "--json",
    )  # fmt: skip
    assert code == 0 and out["imported"] == 1
    assert out["rejected_by_reason"] == {"bad_coordinate": 1, "lat_out_of_range": 1}
    text = rejects.read_text(encoding="utf-8-sig")
    assert "'-7" not in text  # longitudes stay numbers, not formula-quoted text
    table = pd.read_csv(rejects, dtype=str, keep_default_na=False)
    assert list(table.columns[:5]) == ["Account", "Company", "Latitude", "Longitude", "Tier"]
    assert table[["Account", "Latitude", "Longitude", "Tier"]].values.tolist() == [
        ["C2", "4o.6", "-73.95", "silver"],
        ["C3", "140.7", "-74.0", ""],
    ]
    assert table["_row"].tolist() == ["3", "4"]
    assert table["_column"].tolist() == ["Latitude", "Latitude"]
    # Fix the bad cells in the rejects file itself, and import it.
    table["Latitude"] = ["40.6", "40.7"]
    table.to_csv(rejects, index=False)
    code, out = run(
        capsys, "--db", db, "import", "customers", str(rejects), "--id-col", "Account", "--json"
    )
    assert code == 0
    assert (out["rows_read"], out["imported"], out["rejected"]) == (2, 2, 0)
    assert any("rejects file" in w for w in out["warnings"])
    code, out = run(capsys, "--db", db, "status", "--json")
    assert out["tables"]["customers"] == 3
    from geo.store import Store

    stored = Store.open(db).query("SELECT customer_id, lat, lon, extra FROM customers ORDER BY 1")
    assert stored["lat"].tolist() == pytest.approx([40.71, 40.6, 40.7])
    assert stored["lon"].tolist() == pytest.approx([-74.0, -73.95, -74.0])
    assert "_reason" not in str(stored["extra"].tolist())
    assert json.loads(stored["extra"].iloc[1]) == {"Tier": "silver"}
