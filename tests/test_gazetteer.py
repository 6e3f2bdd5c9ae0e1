from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geo.errors import InputError
from geo.imports.gazetteer import load_postcode_file, load_us_zips, restore_us_zip_zeros


def test_us_zips_from_the_shipped_file() -> None:
    gaz = load_us_zips()
    assert len(gaz.points) == 33_791
    found = gaz.locate(pd.Series(["10001", "02134-1234", " 02134 ", "99999", None]))
    assert found["lat"].iloc[0] == pytest.approx(40.75, abs=0.01)
    assert found["lon"].iloc[0] == pytest.approx(-73.997, abs=0.01)
    assert found["lat"].iloc[1] == found["lat"].iloc[2]
    assert found["lat"].isna().tolist() == [False, False, False, True, True]


def test_zip_zeros_restored() -> None:
    fixed, count = restore_us_zip_zeros(pd.Series(["2134", "2134.0", "601", "10001", None]))
    assert fixed.tolist()[:4] == ["02134", "02134", "00601", "10001"]
    assert count == 3


def test_postcode_file_bad_row_is_named(tmp_path: Path) -> None:
    path = tmp_path / "pc.csv"
    path.write_text("postcode,lat,lon\nAB1 2CD,57.1,-2.1\nEF3 4GH,north,-2\n")
    with pytest.raises(InputError, match=r"pc.csv, row 3, column 'lat'"):
        load_postcode_file(path)
