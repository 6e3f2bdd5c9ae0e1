"""Writing a deck's content (:mod:`geo.present.deck`) as PowerPoint (PPTX) and as PDF.

Slides are 16:9 (13.33 x 7.5 inches). In PPTX every title, figure and table cell is text,
so a presenter can edit it; pictures are the map and the trend chart. The PDF draws the
same content page by page.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
from matplotlib.backends.backend_pdf import PdfPages
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.presentation import Presentation as PresentationFile
from pptx.util import Inches, Pt

from geo.present.deck import DeckContent, SlideContent

WIDTH_IN, HEIGHT_IN = 13.333, 7.5
INK = RGBColor(0x22, 0x22, 0x22)
MUTED = RGBColor(0x55, 0x55, 0x55)


def _text(
    slide: object, x: float, y: float, w: float, h: float, lines: list[tuple[str, int, bool]]
) -> None:
    box = slide.shapes.add_textbox(Inches(x), Inches(y), Inches(w), Inches(h))  # type: ignore[attr-defined]
    frame = box.text_frame
    frame.word_wrap = True
    for i, (text, size, bold) in enumerate(lines):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        run = para.add_run()
        run.text = text
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.color.rgb = INK if bold or size >= 20 else MUTED


def _pptx_slide(prs: PresentationFile, content: SlideContent, first: bool) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])  # blank
    if first:
        _text(slide, 0.8, 2.4, 11.7, 1.2, [(content.title, 44, True)])
        _text(
            slide, 0.8, 3.7, 11.7, 1.6, [(line, 20, False) for line in content.subtitle.split("\n")]
        )
        return
    _text(slide, 0.4, 0.2, 12.5, 0.7, [(content.title, 30, True)])
    if content.subtitle:
        _text(slide, 0.4, 0.85, 12.5, 0.45, [(content.subtitle, 14, False)])
    map_width = 6.3 if content.chart is not None else 8.6
    if content.picture is not None:
        slide.shapes.add_picture(
            io.BytesIO(content.picture), Inches(0.3), Inches(1.35), width=Inches(map_width)
        )
    if content.chart is not None:
        slide.shapes.add_picture(
            io.BytesIO(content.chart), Inches(0.3), Inches(5.0), width=Inches(map_width)
        )
    right = 0.3 + map_width + 0.3
    _text(
        slide,
        right,
        1.35,
        WIDTH_IN - right - 0.3,
        2.6,
        [(kpi.text(), 17, True) for kpi in content.kpis],
    )
    if content.table is not None and len(content.table.columns):
        _text(slide, right, 4.0, WIDTH_IN - right - 0.3, 0.4, [(content.table_title, 13, True)])
        rows, cols = len(content.table) + 1, len(content.table.columns)
        shape = slide.shapes.add_table(
            rows,
            cols,
            Inches(right),
            Inches(4.45),
            Inches(WIDTH_IN - right - 0.3),
            Inches(0.3 * rows),
        )
        for c, name in enumerate(content.table.columns):
            shape.table.cell(0, c).text = str(name)
        for r, values in enumerate(content.table.itertuples(index=False), start=1):
            for c, value in enumerate(values):
                shape.table.cell(r, c).text = str(value)
        for r in range(rows):
            for c in range(cols):
                for para in shape.table.cell(r, c).text_frame.paragraphs:
                    for run in para.runs:
                        run.font.size = Pt(11)


def write_pptx(deck: DeckContent) -> bytes:
    prs = Presentation()
    prs.slide_width = Inches(WIDTH_IN)
    prs.slide_height = Inches(HEIGHT_IN)
    for i, content in enumerate(deck.slides):
        _pptx_slide(prs, content, first=i == 0)
    buffer = io.BytesIO()
    prs.save(buffer)
    return buffer.getvalue()


def _pdf_page(pdf: PdfPages, content: SlideContent, first: bool) -> None:
    fig = plt.figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=100)
    try:
        if first:
            fig.text(0.06, 0.6, content.title, fontsize=40, fontweight="bold")
            fig.text(0.06, 0.45, content.subtitle, fontsize=18, color="#555555", va="top")
        else:
            fig.text(0.03, 0.93, content.title, fontsize=26, fontweight="bold")
            fig.text(0.03, 0.87, content.subtitle, fontsize=12, color="#555555")
            map_w = 0.52 if content.chart is not None else 0.65
            if content.picture is not None:
                ax = fig.add_axes((0.02, 0.3 if content.chart is not None else 0.05, map_w, 0.55))
                ax.imshow(mpimg.imread(io.BytesIO(content.picture), format="png"))
                ax.set_axis_off()
            if content.chart is not None:
                ax = fig.add_axes((0.02, 0.02, map_w, 0.26))
                ax.imshow(mpimg.imread(io.BytesIO(content.chart), format="png"))
                ax.set_axis_off()
            y = 0.8
            for kpi in content.kpis:
                fig.text(map_w + 0.05, y, kpi.label, fontsize=11, color="#555555")
                fig.text(
                    map_w + 0.05,
                    y - 0.035,
                    kpi.value + (f"   {kpi.change}" if kpi.change else ""),
                    fontsize=17,
                    fontweight="bold",
                )
                y -= 0.08
            if content.table is not None and len(content.table):
                fig.text(map_w + 0.05, 0.3, content.table_title, fontsize=11, fontweight="bold")
                ax = fig.add_axes((map_w + 0.05, 0.03, 0.95 - map_w - 0.06, 0.25))
                ax.set_axis_off()
                table = ax.table(
                    cellText=content.table.values.tolist(),
                    colLabels=list(content.table.columns),
                    loc="upper left",
                )
                table.auto_set_font_size(False)
                table.set_fontsize(9)
        pdf.savefig(fig)
    finally:
        plt.close(fig)


def write_pdf(deck: DeckContent) -> bytes:
    buffer = io.BytesIO()
    with PdfPages(buffer) as pdf:
        for i, content in enumerate(deck.slides):
            _pdf_page(pdf, content, first=i == 0)
    return buffer.getvalue()
