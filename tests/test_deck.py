"""The deck reads back with python-pptx: slides, titles and figures equal the segment's."""

from __future__ import annotations

import io
import re

from pptx import Presentation

from geo.present.deck import build_deck_content
from geo.present.deck_files import write_pdf, write_pptx
from geo.segments.area_kpis import compute_area_kpis, summarise_selection
from geo.segments.filters import Filters
from geo.segments.segment import Segment
from geo.store.protocol import Store


def _texts(slide: object) -> list[str]:
    out: list[str] = []
    for shape in slide.shapes:  # type: ignore[attr-defined]
        if shape.has_text_frame:
            out.extend(p.text for p in shape.text_frame.paragraphs if p.text)
    return out


def test_deck_slides_titles_and_figures_match_the_segment(demo_store: Store) -> None:
    filters = Filters(level="state", kind="customer")
    segment = Segment(filters, name="Customer review")
    deck = build_deck_content(demo_store, segment, level="state", top=3, metric="customers")
    prs = Presentation(io.BytesIO(write_pptx(deck)))
    slides = list(prs.slides)
    assert len(slides) == 2 + 3
    assert _texts(slides[0])[0] == "Customer review"
    assert _texts(slides[1])[0] == "Customers by state"
    summary = summarise_selection(demo_store, filters)
    overview = _texts(slides[1])
    assert f"Customers: {summary['customers']:,}" in overview
    kpis = compute_area_kpis(demo_store, filters).sort_values(
        "customers", ascending=False, kind="stable"
    )
    for slide, (_, row) in zip(slides[2:], kpis.head(3).iterrows(), strict=True):
        texts = _texts(slide)
        assert texts[0] == row["name"]
        assert f"Customers: {int(row['customers']):,}" in texts
        assert "Prospects: 0" in texts
        pictures = [s for s in slide.shapes if s.shape_type == 13]  # map and trend chart
        assert len(pictures) == 2
        tables = [s for s in slide.shapes if s.has_table]
        assert tables and tables[0].table.cell(0, 0).text == "Customer"
    pdf = write_pdf(deck)
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == len(slides)


def test_a_deck_reports_one_step_per_slide_up_to_the_whole(demo_store: Store) -> None:
    seen: list[tuple[str, float]] = []
    deck = build_deck_content(
        demo_store,
        Segment(Filters(level="state")),
        level="state",
        top=2,
        metric="customers",
        progress=lambda step, f: seen.append((step, f)),
    )
    steps = [step for step, _ in seen]
    assert steps[0] == "the overview slide" and steps[-1] == f"{len(deck.slides)} slides"
    assert [s.split(":")[0] for s in steps[1:3]] == ["slide 1 of 2", "slide 2 of 2"]
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    assert steps[1].endswith(deck.slides[2].title)  # names the area being drawn
