"""The command line end to end on small hand-made files: JSON out, exit codes, atomicity."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from geo.cli import main
from tests.other_process import holding_the_file, kill_cli_at

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
    from geo.store.duckdb_store import Store

    stored = Store.open(db).query("SELECT customer_id, lat, lon, extra FROM customers ORDER BY 1")
    assert stored["lat"].tolist() == pytest.approx([40.71, 40.6, 40.7])
    assert stored["lon"].tolist() == pytest.approx([-74.0, -73.95, -74.0])
    assert "_reason" not in str(stored["extra"].tolist())
    assert json.loads(stored["extra"].iloc[1]) == {"Tier": "silver"}


def _business_db(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> str:
    """A database with the squares, their customers and sales, imported through the CLI."""
    db = str(files["dir"] / "t.duckdb")
    for what, extra in (("areas", ["--id-col", "code", "--level", "square"]), ("customers", [])):
        assert main(["--db", db, "import", what, str(files[what]), *extra]) == 0
    assert main(["--db", db, "import", "sales", str(files["sales"])]) == 0
    capsys.readouterr()
    return db


READING_COMMANDS = [
    ["status"],
    ["areas", "--out", "a.csv"],
    ["export", "--format", "csv", "--out", "t.csv"],
    ["segment", "list"],
    ["segment", "show", "best"],
    ["rfm"],
    ["backtest"],
    ["trends"],
    ["whitespace"],
    ["lookalikes"],
    ["deck", "--out", "d.pptx"],
    ["picture", "--out", "p.png"],
]


@pytest.mark.parametrize("command", READING_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_command_that_only_reads_refuses_a_missing_database(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    typo = tmp_path / "geocrm.duckbd"
    assert main(["--db", str(typo), *command]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"geocrm: error: no database at {typo}; create one with `geocrm demo` or an import\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_read_only_database_can_still_be_read(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    db = Path(_business_db(files, capsys))
    _, before = run(capsys, "--db", str(db), "status", "--json")
    db.chmod(0o444)
    files["dir"].chmod(0o555)
    try:
        code, out = run(capsys, "--db", str(db), "status", "--json")
        assert code == 0 and out == before and out["tables"]["customers"] == 5
        code, out = run(capsys, "--db", str(db), "rfm", "--json")
        assert code == 0 and sum(s["customers"] for s in out["segments"]) == 2
        out_csv = files["dir"].parent / f"{files['dir'].name}-targets.csv"
        code, out = run(
            capsys, "--db", str(db), "export", "--format", "csv", "--out", str(out_csv), "--json"
        )
        assert code == 0 and out["rows"] == 5
        assert out["problems"] == [
            "the file was not recorded in the audit trail: the database is read-only"
        ]
        code = main(["--db", str(db), "import", "sales", str(files["sales"])])
        assert code == 2
        assert "t.duckdb is read-only" in capsys.readouterr().err
    finally:
        files["dir"].chmod(0o755)
        db.chmod(0o644)
    _, after = run(capsys, "--db", str(db), "status", "--json")
    assert after == before


def _content(db: str) -> dict[str, tuple[int, str]]:
    """Rows and a checksum of every table (rows as text, in a fixed order)."""
    from geo.store.duckdb_store import TABLES, Store

    store = Store(Path(db))
    out = {}
    for table in (*TABLES, "meta"):
        row = store.query(
            f"SELECT count(*) AS n, md5(COALESCE(string_agg(CAST(t AS VARCHAR), '|' "
            f"ORDER BY CAST(t AS VARCHAR)), '')) AS sum FROM {table} t"
        ).iloc[0]
        out[table] = (int(row["n"]), str(row["sum"]))
    return out


@pytest.mark.parametrize(
    ("step", "what"),
    [
        ("storing", "customers"),  # read and checked, nothing written yet
        ("assigning to square", "customers"),  # inside the transaction
        ("assigned", "customers"),  # everything written, not committed
        ("storing the order lines", "sales"),
    ],
)
def test_an_import_killed_at_any_step_leaves_the_database_as_it_was(
    step: str, what: str, files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    db = _business_db(files, capsys)
    more = files["dir"] / f"more-{what}.csv"
    if what == "customers":
        more.write_text("id,name,lat,lon\n001,Ann again,0.5,1.5\n007,New,0.2,0.2\n")
    else:
        more.write_text("order_id,customer_id,order_date,amount\no1,002,2026-04-01,7\n")
    before = _content(db)
    kill_cli_at(step, "--db", db, "import", what, str(more))
    assert _content(db) == before
    # The same import, not killed, changes the database.
    assert main(["--db", db, "import", what, str(more)]) == 0
    assert _content(db) != before


def test_a_database_held_by_another_process_is_busy_in_one_plain_line(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = _business_db(files, capsys)
    monkeypatch.setenv("GEOCRM_LOCK_WAIT_SECONDS", "0.3")
    with holding_the_file(Path(db)):
        for command in (["status"], ["import", "sales", str(files["sales"])]):
            assert main(["--db", db, *command]) == 2
            assert capsys.readouterr().err == (
                "geocrm: error: the database is busy with an import; try again when it ends\n"
            )
    assert main(["--db", db, "status"]) == 0


def test_a_dry_run_writes_nothing_and_an_import_is_undone_by_its_batch(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(files["dir"] / "t.duckdb")
    run(capsys, "--db", db, "import", "areas", str(files["areas"]), "--id-col", "code", "--json")
    code, first = run(capsys, "--db", db, "import", "customers", str(files["customers"]), "--json")
    assert code == 0 and first["batch_id"]
    _, before = run(capsys, "--db", db, "status", "--json")

    changed = files["dir"] / "changed.csv"
    changed.write_text("id,name,lat,lon\n001,Ann Jones,0.5,0.5\n007,New,0.5,1.5\n")
    code, dry = run(capsys, "--db", db, "import", "customers", str(changed), "--dry-run", "--json")
    assert code == 0 and dry["dry_run"] is True and dry["imported"] == 2
    assert dry["batch_id"] is None
    assert (dry["changes"]["added"], dry["changes"]["changed"]) == (1, 1)
    _, after_dry = run(capsys, "--db", db, "status", "--json")
    assert after_dry["tables"] == before["tables"]

    code, second = run(capsys, "--db", db, "import", "customers", str(changed), "--json")
    assert code == 0 and second["batch_id"] != first["batch_id"]
    code, listed = run(capsys, "--db", db, "import", "batches", "--json")
    ids = [b["batch_id"] for b in listed["batches"]]
    assert ids[:2] == [second["batch_id"], first["batch_id"]]

    # The first import cannot be undone while the second one replaced a row it wrote.
    assert main(["--db", db, "import", "undo", first["batch_id"]]) == 2
    assert f"undo {second['batch_id']} first" in capsys.readouterr().err
    code, undone = run(capsys, "--db", db, "import", "undo", second["batch_id"], "--json")
    assert code == 0 and undone["undone"]["removed"] == 2
    _, after_undo = run(capsys, "--db", db, "status", "--json")
    # The log keeps the undone import (who undid it, when); every other table is as before.
    assert after_undo["tables"] == before["tables"] | {"import_log": 3}
    _, listed = run(capsys, "--db", db, "import", "batches", "--json")
    assert listed["batches"][0]["state"].startswith("undone")
    code, _ = run(
        capsys,
        "--db",
        db,
        "export",
        "--format",
        "csv",
        "--out",
        str(files["dir"] / "all.csv"),
        "--json",
    )
    names = pd.read_csv(files["dir"] / "all.csv", dtype=str, encoding="utf-8-sig")
    assert "Ann" in set(names["name"]) and "Ann Jones" not in set(names["name"])

    assert main(["--db", db, "import", "undo", "B-none"]) == 2
    err = capsys.readouterr().err
    assert "no import batch 'B-none'" in err and "geocrm import batches" in err
