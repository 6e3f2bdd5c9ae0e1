"""Where GeoCRM finds its own files: shipped boundaries and gazetteers, map assets, the database.

The boundary and gazetteer files live in the repository's ``data/`` folder. An installed
package carries the same files as package data (``geo/data/`` in the wheel, mapped onto
``data/`` by pyproject.toml) and reads them through :mod:`importlib.resources`. A source
checkout (``geo/`` beside ``pyproject.toml`` and ``data/``) reads ``data/`` itself, so a clone
runs with no install step and never reads the files of another checkout installed in the
same environment.

Nothing is written into the package: the database and uploads go where ``--db`` or
``GEOCRM_DB`` say, by default ``data/`` of the checkout, or ``data/`` under the working
directory when GeoCRM is installed.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def _find_checkout() -> Path | None:
    root = Path(__file__).resolve().parent.parent
    if (root / "pyproject.toml").is_file() and (root / "data").is_dir():
        return root
    return None


#: The source checkout geo runs from, or None when geo is an installed package.
CHECKOUT_DIR = _find_checkout()

#: Where the database (and uploads while they are imported) go unless configured otherwise.
DEFAULT_WORK_DIR = CHECKOUT_DIR / "data" if CHECKOUT_DIR else Path("data")

#: Where the app's map scripts and styles are copied to be served (``static/`` beside
#: ``app.py``, filled by ``make install``): the app runs from a checkout; an installed package
#: looks under the working directory.
VENDOR_DIR = (CHECKOUT_DIR or Path()) / "static" / "vendor"


def _shipped_data_dir() -> Path:
    if CHECKOUT_DIR is not None:
        return CHECKOUT_DIR / "data"
    # pip unpacks wheels into folders, so the package's resources are plain files.
    return Path(str(files("geo").joinpath("data")))


def shipped_file(*parts: str) -> Path:
    """A file shipped with GeoCRM, named by its path under ``data/``.

    For example ``shipped_file("us-zips", "us_zips.csv")``.
    """
    return _shipped_data_dir().joinpath(*parts)
