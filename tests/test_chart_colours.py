"""The charts' colours stay apart in every colour vision, and numbers stay legible on them."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import pytest

from geo.maps.colours import (
    DARK_TEXT,
    FLOW_COLOURS,
    HEAT_COLOURS,
    LIGHT_TEXT,
    NET_LINE_COLOUR,
    RISK_COLOURS,
    SEGMENT_GROUP_COLOURS,
    contrast_ratio,
    heat_colour,
    text_colour_on,
)

ROOT = Path(__file__).resolve().parent.parent
#: Machado, Oliveira & Fernandes (2009), severity 1.0, on linear sRGB.
DICHROMACY = {
    "protanopia": [
        [0.152286, 1.052583, -0.204868],
        [0.114503, 0.786281, 0.099216],
        [-0.003882, -0.048116, 1.051998],
    ],
    "deuteranopia": [
        [0.367322, 0.860646, -0.227968],
        [0.280085, 0.672501, 0.047413],
        [-0.011820, 0.042940, 0.968881],
    ],
    "tritanopia": [
        [1.255528, -0.076749, -0.178779],
        [-0.078411, 0.930809, 0.147602],
        [0.004733, 0.691367, 0.303900],
    ],
}
VISIONS = [None, *DICHROMACY]


def _linear(colour: str) -> np.ndarray:
    c = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(linear: np.ndarray) -> np.ndarray:
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    x = xyz @ linear / np.array([0.95047, 1.0, 1.08883])
    f = np.where(x > 216 / 24389, np.cbrt(x), (24389 / 27 * x + 16) / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def seen_difference(first: str, second: str, vision: str | None) -> float:
    """CIELAB distance (delta E 1976) of two colours as seen with ``vision``."""
    a, b = _linear(first), _linear(second)
    if vision is not None:
        matrix = np.array(DICHROMACY[vision])
        a, b = np.clip(matrix @ a, 0, 1), np.clip(matrix @ b, 0, 1)
    return float(np.linalg.norm(_lab(a) - _lab(b)))


#: Below about 25 two chart colours are easy to confuse in a small legend swatch.
MIN_DIFFERENCE = 25.0


@pytest.mark.parametrize("vision", VISIONS)
@pytest.mark.parametrize(
    "palette",
    [FLOW_COLOURS, RISK_COLOURS, SEGMENT_GROUP_COLOURS],
    ids=["flows", "risk", "segments"],
)
def test_every_pair_stays_apart(palette: dict[str, str], vision: str | None) -> None:
    for (a, first), (b, second) in itertools.combinations(palette.items(), 2):
        assert seen_difference(first, second, vision) > MIN_DIFFERENCE, (a, b, vision)


@pytest.mark.parametrize("vision", VISIONS)
def test_gains_and_losses_are_never_green_against_red(vision: str | None) -> None:
    for gain in (FLOW_COLOURS["new"], FLOW_COLOURS["reactivated"]):
        assert seen_difference(gain, FLOW_COLOURS["lost"], vision) > 60


def test_the_old_green_and_red_would_fail() -> None:
    # The Trends chart's former new (green) and lost (red): a protanope hardly tells them
    # apart, which is what the checks above catch.
    assert seen_difference("#1a9850", "#d73027", "protanopia") < MIN_DIFFERENCE


@pytest.mark.parametrize("fraction", [i / 20 for i in range(21)])
def test_numbers_on_heat_cells_are_legible(fraction: float) -> None:
    fill = heat_colour(fraction)
    assert contrast_ratio(text_colour_on(fill), fill) >= 4.5, fill


def test_heat_scale_runs_from_first_to_last_stop() -> None:
    assert heat_colour(0.0) == HEAT_COLOURS[0] and heat_colour(1.0) == HEAT_COLOURS[-1]
    assert heat_colour(0.25) == HEAT_COLOURS[1]
    assert text_colour_on(HEAT_COLOURS[0]) == DARK_TEXT  # light yellow
    assert text_colour_on(HEAT_COLOURS[-1]) == LIGHT_TEXT  # navy


def test_charts_take_their_colours_from_the_palette() -> None:
    # Declared once: no chart spells a colour of its own.
    for path in [
        "pages/trends.py",
        "pages/customers.py",
        "pages/customer.py",
        "geo/present/deck.py",
    ]:
        text = (ROOT / path).read_text(encoding="utf-8")
        assert not re.findall(r"#[0-9a-fA-F]{6}\b", text), path


@pytest.mark.parametrize("page", ["#ffffff", "#0e1117"], ids=["light", "dark"])
def test_the_net_change_line_reads_on_a_light_and_a_dark_page(page: str) -> None:
    assert contrast_ratio(NET_LINE_COLOUR, page) >= 3.0
