"""Guards for files from users: size bounds, safe zip archives, verified vector formats.

A geometry file is opened only with the one GDAL driver its verified content calls for, so
that, say, an XML/VRT data source named ``.geojson`` (which could read files from the server)
is refused before GDAL sees it.
"""

from __future__ import annotations

import io
import json
import os
import stat
import zipfile
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from geo.errors import InputError

MAX_UPLOAD_BYTES = 200 * 1024**2
MAX_UNZIPPED_BYTES = 1024**3
MAX_ZIP_RATIO = 200
MAX_ZIP_MEMBERS = 1000

#: The area formats GeoCRM opens, and the prefix that tells GDAL to use that format's
#: driver and no other ("" where the verified header leaves GDAL no other choice, or where
#: pyarrow reads the file).
VECTOR_FORMATS = {
    "geojson": "GeoJSON:",
    "topojson": "TopoJSON:",
    "shapefile": "",
    "gpkg": "",
    "geoparquet": "",
}
SUFFIXES = {
    ".geojson": "json",
    ".json": "json",
    ".topojson": "json",
    ".gpkg": "gpkg",
    ".parquet": "geoparquet",
    ".geoparquet": "geoparquet",
    ".zip": "shapefile",
}


def _amount(size: int) -> str:
    return f"{size / 2**20:.0f} MB" if size >= 2**20 else f"{size:,} bytes"


def _too_large(size: int, limit: int, source: str) -> InputError:
    return InputError(
        f"the file is {_amount(size)}, more than the {_amount(limit)} allowed",
        file=source,
        hint="Split or simplify it",
    )


def _kind_of(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_regular_file(path: Path, display_name: str | None = None) -> os.stat_result:
    """Refuse anything but an existing regular file, from its metadata alone.

    ``stat`` never opens the file, so a FIFO (whose opening blocks) or a device (which
    reads without end) is refused before anything touches it. Symbolic links are followed:
    a link to a device is refused too.
    """
    source = display_name or path.name
    _refuse_path_string(path)
    try:
        info = path.stat()
    except FileNotFoundError as exc:
        raise InputError("the file does not exist", file=source) from exc
    except OSError as exc:
        raise InputError(
            f"the file cannot be read ({exc.strerror or 'access refused'})", file=source
        ) from exc
    if not stat.S_ISREG(info.st_mode):
        raise InputError(
            f"this is {_kind_of(info.st_mode)}, not a regular file",
            file=source,
            hint="Give the path of a saved file",
        )
    return info


def check_file_size(
    path: Path, limit: int = MAX_UPLOAD_BYTES, display_name: str | None = None
) -> None:
    """Refuse a file that is not a regular file, or that is larger than ``limit`` bytes."""
    size = check_regular_file(path, display_name).st_size
    if size > limit:
        raise _too_large(size, limit, display_name or path.name)


def read_bounded(
    path: Path, limit: int = MAX_UPLOAD_BYTES, display_name: str | None = None
) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, never reading more than
    ``limit + 1`` whatever its stated size (a growing file, or one under /proc that states 0).

    The file is opened non-blocking and checked again through its open descriptor, so one
    swapped for a FIFO or a device between the check and the opening is refused too.
    """
    source = display_name or path.name
    check_file_size(path, limit, source)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise InputError(
            f"the file cannot be read ({exc.strerror or 'access refused'})", file=source
        ) from exc
    with os.fdopen(fd, "rb", buffering=0) as fh:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise InputError(f"this is {_kind_of(mode)}, not a regular file", file=source)
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        total = 0
        while total <= limit:
            chunk = fh.read(min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    if total > limit:
        raise InputError(
            f"the file holds more than the {_amount(limit)} allowed (it grew while being read, "
            "or is not what its size says)",
            file=source,
            hint="Split or simplify it",
        )
    return b"".join(chunks)


def copy_bounded(
    path: Path, dest_dir: Path, limit: int = MAX_UPLOAD_BYTES, display_name: str | None = None
) -> Path:
    """A private copy, in ``dest_dir``, of a regular file of at most ``limit`` bytes.

    For readers that need a path (GDAL, SQLite): they read the copy, which cannot grow
    or turn into a device while they read it. Same suffix as ``display_name`` or ``path``.
    """
    data = read_bounded(path, limit, display_name)
    suffix = Path(display_name or path.name).suffix.lower()[:16]
    copy = dest_dir / f"input{suffix}"
    copy.write_bytes(data)
    return copy


def _refuse_path_string(path: Path) -> None:
    text = str(path)
    if text.startswith("/vsi") or "://" in text:
        raise InputError(f"'{text}' is not a local file", hint="Give the path of a file")


def check_zip_archive(path: Path | BinaryIO, display_name: str | None = None) -> list[str]:
    """Member names of a zip (a file, or its bytes in memory), after refusing traversal,
    links, bombs and too many members."""
    source = display_name or (path.name if isinstance(path, Path) else "the archive")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise InputError("the file is not a valid zip archive", file=source) from exc
    if len(infos) > MAX_ZIP_MEMBERS:
        raise InputError(
            f"the archive has {len(infos)} members, more than {MAX_ZIP_MEMBERS}", file=source
        )
    total = 0
    packed = 0
    for info in infos:
        name = info.filename
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":"):
            raise InputError(
                f"member '{name}' points outside the archive", file=source, hint="Zip it again"
            )
        if stat.S_ISLNK(info.external_attr >> 16):
            raise InputError(f"member '{name}' is a symbolic link", file=source)
        total += info.file_size
        packed += info.compress_size
        if info.compress_size and info.file_size / info.compress_size > MAX_ZIP_RATIO:
            raise InputError(
                f"member '{name}' is compressed {info.file_size // info.compress_size} times, "
                "more than a real geometry file is",
                file=source,
            )
    if total > MAX_UNZIPPED_BYTES:
        raise InputError(
            f"the archive unpacks to {total / 2**20:.0f} MB, more than "
            f"{MAX_UNZIPPED_BYTES // 2**20} MB",
            file=source,
        )
    if packed and total / packed > MAX_ZIP_RATIO:
        raise InputError("the archive is compressed more than a real one is", file=source)
    return [i.filename for i in infos]


def extract_zip_safely(path: Path, dest_dir: Path, display_name: str | None = None) -> Path:
    """Extract a checked archive into ``dest_dir`` (which must exist); return ``dest_dir``."""
    check_zip_archive(path, display_name)
    root = dest_dir.resolve()
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            target = (root / info.filename).resolve()
            if not target.is_relative_to(root):
                raise InputError(f"member '{info.filename}' points outside the archive")
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as src, open(target, "wb") as dst:
                dst.write(src.read(MAX_UNZIPPED_BYTES + 1))
    return dest_dir


def detect_vector_format(path: Path, display_name: str | None = None) -> str:
    """The verified format of an area file: a key of VECTOR_FORMATS."""
    source = display_name or path.name
    _refuse_path_string(path)
    suffix = Path(source).suffix.lower() or path.suffix.lower()
    kind = SUFFIXES.get(suffix)
    if kind is None:
        raise InputError(
            f"'{suffix or 'no extension'}' is not a supported area format",
            file=source,
            hint="Use GeoJSON, TopoJSON, a zipped Shapefile, GeoPackage or GeoParquet",
        )
    data = read_bounded(path, MAX_UPLOAD_BYTES, source)
    head = data[:64]
    if kind == "json":
        text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if not text.startswith(b"{"):
            raise InputError(
                "the file is not JSON (it may be XML or another format named .json)",
                file=source,
                hint="Export the areas as GeoJSON or TopoJSON",
            )
        try:
            kind_value = json.loads(data.decode("utf-8-sig")).get("type")
        except (ValueError, UnicodeDecodeError) as exc:
            raise InputError(f"the file is not valid JSON ({exc})", file=source) from exc
        if kind_value == "Topology":
            return "topojson"
        if kind_value in ("FeatureCollection", "Feature"):
            return "geojson"
        raise InputError(
            f"JSON of type '{kind_value}' holds no areas",
            file=source,
            hint="Use a GeoJSON FeatureCollection or a TopoJSON Topology",
        )
    if kind == "gpkg" and not head.startswith(b"SQLite format 3\x00"):
        raise InputError("the file is not a GeoPackage", file=source)
    if kind == "geoparquet" and not head.startswith(b"PAR1"):
        raise InputError("the file is not a Parquet file", file=source)
    if kind == "shapefile":
        names = [n.lower() for n in check_zip_archive(io.BytesIO(data), source)]
        shps = [n for n in names if n.endswith(".shp")]
        if len(shps) != 1:
            raise InputError(
                f"the archive holds {len(shps)} .shp files; it needs exactly one",
                file=source,
                hint="Zip one Shapefile (.shp, .shx, .dbf, .prj) per archive",
            )
        stem = shps[0][:-4]
        for part in (".shx", ".dbf"):
            if stem + part not in names:
                raise InputError(f"the archive has no {Path(stem).name}{part}", file=source)
    return kind
