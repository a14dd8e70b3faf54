"""A question's figure: the configuration a student reasons with before the answer is out, and nothing
computed from it (no output grid, no count). The lessons choose what to draw; this module draws it.

Blocks stand side by side: a grid of values (an input channel, a kernel), its zero padding grey around
it, and the volume's other channels (or a stack of kernels) as sheets behind it, shifted up and to the
right, outlined in their channels' colours. The figure is at most MAX_HEIGHT tall, so that the question,
the figure and the answer form are in view together on a 1280×800 laptop; numbers on cells are printed
at MIN_NUMBER_PX or more, or not at all (hovering a cell still shows its value).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from . import style
from .animated import fitting_font
from .scan import Placed, heatmap, padding_heatmap

MAX_HEIGHT = 330  # px: under the page's title, a note and a two-line question, the fields stay in view at 1280×800
PLANNED_PX = 740  # px: the chart in the question's box on a 1280×800 laptop, the sidebar open
MIN_NUMBER_PX = 16  # numbers on cells: at least this large (on a laptop and a 1280×720 projector) or not printed
LARGEST_NUMBER_PX = 22
NUMBER_SHARE = 0.62  # a number's font against its cell's height: 16 px on a cell of 26 px
MAX_CELL_PX = 44  # numbers of LARGEST_NUMBER_PX need no more
BLANK_CELL_PX = 28  # blank cells (a volume drawn by its shape, its rows not numbered) need less
TITLE_PX = 16  # the blocks' titles and the heading above them
TITLE_LINE_PX = 21
TITLE_CHAR_PX = 8.6  # the width of a 16 px title's character, for reserving room above a block
HEADING_PX = 28  # the heading's line above the titles
SIDE_PX = 8  # left and right margins
SHEET_STEP = 0.26  # cells a sheet behind is shifted up and to the right
MOST_SHEETS = 6  # sheets drawn at most, the front one included; the title says how many there are
BLOCK_GAP = 1.4  # cells between two blocks
LABEL_CELLS = 0.9  # room left of and above a numbered grid for its row and column numbers
NEUTRAL_OUTLINE = "#777777"  # a sheet that stands for no channel


@dataclass(frozen=True)
class Block:
    """One block of a question figure.

    title : above the block (Plotly's markup: <b>, <br>)
    shape : (rows, cols) of the front sheet, padding not included
    values : (rows, cols) the front sheet's values, printed on its cells; None: blank cells
    pads : ((top, bottom), (left, right)) zero cells drawn around it
    channels : the channel (from 0) each sheet stands for, front first: their outlines' colours; None: no channel
    numbered : rows and columns numbered from 1 beside the grid (a trace named "positions")
    name : what the hover calls a cell's value
    """

    title: str
    shape: tuple[int, int]
    values: np.ndarray | None = None
    pads: tuple = ((0, 0), (0, 0))
    channels: tuple = (None,)
    numbered: bool = False
    name: str = "value"

    @property
    def padded_shape(self) -> tuple[int, int]:
        (top, bottom), (left, right) = self.pads
        return self.shape[0] + top + bottom, self.shape[1] + left + right

    @property
    def depth(self) -> float:
        """How far the sheets behind reach up and to the right, in cells."""
        return SHEET_STEP * (min(len(self.channels), MOST_SHEETS) - 1)

    @property
    def lead(self) -> float:
        return LABEL_CELLS if self.numbered else 0.0

    @property
    def cells_wide(self) -> float:
        return self.lead + self.padded_shape[1] + self.depth

    @property
    def cells_high(self) -> float:
        return self.lead + self.padded_shape[0] + self.depth


def number_font(cell_px: float, texts: list[str]) -> int:
    """The numbers' font on cells of `cell_px`: as large as fits, up to LARGEST_NUMBER_PX; 0 below MIN_NUMBER_PX."""
    size = fitting_font(cell_px, [texts], LARGEST_NUMBER_PX, height_share=NUMBER_SHARE, width_share=0.92)
    return size if size >= MIN_NUMBER_PX else 0


def with_numbers(trace: dict, texts, cell_px: float) -> dict:
    """A grid trace of viz.scan with its numbers at number_font's size, or none where they would be too small."""
    flat = [t for row in texts for t in row if t]
    size = number_font(cell_px, flat)
    trace.update(text=texts if size else None, texttemplate="%{text}" if size else None)
    trace["textfont"] = dict(trace.get("textfont") or {}, size=size or MIN_NUMBER_PX)
    return trace


def title_cells(block: Block, cell: float) -> float:
    """How many cells wide the block's title is, on cells of `cell` px."""
    return max(len(line) for line in _plain(block.title).split("\n")) * TITLE_CHAR_PX / cell


def spans(blocks: list[Block], cell: float) -> tuple[float, float, float]:
    """The canvas's width and height in cells on cells of `cell` px, and how far the deepest stack (or a
    numbered grid's labels) reaches above the front sheets' tops."""
    reach = max(b.depth + b.lead for b in blocks)
    across = sum(max(b.cells_wide, title_cells(b, cell)) for b in blocks) + BLOCK_GAP * (len(blocks) - 1) + 0.2
    return across, reach + max(b.padded_shape[0] for b in blocks) + 0.2, reach


def cell_size(blocks: list[Block], top_px: float, bottom_px: float) -> float:
    """The largest cell (px) at which the blocks, with their titles, fit PLANNED_PX across and MAX_HEIGHT down."""
    low, high = 1.0, float(MAX_CELL_PX if any(b.values is not None or b.numbered for b in blocks) else BLANK_CELL_PX)
    for _ in range(40):  # the canvas's width in px grows with the cell: bisect for the largest that fits
        mid = (low + high) / 2
        across, down, _ = spans(blocks, mid)
        fits = across * mid <= PLANNED_PX - 2 * SIDE_PX and down * mid <= MAX_HEIGHT - top_px - bottom_px
        low, high = (mid, high) if fits else (low, mid)
    return low


def _plain(title: str) -> str:
    return title.replace("<br>", "\n").replace("<b>", "").replace("</b>", "")


def sheet_outline(x0: float, y0: float, rows: int, cols: int, channel, front: bool) -> dict:
    colour = NEUTRAL_OUTLINE if channel is None else style.channel_colour(channel)
    dash = "solid" if channel is None else style.channel_dash(channel)
    outline = dict(type="rect", xref="x", yref="y", x0=x0 - 0.5, x1=x0 + cols - 0.5, y0=y0 - 0.5, y1=y0 + rows - 0.5,
                   line=dict(color=colour, width=2.5 if front else 1.5, dash=dash), layer="above" if front else "below")
    return outline if front else dict(outline, fillcolor=style.BACKGROUND)  # a sheet behind hides the one behind it


def block_traces(block: Block, x0: float, y0: float, cell_px: float) -> tuple[list[dict], list[dict]]:
    """The traces and shapes of one block whose front sheet's top-left cell is centred at (x0, y0)."""
    rows, cols = block.padded_shape
    (top, bottom), (left, right) = block.pads
    drawn = min(len(block.channels), MOST_SHEETS)
    shapes = [sheet_outline(x0 + i * SHEET_STEP, y0 - i * SHEET_STEP, rows, cols, block.channels[i], front=False)
              for i in reversed(range(1, drawn))]  # back to front, each hiding the one behind
    shapes.append(dict(type="rect", xref="x", yref="y", x0=x0 - 0.5, x1=x0 + cols - 0.5, y0=y0 - 0.5,
                       y1=y0 + rows - 0.5, line=dict(width=0), fillcolor=style.BACKGROUND, layer="below"))
    shapes.append(sheet_outline(x0, y0, rows, cols, block.channels[0], front=True))
    at = Placed(x0, y0, rows, cols)
    interior = np.zeros((rows, cols), dtype=bool)
    interior[top:rows - bottom, left:cols - right] = True
    gap = 1 if cell_px >= 6 else 0
    if block.values is None:
        z = np.where(interior, 0.0, np.nan)
        traces = [dict(type="heatmap", z=z, x0=x0, dx=1, y0=y0, dy=1, showscale=False, xgap=gap, ygap=gap,
                       colorscale=[[0, style.BLANK_CELL], [1, style.BLANK_CELL]], name=block.name, hoverinfo="skip")]
    else:
        values = np.full((rows, cols), np.nan)
        values[interior] = np.asarray(block.values, dtype=float).ravel()
        zmax = max(float(np.nanmax(np.abs(values))), 1e-9)
        texts = np.full((rows, cols), "", dtype=object)
        texts[interior] = style.numbers(block.values)
        traces = [with_numbers(heatmap(values, at, block.name, cell_px, zmax, f"{block.name}: %{{z}}"),
                               texts.tolist(), cell_px)]
    if not interior.all():
        padding = padding_heatmap(interior, at, cell_px)
        padding.update(xgap=gap, ygap=gap)
        traces.append(with_numbers(padding, np.where(interior, "", "0").tolist(), cell_px))
    if block.numbered:
        traces.append(positions(block, x0, y0))
    return traces, shapes


def positions(block: Block, x0: float, y0: float) -> dict:
    """Row numbers left of the grid and column numbers above it, from 1."""
    rows, cols = block.shape
    xs = [x0 - LABEL_CELLS] * rows + [x0 + c for c in range(cols)]
    ys = [y0 + r for r in range(rows)] + [y0 - LABEL_CELLS] * cols
    texts = [str(r + 1) for r in range(rows)] + [str(c + 1) for c in range(cols)]
    return dict(type="scatter", mode="text", x=xs, y=ys, text=texts, name="positions", hoverinfo="skip",
                textfont=dict(size=TITLE_PX - 1, color=style.PADDING_TEXT), cliponaxis=False)


def question_figure(blocks: list[Block], heading: str) -> go.Figure:
    """The blocks side by side under `heading` (one line: what the question states besides sizes)."""
    lines = max(_plain(b.title).count("\n") + 1 for b in blocks)
    top_px, bottom_px = HEADING_PX + lines * TITLE_LINE_PX + 6, 6
    cell = cell_size(blocks, top_px, bottom_px)
    across, down, reach = spans(blocks, cell)  # the front sheets' tops line up below the deepest stack
    data, shapes, annotations, x = [], [], [], 0.0
    for block in blocks:
        front_x, front_y = x + block.lead, reach
        traces, outlines = block_traces(block, front_x, front_y, cell)
        data += traces
        shapes += outlines
        annotations.append(dict(x=x - 0.5, y=front_y - 0.5 - block.depth - block.lead, xref="x", yref="y",
                                text=block.title, showarrow=False, xanchor="left", yanchor="bottom", yshift=4,
                                align="left", font=dict(size=TITLE_PX, color=style.LABEL)))
        x += max(block.cells_wide, title_cells(block, cell)) + BLOCK_GAP
    x_range = [-0.6, across - 0.6]
    y_range = [down - 0.6, -0.6]  # reversed: row 0 at the top
    height = int(np.ceil(top_px + bottom_px + down * cell))
    return style.plain_figure(data, dict(
        height=min(height, MAX_HEIGHT), margin=dict(l=SIDE_PX, r=SIDE_PX, t=top_px, b=bottom_px),
        paper_bgcolor=style.BACKGROUND, plot_bgcolor=style.BACKGROUND,
        font=dict(family=style.FONT, size=TITLE_PX, color=style.LABEL),
        title=dict(text=heading, x=0, xref="paper", xanchor="left", y=1, yref="container", yanchor="top",
                   pad=dict(t=6), font=dict(size=TITLE_PX, color=style.LABEL)),
        shapes=shapes, annotations=annotations, showlegend=False, hovermode="closest",
        xaxis=dict(visible=False, range=x_range, constrain="domain", constraintoward="left", fixedrange=True),
        yaxis=dict(visible=False, range=y_range, scaleanchor="x", scaleratio=1, constrain="domain",
                   constraintoward="bottom", fixedrange=True)))


def table_figure(columns: dict[str, list], heading: str) -> go.Figure:
    """A table (column name -> its cells) under `heading`, scrolling inside MAX_HEIGHT."""
    table = dict(type="table", columnwidth=[max(len(str(v)) for v in [name, *cells]) + 2 for name, cells in
                                            columns.items()],
                 header=dict(values=[f"<b>{name}</b>" for name in columns], align="left", height=30,
                             font=dict(size=TITLE_PX - 1, color=style.LABEL), fill=dict(color="#eef0f4")),
                 cells=dict(values=[[str(v) for v in cells] for cells in columns.values()], align="left", height=28,
                            font=dict(size=TITLE_PX, color=style.LABEL), fill=dict(color=style.BACKGROUND),
                            line=dict(color="#dddddd")))
    return style.plain_figure([table], dict(
        height=MAX_HEIGHT, margin=dict(l=SIDE_PX, r=SIDE_PX, t=HEADING_PX + 6, b=6),
        paper_bgcolor=style.BACKGROUND, font=dict(family=style.FONT, size=TITLE_PX, color=style.LABEL),
        title=dict(text=heading, x=0, xref="paper", xanchor="left", y=1, yref="container", yanchor="top",
                   pad=dict(t=6), font=dict(size=TITLE_PX, color=style.LABEL))))
