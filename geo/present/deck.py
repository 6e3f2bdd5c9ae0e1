"""Meeting material from a segment: a slide deck (PPTX) and the same deck as PDF.

The deck has a title slide (segment, date, data as of), an overview slide (the map of the
chosen metric with its legend and headline figures) and one slide per area of the chosen
level, the top N by that metric: the area's map, its figures against the previous period
(the last whole quarter against the one before), its quarterly trend and its top at-risk
customers. Every number comes from the same functions, and the same segment, as the
screen. Amounts are in the currency of the sales file.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field, replace
from datetime import date

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd

from geo.analytics.area_metrics import KPIS, METRICS, area_metric_values, metric_column
from geo.analytics.figures import net_change_last_period, quarter_name
from geo.analytics.flows import (
    area_flows,
    compared_with,
    flows_over_time,
    latest_complete_period,
)
from geo.analytics.rfm_views import top_at_risk
from geo.analytics.scores import score_state
from geo.maps.area_colours import format_value
from geo.maps.classes import DEFAULT_SCHEME
from geo.maps.colours import BAR_COLOUR, SECOND_SERIES_COLOUR
from geo.maps.display_geometry import simplify_for_display
from geo.maps.picture import PANEL_SIZE, render_map_picture
from geo.progress import Progress
from geo.segments.area_kpis import compute_area_kpis, summarise_selection
from geo.segments.segment import Segment
from geo.segments.selection import describe_filters
from geo.store.protocol import Store
from geo.store.scope import EVERYTHING, Scope

PERIOD = "quarter"
DISPLAY_TOLERANCE_DEG = 0.01
AT_RISK_ROWS = 5


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str
    change: str = ""

    def text(self) -> str:
        return f"{self.label}: {self.value}" + (f" ({self.change})" if self.change else "")


@dataclass
class SlideContent:
    title: str
    subtitle: str = ""
    kpis: list[Kpi] = field(default_factory=list)
    picture: bytes | None = None
    chart: bytes | None = None
    table: pd.DataFrame | None = None
    table_title: str = ""


@dataclass
class DeckContent:
    slides: list[SlideContent]


def _change(now: float, before: float, comparison: str) -> str:
    """'+4.2% vs Q2 2026' (``comparison`` names the period compared with)."""
    if before == 0:
        return "no sales before" if now else ""
    return f"{now / before - 1:+.1%} {comparison}"


def _trend_chart(flows: pd.DataFrame, title: str) -> bytes:
    """Quarterly sales (bars) and active customers (line), 1000 x 350 pixels."""
    shown = flows.iloc[1:]  # everyone is new in the first period of the data
    labels = [quarter_name(pd.Timestamp(d).date()) for d in shown["period_start"]]
    fig, ax = plt.subplots(figsize=(10, 3.5), dpi=100)
    try:
        ax.bar(labels, shown["sales"], color=BAR_COLOUR)
        ax.set_ylabel("Sales ($)", fontsize=11)
        ax.yaxis.set_major_formatter(lambda v, _pos: f"${v:,.0f}")
        ax.tick_params(labelsize=9)
        other = ax.twinx()
        other.plot(labels, shown["active"], color=SECOND_SERIES_COLOUR, marker="o", linewidth=3)
        other.set_ylabel("Active customers", fontsize=11, color=SECOND_SERIES_COLOUR)
        other.tick_params(labelsize=9)
        ax.set_title(title, fontsize=12, loc="left")
        for spine in ("top",):
            ax.spines[spine].set_visible(False)
            other.spines[spine].set_visible(False)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", facecolor="white")
        return buffer.getvalue()
    finally:
        plt.close(fig)


def _whole_quarters(flows: pd.DataFrame, last: date | None) -> pd.DataFrame:
    """The quarters up to the last whole one: a running quarter would look like a fall."""
    if last is None:
        return flows
    return flows[pd.to_datetime(flows["period_start"]) <= pd.Timestamp(last)]


def build_deck_content(
    store: Store,
    segment: Segment,
    *,
    level: str,
    top: int = 10,
    metric: str = "sales_amount",
    on: date | None = None,
    progress: Progress | None = None,
    scheme: str = DEFAULT_SCHEME,
    scope: Scope = EVERYTHING,
) -> DeckContent:
    """The slides' content for ``segment`` at ``level``: title, overview, ``top`` areas;
    the maps are coloured in the classes of ``scheme``, as on the screen.

    ``progress`` hears one step per slide, from 0 to 1 (the area slides take the time)."""
    if metric not in METRICS or METRICS[metric].unit == "category":
        numeric = [k for k, m in METRICS.items() if m.unit != "category"]
        raise ValueError(f"the deck ranks areas by a number: use one of {', '.join(numeric)}")
    on = on or date.today()
    if progress:
        progress("the overview slide", 0.0)
    filters = segment.filters.with_level(level)
    as_of = score_state(store).as_of
    description = describe_filters(store, filters, scope=scope)
    chosen = METRICS[metric]
    kpis = compute_area_kpis(store, filters, scope=scope).set_index("area_id")
    values = (
        metric_column(kpis, chosen)
        if chosen.source == KPIS
        else area_metric_values(store, filters, metric, scope=scope)
    )
    areas = simplify_for_display(store.load_areas(level, scope=scope), DISPLAY_TOLERANCE_DEG)
    if filters.area_ids:  # the areas the screen shows, so the classes are the same
        areas = areas[areas["area_id"].isin(filters.area_ids)]
    summary = summarise_selection(store, filters, scope=scope)
    quarter = latest_complete_period(store, PERIOD, scope=scope)
    slides = [
        SlideContent(
            title=segment.name or "Territory review",
            subtitle=(
                f"{description}\nMade {on:%d %B %Y}"
                + (f" · data as of {as_of:%d %B %Y}" if as_of else "")
            ),
        )
    ]
    overview = [
        Kpi("Customers", f"{summary['customers']:,}"),
        Kpi("Prospects", f"{summary['prospects']:,}"),
        Kpi("Sales", format_value(summary["sales_amount"], "$")),
    ]
    flows = pd.DataFrame()
    net = net_change_last_period(store, filters, PERIOD, scope=scope)
    if quarter is not None:
        flows = area_flows(store, filters, PERIOD, quarter, scope=scope).set_index("area_id")
    if net is not None:
        # The whole selection's change, as every page shows it (not only the areas' sum).
        overview.append(
            Kpi(f"Net customer change, {quarter_name(net.period_start)}", f"{net.net_change:+,}")
        )
    slides.append(
        SlideContent(
            title=f"{chosen.label} by {level}",
            subtitle=description,
            kpis=overview,
            picture=render_map_picture(
                areas, values, title="", metric_label=chosen.label, unit=chosen.unit,
                diverging=chosen.diverging, size=PANEL_SIZE, scheme=scheme,
            ),
        )
    )  # fmt: skip
    ranked = values.reindex(kpis.index).dropna().sort_values(ascending=False, kind="stable")
    chosen_areas = ranked.index[:top]
    for done, area_id in enumerate(chosen_areas):
        row = kpis.loc[area_id]
        if progress:
            progress(
                f"slide {done + 1} of {len(chosen_areas)}: {row['name']}",
                (done + 1) / (len(chosen_areas) + 1),
            )
        here = replace(filters, area_ids=(str(area_id),))
        area_kpis = [
            Kpi("Customers", f"{int(row['customers']):,}"),
            Kpi("Prospects", f"{int(row['prospects']):,}"),
            Kpi(chosen.label, format_value(float(values[area_id]), chosen.unit)),
        ]
        if quarter is not None and area_id in flows.index:
            f = flows.loc[area_id]
            area_kpis += [
                Kpi(
                    f"Sales, {quarter_name(quarter)}",
                    format_value(float(f["sales"]), "$"),
                    _change(
                        float(f["sales"]), float(f["sales_before"]), compared_with(quarter, PERIOD)
                    ),
                ),
                Kpi(
                    f"Active customers, {quarter_name(quarter)}",
                    f"{int(f['active']):,}",
                    f"{int(f['active']) - int(f['active_before']):+,} "
                    + compared_with(quarter, PERIOD),
                ),
                Kpi("New / lost customers", f"{int(f['new']):,} / {int(f['lost']):,}"),
            ]
        risk = top_at_risk(store, here, AT_RISK_ROWS, scope=scope)
        table = pd.DataFrame(
            {
                "Customer": risk["name"].astype(str),
                "Last order": pd.to_datetime(risk["last_order"]).dt.strftime("%d %b %Y"),
                "Lifetime revenue": [format_value(v, "$") for v in risk["lifetime_revenue"]],
                "Risk": [f"{v:.0%}" for v in risk["churn_risk"]],
            }
        )
        slides.append(
            SlideContent(
                title=str(row["name"]),
                subtitle=f"{level} {area_id}"
                + (f" in {row['parent_name']}" if pd.notna(row["parent_name"]) else "")
                + f" · owner {row['owner'] or 'none'}",
                kpis=area_kpis,
                picture=render_map_picture(
                    areas, values, title="", metric_label=chosen.label, unit=chosen.unit,
                    diverging=chosen.diverging, focus=str(area_id), size=PANEL_SIZE,
                    scheme=scheme,
                ),
                chart=_trend_chart(
                    _whole_quarters(flows_over_time(store, here, PERIOD, scope=scope), quarter),
                    "Sales and active customers by quarter",
                ),
                table=table,
                table_title="Top customers at high churn risk, by lifetime revenue",
            )
        )  # fmt: skip
    if progress:
        progress(f"{len(slides)} slides", 1.0)
    return DeckContent(slides)
