"""The scan animation every page reuses: input grids, kernels, output grids, a moving window.

What does not change between steps (the grids and their numbers) is drawn once, as heatmaps no
frame touches: a heatmap that a frame touches is not drawn while Plotly animates. A frame
carries only what changes, as attribute paths plotly.js applies like Plotly.relayout:
- "xaxis2.range", "yaxis2.range": the window outlines and the sampled cells are drawn once,
  at the first position, on a second pair of axes laid over the first; shifting that pair's
  range moves all of them together;
- "xaxis3.range", "yaxis3.range": the same for the output cell being computed and the mask over
  the output cells not computed yet; "yaxis4.range" for the outline of the kernel computing it;
- "annotations[0].text": the caption, with the step's products and the running count.
So the payload grows with the number of steps, not with steps x pixels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from engine import ScanTrace

from . import style
from .animated import MIN_TEXT_PX, AnimatedFigure, fitting_font

TITLE_PX_PER_CHAR = 8.2  # a 14 px title, for reserving room above each block
TITLE_LINE_PX = 17  # a line of a 14 px block title
CAPTION_LINE_PX = 20  # a line of the 15 px caption above the titles
BUTTONS_PX = 165  # Play and Pause side by side (14 px): the step slider starts right of them, never under them
CONTROLS_PX = 64  # the step slider's row under the canvas, Play and Pause level with its rail


def title_px(title: str, scale: float = 1.0) -> float:
    """The width of a block's title (14 px, <b> and <br> markup) at its longest line, times `scale`."""
    return max(len(line) for line in re.sub("<b>|</b>", "", title).split("<br>")) * TITLE_PX_PER_CHAR * scale


@dataclass(frozen=True)
class Placed:
    """A grid on the canvas: cell (r, c) is centred at (x + c, y + r); y grows downwards."""

    x: int
    y: int
    rows: int
    cols: int

    def rect(self, r0: int, c0: int, r1: int, c1: int, grow: float = 0.0) -> str:
        """SVG path around the cells r0..r1, c0..c1 (inclusive), grown by `grow` on each side."""
        left, right = self.x + c0 - 0.5 - grow, self.x + c1 + 0.5 + grow
        top, bottom = self.y + r0 - 0.5 - grow, self.y + r1 + 0.5 + grow
        return f"M{left:g} {top:g}H{right:g}V{bottom:g}H{left:g}Z"

    @property
    def right(self) -> float:
        return self.x + self.cols - 0.5

    @property
    def bottom(self) -> float:
        return self.y + self.rows - 0.5


def arrange(count: int, rows: int, cols: int, x0: int, y0: int, per_row: int, label_rows: int) -> list[Placed]:
    """`count` grids of rows x cols, `per_row` to a row, one empty cell apart, each with
    `label_rows` free above it for its name."""
    return [
        Placed(x0 + (i % per_row) * (cols + 1), y0 + label_rows + (i // per_row) * (rows + 1 + label_rows), rows, cols)
        for i in range(count)
    ]


def heatmap(values: np.ndarray, at: Placed, name: str, cell_px: float, zmax: float, hover: str) -> dict:
    """A static grid of values, coloured on the diverging scale, centred on zero."""
    texts = [[style.number(v) for v in row] for row in values]
    font_size = fitting_font(cell_px, texts)
    show_text = font_size >= MIN_TEXT_PX
    return dict(
        type="heatmap",
        z=values,
        x0=at.x,
        dx=1,
        y0=at.y,
        dy=1,
        zmid=0,
        zmin=-zmax,
        zmax=zmax,
        colorscale=style.DIVERGING,
        showscale=False,
        xgap=1,
        ygap=1,
        name=name,
        text=texts if show_text else None,
        texttemplate="%{text}" if show_text else None,
        textfont=dict(size=font_size, color="#111111"),
        hovertemplate=hover + "<extra></extra>",
    )


def padding_heatmap(interior: np.ndarray, at: Placed, cell_px: float) -> dict:
    """The zero padding around an input grid: grey cells printed with 0."""
    font_size = fitting_font(cell_px, [["0"]])
    show_text = font_size >= MIN_TEXT_PX
    return dict(
        type="heatmap",
        z=np.where(interior, np.nan, 0.0),
        x0=at.x,
        dx=1,
        y0=at.y,
        dy=1,
        showscale=False,
        xgap=1,
        ygap=1,
        colorscale=[[0, style.PADDING_FILL], [1, style.PADDING_FILL]],
        name="padding",
        text=np.where(interior, "", "0").tolist() if show_text else None,
        texttemplate="%{text}" if show_text else None,
        textfont=dict(size=font_size, color=style.PADDING_TEXT),
        hovertemplate="padding: a zero added around the input<extra></extra>",
    )


def input_grids(padded: np.ndarray, pads, inputs: list[Placed], cell_px: float) -> list[dict]:
    """Every input channel as a heatmap, its zero padding as grey cells around it."""
    channels, hp, wp = padded.shape
    (pt, pb), (pl, pr) = pads
    interior = np.zeros((hp, wp), dtype=bool)
    interior[pt:hp - pb, pl:wp - pr] = True
    zmax = max(float(np.abs(padded).max()), 1e-9)
    traces = []
    for c, at in enumerate(inputs):
        traces.append(heatmap(np.where(interior, padded[c], np.nan), at, f"input channel {c + 1}", cell_px, zmax,
                              f"input channel {c + 1}: %{{z}}"))
        if not interior.all():
            traces.append(padding_heatmap(interior, at, cell_px))
    return traces


def sampled_cells(inputs: list[Placed], kernel_hw, dilation, cell_px: float) -> list[dict]:
    """With dilation, a ring on each cell the kernel multiplies, drawn at the first position on x2/y2
    (which the frames shift with the window); nothing without dilation, where the window says it all."""
    (kh, kw), (dh, dw) = kernel_hw, dilation
    if dh == 1 and dw == 1:
        return []
    rr, cc = np.meshgrid(np.arange(kh) * dh, np.arange(kw) * dw, indexing="ij")
    return [dict(
        type="scatter", mode="markers", xaxis="x2", yaxis="y2", hoverinfo="skip", name="sampled cells",
        x=np.concatenate([at.x + cc.ravel() for at in inputs]), y=np.concatenate([at.y + rr.ravel() for at in inputs]),
        marker=dict(symbol="circle-open", size=max(6.0, cell_px * 0.95), color=style.SAMPLED, line=dict(width=2.5)),
    )]


def animated_figure(data, frames, labels, frame_ms, *, height, top_px, bottom_px, shapes, annotations, x_range,
                    y_range, caption_px: float = 6) -> AnimatedFigure:
    """The figure every scan shares: one canvas of cells, overlay axes x2/y2 (x3/y3, y4) that frames
    shift, a step slider whose labels carry the running count, and Play / Pause.

    The caption (annotations[0]) rides `caption_px` above the canvas's top, and the canvas keeps to the
    bottom of the plotting area: on a chart narrower than planned, the cells shrink and the spare height
    is left above the caption, never between the grids and the slider. The slider starts right of the
    buttons (its left pad is in pixels), so a narrow chart never puts a button on the slider.
    """
    first = frames[0]["layout"]
    annotations[0].update(x=x_range[0], y=y_range[1] + 0.01, xref="x", yref="y", yshift=caption_px,
                          xanchor="left", yanchor="bottom")
    scrub = {"frame": {"redraw": False}, "mode": "immediate", "transition": {"duration": 0}}
    play = {"frame": {"duration": int(frame_ms), "redraw": False}, "fromcurrent": True,
            "transition": {"duration": 0}, "mode": "immediate"}
    slider = dict(
        active=0, x=0, len=1, y=0, yanchor="top", pad=dict(t=4, b=0, l=BUTTONS_PX), ticklen=0, minorticklen=0,
        font=dict(size=1, color="rgba(0,0,0,0)"),
        currentvalue=dict(prefix="Step ", font=dict(size=15, color=style.LABEL)),
        steps=[{"args": [[frame["name"]], scrub], "label": label, "method": "animate"}
               for frame, label in zip(frames, labels)],
    )
    layout = dict(
        height=height, margin=dict(l=8, r=8, t=top_px, b=bottom_px),
        paper_bgcolor=style.BACKGROUND, plot_bgcolor=style.BACKGROUND,
        font=dict(family=style.FONT, size=14, color=style.LABEL),
        shapes=shapes, annotations=annotations,
        xaxis=dict(visible=False, range=x_range, constrain="domain", constraintoward="left", fixedrange=True),
        yaxis=dict(visible=False, range=y_range, scaleanchor="x", scaleratio=1, constrain="domain",
                   constraintoward="bottom", fixedrange=True),
        **{f"{axis}axis{i}": dict(visible=False, overlaying=axis, range=first[f"{axis}axis{i}.range"], fixedrange=True)
           for axis, i in (("x", 2), ("y", 2), ("x", 3), ("y", 3), ("y", 4)) if f"{axis}axis{i}.range" in first},
        showlegend=False, hovermode="closest",
        updatemenus=[dict(
            type="buttons", direction="left", x=0, y=0, xanchor="left", yanchor="top", pad=dict(t=26, r=4),
            showactive=False,
            buttons=[dict(label="▶ Play", method="animate", args=[None, play]),
                     dict(label="❚❚ Pause", method="animate", args=[[None], scrub])],
        )],
    )
    return AnimatedFigure(data=data, layout=layout, frames=frames, slider=slider)


def step_label(trace: ScanTrace, s: int) -> str:
    """Where step s is and how many multiplications it has taken so far (the slider shows it)."""
    which = f" · kernel {int(trace.kernel_index[s]) + 1}" if trace.kernels.shape[0] > 1 else ""
    return (f"{s + 1}/{trace.steps}{which} · output ({int(trace.out_row[s]) + 1}, {int(trace.out_col[s]) + 1})"
            f" · {trace.multiplications_so_far[s]:,} multiplication{'s' if trace.multiplications_so_far[s] != 1 else ''}")


def captions(trace: ScanTrace, max_terms: int) -> list[str]:
    """What each step computes, written out: '1·3 + 0·5 + (-1)·2 + … = 7' per channel, one string
    per step. Every cell and every sum is formatted once, and the windows of all steps are taken
    at once: a scan has up to a thousand steps, and it is built on every new slider value."""
    inputs, kernels = caption_texts(trace)
    steps, channels = trace.products.shape[:2]
    kh, kw = trace.kernels.shape[2:]
    rows, cols = trace.sampled_cells(np.arange(steps))  # (steps, kh), (steps, kw)
    windows = inputs[:, rows[:, :, None], cols[:, None, :]].reshape(channels, steps, kh * kw)[:, :, :max_terms]
    weights = kernels.reshape(kernels.shape[0], channels, kh * kw)[:, :, :max_terms]
    more = f"… ({kh * kw - max_terms} more)" if kh * kw > max_terms else None
    formatted: dict[float, str] = {}

    def number(v) -> str:
        v = float(v)
        if v not in formatted:
            formatted[v] = style.ascii_number(v)
        return formatted[v]

    single = kh * kw == 1 and channels > 1  # a single product needs no sum
    texts = []
    for s in range(steps):
        n = int(trace.kernel_index[s])
        lines = []
        for c in range(channels):
            terms = [p + "·" + q for p, q in zip(windows[c, s], weights[n, c])]
            if more:
                terms.append(more)
            prefix = f"ch {c + 1}: " if channels > 1 else ""
            total = "" if single else " = " + number(trace.channel_sums[s, c])
            lines.append(prefix + " + ".join(terms) + total)
        if channels > 1:
            parts = " + ".join(f"({t})" if t.startswith("-") else t for t in map(number, trace.channel_sums[s]))
            lines.append(f"output = {parts} = {number(trace.sums[s])}")
        texts.append("<br>".join(lines))
    return texts


def caption_texts(trace: ScanTrace):
    """Every input and kernel cell as a factor string, formatted once."""
    as_factor = np.vectorize(style.ascii_signed, otypes=[object])
    return as_factor(trace.padded), as_factor(trace.kernels)


def scan_figure(trace: ScanTrace, frame_ms: int = 700, input_label: str = "input", width_px: int = 760,
                flipped: bool = False) -> AnimatedFigure:
    """An animated scan of a standard convolution: one frame per output value.

    trace : ScanTrace from engine.scan_trace
    frame_ms : how long Play shows each step, in milliseconds
    width_px : the width the figure is expected to get; sets the text size on the cells
    flipped : the kernels are used turned by 180° (true convolution): their grids are titled "flipped"
        ("N flipped" for N kernels) and their hover says so
    """
    channels, hp, wp = trace.padded.shape
    n_kernels, _, kh, kw = trace.kernels.shape
    ho, wo = trace.output.shape[1:]
    (pt, pb), (pl, pr) = trace.pads
    h, w = hp - pt - pb, wp - pl - pr
    dh, dw = trace.dilation
    span_h, span_w = (kh - 1) * dh + 1, (kw - 1) * dw + 1

    # Canvas, in cells: inputs | kernels (one row per kernel) | outputs (one column), a title above
    # each block. Titles have a width in pixels, grids in cells: choose the cell size so that
    # every block is as wide as the larger of the two and the whole fits width_px.
    padded = (hp, wp) != (h, w)
    kernels_name = f"{n_kernels} kernel{'s' if n_kernels > 1 else ''}"
    shown_name = ("flipped" if n_kernels == 1 else f"{n_kernels} flipped") if flipped else kernels_name
    titles = [f"<b>{input_label}</b><br>{h}×{w}×{channels}" + (f"<br>padded to {hp}×{wp}" if padded else ""),
              f"<b>{shown_name}</b><br>{kh}×{kw}×{channels}",
              f"<b>output</b><br>{ho}×{wo}×{n_kernels}"]
    titles_px = [title_px(t) for t in titles]
    titles_px[1] = max(titles_px[1], len(kernels_name) * TITLE_PX_PER_CHAR)  # so flipping the kernel moves nothing
    per_row_in = 1 if channels == 1 else 2
    grid_cells = [per_row_in * (wp + 1) - 1, channels * (kw + 1) - 1, wo]
    gap, edge = 2, 1

    def needed_px(cell: float) -> float:
        return sum(max(g * cell, t) for g, t in zip(grid_cells, titles_px)) + (2 * gap + 2 * edge) * cell

    low, high = 0.5, 200.0
    for _ in range(50):  # needed_px grows with the cell size: bisect for the size that fills width_px
        mid = (low + high) / 2
        low, high = (mid, high) if needed_px(mid) <= width_px else (low, mid)
    cell_px = low
    slots = [max(g, t / cell_px) for g, t in zip(grid_cells, titles_px)]
    sub_rows = int(np.ceil(17 / cell_px)) if channels > 1 or n_kernels > 1 else 0
    inputs = arrange(channels, hp, wp, 0, 0, per_row_in, sub_rows if channels > 1 else 0)
    kx = int(np.ceil(slots[0] + gap))
    kernels = [arrange(channels, kh, kw, kx, n * (kh + 1 + sub_rows), channels, sub_rows)
               for n in range(n_kernels)]
    ox0 = int(np.ceil(kx + slots[1] + gap))
    outputs = arrange(n_kernels, ho, wo, ox0, 0, 1, sub_rows if n_kernels > 1 else 0)
    grids = inputs + [p for row in kernels for p in row] + outputs
    x_range = [-1, int(np.ceil(max(max(p.right for p in grids), ox0 + slots[2] - 0.5))) + 1]
    # reversed: row 0 at the top. The outlines reach 0.6 of a cell above a grid, 0.1 below it; the block
    # titles and the caption stand above the canvas, in pixels, so they take no rows of cells.
    y_range = [int(max(p.bottom for p in grids) + 0.5), -1]  # whole numbers: frames repeat them thousands of times
    caption_lines = 1 + channels if channels > 1 else 1
    caption_px = (max(t.count("<br>") for t in titles) + 1) * TITLE_LINE_PX + 10  # clear of the titles
    top_px, bottom_px = caption_px + CAPTION_LINE_PX * caption_lines + 6, CONTROLS_PX
    height = int(np.clip((y_range[0] - y_range[1]) * cell_px + top_px + bottom_px, 240, 860))
    cell_px = min(cell_px, (height - top_px - bottom_px) / (y_range[0] - y_range[1]))

    data = input_grids(trace.padded, trace.pads, inputs, cell_px)
    k_zmax = max(float(np.abs(trace.kernels).max()), 1e-9)
    for n, row in enumerate(kernels):
        for c, at in enumerate(row):
            data.append(heatmap(trace.kernels[n, c], at, f"kernel {n + 1} channel {c + 1}", cell_px, k_zmax,
                                f"{'flipped ' if flipped else ''}kernel {n + 1}, channel {c + 1}: %{{z}}"))
    out_zmax = max(float(np.abs(trace.output).max()), 1e-9)
    for n, at in enumerate(outputs):
        data.append(heatmap(trace.output[n], at, f"output {n + 1}", cell_px, out_zmax, f"output map {n + 1}: %{{z}}"))
    data += sampled_cells(inputs, (kh, kw), trace.dilation, cell_px)

    annotations = [dict(text="", x=0, y=1, xref="paper", yref="paper", yshift=12, xanchor="left", yanchor="bottom",
                        align="left", showarrow=False, font=dict(size=15, color=style.LABEL))]

    def label(at_x, at_y, text, size=13):
        annotations.append(dict(x=at_x - 0.5, y=at_y - 0.55, text=text, showarrow=False, xanchor="left", yshift=5,
                                yanchor="bottom", align="left", font=dict(size=size, color=style.LABEL)))

    for x, title in zip((0, kx, ox0), titles):
        label(x, 0.05, title, 14)
    if channels > 1:
        for c, at in enumerate(inputs):
            label(at.x, at.y, f"channel {c + 1}", 12)
    if n_kernels > 1:
        for n, at in enumerate(outputs):
            label(at.x, at.y, f"map {n + 1}", 12)
        for n, row in enumerate(kernels):
            label(row[0].x, row[0].y, f"kernel {n + 1}", 12)

    # With column stride 1 the output cell moves across exactly as the window does, so it can ride
    # on x2 and frames need not carry a range for x3.
    out_x = "x2" if trace.stride[1] == 1 else "x3"
    outline = dict(color=style.WINDOW, width=3)
    hidden = dict(type="rect", fillcolor=style.BACKGROUND, line=dict(width=0), layer="above")
    out0, k0 = outputs[0], kernels[0]
    far = (y_range[0] - y_range[1]) + 2 * (out0.rows + 3) * len(outputs)  # past every later map
    moving_shapes = [
        # the window on every input channel (x2/y2 follow the window)
        *[dict(type="rect", xref="x2", yref="y2", x0=at.x - 0.5, x1=at.x + span_w - 0.5, y0=at.y - 0.5,
               y1=at.y + span_h - 0.5, line=outline) for at in inputs],
        # output cells not computed yet: the rest of this row, and every row below (x3/y3 follow the cell)
        # (both reach half a cell past the grid's sides, over any digits wider than their cell)
        dict(hidden, xref=out_x, yref="y3", x0=out0.x + 0.5, x1=out0.right + 0.5, y0=out0.y - 0.6, y1=out0.y + 0.6),
        dict(hidden, xref="x", yref="y3", x0=out0.x - 1, x1=out0.right + 0.5, y0=out0.y + 0.5, y1=out0.y + far),
        # the output cell being computed, and the kernel computing it (y4 follows the kernel)
        dict(type="rect", xref=out_x, yref="y3", x0=out0.x - 0.5, x1=out0.x + 0.5, y0=out0.y - 0.5,
             y1=out0.y + 0.5, line=outline),
        dict(type="rect", xref="x", yref="y4", x0=k0[0].x - 0.6, x1=k0[-1].right + 0.1, y0=k0[0].y - 0.6,
             y1=k0[0].bottom + 0.1, line=outline),
        # every output map's outline, above its mask, so its size shows before it fills in
        *[dict(type="rect", xref="x", yref="y", x0=at.x - 0.5, x1=at.right, y0=at.y - 0.5, y1=at.bottom,
               line=dict(color="#999999", width=1)) for at in outputs],
    ]
    texts = captions(trace, 9 if kh * kw <= 9 else 6)

    def frame_layout(s: int) -> dict:
        n = int(trace.kernel_index[s])
        dx, dy = int(trace.left[s]), int(trace.top[s])
        ox, oy = int(trace.out_col[s]), int(outputs[n].y - outputs[0].y + trace.out_row[s])
        ky = int(kernels[n][0].y - kernels[0][0].y)
        keys = {
            "xaxis2.range": [x_range[0] - dx, x_range[1] - dx],
            "yaxis2.range": [y_range[0] - dy, y_range[1] - dy],
            "xaxis3.range": [x_range[0] - ox, x_range[1] - ox],
            "yaxis3.range": [y_range[0] - oy, y_range[1] - oy],
            "yaxis4.range": [y_range[0] - ky, y_range[1] - ky],
            "annotations[0].text": texts[s],
        }
        if out_x == "x2":
            del keys["xaxis3.range"]
        return keys

    frames = [{"name": str(s), "layout": frame_layout(s)} for s in range(trace.steps)]
    annotations[0]["text"] = frames[0]["layout"]["annotations[0].text"]
    return animated_figure(data, frames, [step_label(trace, s) for s in range(trace.steps)], frame_ms,
                           height=height, top_px=top_px, bottom_px=bottom_px, shapes=moving_shapes,
                           annotations=annotations, x_range=x_range, y_range=y_range, caption_px=caption_px)
