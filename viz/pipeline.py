"""The Depthwise separable page's pipeline: one animation through both stages, beside the standard
convolution the two stages amount to, one frame per output position.

At step s the C depthwise kernels sit on their channels' windows, the depthwise maps get their value at
that position, the pointwise kernels mix that pixel's column of C values into the output maps, and the
standard convolution (kernels W[n, c] = P[n, c] · D[c]) gives the same values there. Channel c keeps one
colour throughout (style.channel_colour): its input, its depthwise kernel and map, and its weight in every
pointwise kernel.

Only the kernels carry numbers on their cells (zoomed, so that the numbers meet the lecture hall's
sizes); the maps are drawn one canvas unit a cell and their values are written in the caption. Frames
carry only what changes (see viz.scan): the windows ride on the overlay axes x2/y2, the current cells
on x3/y3, one path shape hides the cells not computed yet, and the caption holds the step's sums and
the running counts.

Presenter mode needs another layout, not a larger one: a projector at 1280×720 gives the chart about
900 px by 700, so the presenter figure leaves out the standard kernels W and is planned for that
screen. `PipelineFigure` carries both and hands out the presenter one from `enlarged`.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass

import numpy as np

from . import style
from .animated import AnimatedFigure, enlarge_spec
from .scan import CAPTION_LINE_PX, CONTROLS_PX, TITLE_LINE_PX, animated_figure, title_px

NUMBER_FONT = 14  # px on the kernels' cells: 14 on a screen, ×1.35 (18.9) in presenter mode
PRESENTER_KERNELS = 3  # pointwise kernels drawn on a projector (4 on a screen: Stages holds those)
PRESENTER_FACTOR = 1.35  # ui.classroom.PRESENTER_SCALE, which the presenter layout is planned for
NUMBER_CELL_PX = {False: 24, True: 25}  # the smallest cell "−2" fits in at NUMBER_FONT (× the factor)
WIDE_PX = 1444  # the chart's plotting width at 1920×1080, the sidebar open
NARROW_PX = {False: 804, True: 900}  # the narrowest chart planned for: 1280×800; presenter 1280×720
MAX_HEIGHT = 920  # px, the screen figure: with its Play row, one 1080 px screen
PRESENTER_HEIGHT = 512  # px before enlarging: 691 px in presenter mode, Play and the count on one 720 px screen
LABEL = 1.6  # canvas units above a grid for its name
GAP = 0.8  # canvas units between two grids of a column
COLUMN_GAP = 1.6  # canvas units between two columns
CAPTION_LINES = 4
CAPTION_FONT = 15


@dataclass(frozen=True)
class Grid:
    """A grid on the canvas: its top-left corner (left, top), rows × cols cells of `zoom` units each."""

    left: float
    top: float
    rows: int
    cols: int
    zoom: float = 1.0

    @property
    def right(self) -> float:
        return self.left + self.cols * self.zoom

    @property
    def bottom(self) -> float:
        return self.top + self.rows * self.zoom

    def rect(self, r0: float, c0: float, r1: float, c1: float) -> str:
        """SVG path around cells r0 ≤ r < r1, c0 ≤ c < c1 (edges, in cells)."""
        z = self.zoom
        left, right, top, bottom = (round(v, 2) for v in (self.left + c0 * z, self.left + c1 * z, self.top + r0 * z,
                                                           self.top + r1 * z))
        return f"M{left:g} {top:g}H{right:g}V{bottom:g}H{left:g}Z"

    def outline(self) -> str:
        return self.rect(0, 0, self.rows, self.cols)


@dataclass(frozen=True)
class Stages:
    """What the pipeline draws: the example's arrays for the shown channels and kernels, and the counts.

    x : (C, Hp, Wp) the input with its zero padding; pads ((top, bottom), (left, right))
    depthwise : (C, k, k); depthwise_maps : (C, Ho, Wo)
    pointwise : (n, C) the shown pointwise kernels; outputs : (n, Ho, Wo)
    standard : (n, C, k, k) = P · D; standard_maps : (n, Ho, Wo)
    kernels : N, all the layer's kernels (n of them are drawn)
    counts : (steps, 3) multiplications after each step: depthwise, pointwise, standard
    """

    x: np.ndarray
    pads: tuple
    depthwise: np.ndarray
    depthwise_maps: np.ndarray
    pointwise: np.ndarray
    outputs: np.ndarray
    standard: np.ndarray
    standard_maps: np.ndarray
    stride: int
    kernels: int
    counts: np.ndarray


@dataclass(frozen=True)
class Layout:
    zoom: float
    cell_px: float  # px a canvas unit gets on the screen planned for
    inputs: list
    kernels: list
    maps: list
    weights: list  # per shown pointwise kernel, one grid of 1 × C
    outputs: list
    standard: list  # per shown kernel, C grids of k × k (empty in presenter mode)
    standard_maps: list
    titles: list  # (x, text)
    width: float
    height: float


def columns(stages: Stages, zoom: float, presenter: bool):
    """Column widths (canvas units) and titles, left to right. On a projector the depthwise stage is one
    block, a column per channel (its input, its kernel under it, its map under that)."""
    channels, hp, wp = stages.x.shape
    k = stages.depthwise.shape[1]
    n, ho, wo = stages.outputs.shape
    (pt, pb), (pl, pr) = stages.pads
    padded = f"<br>padded to {hp}×{wp}" if (pt, pb, pl, pr) != (0, 0, 0, 0) else ""
    size = f"{hp - pt - pb}×{wp - pl - pr}×{channels}"
    which = f"{n} of {stages.kernels}" if n < stages.kernels else f"{n} kernel{'s' if n > 1 else ''}"
    pointwise = (channels * zoom, f"<b>pointwise</b><br>{which}: 1×1×{channels}")
    outputs = (wo, f"<b>output</b><br>{ho}×{wo}×{stages.kernels}")
    standard_maps = (wo, f"<b>standard output</b><br>{ho}×{wo}×{stages.kernels}")
    if presenter:
        block = channels * channel_width(stages, zoom) + (channels - 1) * COLUMN_GAP
        return [(block, f"<b>depthwise</b>: input, kernel, map<br>{size} · {channels} of {k}×{k}×1 · "
                        f"{ho}×{wo}×{channels}{padded}"), pointwise, outputs, standard_maps]
    return [(wp, f"<b>input</b><br>{size}{padded}"), (k * zoom, f"<b>depthwise</b><br>{channels} of {k}×{k}×1"),
            (wo, f"<b>depthwise maps</b><br>{ho}×{wo}×{channels}"), pointwise, outputs,
            (channels * k + (channels - 1) * 0.5, f"<b>standard kernels</b><br>W = P·D: {k}×{k}×{channels}"),
            standard_maps]


def channel_width(stages: Stages, zoom: float) -> float:
    """A channel's column on a projector: its input, its kernel and its map, one under the other."""
    return max(stages.x.shape[2], stages.depthwise.shape[1] * zoom, stages.depthwise_maps.shape[2])


def title_lines(stages: Stages) -> int:
    return 3 if np.any(np.asarray(stages.pads)) else 2


def plan(stages: Stages, zoom: float, presenter: bool, cell_px: float) -> Layout:
    """The grids' places for kernel cells of `zoom` units, the titles given room at `cell_px` a unit."""
    channels, hp, wp = stages.x.shape
    k = stages.depthwise.shape[1]
    n, ho, wo = stages.outputs.shape
    factor = PRESENTER_FACTOR if presenter else 1.0
    spec = columns(stages, zoom, presenter)
    lefts, starts, x = [], [], 0.0
    for width, title in spec:
        slot = max(width, title_px(title, factor) / cell_px)
        lefts.append(x + (slot - width) / 2)  # a grid in the middle of its slot, its title at the slot's left
        starts.append(x)
        x += slot + COLUMN_GAP
    total_width = x - COLUMN_GAP
    if presenter:  # a column per channel: input, kernel under it, map under that
        column = channel_width(stages, zoom)
        per_channel = [lefts[0] + c * (column + COLUMN_GAP) for c in range(channels)]
        inputs = [Grid(x0 + (column - wp) / 2, LABEL, hp, wp) for x0 in per_channel]
        kernels = [Grid(x0 + (column - k * zoom) / 2, LABEL + hp + GAP, k, k, zoom) for x0 in per_channel]
        maps = [Grid(x0 + (column - wo) / 2, kernels[0].bottom + GAP + LABEL, ho, wo) for x0 in per_channel]
        columns_left = lefts[1:]
    else:  # a row per channel: input, kernel beside it, map beside that
        row = LABEL + max(hp, k * zoom, ho)
        inputs = [Grid(lefts[0], c * (row + GAP) + LABEL, hp, wp) for c in range(channels)]
        kernels = [Grid(lefts[1], g.top + max(0.0, (hp - k * zoom) / 2), k, k, zoom) for g in inputs]
        maps = [Grid(lefts[2], g.top + (hp - ho) / 2, ho, wo) for g in inputs]
        columns_left = lefts[3:]
    tall = max(ho, zoom, 0 if presenter else k)  # one row per shown kernel, each grid in its middle
    rows = [i * (LABEL + tall + GAP) + LABEL for i in range(n)]
    outputs = [Grid(columns_left[1], top + (tall - ho) / 2, ho, wo) for top in rows]
    weights = [Grid(columns_left[0], top + (tall - zoom) / 2, 1, channels, zoom) for top in rows]
    standard = [] if presenter else [
        [Grid(columns_left[2] + c * (k + 0.5), top + (tall - k) / 2, k, k) for c in range(channels)] for top in rows]
    standard_maps = [Grid(columns_left[-1], top + (tall - ho) / 2, ho, wo) for top in rows]
    grids = inputs + kernels + maps + weights + outputs + standard_maps + [g for r in standard for g in r]
    height = max(max(g.bottom for g in grids), rows[-1] + tall + LABEL)  # "… more kernels" under the last row
    return Layout(zoom, cell_px, inputs, kernels, maps, weights, outputs, standard, standard_maps,
                  list(zip(starts, (t for _, t in spec))), total_width, height)


def margins(stages: Stages) -> tuple[float, float, float]:
    """(caption_px, top_px, bottom_px) before enlarging: the titles (a third line for a padded input), then
    the caption."""
    caption_px = (title_lines(stages) + 1) * TITLE_LINE_PX + 10  # the titles, the legend line above them
    return caption_px, caption_px + CAPTION_LINE_PX * CAPTION_LINES + 6, CONTROLS_PX


def chosen_layout(stages: Stages, presenter: bool) -> tuple[Layout, int]:
    """The layout and the figure's height: the kernels' cells zoomed until their numbers fit the
    narrowest screen planned for, the canvas as wide as the screen allows."""
    factor = PRESENTER_FACTOR if presenter else 1.0
    _, top, bottom = margins(stages)
    narrow = NARROW_PX[presenter]
    need = NUMBER_CELL_PX[presenter]
    best, best_px = None, 0.0
    channels, hp, _ = stages.x.shape
    k, ho = stages.depthwise.shape[1], stages.depthwise_maps.shape[1]
    # a kernel no taller than its input and two cells: past that the rows grow and every cell shrinks
    largest = max(1.5, (max(hp, ho) + 2) / k)
    for zoom in np.arange(1.5, min(6.0, largest) + 0.01, 0.25):
        cell = 12.0  # px a canvas unit gets, on the screen as drawn (presenter mode: after enlarging)
        for _ in range(4):  # the titles' room depends on the cell size, which depends on the room
            layout = plan(stages, float(zoom), presenter, cell)
            if presenter:
                cell = min(narrow / layout.width, (PRESENTER_HEIGHT - top - bottom) * factor / layout.height)
            else:
                cell = min(narrow / layout.width, WIDE_PX / layout.width,
                           (MAX_HEIGHT - top - bottom) / layout.height)
        if zoom * cell > best_px:  # past some zoom the kernels' height shrinks every cell: keep the best
            best, best_px = layout, zoom * cell
        if zoom * cell >= need:
            break
    if presenter:
        height = PRESENTER_HEIGHT
    else:
        wide = min(WIDE_PX / best.width, (MAX_HEIGHT - top - bottom) / best.height)
        height = int(round(best.height * wide + top + bottom))
    return best, height


def heatmap(values, grid: Grid, name: str, zmax: float, hover: str, numbers: bool) -> dict:
    texts = [style.numbers(row) for row in values] if numbers else None
    return dict(
        type="heatmap", z=np.asarray(values, dtype=float), x0=grid.left + grid.zoom / 2, dx=grid.zoom,
        y0=grid.top + grid.zoom / 2, dy=grid.zoom, zmid=0, zmin=-zmax, zmax=zmax, colorscale=style.DIVERGING,
        showscale=False, xgap=1, ygap=1, name=name, text=texts, texttemplate="%{text}" if numbers else None,
        textfont=dict(size=NUMBER_FONT, color="#111111"), hovertemplate=hover + "<extra></extra>",
    )


def outline(grid: Grid, colour: str, dash: str = "solid", width: float = 2.5) -> dict:
    return dict(type="path", xref="x", yref="y", path=grid.outline(), line=dict(color=colour, width=width, dash=dash))


def mask_path(grids: list[Grid], row: int, col: int) -> str:
    """The cells of every map not computed yet at position (row, col): the rest of the row, the rows below."""
    parts = []
    for g in grids:
        if col + 1 < g.cols:
            parts.append(g.rect(row, col + 1, row + 1, g.cols))
        if row + 1 < g.rows:
            parts.append(g.rect(row + 1, 0, g.rows, g.cols))
    return "".join(parts) or "M0 0Z"


def captions(stages: Stages) -> list[str]:
    """Each position's sums, in words: the depthwise values, the pointwise mix, the standard's values, the counts."""
    channels, ho, wo = stages.depthwise_maps.shape
    n = stages.pointwise.shape[0]
    d_text = [[style.ascii_number(v) for v in row.ravel()] for row in stages.depthwise_maps.reshape(channels, -1).T]
    weights = [[style.ascii_signed(v) for v in row] for row in stages.pointwise]
    out_text = stages.outputs.reshape(n, -1).T
    std_text = stages.standard_maps.reshape(n, -1).T
    more = stages.kernels - n
    texts = []
    for s in range(ho * wo):
        r, c = divmod(s, wo)
        values = ", ".join(style.in_channel_colour(ch, f"ch {ch + 1}: {d_text[s][ch]}") for ch in range(channels))
        terms = " + ".join(style.in_channel_colour(ch, f"{weights[0][ch]}·{style.ascii_signed(stages.depthwise_maps[ch, r, c])}")
                           for ch in range(channels))
        rest = (f" · kernels 2–{n}: " + ", ".join(style.ascii_number(v) for v in out_text[s][1:])) if n > 1 else ""
        rest += f" · {more:,} more" if more else ""
        std = ", ".join(style.ascii_number(v) for v in std_text[s])
        same = "the same" if np.array_equal(out_text[s], std_text[s]) else "DIFFERENT"
        dw, pw, st = (int(v) for v in stages.counts[s])
        texts.append(
            f"<b>Position ({r + 1}, {c + 1})</b> · depthwise maps: {values}<br>"
            f"pointwise kernel 1: {terms} = {style.ascii_number(out_text[s][0])}{rest}<br>"
            f"standard, W = P·D: {std}: {same}<br>"
            f"<b>depthwise + pointwise = {dw:,} + {pw:,} = {dw + pw:,} against {st:,}</b> standard")
    return texts


def build_figure(stages: Stages, presenter: bool, frame_ms: int = 700) -> AnimatedFigure:
    """The pipeline animation, laid out for a screen or (`presenter`) for a projector, which draws fewer
    pointwise kernels and no standard kernels."""
    if presenter:
        shown = slice(0, PRESENTER_KERNELS)
        stages = dataclasses.replace(stages, pointwise=stages.pointwise[shown], outputs=stages.outputs[shown],
                                     standard=stages.standard[shown], standard_maps=stages.standard_maps[shown])
    layout, height = chosen_layout(stages, presenter)
    channels = stages.x.shape[0]
    n = stages.pointwise.shape[0]
    _, ho, wo = stages.depthwise_maps.shape
    (pt, pb), (pl, pr) = stages.pads
    hp, wp = stages.x.shape[1:]
    interior = np.zeros((hp, wp), dtype=bool)
    interior[pt:hp - pb, pl:wp - pr] = True
    data, shapes = [], []
    x_max = max(float(np.abs(stages.x).max()), 1e-9)
    for c, g in enumerate(layout.inputs):
        data.append(heatmap(np.where(interior, stages.x[c], np.nan), g, f"input channel {c + 1}", x_max,
                            f"input channel {c + 1}: %{{z}}", False))
        if not interior.all():
            data.append(dict(heatmap(np.where(interior, np.nan, 0.0), g, "padding", 1.0, "padding: a zero", False),
                             colorscale=[[0, style.PADDING_FILL], [1, style.PADDING_FILL]]))
    k_max = max(float(np.abs(stages.depthwise).max()), float(np.abs(stages.pointwise).max()), 1e-9)
    for c, g in enumerate(layout.kernels):
        data.append(heatmap(stages.depthwise[c], g, f"depthwise kernel {c + 1}", k_max,
                            f"depthwise kernel D{c + 1} (channel {c + 1}): %{{z}}", True))
    m_max = max(float(np.abs(stages.depthwise_maps).max()), 1e-9)
    for c, g in enumerate(layout.maps):
        data.append(heatmap(stages.depthwise_maps[c], g, f"depthwise map {c + 1}", m_max,
                            f"depthwise map {c + 1}: %{{z}}", False))
    for i, g in enumerate(layout.weights):
        data.append(heatmap(stages.pointwise[i:i + 1], g, f"pointwise kernel {i + 1}", k_max,
                            f"pointwise kernel {i + 1}: %{{z}}", True))
    o_max = max(float(np.abs(stages.outputs).max()), float(np.abs(stages.standard_maps).max()), 1e-9)
    for i, g in enumerate(layout.outputs):
        data.append(heatmap(stages.outputs[i], g, f"output map {i + 1}", o_max, f"output map {i + 1}: %{{z}}", False))
    w_max = max(float(np.abs(stages.standard).max()), 1e-9)
    for i, row in enumerate(layout.standard):
        for c, g in enumerate(row):
            data.append(heatmap(stages.standard[i, c], g, f"standard kernel {i + 1} channel {c + 1}", w_max,
                                f"W[{i + 1}, {c + 1}] = P[{i + 1}, {c + 1}]·D{c + 1}: %{{z}}", False))
    for i, g in enumerate(layout.standard_maps):
        data.append(heatmap(stages.standard_maps[i], g, f"standard map {i + 1}", o_max,
                            f"standard output map {i + 1}: %{{z}}", False))

    # the cells not computed yet (one path, changed by every frame), then every outline above it
    all_maps = layout.maps + layout.outputs + layout.standard_maps
    shapes.append(dict(type="path", xref="x", yref="y", path=mask_path(all_maps, 0, 0), fillcolor=style.BACKGROUND,
                       line=dict(width=0), layer="above"))
    for c in range(channels):
        colour, dash = style.channel_colour(c), style.channel_dash(c)
        for g in (layout.inputs[c], layout.kernels[c], layout.maps[c]):
            shapes.append(outline(g, colour, dash))
        for g in layout.weights:  # channel c's weight in every pointwise kernel
            shapes.append(outline(Grid(g.left + c * g.zoom, g.top, 1, 1, g.zoom), colour, dash, 3))
        for row in layout.standard:
            shapes.append(outline(row[c], colour, dash, 1.5))
    for g in layout.outputs + layout.standard_maps:
        shapes.append(outline(g, "#999999", width=1))
    k = stages.depthwise.shape[1]
    window = dict(color=style.WINDOW, width=3)
    for g in layout.inputs:  # the windows, at the first position, on x2/y2
        shapes.append(dict(type="path", xref="x2", yref="y2", path=Grid(g.left, g.top, k, k).outline(), line=window))
    for g in all_maps:  # the current cells, on x3/y3
        shapes.append(dict(type="path", xref="x3", yref="y3", path=Grid(g.left, g.top, 1, 1).outline(), line=window))

    x_range = [-0.5, round(layout.width + 0.5, 2)]
    y_range = [round(layout.height + 0.2, 2), -0.5]
    annotations = [dict(text="", showarrow=False, align="left", font=dict(size=CAPTION_FONT, color=style.LABEL))]

    def label(x, y, text, size=13, colour=style.LABEL, anchor="bottom"):
        annotations.append(dict(x=x, y=y, text=text, showarrow=False, xanchor="left", yanchor=anchor, align="left",
                                xref="x", yref="y", font=dict(size=size, color=colour)))

    for x, title in layout.titles:
        annotations.append(dict(x=x, y=-0.5, text=title, showarrow=False, xanchor="left", yanchor="bottom",
                                align="left", xref="x", yref="y", yshift=4, font=dict(size=14, color=style.LABEL)))
    for c, g in enumerate(layout.inputs):
        label(g.left, g.top - 0.1, f"<b>channel {c + 1}</b>", colour=style.channel_colour(c))
    for c, g in enumerate(layout.maps):
        label(g.left, g.top - 0.1, f"map {c + 1}", colour=style.channel_colour(c))
    for i, g in enumerate(layout.weights):
        label(g.left, g.top - 0.1, f"kernel {i + 1}")
    for i, g in enumerate(layout.outputs):
        label(g.left, g.top - 0.1, f"map {i + 1}")
    for i, g in enumerate(layout.standard_maps):
        label(g.left, g.top - 0.1, f"map {i + 1}")
    more = stages.kernels - n
    if more:
        label(layout.outputs[0].left, max(g.bottom for g in [layout.outputs[-1], layout.weights[-1]]
                                          + (layout.standard[-1] if layout.standard else [])) + 0.2,
              f"… and {more:,} more kernel{'s' if more > 1 else ''}", 13, anchor="top")
    legend = " ".join(style.in_channel_colour(c, f"■ {c + 1}") for c in range(channels))
    annotations.append(dict(x=layout.inputs[0].left, y=-0.5, xref="x", yref="y", xanchor="left", yanchor="bottom",
                            yshift=title_lines(stages) * TITLE_LINE_PX + 6, showarrow=False, align="left",
                            text=f"One colour per channel ({legend}): its input, kernel, map and pointwise weights",
                            font=dict(size=13, color=style.LABEL)))

    texts = captions(stages)
    stride = stages.stride

    def frame_layout(s: int) -> dict:
        r, c = divmod(s, wo)
        dx, dy = c * stride, r * stride
        return {
            "xaxis2.range": [x_range[0] - dx, x_range[1] - dx],
            "yaxis2.range": [y_range[0] - dy, y_range[1] - dy],
            "xaxis3.range": [x_range[0] - c, x_range[1] - c],
            "yaxis3.range": [y_range[0] - r, y_range[1] - r],
            "shapes[0].path": mask_path(all_maps, r, c),
            "annotations[0].text": texts[s],
        }

    frames = [{"name": str(s), "layout": frame_layout(s)} for s in range(ho * wo)]
    annotations[0]["text"] = texts[0]
    labels = [f"{s + 1}/{ho * wo} · position ({s // wo + 1}, {s % wo + 1}) · "
              f"{int(stages.counts[s][0] + stages.counts[s][1]):,} against {int(stages.counts[s][2]):,} multiplications"
              for s in range(ho * wo)]
    caption_px, top, bottom_px = margins(stages)
    return animated_figure(data, frames, labels, frame_ms, height=height, top_px=top, bottom_px=bottom_px,
                           shapes=shapes, annotations=annotations, x_range=x_range, y_range=y_range,
                           caption_px=caption_px)


class PipelineFigure(AnimatedFigure):
    """The screen's pipeline, carrying the projector's layout of the same animation: `enlarged` hands
    that one out (fonts and height times the factor, as every animation is enlarged), and `at_step`
    moves both."""

    def __init__(self, screen: AnimatedFigure, presenter: AnimatedFigure):
        spec = screen.to_dict()
        layout = dict(spec["layout"])
        slider = layout.pop("sliders")[0]
        super().__init__(spec["data"], layout, spec["frames"], slider)
        self._presenter = presenter

    @property
    def presenter(self) -> AnimatedFigure:
        """The same animation laid out for a projector, before enlarging."""
        return self._presenter

    def narrow(self) -> PipelineFigure:
        """The same animation for screens under 1,600 px (lessons.blocks.ByWidth): the projector's compact
        layout at screen size, which a 1280×800 laptop shows whole; enlarged, it is the projector's."""
        return PipelineFigure(self.presenter, self.presenter)

    def at_step(self, step: int) -> PipelineFigure:
        if step == self.active_step:
            return self
        return PipelineFigure(super().at_step(step), self.presenter.at_step(step))

    def enlarged(self, factor: float, wide_screen: bool = False) -> AnimatedFigure:
        # its own presenter layout, planned for every projector (wide_screen changes nothing)
        spec = self.presenter.to_dict()
        data = copy.deepcopy(spec["data"])
        layout = {key: value if key == "template" else copy.deepcopy(value) for key, value in spec["layout"].items()}
        enlarge_spec(data, layout, factor)
        slider = layout.pop("sliders")[0]
        return AnimatedFigure(data, layout, spec["frames"], slider)

    def __reduce__(self):
        return PipelineFigure, (AnimatedFigure(*AnimatedFigure.__reduce__(self)[1]), self.presenter)

    def __repr__(self) -> str:
        return f"PipelineFigure({self.step_count} frames)"


def pipeline_figure(stages: Stages, frame_ms: int = 700) -> PipelineFigure:
    """The animation for a screen, with the projector's layout inside it (see PipelineFigure)."""
    return PipelineFigure(build_figure(stages, False, frame_ms), build_figure(stages, True, frame_ms))
