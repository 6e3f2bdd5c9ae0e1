"""The colours of every chart (the pages' and the slides'), declared once.

All are colour-blind safe: gains are blue and losses red (the diverging ColorBrewer RdBu
of the maps), never green against red; ordered categories (churn risk) run blue, orange,
red (ColorBrewer RdYlBu); heat cells use the maps' sequential YlGnBu. Numbers written on
a coloured cell take black or white, whichever contrasts more with that cell.

Colours are ``#rrggbb`` sRGB strings.
"""

from __future__ import annotations

#: Customers gained (new, reactivated) and lost, per period.
FLOW_COLOURS: dict[str, str] = {"new": "#0571b0", "reactivated": "#92c5de", "lost": "#ca0020"}
#: The net change line drawn over the flows: a mid grey that reads on a light and on a
#: dark page alike (contrast at least 3:1, WCAG for graphics, on white and on near-black).
NET_LINE_COLOUR = "#737373"
#: Churn risk bands, low to high (the same as the map's points by risk).
RISK_COLOURS: dict[str, str] = {"low": "#4575b4", "medium": "#fdae61", "high": "#d73027"}
#: Customers' points by RFM segment group, best to gone quiet (the map's points): blues for
#: the best and the growing, orange and red for the slipping and at risk, grey for the quiet.
SEGMENT_GROUP_COLOURS: dict[str, str] = {
    "best": "#2166ac",
    "growing": "#92c5de",
    "slipping": "#fdae61",
    "at risk": "#d73027",
    "gone quiet": "#878787",
}
#: One series of bars (sales), and a second series drawn over it (active customers).
BAR_COLOUR = "#2c7fb8"
SECOND_SERIES_COLOUR = "#d95f02"
#: Heat cells, light (low) to dark (high): ColorBrewer YlGnBu, as on the maps.
HEAT_COLOURS = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494")
#: Opacity of a period that has not ended yet (drawn lighter, labelled "so far").
INCOMPLETE_OPACITY = 0.4
DARK_TEXT = "#000000"
LIGHT_TEXT = "#ffffff"


def _rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    if len(value) != 6:
        raise ValueError(f"colour must be #rrggbb, not {colour!r}")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of an sRGB colour, 0 (black) to 1 (white)."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two colours, 1 (none) to 21 (black on white)."""
    high, low = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def text_colour_on(fill: str) -> str:
    """Black or white, whichever is easier to read on ``fill``."""
    if contrast_ratio(DARK_TEXT, fill) >= contrast_ratio(LIGHT_TEXT, fill):
        return DARK_TEXT
    return LIGHT_TEXT


def heat_colour(fraction: float) -> str:
    """The colour of a heat cell at ``fraction`` (0 = lowest, 1 = highest) of the scale,
    interpolated linearly in sRGB between the HEAT_COLOURS stops (as Vega does)."""
    position = min(max(float(fraction), 0.0), 1.0) * (len(HEAT_COLOURS) - 1)
    lower = min(int(position), len(HEAT_COLOURS) - 2)
    share = position - lower
    start, end = _rgb(HEAT_COLOURS[lower]), _rgb(HEAT_COLOURS[lower + 1])
    mixed = (round(a + (b - a) * share) for a, b in zip(start, end, strict=True))
    return "#" + "".join(f"{c:02x}" for c in mixed)
