"""``geocrm territory``: build, move, balance, list, apply and export territory scenarios.

The same core as the Territories page (:mod:`geo.territories`): a move shows each
territory's figures for the current alignment and for the scenario, as the page does.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from geo.access.roles import Role
from geo.cli.common import add_json_flag, flag_type, parse_date, record_file, records_of
from geo.errors import InputError
from geo.store.protocol import Store

#: Actions that write to the database, and the right each needs.
SAVING_ACTIONS = frozenset({"build", "move", "delete"})
APPLYING_ACTIONS = frozenset({"apply"})


def _figure_weight(text: str) -> tuple[str, float]:
    """``customers`` or ``sales_amount=0.5``: a unit figure and its weight (default 1)."""
    from geo.territories.unit_figures import UNIT_FIGURES

    name, _, weight = text.partition("=")
    if name not in UNIT_FIGURES:
        raise ValueError(f"unknown figure {name!r}: use one of {', '.join(UNIT_FIGURES)}")
    return name, float(weight) if weight else 1.0


def _add_levels(p: argparse.ArgumentParser) -> None:
    p.add_argument("--units", default="county", help="the level territories are made of")
    p.add_argument("--territories", dest="territory_level", default="territory",
                   help="the territory level (default territory)")  # fmt: skip


def add_territory_commands(sub: Any) -> None:
    territory = sub.add_parser("territory", help="territory design").add_subparsers(
        dest="action", required=True
    )
    p = territory.add_parser(
        "balance",
        help="propose an alignment whose territories are within a tolerance of the mean "
        "(nothing is changed unless --save)",
    )
    _add_levels(p)
    p.add_argument("--by", action="append", type=flag_type(_figure_weight),
                   metavar="FIGURE[=WEIGHT]",
                   help="what to balance (repeat for a mix): customers (default), prospects, "
                   "orders, sales_amount, at_risk, revenue_at_risk, contacts_per_month, "
                   "workload_minutes")  # fmt: skip
    p.add_argument("--new", type=int, metavar="N",
                   help="split into N new territories instead of rebalancing")  # fmt: skip
    p.add_argument("--tolerance", type=float, default=0.05,
                   help="largest distance from the mean load, as a share (0.05)")  # fmt: skip
    p.add_argument("--max-moved-share", type=float,
                   help="most accounts that may change territory, a share (e.g. 0.1)")  # fmt: skip
    p.add_argument("--lock-unit", action="append", default=[], metavar="AREA_ID")
    p.add_argument("--lock-territory", action="append", default=[], metavar="AREA_ID")
    p.add_argument("--keep-segment", action="append", default=[], metavar="RFM_SEGMENT",
                   help="keep every unit holding a customer of this RFM segment with its "
                   "current rep (e.g. \"can't lose\")")  # fmt: skip
    p.add_argument("--keep-risk", action="append", default=[], metavar="BAND",
                   help="the same for a churn-risk band (low, medium, high)")  # fmt: skip
    p.add_argument("--not-contiguous", action="store_true",
                   help="allow territories in several pieces")  # fmt: skip
    p.add_argument("--minutes-per-contact", type=float, default=30.0)
    p.add_argument("--out", type=Path, help="also write each unit's territory: .csv or .xlsx")
    p.add_argument("--save", metavar="SCENARIO", help="save the proposal as a scenario")
    add_json_flag(p)

    p = territory.add_parser("build", help="save a scenario from a file of units and territories")
    p.add_argument("scenario", help="the scenario's name")
    p.add_argument("--from", dest="source", type=Path, required=True,
                   help="CSV or XLSX: unit_id, territory_id, territory_name, owner")  # fmt: skip
    _add_levels(p)
    p.add_argument("--replace", action="store_true", help="save over a scenario of that name")
    add_json_flag(p)

    p = territory.add_parser(
        "move", help="move units to a territory in a scenario (made from the current alignment "
        "if it is not saved yet) and show each territory before and after"
    )  # fmt: skip
    p.add_argument("scenario")
    p.add_argument("--unit", action="append", required=True, metavar="AREA_ID")
    p.add_argument("--to", required=True, metavar="TERRITORY_ID")
    p.add_argument("--name", help="the territory's name (a new territory, or renamed)")
    p.add_argument("--owner", help="the territory's owner (a new territory, or handed over)")
    _add_levels(p)
    add_json_flag(p)

    scenario = territory.add_parser("scenario", help="saved scenarios").add_subparsers(
        dest="scenario_action", required=True
    )
    p = scenario.add_parser("list", help="list the saved scenarios")
    add_json_flag(p)
    p = scenario.add_parser("show", help="a saved scenario's territories against the current")
    p.add_argument("scenario")
    add_json_flag(p)
    p = scenario.add_parser("delete", help="delete a saved scenario")
    p.add_argument("scenario")
    add_json_flag(p)

    p = territory.add_parser("apply", help="make a saved scenario the current alignment")
    p.add_argument("scenario")
    p.add_argument("--effective", type=parse_date, help="from this day (default: today)")
    add_json_flag(p)

    p = territory.add_parser("export", help="write a scenario: .csv/.xlsx per unit, .geojson")
    p.add_argument("scenario")
    p.add_argument("--out", type=Path, required=True)
    add_json_flag(p)

    p = territory.add_parser("history", help="the dated changes of a territory level")
    p.add_argument("--territories", dest="territory_level", default="territory")
    p.add_argument("--on", type=parse_date, help="also list each unit's territory on this day")
    add_json_flag(p)


def _action(args: argparse.Namespace) -> str:
    if args.action == "scenario":
        return str(args.scenario_action)
    if args.action == "balance" and args.save:
        return "build"
    return str(args.action)


def territory_writes(args: argparse.Namespace) -> bool:
    """Whether this territory command writes to the database."""
    return _action(args) in SAVING_ACTIONS | APPLYING_ACTIONS


def territory_refusal(role: Role, args: argparse.Namespace) -> str | None:
    """Why ``role`` may not run this territory command (None: it may)."""
    action = _action(args)
    if action in APPLYING_ACTIONS and not role.may_load_data:
        return "apply a territory scenario (it changes everyone's territories)"
    if action in SAVING_ACTIONS and not role.may_save_segments:
        return "save or delete territory scenarios"
    return None


def run_territory(store: Store, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    runs = {
        "balance": _run_balance,
        "build": _run_build,
        "move": _run_move,
        "scenario": _run_scenario,
        "apply": _run_apply,
        "export": _run_export,
        "history": _run_history,
    }
    return runs[args.action](store, args)


def _figures_text(table: pd.DataFrame, figures: list[str]) -> str:
    columns = ["territory", "name", "owner", "units_before", "units_after"]
    columns += [f"{f}_{when}" for f in figures for when in ("before", "after")]
    return table[columns].to_string(index=False, float_format=lambda v: f"{v:,.0f}")


def _run_balance(store: Store, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from geo.cli.common import write_table
    from geo.territories.balancing import BalanceRules
    from geo.territories.rebalance import BalanceAsk, proposal_scenario, propose_balance
    from geo.territories.scenarios import current_scenario, save_scenario

    ask = BalanceAsk(
        unit_level=args.units,
        territory_level=args.territory_level,
        weights=tuple(args.by or [("customers", 1.0)]),
        territories=args.new,
        rules=BalanceRules(
            tolerance=args.tolerance,
            contiguous=not args.not_contiguous,
            max_moved_share=args.max_moved_share,
        ),
        minutes_per_contact=args.minutes_per_contact,
        locked_unit_ids=tuple(args.lock_unit),
        locked_territory_ids=tuple(args.lock_territory),
        keep_segments=tuple(args.keep_segment),
        keep_risk_bands=tuple(args.keep_risk),
    )
    proposal = propose_balance(store, ask)
    mix = " + ".join(f"{w:g} x {f}" for f, w in ask.weights)
    write_table(
        store,
        args,
        proposal.units[["area_id", "name", "before", "after"]],
        f"territory balance of {args.units} by {mix}",
    )
    saved = None
    if args.save:
        current = current_scenario(store, args.units, args.territory_level)
        scenario = proposal_scenario(proposal, current)
        saved = save_scenario(store, scenario, args.save, by=args.actor, overwrite=True)
    # Customers, and each figure balanced on, before and after.
    shown = dict.fromkeys(["customers", *(f for f, _ in ask.weights)])
    columns = ["territory", "units_before", "units_after"]
    columns += [f"{f}_{when}" for f in shown for when in ("before", "after")]
    moved = proposal.disruption.set_index("owner").loc["all"].to_dict()
    ending = (
        f"Saved as the scenario '{saved.name}' (revision {saved.revision}); nothing else changed."
        if saved
        else "Nothing was changed."
    )
    kept = (
        f" {len(proposal.kept_units):,} units stay with their rep for the customers kept."
        if ask.keep_segments or ask.keep_risk_bands
        else ""
    )
    text = "\n".join(
        [
            f"{args.units} units balanced by {mix}: {proposal.result.moves:,} moves, "
            f"{proposal.result.reason}.{kept}",
            proposal.summary.to_string(),
            "",
            proposal.territories[columns].to_string(
                index=False, float_format=lambda v: f"{v:,.0f}"
            ),
            "",
            f"Changing territory: {int(moved['units']):,} units, {int(moved['accounts']):,} "
            f"accounts ({moved['share_of_accounts']:.1%}), ${moved['revenue']:,.0f} of sales "
            f"({moved['share_of_revenue']:.1%}). {ending}",
        ]
    )
    payload = {
        "moves": proposal.result.moves,
        "reason": proposal.result.reason,
        "summary": records_of(proposal.summary.reset_index()),
        "territories": records_of(proposal.territories),
        "disruption": records_of(proposal.disruption),
        "moved_units": records_of(proposal.moved[["area_id", "name", "before", "after"]]),
        "saved": saved.name if saved else None,
        "kept_units": list(proposal.kept_units),
    }
    return payload, text


def _run_build(store: Store, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from geo.territories.scenario_file import read_scenario_file
    from geo.territories.scenarios import save_scenario

    read = read_scenario_file(store, args.source, args.units, args.territory_level)
    saved = save_scenario(
        store, read.scenario, args.scenario, by=args.actor, overwrite=args.replace
    )
    lines = [
        f"saved the scenario '{saved.name}': {len(saved.territory_of):,} {args.units} units in "
        f"{len(saved.territories):,} territories of '{args.territory_level}' "
        f"(revision {saved.revision}); apply it with `geocrm territory apply`",
        *[f"warning: {w}" for w in read.warnings],
    ]
    if len(read.rejected):
        lines.append(f"{len(read.rejected):,} rows were not used:")
        lines.append(read.rejected.head(20).to_string(index=False))
    payload = {
        "scenario": saved.name,
        "revision": saved.revision,
        "units": len(saved.territory_of),
        "territories": len(saved.territories),
        "rejected": records_of(read.rejected),
        "warnings": read.warnings,
    }
    return payload, "\n".join(lines)


def _saved_or_current(store: Store, args: argparse.Namespace) -> Any:
    from geo.territories.scenarios import current_scenario, list_scenarios, open_scenario

    existing = set(list_scenarios(store)["name"].astype(str))
    if args.scenario.strip() in existing:
        return open_scenario(store, args.scenario.strip())
    return current_scenario(store, args.units, args.territory_level)


def _compared(store: Store, scenario: Any) -> tuple[pd.DataFrame, dict[str, Any], pd.DataFrame]:
    """The scenario's territories against the current alignment, its judgement on
    customers and the disruption."""
    from geo.territories.scenario_figures import (
        alignment_judgement,
        scenario_disruption,
        territory_figures,
        unit_base,
    )
    from geo.territories.scenarios import current_scenario

    base = unit_base(store, scenario.unit_level)
    if scenario.territory_level in store.levels():
        current = current_scenario(store, scenario.unit_level, scenario.territory_level)
    else:
        current = type(scenario)(
            scenario.unit_level, scenario.territory_level, {}, scenario.territories
        )
    table = territory_figures(base, current, scenario)
    judged = {
        "current": alignment_judgement(base, current, "customers"),
        "scenario": alignment_judgement(base, scenario, "customers"),
    }
    return table, judged, scenario_disruption(base, current, scenario)


def _comparison_text(table: pd.DataFrame, judged: dict[str, Any], moved: pd.DataFrame) -> str:
    everything = moved.set_index("owner").loc["all"].to_dict()
    return "\n".join(
        [
            _figures_text(table, ["customers", "sales_amount", "workload_minutes"]),
            "",
            pd.DataFrame(judged).T.to_string(),
            "",
            f"Changing territory against the current alignment: {int(everything['units']):,} "
            f"units, {int(everything['accounts']):,} accounts "
            f"({everything['share_of_accounts']:.1%}), ${everything['revenue']:,.0f} of sales.",
        ]
    )


def _run_move(store: Store, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from geo.territories.scenarios import save_scenario

    scenario = _saved_or_current(store, args)
    started_from = scenario.revision
    if args.name is not None or args.owner is not None or args.to not in scenario.territories.index:
        known = args.to in scenario.territories.index
        name = args.name if args.name is not None else (
            scenario.territories.loc[args.to, "name"] if known else args.to
        )  # fmt: skip
        owner = args.owner if args.owner is not None else (
            scenario.territories.loc[args.to, "owner"] if known else None
        )  # fmt: skip
        scenario = scenario.with_territory(args.to, str(name), owner)
    scenario = scenario.moved(args.unit, args.to)
    saved = save_scenario(store, scenario, args.scenario, by=args.actor, started_from=started_from)
    table, judged, moved = _compared(store, saved)
    text = (
        f"moved {len(set(args.unit)):,} units to {args.to} in '{saved.name}' (revision "
        f"{saved.revision}); each territory, current alignment and scenario:\n"
        + _comparison_text(table, judged, moved)
    )
    payload = {
        "scenario": saved.name,
        "revision": saved.revision,
        "territories": records_of(table),
        "judgement": judged,
        "disruption": records_of(moved),
    }
    return payload, text


def _run_scenario(store: Store, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from geo.territories.scenarios import delete_scenario, list_scenarios, open_scenario

    if args.scenario_action == "list":
        table = list_scenarios(store)
        text = table.to_string(index=False) if len(table) else "no scenario is saved yet"
        return {"scenarios": records_of(table)}, text
    if args.scenario_action == "delete":
        delete_scenario(store, args.scenario)
        return {"deleted": args.scenario}, f"deleted the scenario '{args.scenario}'"
    scenario = open_scenario(store, args.scenario)
    table, judged, moved = _compared(store, scenario)
    notes = [f"warning: {p}" for p in scenario.problems]
    text = "\n".join(
        [
            f"'{scenario.name}': {scenario.unit_level} units in {scenario.territory_level} "
            f"territories, revision {scenario.revision}",
            *notes,
            _comparison_text(table, judged, moved),
        ]
    )
    payload = {
        "scenario": scenario.name,
        "revision": scenario.revision,
        "territories": records_of(table),
        "judgement": judged,
        "disruption": records_of(moved),
        "problems": scenario.problems,
    }
    return payload, text


def _run_apply(store: Store, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from geo.territories.applying import apply_scenario

    effective = args.effective or date.today()
    applied = apply_scenario(store, args.scenario, effective=effective, by=args.actor)
    empty = (
        f"; left out, holding no unit: {', '.join(applied.empty_territories)}"
        if applied.empty_territories
        else ""
    )
    statuses = ", ".join(f"{n:,} {s.replace('_', ' ')}" for s, n in applied.statuses.items())
    text = (
        f"applied '{applied.scenario}' from {applied.effective}: {applied.territories} "
        f"territories of '{applied.territory_level}', {applied.units_changed:,} units changed "
        f"territory, {applied.owner_changes:,} changed owner{empty}. Customers: {statuses}."
    )
    payload = {
        "scenario": applied.scenario,
        "effective": applied.effective.isoformat(),
        "territories": applied.territories,
        "units_changed": applied.units_changed,
        "owner_changes": applied.owner_changes,
        "empty_territories": applied.empty_territories,
        "statuses": applied.statuses,
    }
    return payload, text


def _run_export(store: Store, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from geo.present.territory_export import scenario_file_format, write_scenario
    from geo.territories.scenario_figures import unit_base
    from geo.territories.scenarios import open_scenario

    fmt = scenario_file_format(args.out)
    scenario = open_scenario(store, args.scenario)
    written = write_scenario(unit_base(store, scenario.unit_level), scenario, args.out, fmt)
    record_file(store, args, f"territory scenario '{scenario.name}'", fmt, written, args.out)
    what = "territories" if fmt == "geojson" else f"{scenario.unit_level} units"
    return (
        {"out": str(args.out), "format": fmt, "rows": written},
        f"wrote {written:,} {what} of '{scenario.name}' to {args.out}",
    )


def _run_history(store: Store, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from geo.territories.history import alignment_changes, alignment_on

    changes = alignment_changes(store, args.territory_level)
    if changes.empty and args.on is None:
        raise InputError(
            f"no scenario was ever applied to '{args.territory_level}'",
            hint="Apply one with `geocrm territory apply`",
        )
    text = changes.to_string(index=False) if len(changes) else "no dated change yet"
    payload: dict[str, Any] = {"changes": records_of(changes)}
    if args.on is not None:
        held = alignment_on(store, args.territory_level, args.on)
        per = held.groupby(["territory_id", "owner"], dropna=False).size().reset_index(name="units")
        text += f"\n\nOn {args.on}:\n" + per.to_string(index=False)
        payload["on"] = records_of(held)
    return payload, text
