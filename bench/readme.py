"""Write the README's Performance tables from the saved benchmark runs.

``python -m bench.readme`` replaces the text between the README's markers with the latest
whole runs saved by ``python -m bench``: the standard run (10k, 100k and 1M customers)
between ``<!-- bench:standard -->`` and ``<!-- /bench:standard -->``, and the scale run
(``BENCH_SIZES=10000000``) between ``<!-- bench:scale -->`` and ``<!-- /bench:scale -->``,
or, when that run was stopped before its end, what it measured, saying so. ``--print``
prints the tables instead. A partial run (``BENCH_ONLY``) is never written.
"""

from __future__ import annotations

import argparse
import re
import sys
from functools import partial
from pathlib import Path

from bench.measure import BenchRun

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
#: Which saved run fills which block of the README.
BLOCKS = {"standard": "standard.json", "scale": "sizes-10000000.json"}


def block_text(name: str) -> str | None:
    """The markdown of the run saved for block ``name``, or None when there is none. The
    scale run takes hours: when only an unfinished one is saved, it is written, saying which
    sections it measured and which it did not."""
    saved = RESULTS / BLOCKS[name]
    unfinished = saved.with_suffix(".unfinished.json")
    if not saved.exists() and name == "scale" and unfinished.exists():
        saved = unfinished
    if not saved.exists():
        return None
    return BenchRun.from_json(saved.read_text()).markdown()


def _between(text: str, match: re.Match[str]) -> str:
    return match.group(1) + text + match.group(2)


def write_blocks(readme: str, blocks: dict[str, str]) -> str:
    """``readme`` with each named block's text replaced."""
    for name, text in blocks.items():
        pattern = re.compile(rf"(<!-- bench:{name} -->\n).*?(\n<!-- /bench:{name} -->)", re.S)
        if not pattern.search(readme):
            raise SystemExit(f"README.md has no <!-- bench:{name} --> block")
        readme = pattern.sub(partial(_between, text), readme)
    return readme


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.readme")
    parser.add_argument("--print", action="store_true", help="print instead of writing")
    args = parser.parse_args(argv)
    blocks = {name: text for name in BLOCKS if (text := block_text(name)) is not None}
    if not blocks:
        print("no saved benchmark run: run `make bench` first", file=sys.stderr)
        return 1
    if args.print:
        print("\n\n".join(blocks.values()))
        return 0
    readme = ROOT / "README.md"
    readme.write_text(write_blocks(readme.read_text(), blocks))
    print(f"README.md: wrote {', '.join(blocks)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
