"""Depthwise scan: a few channels drawn large, each scanned by its own kernel, all in step.

The animation follows the scan mechanism of viz.scan: grids drawn once as heatmaps no frame
touches; a frame moves the windows (x2/y2) and the output cells being computed (x3/y3) by
shifting overlay axes, and carries the mask over cells not computed yet and the caption.

A room reads numbers, not small multiples: the figure draws as many channels as fit at readable
sizes (`choose_layout`) and says in its caption how many more there are, all scanned the same way.
Each drawn channel is outlined and titled in its own colour (style.channel_colour), its input, its
kernel(s) and its map(s) alike; the cells keep the diverging scale of their values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine import DepthwiseTrace

from . import style
from .animated import PRESENTER_NARROW_PX, AnimatedFigure
from .scan import CONTROLS_PX, Placed, animated_figure, heatmap, input_grids, sampled_cells

# The screens a depthwise scan is planned for (chart widths in px, less the figure's side margins).
WIDE_PX = 1444  # a 1920×1080 screen, the sidebar open
LAPTOP_PX = 804  # a 1280×800 laptop, the sidebar open: the numbers on the cells are sized to fit here
PROJECTOR_PX = PRESENTER_NARROW_PX - 16  # presenter mode on a 1280×720 projector
PRESENTER_FACTOR = 1.35  # how much presenter mode enlarges a chart's text (ui.classroom.PRESENTER_SCALE)
PRESENTER_CHART_PX = 700  # the tallest the chart may be in presenter mode on a 1280×720 projector
READABLE_CELL_PX = 40.05  # a projector's cell that takes numbers of 18 px (animated.fitting_font: 0.45 of a cell)
WIDE_SHARE = 0.84  # the share of a wide screen's width the grids span
MAX_CELL_PX = 72  # a few small grids: no larger than this, whatever share of the screen they span
MAX_HEIGHT_PX = 960  # the chart on a 1920×1080 screen, its Play row included
MAX_SHOWN = 4  # channels drawn at most; the others are summed up in words
TITLE_ROWS = 0.75  # the band above a grid for its title, in cells
EDGE = 0.6  # free cells round the canvas (outlines reach past the grids)
CAPTION_LINE_PX = 20
CAPTION_GAP_PX = 6


@dataclass(frozen=True)
class Layout:
    """Which channels are drawn and how: `shown` channels, `per_row` units to a row. A unit is one
    channel: its input, and a row per kernel of that kernel beside its map, under the input
    (`stacked`) or right of it; `gap` cells between a unit's grids, `apart` between units."""

    shown: int
    per_row: int
    stacked: bool
    gap: float
    apart: float


def unit_size(layout: Layout, grid_hw, kernel_hw, out_hw, multiplier: int) -> tuple[float, float]:
    """A unit's (width, height) in cells, title bands included."""
    (hp, wp), (kh, kw), (ho, wo) = grid_hw, kernel_hw, out_hw
    pair_w, pair_h = kw + layout.gap + wo, TITLE_ROWS + max(kh, ho)
    pairs_h = multiplier * pair_h + (multiplier - 1) * layout.gap
    if layout.stacked:
        return max(wp, pair_w), TITLE_ROWS + hp + pairs_h
    return wp + layout.gap + pair_w, max(TITLE_ROWS + hp, pairs_h)


def canvas_size(layout: Layout, unit) -> tuple[float, float, float]:
    """(grids' width, canvas width, canvas height) in cells."""
    width, height = unit
    rows = -(-layout.shown // layout.per_row)
    drawn = layout.per_row * width + (layout.per_row - 1) * layout.apart
    return drawn, drawn + 2 * EDGE, rows * height + (rows - 1) * layout.apart + EDGE


def presenter_cell(across: float, down: float, margins_px: float) -> float:
    """The largest cell a projector gives the canvas: the 1280×720 chart's width and PRESENTER_CHART_PX."""
    return min(PROJECTOR_PX / across, (PRESENTER_CHART_PX - margins_px * PRESENTER_FACTOR) / down)


def choose_layout(channels: int, grid_hw, kernel_hw, out_hw, multiplier: int, margins_px: float) -> Layout:
    """The most channels (up to MAX_SHOWN) whose grids a projector shows with 18 px numbers on one
    screen; among those layouts the one with the largest cells. When not even one channel fits, the
    single channel's layout with the largest cells."""
    candidates = []  # (fits on a projector, channels drawn, cell px, layout)
    for shown in range(min(channels, MAX_SHOWN), 0, -1):
        for per_row in range(shown, 0, -1):
            for stacked in (True, False):
                for gap, apart in ((1, 2), (1, 1.5), (0.6, 1), (0.4, 0.8)):
                    layout = Layout(shown, per_row, stacked, gap, apart)
                    _, across, down = canvas_size(layout, unit_size(layout, grid_hw, kernel_hw, out_hw, multiplier))
                    cell = presenter_cell(across, down, margins_px)
                    fits = cell >= READABLE_CELL_PX
                    candidates.append((fits, shown if fits else -shown, cell, -len(candidates), layout))
    return max(candidates)[-1]


def not_yet_computed(at: Placed, oy: int, ox: int, grow: float = 0.15) -> str:
    """SVG path over the cells after (oy, ox) in reading order: the rest of the row, then the rows
    below. The two rectangles only touch: a path's overlapping parts are left unfilled."""
    left, right = at.x - 0.5 - grow, at.right + grow
    split, bottom = at.y + oy + 0.5, at.bottom + grow
    path = ""
    if ox < at.cols - 1:
        path += f"M{at.x + ox + 0.5:g} {at.y + oy - 0.5 - grow:g}H{right:g}V{split:g}H{at.x + ox + 0.5:g}Z"
    if oy < at.rows - 1:
        path += f"M{left:g} {split:g}H{right:g}V{bottom:g}H{left:g}Z"
    return path


def channel_range(first: int, last: int) -> str:
    """Channels first..last (1-based) in words: 'channel 3', 'channels 3 and 4', 'channels 3 to 16'."""
    if first == last:
        return f"channel {first}"
    return f"channels {first} {'and' if last == first + 1 else 'to'} {last}"


def not_drawn_text(shown: int, channels: int) -> str:
    """What the figure says of the channels it does not draw ('' when it draws them all)."""
    more = channels - shown
    if more <= 0:
        return ""
    return (f"… and {more} more channel{'s' if more > 1 else ''} ({channel_range(shown + 1, channels)}), "
            f"the same scan, each with its own kernel")


def outline(at: Placed, c: int, width: float = 3) -> dict:
    """A grid's outline in channel c's colour and dash."""
    return dict(type="rect", xref="x", yref="y", x0=at.x - 0.5, x1=at.right, y0=at.y - 0.5, y1=at.bottom,
                line=dict(color=style.channel_colour(c), width=width, dash=style.channel_dash(c)))


def depthwise_scan_figure(trace: DepthwiseTrace, frame_ms: int = 700, shown_products: int = 1) -> AnimatedFigure:
    """The first channels, each with its kernel(s) and map(s), large with their numbers; all move together.

    trace : engine.depthwise_trace(...)
    shown_products : how many maps' products the caption writes out
    """
    channels, hp, wp = trace.padded.shape
    kernels, kh, kw = trace.kernels.shape
    m = trace.multiplier
    ho, wo = trace.output.shape[1:]
    dh, dw = trace.dilation
    span_h, span_w = (kh - 1) * dh + 1, (kw - 1) * dw + 1
    products = min(kernels, shown_products)
    caption_lines = 1 + products + (1 if channels > MAX_SHOWN else 0)
    top_px = CAPTION_GAP_PX + CAPTION_LINE_PX * caption_lines + 6
    margins_px = top_px + CONTROLS_PX
    layout = choose_layout(channels, (hp, wp), (kh, kw), (ho, wo), m, margins_px)
    shown = layout.shown
    caption_lines = 1 + min(shown * m, shown_products) + (1 if channels > shown else 0)
    top_px = CAPTION_GAP_PX + CAPTION_LINE_PX * caption_lines + 6
    unit_w, unit_h = unit_size(layout, (hp, wp), (kh, kw), (ho, wo), m)
    drawn, across, down = canvas_size(layout, (unit_w, unit_h))
    # as wide as keeps the projector's chart within PRESENTER_CHART_PX (its cells follow the width): a
    # canvas too tall for 18 px numbers there (several kernels per channel on a large input) gets smaller
    # ones rather than a chart to scroll
    across = max(across, PROJECTOR_PX * down / (PRESENTER_CHART_PX - (top_px + CONTROLS_PX) * PRESENTER_FACTOR))
    extra = across - drawn - 2 * EDGE

    inputs, kernel_at, outputs, owner = [], [], [], []
    pair_w = kw + layout.gap + wo
    for c in range(shown):
        r, q = divmod(c, layout.per_row)
        x0, y0 = extra / 2 + q * (unit_w + layout.apart), r * (unit_h + layout.apart)
        if layout.stacked:
            inputs.append(Placed(x0 + (unit_w - wp) / 2 + 0.5, y0 + TITLE_ROWS + 0.5, hp, wp))
            px, py = x0 + (unit_w - pair_w) / 2, y0 + TITLE_ROWS + hp
        else:
            inputs.append(Placed(x0 + 0.5, y0 + TITLE_ROWS + 0.5, hp, wp))
            px, py = x0 + wp + layout.gap, y0
        for k in range(m):
            row_y = py + k * (TITLE_ROWS + max(kh, ho) + layout.gap) + TITLE_ROWS + 0.5
            kernel_at.append(Placed(px + 0.5, row_y, kh, kw))
            outputs.append(Placed(px + kw + layout.gap + 0.5, row_y, ho, wo))
            owner.append(c)
    x_range = [-EDGE, across - EDGE]
    y_range = [down, 0]  # reversed: row 0 at the top
    # the wide screen's grids span WIDE_SHARE of it; a projector's cells are fitted by AnimatedFigure.enlarged
    cell_px = min(WIDE_PX / across, WIDE_SHARE * (WIDE_PX + 16) / drawn, MAX_CELL_PX,
                  (MAX_HEIGHT_PX - top_px - CONTROLS_PX) / down)
    height = int(round(down * cell_px + top_px + CONTROLS_PX))
    laptop_cell = min(cell_px, LAPTOP_PX / across)  # the numbers are sized for the laptop's cells

    data = input_grids(trace.padded[:shown], trace.pads, inputs, laptop_cell)
    k_zmax = max(float(np.abs(trace.kernels).max()), 1e-9)
    out_zmax = max(float(np.abs(trace.output).max()), 1e-9)
    for j, c in enumerate(owner):
        data.append(heatmap(trace.kernels[j], kernel_at[j], f"kernel {j + 1}", laptop_cell, k_zmax,
                            f"kernel {j + 1} (channel {c + 1}): %{{z}}"))
        data.append(heatmap(trace.output[j], outputs[j], f"map {j + 1}", laptop_cell, out_zmax,
                            f"map {j + 1} (from channel {c + 1}): %{{z}}"))
    data += sampled_cells(inputs, (kh, kw), trace.dilation, laptop_cell)

    title_px = int(np.clip(laptop_cell * TITLE_ROWS * 0.62, 10, 17))
    annotations = [dict(text="", align="left", showarrow=False, font=dict(size=15, color=style.LABEL))]

    def title(at: Placed, text: str, c: int) -> None:
        annotations.append(dict(x=at.x - 0.5, y=at.y - 0.5, text=f"<b>{text}</b>", showarrow=False, xanchor="left",
                                yanchor="bottom", yshift=2, font=dict(size=title_px, color=style.channel_colour(c))))

    for c, at in enumerate(inputs):
        maps = f"maps {c * m + 1} to {c * m + m}" if m > 1 else f"map {c + 1}"
        title(at, f"channel {c + 1} → {maps}", c)
    for j, c in enumerate(owner):
        title(kernel_at[j], f"kernel {j + 1}", c)
        title(outputs[j], f"map {j + 1}", c)

    window = dict(color=style.WINDOW, width=3)
    shapes = [
        dict(type="path", path="M0 0", fillcolor=style.BACKGROUND, line=dict(width=0)),  # the mask, set per frame
        *[outline(at, c) for c, at in enumerate(inputs)],
        *[outline(at, c) for at, c in zip(kernel_at, owner)],
        *[outline(at, c) for at, c in zip(outputs, owner)],
        *[dict(type="rect", xref="x2", yref="y2", x0=at.x - 0.5, x1=at.x + span_w - 0.5, y0=at.y - 0.5,
               y1=at.y + span_h - 0.5, line=window) for at in inputs],
        *[dict(type="rect", xref="x3", yref="y3", x0=at.x - 0.5, x1=at.x + 0.5, y0=at.y - 0.5, y1=at.y + 0.5,
               line=window) for at in outputs],
    ]
    as_factor = np.vectorize(style.ascii_signed, otypes=[object])
    in_text, k_text = as_factor(trace.padded[:shown]), as_factor(trace.kernels[:shown * m])
    total = int(trace.multiplications_so_far[-1])
    summary = not_drawn_text(shown, channels)
    explained = min(shown * m, shown_products)

    def frame_layout(s: int) -> dict:
        oy, ox = int(trace.out_row[s]), int(trace.out_col[s])
        mask = "".join(not_yet_computed(at, oy, ox) for at in outputs)
        rows, cols = trace.sampled_cells(s)
        lines = [f"all {kernels} kernels: {int(trace.multiplications_so_far[s]):,} of {total:,} multiplications "
                 f"· each kernel: {int(trace.per_kernel_so_far[s]):,}"]
        for j in range(explained):
            a, b = in_text[j // m][np.ix_(rows, cols)].ravel(), k_text[j].ravel()
            terms = [p + "·" + q for p, q in zip(a[:9], b[:9])] + ([f"… ({len(a) - 9} more)"] if len(a) > 9 else [])
            lines.append(f"map {j + 1}: {' + '.join(terms)} = {style.ascii_number(trace.sums[s, j])}")
        if summary:
            lines.append(summary)
        dx, dy = int(trace.left[s]), int(trace.top[s])
        return {
            "shapes[0].path": mask or "M0 0",
            "xaxis2.range": [x_range[0] - dx, x_range[1] - dx],
            "yaxis2.range": [y_range[0] - dy, y_range[1] - dy],
            "xaxis3.range": [x_range[0] - ox, x_range[1] - ox],
            "yaxis3.range": [y_range[0] - oy, y_range[1] - oy],
            "annotations[0].text": "<br>".join(lines),
        }

    frames = [{"name": str(s), "layout": frame_layout(s)} for s in range(trace.steps)]
    first = frames[0]["layout"]
    annotations[0]["text"] = first["annotations[0].text"]
    shapes[0]["path"] = first["shapes[0].path"]
    labels = [f"{s + 1}/{trace.steps} · output ({int(trace.out_row[s]) + 1}, {int(trace.out_col[s]) + 1})"
              f" · {int(trace.multiplications_so_far[s]):,} multiplications" for s in range(trace.steps)]
    return animated_figure(data, frames, labels, frame_ms, height=height, top_px=top_px, bottom_px=CONTROLS_PX,
                           shapes=shapes, annotations=annotations, x_range=x_range, y_range=y_range,
                           caption_px=CAPTION_GAP_PX)
