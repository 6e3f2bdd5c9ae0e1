"""The README's table of the core's modules is the one the code's docstrings make."""

from __future__ import annotations

from pathlib import Path

from tools.module_map import main, module_table

ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_lists_every_module_of_the_core_with_its_job() -> None:
    assert main(["--check", str(ROOT / "README.md")]) == 0
    table = module_table()
    modules = [
        p for p in (ROOT / "geo").rglob("*.py") if p.name not in {"__init__.py", "__main__.py"}
    ]
    for path in modules:
        assert f"`{path.relative_to(ROOT).as_posix()}`" in table, path
    # Every row says what its module does.
    assert all(not row.endswith("|  |") for row in table.splitlines())
