"""Colours, sizes and number formatting: one place for every figure."""

from __future__ import annotations

import math
import re

import numpy as np
import plotly.graph_objects as go

# ColorBrewer RdBu (colour-blind safe), reversed so negatives are blue and positives red, with
# white at zero (the figures centre it with zmid=0); its two darkest steps are left out so that
# the dark digits printed on every cell stay readable.
DIVERGING = [
    [0.0, "#4393c3"], [0.2, "#92c5de"], [0.35, "#d1e5f0"], [0.5, "#f7f7f7"],
    [0.65, "#fddbc7"], [0.8, "#f4a582"], [1.0, "#d6604d"],
]
PADDING_FILL = "#d0d0d0"
PADDING_TEXT = "#555555"
BLANK_CELL = "#e9edf2"  # a cell whose value does not matter here (a question's volume drawn by its shape)
BACKGROUND = "#ffffff"
WINDOW = "#111111"
SAMPLED = "#ff9f1c"
LABEL = "#222222"
FONT = "Source Sans Pro, Arial, sans-serif"

# One identity per input channel, on every page that draws channels (Depthwise, Pointwise, Depthwise
# separable, Flattening): channel c's grids, its depthwise map and its share of every pointwise output
# are outlined and labelled in CHANNEL_COLOURS[c % 8]. The Okabe-Ito palette (colour-blind safe), its
# yellow darkened so that it reads as text on white; channels 9 to 16 repeat the colours with a dashed
# outline and another marker, so colour is never the only thing that tells two channels apart.
CHANNEL_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#9A8500", "#666666"]
CHANNEL_SYMBOLS = ["square", "diamond", "circle", "triangle-up", "square-x", "star", "hexagon", "cross"]


def channel_colour(c: int) -> str:
    """Channel c's colour (c counted from 0, as an index; the screen says "channel c + 1")."""
    return CHANNEL_COLOURS[c % len(CHANNEL_COLOURS)]


def in_channel_colour(c: int, text: str) -> str:
    """Text (in a figure's caption or annotation) written in channel c's colour."""
    return f"<span style='color:{channel_colour(c)}'>{text}</span>"


def channel_dash(c: int) -> str:
    """Channel c's outline: solid for the first eight channels, dashed for the next eight, and so on."""
    return ("solid", "dash", "dot", "dashdot")[(c // len(CHANNEL_COLOURS)) % 4]


def channel_symbol(c: int) -> str:
    """Channel c's marker, for charts of points (Flattening): the colours' second, shape-based identity."""
    return CHANNEL_SYMBOLS[(c + c // len(CHANNEL_COLOURS)) % len(CHANNEL_SYMBOLS)]


def number(v: float, digits: int = 2) -> str:
    """A cell value for a student: whole numbers without decimals, others to `digits` places."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    r = round(float(v), digits)
    if r == int(r):
        return str(int(r)).replace("-", "−")
    return f"{r:.{digits}f}".rstrip("0").replace("-", "−")


def numbers(values, digits: int = 2) -> list[str]:
    """Values that belong together (a kernel, a column, a row) as `number` writes them, unless all of
    them would read 0 at `digits` places while some are not: then each in short scientific notation
    (1e−13, 3.1e−13), so a kernel of tiny values never looks like zeros."""
    values = [float(v) for v in np.ravel(values)]
    largest = max((abs(v) for v in values), default=0.0)
    if largest == 0 or round(largest, digits) != 0:
        return [number(v, digits) for v in values]
    return ["0" if v == 0 else re.sub(r"\.?0*e([+-])0*", lambda m: "e" + m.group(1).replace("+", ""),
                                     f"{v:.1e}").replace("-", "−") for v in values]


SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def scaled_numbers(values, digits: int = 2) -> tuple[list[str], str]:
    """Values that belong together (a kernel), as `number` writes them, and the factor they are
    written in: "" normally; for values that would all read 0 at `digits` places, such as a kernel
    of 1e-13s, their mantissas and the power of ten they share ("×10⁻¹³"), so that a grid's cells
    stay as short as usual."""
    values = np.asarray(values, dtype=float)
    largest = float(np.abs(values).max()) if values.size else 0.0
    if largest == 0 or round(largest, digits) != 0:
        return [number(v, digits) for v in values.ravel()], ""
    power = math.floor(math.log10(largest))
    return [number(v / 10.0 ** power, digits) for v in values.ravel()], "×10" + str(power).translate(SUPERSCRIPTS)


def count(n: int) -> str:
    """A count with thousands separators: 86400 -> '86,400'."""
    return f"{int(n):,}"


def signed(v: float) -> str:
    """A factor in a written product: negatives in parentheses, as in 0·5 + (−1)·2."""
    s = number(v)
    return f"({s})" if s.startswith("−") else s


def ascii_number(v: float, digits: int = 2) -> str:
    """As `number` with an ASCII minus: animation frames repeat these thousands of times."""
    return number(v, digits).replace("−", "-")


def ascii_signed(v: float) -> str:
    s = ascii_number(v)
    return f"({s})" if s.startswith("-") else s


def plain_figure(data: list[dict], layout: dict) -> go.Figure:
    """A go.Figure from plain dicts, without plotly.py's validation.

    plotly.py checks every attribute as it is set: for a page's matrix of heatmaps that is about
    50 ms, most of a rerun, and a class of forty pays it on every slider move. The figure that
    reaches plotly.js is the same, so write attributes as plotly.js takes them (title=dict(text=...),
    not the string shorthand plotly.py would expand). The tests validate every builder that uses it
    with plotly.py (test_viz_pointwise, test_depthwise_page, test_page_separable).
    """
    return go.Figure(data=data, layout=layout, _validate=False)
