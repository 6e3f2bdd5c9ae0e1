"""Every package the code imports is declared in pyproject.toml, and the lock pins them all."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
CODE = ("geo", "ui", "pages", "app.py", "tools", "bench", "tests")
OWN = {"geo", "ui", "pages", "tests", "tools", "bench", "app"}
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
DECLARED = [Requirement(text) for text in PROJECT["dependencies"]] + [
    Requirement(text) for text in PROJECT["optional-dependencies"]["dev"]
]


def _imported_top_level_names() -> dict[str, str]:
    """Each third-party module imported by the code, with one file that imports it."""
    found: dict[str, str] = {}
    for entry in CODE:
        path = ROOT / entry
        for file in [path] if path.is_file() else sorted(path.rglob("*.py")):
            for node in ast.walk(ast.parse(file.read_text("utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in OWN:
                        found.setdefault(top, str(file.relative_to(ROOT)))
    return found


def _locked_pins() -> dict[str, str]:
    text = (ROOT / "requirements.lock").read_text("utf-8")
    return {
        canonicalize_name(name): version
        for name, version in re.findall(r"^([A-Za-z0-9._-]+)==(\S+) \\$", text, re.MULTILINE)
    }


def test_every_imported_package_is_declared() -> None:
    declared = {canonicalize_name(req.name) for req in DECLARED}
    distributions = packages_distributions()
    undeclared = {
        module: where
        for module, where in _imported_top_level_names().items()
        if not declared & {canonicalize_name(d) for d in distributions.get(module, [module])}
    }
    assert not undeclared, (
        f"declare these in pyproject.toml (module: a file importing it): {undeclared}"
    )


def test_the_lock_pins_every_declared_package_within_its_range_with_hashes() -> None:
    pins = _locked_pins()
    for req in DECLARED:
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is declared but not in requirements.lock: run make lock"
        assert req.specifier.contains(pins[name]), f"{req.name}=={pins[name]} is outside {req}"
    text = (ROOT / "requirements.lock").read_text("utf-8")
    pinned = re.findall(
        r"^\S+==\S+ \\\n((?:    --hash=sha256:[0-9a-f]{64}(?: \\)?\n)+)", text, re.M
    )
    assert len(pinned) == len(pins)
