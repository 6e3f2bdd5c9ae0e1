"""``geocrm fix``: fix a customer's location by hand (kept through later imports), list
the fixes, revert one."""

from __future__ import annotations

import argparse
from typing import Any

from geo.cli.common import add_json_flag, records_of
from geo.imports.location_fixes import fix_location, listed_location_fixes, revert_location_fix
from geo.store.protocol import Store

#: How many fixes ``geocrm fix list`` shows unless told.
LISTED_FIXES = 50


def add_fix_commands(sub: Any) -> None:
    """The ``fix`` command and its actions."""
    fix = sub.add_parser(
        "fix", help="fix a customer's location by hand, list the fixes, revert one"
    ).add_subparsers(dest="action", required=True)
    p = fix.add_parser("location", help="set a customer's point; later imports keep it")
    p.add_argument("customer_id")
    p.add_argument("--lat", type=float, required=True, help="latitude, WGS84 degrees")
    p.add_argument("--lon", type=float, required=True, help="longitude, WGS84 degrees")
    p.add_argument("--note", help="why (kept with the fix)")
    add_json_flag(p)
    p = fix.add_parser("list", help="the latest fixes: who, when, before, after, in force")
    p.add_argument("--limit", type=int, default=LISTED_FIXES)
    add_json_flag(p)
    p = fix.add_parser("revert", help="end a customer's fix: the imported point comes back")
    p.add_argument("customer_id")
    add_json_flag(p)


def fix_reads_only(args: argparse.Namespace) -> bool:
    """Whether this ``fix`` action only reads (the list)."""
    return bool(args.action == "list")


def run_fix(store: Store, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    """``geocrm fix location|list|revert``."""
    actor = None if args.actor == "local" else args.actor
    if args.action == "location":
        made = fix_location(
            store, args.customer_id, args.lat, args.lon, fixed_by=actor, note=args.note
        )
        return {"fixed": made.to_dict()}, made.sentence()
    if args.action == "revert":
        undone = revert_location_fix(store, args.customer_id, reverted_by=actor)
        return {"reverted": undone.to_dict()}, undone.sentence("reverted")
    fixes = listed_location_fixes(store, args.limit)
    if fixes.empty:
        return {"fixes": []}, "no location fixes yet"
    shown = fixes[["fix_id", "customer_id", "imported_lat", "imported_lon", "lat", "lon",
                   "fixed_at", "fixed_by", "in_force"]]  # fmt: skip
    return {"fixes": records_of(fixes)}, shown.to_string(index=False)
