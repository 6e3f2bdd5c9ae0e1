"""Copy the map assets from node_modules (pinned npm packages) into static/vendor/.

Run after ``npm ci``; the Makefile does both. The folium rotation stylesheet is generated and
Leaflet.heat is taken from the installed folium package (the copy folium's own maps use).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import folium

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.maps.assets import ASSETS, VENDOR_DIR, VENDOR_FOLDERS  # noqa: E402

NODE_MODULES = ROOT / "node_modules"
FOLIUM_TEMPLATES = Path(folium.__file__).resolve().parent / "templates"


def main() -> int:
    copied = 0
    for item in list(ASSETS.values()) + list(VENDOR_FOLDERS):
        target = VENDOR_DIR / item.local_path
        target.parent.mkdir(parents=True, exist_ok=True)
        if item.package_dir == "folium":
            if item.path == "leaflet.awesome.rotate.min.css":
                rules = "".join(f".fa-rotate-{n}{{transform:rotate({n}deg)}}" for n in range(360))
                target.write_text(rules, encoding="utf-8")
            else:
                shutil.copyfile(FOLIUM_TEMPLATES / item.path, target)
            copied += 1
            continue
        source = NODE_MODULES / item.package_dir / item.path
        if not source.exists():
            print(f"missing {source.relative_to(ROOT)}: run `npm ci` first", file=sys.stderr)
            return 1
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
            copied += sum(1 for p in source.rglob("*") if p.is_file())
        else:
            shutil.copyfile(source, target)
            copied += 1
    print(f"map assets: {copied} files in {VENDOR_DIR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
