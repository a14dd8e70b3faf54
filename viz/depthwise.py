"""Depthwise figures: every channel scanned by its own kernel at once, and the volumes in 3-D.

The animation follows the scan mechanism of viz.scan: grids drawn once as heatmaps no frame
touches; a frame moves the windows (x2/y2) and the output cells being computed (x3/y3) by
shifting overlay axes, and carries the mask over cells not computed yet and the caption.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from engine import DepthwiseTrace

from . import style
from .animated import AnimatedFigure
from .scan import Placed, animated_figure, heatmap, input_grids, sampled_cells


def _units(channels: int) -> int:
    return 1 if channels <= 3 else 2 if channels <= 8 else 4


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


def depthwise_scan_figure(trace: DepthwiseTrace, frame_ms: int = 700, width_px: int = 900,
                          shown_products: int = 2, fit_px: int = 550) -> AnimatedFigure:
    """One row per input channel: the channel, its kernel(s), its output map(s); all move together.

    trace : engine.depthwise_trace(...)
    shown_products : how many channels' products the caption writes out
    fit_px : the narrowest the chart gets (a 1024 px screen, the sidebar open): each channel's title is
        sized to fit its channel's width there, so titles never run into each other
    """
    channels, hp, wp = trace.padded.shape
    kernels, kh, kw = trace.kernels.shape
    m = trace.multiplier
    ho, wo = trace.output.shape[1:]
    dh, dw = trace.dilation
    span_h, span_w = (kh - 1) * dh + 1, (kw - 1) * dw + 1

    per_row = _units(channels)
    unit_w = wp + 2 + kw + 2 + m * (wo + 1) - 1
    unit_h = max(hp, m * (kh + 1) - 1, ho)
    label_rows = 2
    inputs, kernel_at, outputs = [], [], []
    for c in range(channels):
        r, q = divmod(c, per_row)
        x0, y0 = q * (unit_w + 3), label_rows + r * (unit_h + label_rows + 1)
        inputs.append(Placed(x0, y0, hp, wp))
        for k in range(m):
            kernel_at.append(Placed(x0 + wp + 2, y0 + k * (kh + 1), kh, kw))
            outputs.append(Placed(x0 + wp + 2 + kw + 2 + k * (wo + 1), y0, ho, wo))
    x_range = [-1, int(np.ceil(max(p.right for p in outputs))) + 1]
    y_range = [int(np.ceil(max(max(p.bottom for p in inputs + outputs + kernel_at), 0))) + 1, -0.6]
    shown = min(channels * m, shown_products)
    caption_lines = 1 + shown + (1 if channels * m > shown else 0)
    top_px, bottom_px = 30 + 21 * caption_lines, 96
    cell_px = width_px / (x_range[1] - x_range[0])
    height = int(np.clip((y_range[0] - y_range[1]) * cell_px + top_px + bottom_px, 260, 900))
    cell_px = min(cell_px, (height - top_px - bottom_px) / (y_range[0] - y_range[1]))

    data = input_grids(trace.padded, trace.pads, inputs, cell_px)
    k_zmax = max(float(np.abs(trace.kernels).max()), 1e-9)
    out_zmax = max(float(np.abs(trace.output).max()), 1e-9)
    for j in range(kernels):
        data.append(heatmap(trace.kernels[j], kernel_at[j], f"kernel {j + 1}", cell_px, k_zmax,
                            f"kernel {j + 1} (channel {j // m + 1}): %{{z}}"))
        data.append(heatmap(trace.output[j], outputs[j], f"map {j + 1}", cell_px, out_zmax,
                            f"output map {j + 1} (from channel {j // m + 1}): %{{z}}"))
    data += sampled_cells(inputs, (kh, kw), trace.dilation, cell_px)

    annotations = [dict(text="", x=0, y=1, xref="paper", yref="paper", yshift=12, xanchor="left", yanchor="bottom",
                        align="left", showarrow=False, font=dict(size=15, color=style.LABEL))]
    unit_px = unit_w * min(width_px, fit_px) / (x_range[1] - x_range[0])  # a channel's width on the narrowest chart
    for c, at in enumerate(inputs):
        maps = f"maps {c * m + 1}–{c * m + m}" if m > 1 else f"map {c + 1}"
        title = f"channel {c + 1} → {maps}"  # its kernels stand between the two
        size = max(8, min(12, int(unit_px / (0.62 * len(title)))))
        annotations.append(dict(x=at.x - 0.5, y=at.y - 0.6, text=f"<b>channel {c + 1}</b> → {maps}",
                                showarrow=False, xanchor="left", yanchor="bottom",
                                font=dict(size=size, color=style.LABEL)))

    outline = dict(color=style.WINDOW, width=3)
    shapes = [
        dict(type="path", path="M0 0", fillcolor=style.BACKGROUND, line=dict(width=0)),  # the mask, set per frame
        *[dict(type="rect", xref="x2", yref="y2", x0=at.x - 0.5, x1=at.x + span_w - 0.5, y0=at.y - 0.5,
               y1=at.y + span_h - 0.5, line=outline) for at in inputs],
        *[dict(type="rect", xref="x", yref="y", x0=at.x - 0.5, x1=at.right, y0=at.y - 0.5, y1=at.bottom,
               line=dict(color="#999999", width=1)) for at in outputs],
        *[dict(type="rect", xref="x3", yref="y3", x0=at.x - 0.5, x1=at.x + 0.5, y0=at.y - 0.5, y1=at.y + 0.5,
               line=outline) for at in outputs],
    ]
    as_factor = np.vectorize(style.ascii_signed, otypes=[object])
    in_text, k_text = as_factor(trace.padded), as_factor(trace.kernels)
    total = int(trace.multiplications_so_far[-1])

    def frame_layout(s: int) -> dict:
        oy, ox = int(trace.out_row[s]), int(trace.out_col[s])
        mask = "".join(not_yet_computed(at, oy, ox) for at in outputs)
        rows, cols = trace.sampled_cells(s)
        lines = [f"each kernel: {int(trace.per_kernel_so_far[s]):,} multiplications so far · "
                 f"all {kernels} kernels: {int(trace.multiplications_so_far[s]):,} of {total:,}"]
        for j in range(shown):
            a = in_text[j // m][np.ix_(rows, cols)].ravel()
            b = k_text[j].ravel()
            terms = [p + "·" + q for p, q in zip(a[:9], b[:9])] + ([f"… ({len(a) - 9} more)"] if len(a) > 9 else [])
            lines.append(f"map {j + 1} (ch {j // m + 1}): {' + '.join(terms)} = {style.ascii_number(trace.sums[s, j])}")
        if kernels > shown:
            lines.append(f"… and the same, at the same place, for maps {shown + 1} to {kernels}")
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
    return animated_figure(data, frames, labels, frame_ms, height=height, top_px=top_px, bottom_px=bottom_px,
                           shapes=shapes, annotations=annotations, x_range=x_range, y_range=y_range)


def _sheets(values: np.ndarray, y0: float, spacing: float, name: str) -> dict:
    """A volume (C, rows, cols) as C flat sheets of coloured cells, channel c standing at x = -c * spacing.

    One Mesh3d: a sheet's corners are shared by its cells, and each cell's two triangles carry the
    cell's value as their intensity, so cells stay crisp at any angle and the payload stays small.
    """
    channels, rows, cols = values.shape
    zmax = max(float(np.abs(values).max()), 1e-9)
    c, r, q = np.meshgrid(np.arange(channels), np.arange(rows + 1), np.arange(cols + 1), indexing="ij")
    xs, ys, zs = (-c * spacing).ravel(), (y0 + q).ravel(), (-r).ravel()

    def corner(cc, rr, qq):
        return (cc * (rows + 1) + rr) * (cols + 1) + qq

    cc, rr, qq = (a.ravel() for a in np.meshgrid(np.arange(channels), np.arange(rows), np.arange(cols), indexing="ij"))
    top_left, top_right = corner(cc, rr, qq), corner(cc, rr, qq + 1)
    bottom_right, bottom_left = corner(cc, rr + 1, qq + 1), corner(cc, rr + 1, qq)
    cell_values = values.ravel().astype(np.float32)
    return dict(
        type="mesh3d",
        x=xs.astype(np.float32), y=ys.astype(np.float32), z=zs.astype(np.float32),
        i=np.concatenate([top_left, top_left]).astype(np.int32),
        j=np.concatenate([top_right, bottom_right]).astype(np.int32),
        k=np.concatenate([bottom_right, bottom_left]).astype(np.int32),
        intensity=np.concatenate([cell_values, cell_values]), intensitymode="cell",
        colorscale=style.DIVERGING, cmin=-zmax, cmax=zmax, showscale=False, flatshading=True,
        lighting=dict(ambient=1.0, diffuse=0.0, specular=0.0), name=name, hovertemplate=f"{name}<extra></extra>",
    )


def volumes_figure(x: np.ndarray, kernels: np.ndarray, output: np.ndarray, multiplier: int = 1) -> go.Figure:
    """The input (C sheets), the C·m thin kernels and the output (C·m sheets) in 3-D, rotatable.

    Channels are stacked in depth, channel 1 in front; the three volumes stand side by side, left
    to right, as in the lecture's figures.
    """
    gap, spacing = 4.0, 1.2
    volumes = [
        (x, f"input {x.shape[1]}×{x.shape[2]}×{x.shape[0]}"),
        (kernels, f"{kernels.shape[0]} kernels {kernels.shape[1]}×{kernels.shape[2]}×1"),
        (output, f"output {output.shape[1]}×{output.shape[2]}×{output.shape[0]}"),
    ]
    traces, labels, y0 = [], [], 0.0
    for values, title in volumes:
        traces.append(_sheets(values, y0, spacing, title))
        labels.append((0.0, y0 + values.shape[2] / 2, -values.shape[1] - 2.6, title))  # under the front sheet
        y0 += values.shape[2] + gap
    traces.append(dict(type="scatter3d", x=[p[0] for p in labels], y=[p[1] for p in labels], z=[p[2] for p in labels],
                               mode="text", text=[p[3] for p in labels], textfont=dict(size=15, color=style.LABEL),
                               hoverinfo="skip"))
    extents = np.array([max(v.shape[0] for v, _ in volumes) * spacing, y0 - gap, max(v.shape[1] for v, _ in volumes) + 2.2])
    scale = 2.4 / extents.max()  # fill the view: the box's longest side 2.4 units wide
    aspect = dict(zip("xyz", (float(e) for e in extents * scale)))
    return style.plain_figure(traces, dict(
        height=440, margin=dict(l=0, r=0, t=10, b=0), paper_bgcolor=style.BACKGROUND, showlegend=False,
        scene=dict(xaxis=dict(visible=False), yaxis=dict(visible=False), zaxis=dict(visible=False),
                   aspectmode="manual", aspectratio=aspect,
                   camera=dict(eye=dict(x=1.8, y=-0.7, z=0.9), projection=dict(type="orthographic"))),
    ))
