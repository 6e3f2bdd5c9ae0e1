"""Copy the map assets from node_modules (pinned npm packages) into static/vendor/.

Run after ``npm ci``; the Makefile does both.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.maps.assets import ASSETS, VENDOR_DIR, VENDOR_FOLDERS  # noqa: E402

NODE_MODULES = ROOT / "node_modules"


def main(vendor_dir: Path = VENDOR_DIR) -> int:
    # Start empty, so that a file the table no longer names is not left behind to be served.
    shutil.rmtree(vendor_dir, ignore_errors=True)
    copied = 0
    for item in list(ASSETS.values()) + list(VENDOR_FOLDERS):
        target = vendor_dir / item.local_path
        target.parent.mkdir(parents=True, exist_ok=True)
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
    print(f"map assets: {copied} files in {vendor_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
