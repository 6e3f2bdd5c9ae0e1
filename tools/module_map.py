"""Print the core's modules, one line each with its job, as the README's Markdown table.

``python tools/module_map.py`` prints it; ``--check README.md`` exits 1 when the README's
copy (between the ``module-map`` markers) differs, so the table cannot drift from the code;
``--write README.md`` replaces that copy.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BEGIN = "<!-- module-map: begin (tools/module_map.py writes this table) -->"
END = "<!-- module-map: end -->"
#: Sub-packages in the order of the flow (imports come in, presentations go out).
PACKAGE_ORDER = (
    "imports",
    "places",
    "store",
    "access",
    "segments",
    "analytics",
    "maps",
    "territories",
    "quality",
    "present",
    "demo",
    "cli",
)


def module_job(path: Path) -> str:
    """The first paragraph of a module's docstring (its job), on one line."""
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return " ".join(doc.strip().split("\n\n")[0].split())


def module_table(root: Path = ROOT) -> str:
    """The Markdown table of every module of ``geo``: top-level ones, then each sub-package."""
    core = root / "geo"
    rows = ["| module | job |", "|---|---|"]
    top = sorted(p for p in core.glob("*.py") if p.name not in {"__init__.py", "__main__.py"})
    rows += [f"| `geo/{p.name}` | {module_job(p)} |" for p in top]
    for package in PACKAGE_ORDER:
        rows.append(f"| **`geo/{package}/`** | **{module_job(core / package / '__init__.py')}** |")
        for path in sorted((core / package).glob("*.py")):
            if path.name == "__init__.py":
                continue
            rows.append(f"| `geo/{package}/{path.name}` | {module_job(path)} |")
    return "\n".join(rows) + "\n"


def readme_table(readme: Path) -> str:
    """The table between the markers in ``readme``."""
    text = readme.read_text(encoding="utf-8")
    return text.split(BEGIN, 1)[1].split(END, 1)[0].lstrip("\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", type=Path, help="compare with this README's copy")
    parser.add_argument("--write", type=Path, help="replace this README's copy")
    args = parser.parse_args(argv)
    table = module_table()
    if args.write:
        text = args.write.read_text(encoding="utf-8")
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        args.write.write_text(f"{head}{BEGIN}\n{table}{END}{tail}", encoding="utf-8")
        return 0
    if args.check:
        if readme_table(args.check) != table:
            print(f"{args.check.name}: the module table is out of date; run tools/module_map.py")
            return 1
        return 0
    sys.stdout.write(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
