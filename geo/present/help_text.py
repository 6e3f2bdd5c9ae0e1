"""The help page's text, in plain words for a regional manager, as Markdown.

Whatever the code declares is read from it, never copied: the figures from
:data:`geo.analytics.figures.GLOSSARY`, the map's metrics from
:data:`geo.analytics.area_metrics.METRICS`, the columns each import finds from
:data:`geo.imports.guide.IMPORT_KINDS`, the rejection reasons and segments from
:mod:`geo.schema`. Distances are in kilometres.
"""

from __future__ import annotations

from collections.abc import Sequence

from geo.analytics.area_metrics import METRICS
from geo.analytics.figures import GLOSSARY
from geo.imports.guide import IMPORT_KINDS, ImportKind
from geo.imports.upload_safety import MAX_UPLOAD_BYTES
from geo.maps.point_cells import DOTS_ZOOM
from geo.maps.point_sample import MAP_POINT_LIMIT
from geo.schema import REJECTION_REASONS, RISK_BANDS, SEGMENT_MEANINGS


def _cell(text: object) -> str:
    """Text for one cell of a Markdown table (a '|' would split the cell)."""
    return str(text).replace("|", "\\|")


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def glossary_markdown() -> str:
    """What each headline figure counts: the glossary, as a table."""
    return _table(("Figure", "What it counts"), [(d.label, d.meaning) for d in GLOSSARY.values()])


def segments_markdown() -> str:
    """The RFM segments from best to lost and the churn risk bands."""
    segments = _table(
        ("Segment", "Who they are"), [(name, meaning) for name, meaning in SEGMENT_MEANINGS.items()]
    )
    return (
        "Every customer with orders gets a score from 1 to 5 for how recently they "
        "bought (R), how often (F) and how much (M); 5 is best. The scores place them in "
        "one segment:\n\n"
        f"{segments}\n\n"
        f"**Churn risk** says how unusual their silence is for their own buying rhythm, "
        f"from 0% to 100%, in bands {', '.join(RISK_BANDS)}: a weekly buyer three weeks "
        "silent is at high risk; a yearly buyer three months after an order is not."
    )


def map_markdown() -> str:
    """How to read the map: colours and legend, discs and dots, shapes and radius search."""
    metrics = "\n".join(f"- {m.label}" for m in METRICS.values())
    outside, nowhere = GLOSSARY["outside_areas"], GLOSSARY["no_location"]
    return f"""
**Colours.** Each area is coloured by the figure chosen above the map:

{metrics}

The legend names the figure and its unit, and lists the colour classes: each colour
covers one range of values, from light (low) to dark (high). Figures that can fall as
well as rise (net customer change, growth) use two colours that meet at zero: one side
for gains, the other for losses. Areas without data are grey. The colours are safe for
colour-blind readers.

**Class breaks.** How the ranges are cut: *quantiles* give each colour about as many
areas, *natural breaks* follow the gaps in the values, *equal interval* gives ranges of
the same width. The ranges are worked out from the areas on screen, after the filters
and any drawn shape.

**Discs and dots.** Customers and prospects are counted per patch of the map: each disc
shows the exact number of customers in its patch, and grows with it. Zoom in and the
patches get smaller. From zoom level {DOTS_ZOOM} on, the map shows one dot per customer
instead (at most {MAP_POINT_LIMIT:,} per layer; the note under the map says when it shows
a sample). Discs and dots take no clicks: a click selects the area beneath.

**Click an area** to see its figures beside the map; the area is outlined.

**Outside all areas, without a location.**

- *{outside.label}*: {_lower_first(outside.meaning)}
- *{nowhere.label}*: {_lower_first(nowhere.meaning)}

Neither can colour an area, so the map's colours add up to the customers *in an area*;
the headline figures always count everyone.

**Drawn shapes.** Draw a rectangle, polygon or circle with the tools on the map to
select the customers inside it; several shapes add up. The selection is outlined and
counted at once, and every page, table and export uses it until you clear it (sidebar).

**Radius search.** Under the map, give a place, a postcode, a customer ID or a point
("40.75, -73.99") and a distance in km: the customers within that distance are selected,
like a drawn circle. Customers without a location are never inside a shape.
"""


def _import_kind_markdown(kind: ImportKind, previous: ImportKind | None) -> str:
    formats = ", ".join(kind.extensions)
    head = f"#### {kind.label}\n\nFiles: {formats}. {kind.note}"
    if previous is not None and previous.columns == kind.columns:
        return head  # the same table again would only make the page longer
    rows = [
        (
            column.role + (" (required)" if column.required else ""),
            ", ".join(f"`{name}`" for name in column.names),
            column.note,
        )
        for column in kind.columns
    ]
    return head + "\n\n" + _table(("Column", "Found by these names", "Notes"), rows)


def import_markdown() -> str:
    """How to import your own data: files, columns, coordinates, rejected rows."""
    kinds = "\n\n".join(
        _import_kind_markdown(kind, IMPORT_KINDS[i - 1] if i else None)
        for i, kind in enumerate(IMPORT_KINDS)
    )
    reasons = _table(
        ("Reason", "The row is rejected because"),
        [(f"`{code}`", meaning) for code, meaning in REJECTION_REASONS.items()],
    )
    return f"""
On the **Data** page choose what the file holds, pick the file (at most
{MAX_UPLOAD_BYTES // 2**20} MB) and press **Import**. Columns are found by their usual
names, whatever their case, spaces, underscores or hyphens ("Customer ID" is
`customer_id`); if yours have other names, type them in the *Columns* box.
Import the areas and the customers first, then the sales.

{kinds}

**Coordinates.** Latitude and longitude are read as degrees (WGS84, as GPS and web maps
give them). Coordinates in metres or feet (easting and northing, e.g. British National
Grid) need their coordinate system: type its code, such as `EPSG:27700`, in the *crs*
box. A file whose coordinates cannot be degrees is refused with that request, and nothing
is imported. Without coordinates, a US ZIP code gives the location.

**Rejected rows.** A row that cannot be used is left out with its reason; every other
row is imported. The import report shows how many rows were read, imported and
rejected, lists the rejected rows with their row number (as in a spreadsheet: the header
is row 1) and lets you download them; fix them and import that file.

{reasons}

**Importing again.** A customer or prospect with an ID already stored is replaced by the
file's row; an order already stored has all its lines replaced; a level of areas already
stored is replaced as a whole, and everyone is assigned to the new areas again. Before it
replaces anything the Data page says what and how much, and asks you to confirm. An
import is all or nothing: if it fails, the data is as it was.
"""


def sharing_markdown() -> str:
    """Links, saved segments and exports."""
    return """
**Links.** The page's address holds everything that selects customers (level, areas,
filters, drawn shapes) and the map's position: copy it from the browser and a colleague
opens the same view. A link that no longer fits the data still opens; the sidebar says
which part was left out and why.

**Saved segments.** On the **Export** page, save the current selection under a name. A
saved segment keeps the criteria, not the rows: opened later it selects from the data as
it is then.

**Exports.** The **Export** page previews the rows, then writes a CSV, an Excel workbook
(optionally a sheet per area) or a GeoJSON file of exactly those rows. A suppression list
(IDs or emails not to contact) removes its rows. The **Contact list** page writes one
workbook with a sheet per owner.

**Meetings.** Under the map, *Meeting material* opens the presentation view (big
figures and the map, no controls), and prepares the map as a picture or a single HTML
file, and a slide deck (PowerPoint and PDF).
"""
