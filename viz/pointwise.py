"""The pointwise stage, animated pixel by pixel, with its matrix product in step.

One figure, one frame per pixel. Above: the C input maps (the depthwise stage's maps), each outlined
and labelled in its channel's colour (style.channel_colour). Below: the first few 1×1×C kernels,
each a strip of C weights outlined in the channels' colours, over the output map it makes. On the
right (beside the inputs, the outputs or both, whichever leaves the numbers room: `plan`): the matrix
product (H·W × C) · (C × N) = (H·W × N), one row per pixel. At step p the pixel's column of C values
is lit in every input map, its value appears in every output map, and the same row is lit in the
input matrix and the output matrix; the caption writes out each output value as its channels'
shares, each in its channel's colour, and the running count of multiplications.

As in viz.scan, the grids are static heatmaps no frame touches, and a frame carries only layout
paths: the outlines ride on overlay axes whose ranges the frames shift ("xaxis2"/"yaxis2" with the
pixel across the input maps, "xaxis3" across the output maps, "yaxis3" with the matrix row); the
masks over what is not computed yet ride on axes the frames stretch ("xaxis4", ... one per output
map for the rest of its row; "yaxis4" for the output matrix's rows below), so that each ends at its
grid's edge wherever the pixel is.

The cells are not square: the canvas fills the chart's width and a fixed height, so the grids span
the page, and presenter mode (AnimatedFigure.enlarged) scales the fonts and the height alone.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import engine

from . import style
from .animated import AnimatedFigure
from .scan import CONTROLS_PX, animated_figure

DRAWN = 3  # output maps drawn large; the others are summarised in the caption
NUMBER_PX = 14  # the numbers on the cells (presenter mode: ×1.35)
LABEL_PX = 13
CAPTION_PX = 15
SIGN_PX = 18  # the × and the = between the matrices
CAPTION_LINE_PX = 20
MAX_HEIGHT = 518  # px: ×1.35 in presenter mode is 699, one 1280×720 screen with the Play row
ROW_PX = (15.0, 30.0)  # the least and the most a row of cells gets
SHOW_PX = 1000  # numbers are printed where they fit a chart this wide (a 1280×800 screen's is 820)
FIT_PX = 680  # the chart in presenter mode at 1280×720 (917 px), in the figure's own pixels (÷ 1.35)
SIDE_PX = 8  # the figure's left and right margins
CHAR_EM = 0.56  # a digit's (and the minus sign's) width, in ems of its font (measured in Chromium)
TEXT_MARGIN_PX = 3  # the least room between two cells' numbers (presenter mode: ×1.35)
SIGN_GAP = 0.8  # room for the × and the = between the matrices, in cells
PANEL_GAP = 0.8  # between the grids and the matrices
PANEL_SHARE = 30  # input bands wider than this many cells get matrices as much wider (a share of the canvas)
WIDER = (2.0, 1.75, 1.5, 1.25)  # how much wider the matrices' columns may grow where the numbers have room
SPARE = 1.1  # the room the numbers keep when the matrices grow
OUTPUT_TOP = 3.3  # band 2's output maps start this many rows below the input maps' last row
FAR = 400  # how far a mask reaches below its map: clipped by the plotting area
GAP = 0.6  # between two maps, in cells
OVERHANG = 0.28  # a mask reaches this far past its map's sides, over digits wider than their cell


def pixel_rows(x: np.ndarray) -> np.ndarray:
    """x (C, H, W) -> (H*W, C): one row per pixel, row-major (pixel (r, c) is row r*W + c)."""
    c = x.shape[0]
    return np.asarray(x, dtype=float).reshape(c, -1).T


def weight_columns(w: np.ndarray) -> np.ndarray:
    """w (N, C) -> (C, N): one column per kernel."""
    return np.asarray(w, dtype=float).T


def pixel_names(height: int, width: int) -> list[str]:
    """'(row, col)' of every pixel, counted from 1, in the order of `pixel_rows`."""
    return [f"({r + 1}, {c + 1})" for r in range(height) for c in range(width)]


def needed_px(values) -> float:
    """The width of cell that every one of `values`, as style.number writes it, needs at NUMBER_PX."""
    longest = max((len(style.number(v)) for v in np.unique(values)), default=1)  # each value written once
    return longest * CHAR_EM * NUMBER_PX + TEXT_MARGIN_PX


def matrix_col(channels: int, drawn: int) -> float:
    """The width of a matrix column, in cells: the three matrices take about 2.4 cells."""
    return float(np.clip(2.4 / (channels + 2 * drawn), 0.2, 0.5))


@dataclass(frozen=True)
class Plan:
    """Where things go across the canvas, in input cells: the output maps' cells are `cell` wide."""

    drawn: int  # output maps drawn
    cell: float
    col: float  # a matrix column's width
    sign_gap: float  # room for the × and the =
    outputs_x: list  # the centre of each output map's first column
    matrix_x: list  # the left edge of each of the three matrices
    beside: str  # the bands the matrices stand beside: "both", "inputs" or "outputs"
    x_range: list


def plan(maps: np.ndarray, output: np.ndarray, most: int) -> Plan:
    """The most output maps, up to `most`, whose numbers, and the input's, fit a chart FIT_PX wide (or
    nearly: within 10%), and the matrices beside them: beside both bands where that leaves room, else
    beside the wider band of the two, the other band's cells widening to its full width."""
    channels, _, width = maps.shape
    inputs_right = channels * width + (channels - 1) * GAP - 0.5
    stretch = max(1.0, (inputs_right + 0.5) / PANEL_SHARE)
    slot = max(width, channels)

    def planned(k: int, beside_inputs: bool, widen: float = 1.0) -> Plan:
        col, sign_gap = matrix_col(channels, k) * stretch * widen, SIGN_GAP * stretch
        panel = PANEL_GAP * stretch + (channels + 2 * k) * col + 2 * sign_gap
        natural = k * slot + (k - 1) * GAP  # the output band at cells of 1
        if beside_inputs:
            right, beside = inputs_right + panel, "inputs"
            cell = max(1.0, (right + 0.5 - (k - 1) * GAP) / (k * slot))
        elif inputs_right + 0.5 >= natural + panel:  # the inputs are the wider band
            cell = (inputs_right + 0.5 - panel - (k - 1) * GAP) / (k * slot)
            right, beside = inputs_right, "outputs"
        else:
            cell, right, beside = 1.0, max(inputs_right, natural - 0.5) + panel, "both"
        outputs_x = [cell / 2 - 0.5 + n * (slot * cell + GAP) for n in range(k)]
        matrix_x = [right - panel + PANEL_GAP * stretch]
        matrix_x += [matrix_x[0] + channels * col + sign_gap, matrix_x[0] + (channels + k) * col + 2 * sign_gap]
        return Plan(k, cell, col, sign_gap, outputs_x, matrix_x, beside, [-0.6, round(right + 0.15, 4)])

    inputs_need, outputs_need = needed_px(maps), {k: needed_px(output[:k]) for k in range(1, most + 1)}

    def room(at: Plan) -> float:
        """The narrower cell's width over what its numbers need, at FIT_PX (1: they just fit)."""
        unit = (FIT_PX - 2 * SIDE_PX) / (at.x_range[1] - at.x_range[0])
        return min(unit / inputs_need, unit * at.cell / outputs_need[at.drawn])

    candidates = [planned(k, beside_inputs) for k in range(most, 0, -1) for beside_inputs in (False, True)]
    for enough in (1.0, 0.9):
        for at in candidates:
            if room(at) >= enough:  # the matrices as wide as the numbers' room allows, keeping some to spare
                wider = (planned(at.drawn, at.beside == "inputs", widen) for widen in WIDER)
                return next((w for w in wider if w.beside == at.beside and room(w) >= SPARE), at)
    return candidates[0]  # too large for a projector's numbers whatever is left out: all drawn, fewer printed


def grid(values, x0: float, y0: float, name: str, hover: str, show: bool, zmax: float, dx: float = 1.0,
         dy: float = 1.0) -> dict:
    """A static heatmap of `values` whose cell (0, 0) is centred at (x0, y0), its numbers printed if `show`."""
    values = np.asarray(values, dtype=float)
    texts = [[style.number(v) for v in row] for row in values] if show else None
    return dict(type="heatmap", z=values, x0=x0, dx=dx, y0=y0, dy=dy, zmid=0, zmin=-zmax, zmax=zmax,
                colorscale=style.DIVERGING, showscale=False, xgap=1, ygap=1, name=name, text=texts,
                texttemplate="%{text}" if show else None, textfont=dict(size=NUMBER_PX, color="#111111"),
                hovertemplate=hover + ": %{z}<extra></extra>")


def rect(x0: float, x1: float, y0: float, y1: float, xref: str = "x", yref: str = "y", **line) -> dict:
    return dict(type="rect", xref=xref, yref=yref, x0=round(x0, 4), x1=round(x1, 4), y0=round(y0, 4),
                y1=round(y1, 4), line=line)


def mask(x0: float, x1: float, y0: float, y1: float, xref: str = "x", yref: str = "y") -> dict:
    return dict(rect(x0, x1, y0, y1, xref, yref, width=0), fillcolor=style.BACKGROUND, layer="above")


def stretched(main_range, start: float, end: float, empty: bool) -> list:
    """The range of an overlay axis on which 0 and 1 land where `start` and `end` do on the main axis
    whose range is `main_range` (both in the main axis's order): a mask drawn from 0 to 1 on it covers
    start to end. `empty`: nothing to cover, the mask is off the chart."""
    if empty:
        return [10, 11]
    lo = (main_range[0] - start) / (end - start)
    return [round(lo, 5), round(lo + (main_range[1] - main_range[0]) / (end - start), 5)]


def pointwise_figure(maps: np.ndarray, weights: np.ndarray, output: np.ndarray, frame_ms: int = 800,
                     drawn: int = DRAWN) -> AnimatedFigure:
    """The pointwise stage on `maps`, one frame per pixel.

    maps : ndarray (C, H, W), the stage's input (the depthwise maps)
    weights : ndarray (N, C), the pointwise kernels: kernel n's weight for channel c
    output : ndarray (N, H, W), engine.pointwise_conv2d(maps, weights)
    frame_ms : how long Play shows each step, in milliseconds
    drawn : how many of the N kernels and output maps are drawn (the first ones)
    """
    maps, weights, output = (np.asarray(a, dtype=float) for a in (maps, weights, output))
    channels, height, width = maps.shape
    n_kernels = weights.shape[0]
    k = min(drawn, n_kernels)
    pixels = height * width
    total = engine.pointwise_cost(maps.shape, n_kernels).multiplications
    per_pixel = engine.pointwise_cost((channels, 1, 1), n_kernels).multiplications

    at = plan(maps, output, k)
    k, a, outputs_x, matrix_x, col = at.drawn, at.cell, at.outputs_x, at.matrix_x, at.col
    inputs_x = [c * (width + GAP) for c in range(channels)]
    kernel_y, output_y = height + 2, height + OUTPUT_TOP
    bottom = output_y + height - 0.5
    x_range, y_range = at.x_range, [round(bottom + 0.2, 4), -0.6]
    rows_high = y_range[0] - y_range[1]
    panel_top = kernel_y - 0.5 if at.beside == "outputs" else 0.5
    panel_bottom = height + 0.5 if at.beside == "inputs" else bottom
    matrix_row = (panel_bottom - panel_top) / pixels  # a pixel's row of the matrices, in rows of cells
    kernel_row = min(1.0, (panel_bottom - panel_top) / channels)

    caption_lines = 1 + k + (n_kernels > k)
    top_px = caption_lines * CAPTION_LINE_PX + 10
    row_px = float(np.clip((MAX_HEIGHT - top_px - CONTROLS_PX) / rows_high, *ROW_PX))
    height_px = int(top_px + CONTROLS_PX + rows_high * row_px)
    unit_px = (SHOW_PX - 2 * SIDE_PX) / (x_range[1] - x_range[0])

    def shown(values, cell: float) -> bool:
        return needed_px(values) <= unit_px * cell and row_px >= NUMBER_PX + 2

    data = []
    in_max = max(float(np.abs(maps).max()), 1e-9)
    show_in = shown(maps, 1.0)
    for c, x in enumerate(inputs_x):
        data.append(grid(maps[c], x, 1, f"input channel {c + 1}", f"channel {c + 1} (depthwise map {c + 1})",
                         show_in, in_max))
    w_max = max(float(np.abs(weights).max()), 1e-9)
    out_max = max(float(np.abs(output[:k]).max()), 1e-9)
    show_w, show_out = shown(weights[:k], a), shown(output[:k], a)
    for n, x in enumerate(outputs_x):
        data.append(grid(weights[n][None, :], x, kernel_y, f"kernel {n + 1}", f"kernel {n + 1}, weight",
                         show_w, w_max, a))
        data.append(grid(output[n], x, output_y, f"output map {n + 1}", f"output map {n + 1}", show_out, out_max, a))
    data.append(grid(pixel_rows(maps), matrix_x[0] + col / 2, panel_top + matrix_row / 2, "input matrix",
                     "input matrix (H·W × C)", False, in_max, col, matrix_row))
    data.append(grid(weight_columns(weights[:k]), matrix_x[1] + col / 2, panel_top + kernel_row / 2,
                     "kernel matrix", "kernel matrix (C × N)", False, w_max, col, kernel_row))
    data.append(grid(pixel_rows(output[:k]), matrix_x[2] + col / 2, panel_top + matrix_row / 2, "output matrix",
                     "output matrix (H·W × N)", False, out_max, col, matrix_row))

    annotations = [dict(text="", align="left", showarrow=False, font=dict(size=CAPTION_PX, color=style.LABEL))]

    def label(x, y, text, colour=style.LABEL, anchor="left"):
        annotations.append(dict(x=x, y=y, text=text, showarrow=False, xanchor=anchor, yanchor="bottom",
                                font=dict(size=LABEL_PX, color=colour)))

    for c, x in enumerate(inputs_x):
        label(x - 0.5, 0.45, f"<b>channel {c + 1}</b>", style.channel_colour(c))
    for n, x in enumerate(outputs_x):
        label(x - a / 2, kernel_y - 0.55, f"<b>kernel {n + 1}</b> 1×1×{channels} → map {n + 1}")
    label(matrix_x[2] + k * col, panel_top - 0.05, f"({pixels}×{channels})·({channels}×{n_kernels}) = "
          f"({pixels}×{n_kernels})", anchor="right")
    for x, sign in zip(matrix_x[1:], ("×", "=")):
        annotations.append(dict(x=x - at.sign_gap / 2, y=(panel_bottom + panel_top) / 2, text=sign, showarrow=False,
                                font=dict(size=SIGN_PX, color=style.LABEL)))

    window = dict(color=style.WINDOW, width=3)
    shapes = []
    map_width = width * a
    for n, x in enumerate(outputs_x):  # output cells not computed yet: the rows below, the rest of the row
        shapes.append(mask(x - a / 2 - OVERHANG, x - a / 2 + map_width + OVERHANG, output_y + 0.5, output_y + FAR,
                           yref="y2"))
        shapes.append(mask(0, 1, output_y - 0.5, output_y + 0.5, xref=f"x{4 + n}", yref="y2"))
    shapes.append(mask(matrix_x[2], matrix_x[2] + k * col, 0, 1, yref="y4"))  # the output matrix's rows below
    for c, x in enumerate(inputs_x):  # each channel's identity: its map outlined in its colour, and its
        # column of the input matrix, its row of the kernel matrix, its weight in every kernel
        line = dict(color=style.channel_colour(c), dash=style.channel_dash(c))
        shapes.append(rect(x - 0.5, x + width - 0.5, 0.5, height + 0.5, width=3, **line))
        shapes.append(rect(matrix_x[0] + c * col, matrix_x[0] + (c + 1) * col, panel_top, panel_bottom, width=2,
                           **line))
        shapes.append(rect(matrix_x[1], matrix_x[1] + k * col, panel_top + c * kernel_row,
                           panel_top + (c + 1) * kernel_row, width=2, **line))
        for x_out in outputs_x:
            shapes.append(rect(x_out + (c - 0.5) * a, x_out + (c + 0.5) * a, kernel_y - 0.5, kernel_y + 0.5,
                               width=2.5, **line))
    for x in outputs_x:
        shapes.append(rect(x - a / 2, x - a / 2 + map_width, output_y - 0.5, bottom, color="#999999", width=1))
    # the pixel being computed: its cell in every input map (x2/y2 follow it) and every output map (x3/y2),
    # its row of the input matrix and of the output matrix (y3 follows it)
    shapes += [rect(x - 0.5, x + 0.5, 0.5, 1.5, "x2", "y2", **window) for x in inputs_x]
    shapes += [rect(x - a / 2, x + a / 2, output_y - 0.5, output_y + 0.5, "x3", "y2", **window) for x in outputs_x]
    shapes += [rect(x, x + cols * col, panel_top, panel_top + matrix_row, "x", "y3", **window)
               for x, cols in ((matrix_x[0], channels), (matrix_x[2], k))]

    captions = step_captions(maps, weights, output, k)

    def frame_layout(p: int) -> dict:
        r, c = divmod(p, width)
        keys = {"xaxis2.range": [x_range[0] - c, x_range[1] - c], "yaxis2.range": [y_range[0] - r, y_range[1] - r],
                "xaxis3.range": [round(x_range[0] - c * a, 4), round(x_range[1] - c * a, 4)],
                "yaxis3.range": [round(y_range[0] - p * matrix_row, 4), round(y_range[1] - p * matrix_row, 4)],
                # the output matrix's rows not computed yet, from the next row to the matrix's bottom
                "yaxis4.range": stretched(y_range, panel_top + (p + 1) * matrix_row, panel_bottom, p == pixels - 1)}
        for n, x in enumerate(outputs_x):  # the row's rest, from the next cell to the map's edge
            keys[f"xaxis{4 + n}.range"] = stretched(x_range, x + (c + 0.5) * a, x - a / 2 + map_width + OVERHANG,
                                                    c == width - 1)
        keys["annotations[0].text"] = (f"<b>Pixel ({r + 1}, {c + 1})</b> · matrix row {p + 1} · <b>"
                                       f"{style.count(per_pixel * (p + 1))} of {style.count(total)} "
                                       f"multiplications</b><br>{captions[p]}")
        return keys

    frames = [{"name": str(p), "layout": frame_layout(p)} for p in range(pixels)]
    labels = [f"{p + 1}/{pixels} · pixel ({p // width + 1}, {p % width + 1}) · "
              f"{style.count(per_pixel * (p + 1))} of {style.count(total)} multiplications" for p in range(pixels)]
    annotations[0]["text"] = frames[0]["layout"]["annotations[0].text"]
    figure = animated_figure(data, frames, labels, frame_ms, height=height_px, top_px=top_px, bottom_px=CONTROLS_PX,
                             shapes=shapes, annotations=annotations, x_range=x_range, y_range=y_range, caption_px=4)
    spec = figure.to_dict()
    layout = {key: value for key, value in spec["layout"].items() if key != "sliders"}
    # cells as wide as the chart allows, not square: no scaleanchor (a scan's), so presenter mode scales
    # fonts and height and leaves the layout to the chart's width
    layout["margin"] = dict(layout["margin"], l=SIDE_PX, r=SIDE_PX)
    layout["xaxis"] = dict(visible=False, range=x_range, fixedrange=True)
    layout["yaxis"] = dict(visible=False, range=y_range, fixedrange=True)
    for n in range(k):
        layout[f"xaxis{4 + n}"] = dict(visible=False, overlaying="x", fixedrange=True,
                                       range=frames[0]["layout"][f"xaxis{4 + n}.range"])
    return AnimatedFigure(spec["data"], layout, spec["frames"], spec["layout"]["sliders"][0])


def step_captions(maps: np.ndarray, weights: np.ndarray, output: np.ndarray, drawn: int) -> list[str]:
    """Each pixel's output values written as their channels' shares, each share in its channel's
    colour: 'map 1 = 12·2 + (−3)·1 + 40·0 = 21', one line per drawn map, and the rest summarised."""
    channels, height, width = maps.shape
    n_kernels = weights.shape[0]
    factors = [[style.signed(v) for v in maps[c].ravel()] for c in range(channels)]
    weight_texts = [[style.signed(w) for w in row] for row in weights[:drawn]]
    flat = output.reshape(n_kernels, -1)
    rest = n_kernels - drawn
    tail = (f"<br>… and {style.count(rest)} more kernel{'s' if rest != 1 else ''}, the same way: "
            f"{channels} multiplication{'s' if channels != 1 else ''} each at this pixel") if rest > 0 else ""
    texts = []
    for p in range(height * width):
        lines = []
        for n in range(drawn):
            terms = " + ".join(style.in_channel_colour(c, f"{factors[c][p]}·{weight_texts[n][c]}") for c in range(channels))
            lines.append(f"map {n + 1} = {terms} = <b>{style.number(flat[n, p])}</b>")
        texts.append("<br>".join(lines) + tail)
    return texts
