"""What import-linter cannot see: the page scripts (no package) never reach the store."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, by its dotted name (``from a.b import c`` gives a.b
    and a.b.c)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_pages_and_the_entry_point_never_import_the_store_or_a_driver() -> None:
    scripts = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]
    assert len(scripts) >= 10
    for script in scripts:
        reached = {
            name
            for name in imported_modules(script)
            if name == "geo.store" or name.startswith(("geo.store.", "duckdb", "psycopg"))
        }
        assert not reached, f"{script.name} imports {sorted(reached)}: go through ui/ or geo/"


def test_the_check_sees_an_import_of_the_store(tmp_path: Path) -> None:
    script = tmp_path / "page.py"
    script.write_text("from geo.store.duckdb_store import Store\nimport duckdb\n")
    assert {"geo.store.duckdb_store", "duckdb"} <= imported_modules(script)
