"""``geocrm merge``: merge a duplicate customer into the one kept, or list the merges."""

from __future__ import annotations

import argparse
from typing import Any

from geo.cli.common import add_json_flag, records_of
from geo.errors import InputError
from geo.imports.merges import listed_merges, merge_customers
from geo.store.protocol import Store

#: How many merges ``geocrm merge list`` shows unless told.
LISTED_MERGES = 50


def add_merge_commands(sub: Any) -> None:
    """The ``merge`` command: ``merge KEEP DROP`` or ``merge list``."""
    p = sub.add_parser(
        "merge",
        help="merge a duplicate customer into another (DROP's sales move to KEEP), or list",
        description="geocrm merge KEEP DROP: DROP's order lines move to KEEP and DROP is "
        "removed; later imports follow the merge. geocrm merge list: the merges.",
    )
    p.add_argument("kept", metavar="KEEP", help="the customer ID kept, or 'list'")
    p.add_argument("dropped", metavar="DROP", nargs="?", help="the customer ID merged into it")
    p.add_argument("--limit", type=int, default=LISTED_MERGES, help="for list: how many")
    add_json_flag(p)


def merge_reads_only(args: argparse.Namespace) -> bool:
    """Whether this ``merge`` only reads (the list)."""
    return bool(args.kept == "list" and args.dropped is None)


def run_merge(store: Store, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    """``geocrm merge KEEP DROP`` or ``geocrm merge list``."""
    if merge_reads_only(args):
        merges = listed_merges(store, args.limit)
        if merges.empty:
            return {"merges": []}, "no merges yet"
        shown = merges[["merge_id", "kept_id", "dropped_id", "sales_moved", "merged_at",
                        "merged_by"]]  # fmt: skip
        return {"merges": records_of(merges)}, shown.to_string(index=False)
    if args.dropped is None:
        raise InputError("name the customer to merge too: geocrm merge KEEP DROP")
    actor = None if args.actor == "local" else args.actor
    merge = merge_customers(store, args.kept, args.dropped, merged_by=actor)
    return {"merged": merge.to_dict()}, merge.sentence()
