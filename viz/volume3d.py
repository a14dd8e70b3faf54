"""The depthwise scan in 3-D, animated in the browser: every kernel sliding over its own channel of
the input volume, and the output volume filling in, position by position.

Channels are sheets stacked in depth, channel 1 in front (x = 0, channel c at x = -c · SPACING); a
sheet's columns run along y and its rows down z. With m kernels per channel, channel c's m maps stand
between depths c and c + 1, beside the channel they come from. What never changes is drawn once: the input and
output sheets (one Mesh3d each, a cell's two triangles carrying its value on the diverging scale)
and each sheet's edge in its channel's colour. A frame carries only what moves, as short lists of
whole numbers: the window of every channel (Scatter3d outlines in the channels' colours), the box
round the output position being computed (through all the maps) and the grey block over the output
cells not computed yet, whose eight corners per part are all that change. So a frame costs the
same few hundred numbers whatever the size of the volumes. 3-D traces are redrawn, not moved:
every animate call here and in its slider asks for redraw.
"""

from __future__ import annotations

import base64

import numpy as np

from engine import DepthwiseTrace

from . import style
from .animated import AnimatedFigure
from .scan import BUTTONS_PX

SPACING = 1.2  # depth between two sheets
GAP = 4  # cells between the input and the output volumes (whole: frames carry whole numbers)
WINDOW_DEPTH = 0.25  # a window is drawn this far in front of its sheet, so its sheet never hides it
EMPTY = "#e3e3e3"  # output cells not computed yet
HEIGHT_PX = 500


def packed(values: np.ndarray, dtype: str) -> dict:
    """An array as the typed array plotly.js decodes, in the narrowest type that holds it (animated.typed_array
    writes float64 and int32): the sheets are most of the figure's bytes."""
    return {"dtype": dtype, "bdata": base64.b64encode(np.ascontiguousarray(values, dtype="<" + dtype)).decode("ascii")}


def sheets(values: np.ndarray, y0: float, z0: float, name: str, zmax: float, spacing: float = SPACING) -> dict:
    """A volume (C, rows, cols) as C flat sheets of coloured cells, sheet c at x = -c · spacing, its
    cell (r, q) spanning y0 + q .. y0 + q + 1 and z0 - r - 1 .. z0 - r.

    One Mesh3d: a sheet's corners are shared by its cells, and each cell's two triangles carry the
    cell's value as their intensity, so cells stay crisp at any angle and the payload stays small.
    """
    channels, rows, cols = values.shape
    c, r, q = np.meshgrid(np.arange(channels), np.arange(rows + 1), np.arange(cols + 1), indexing="ij")
    xs, ys, zs = (-c * spacing).ravel(), (y0 + q).ravel(), (z0 - r).ravel()

    def corner(cc, rr, qq):
        return (cc * (rows + 1) + rr) * (cols + 1) + qq

    cc, rr, qq = (a.ravel() for a in np.meshgrid(np.arange(channels), np.arange(rows), np.arange(cols), indexing="ij"))
    top_left, top_right = corner(cc, rr, qq), corner(cc, rr, qq + 1)
    bottom_right, bottom_left = corner(cc, rr + 1, qq + 1), corner(cc, rr + 1, qq)
    cell_values = values.ravel()
    index = "u2" if xs.size < 2 ** 16 else "i4"
    return dict(
        type="mesh3d",
        x=packed(xs, "f4"), y=packed(ys, "i2"), z=packed(zs, "i2"),
        i=packed(np.concatenate([top_left, top_left]), index),
        j=packed(np.concatenate([top_right, bottom_right]), index),
        k=packed(np.concatenate([bottom_right, bottom_left]), index),
        intensity=packed(np.concatenate([cell_values, cell_values]), "f4"), intensitymode="cell",
        colorscale=style.DIVERGING, cmin=-zmax, cmax=zmax, showscale=False, flatshading=True,
        lighting=dict(ambient=1.0, diffuse=0.0, specular=0.0), name=name, hovertemplate=f"{name}<extra></extra>",
    )


def rectangles(corners, depths) -> tuple[list, list, list]:
    """Closed outlines, one per (y0, y1, z0, z1) of `corners` at the depth of the same index, as the
    x, y, z lists of one Scatter3d (None between two outlines)."""
    xs, ys, zs = [], [], []
    for (y0, y1, z0, z1), x in zip(corners, depths):
        xs += [x] * 5 + [None]
        ys += [y0, y1, y1, y0, y0, None]
        zs += [z0, z0, z1, z1, z0, None]
    return xs, ys, zs


def outlines(corners, depths, channel_of, name: str, width: float) -> list[dict]:
    """Outlines in their channels' colours: one Scatter3d per dash (channels 9 to 16 dashed), each
    point coloured by its outline's channel."""
    traces = []
    for dash in dict.fromkeys(style.channel_dash(c) for c in channel_of):
        chosen = [i for i, c in enumerate(channel_of) if style.channel_dash(c) == dash]
        xs, ys, zs = rectangles([corners[i] for i in chosen], [depths[i] for i in chosen])
        colours = [style.channel_colour(channel_of[i]) for i in chosen for _ in range(6)]
        traces.append(dict(type="scatter3d", mode="lines", x=xs, y=ys, z=zs, name=f"{name} ({dash})",
                           line=dict(color=colours, width=width, dash=dash), hoverinfo="skip", showlegend=False))
    return traces


def box_edges(y0, y1, z0, z1, front: float, back: float) -> tuple[list, list, list]:
    """The twelve edges of a box, as the x, y, z lists of one Scatter3d."""
    xs, ys, zs = rectangles([(y0, y1, z0, z1)] * 2, [front, back])
    for y, z in ((y0, z0), (y1, z0), (y1, z1), (y0, z1)):
        xs += [front, back, None]
        ys += [y, y, None]
        zs += [z, z, None]
    return xs, ys, zs


# a box's eight corners (front face, then back face, each from the top left, clockwise) and its twelve triangles
BOX_I = [0, 0, 4, 4, 0, 0, 1, 1, 2, 2, 3, 3]
BOX_J = [1, 2, 5, 6, 1, 5, 2, 6, 3, 7, 0, 4]
BOX_K = [2, 3, 6, 7, 5, 4, 6, 5, 7, 6, 4, 7]


def blocks(regions) -> tuple[list, list]:
    """The y and z of the corners of boxes over (y0, y1, z0, z1) regions, in the order of BOX_I/J/K
    (x, the depth, is fixed: front four then back four)."""
    ys, zs = [], []
    for y0, y1, z0, z1 in regions:
        ys += [y0, y1, y1, y0] * 2
        zs += [z0, z0, z1, z1] * 2
    return ys, zs


def volume_scan_figure(trace: DepthwiseTrace, frame_ms: int = 800) -> AnimatedFigure:
    """The input volume with every channel's window, and the output volume filling in, one frame a
    position; its own Play, Pause and step slider, played in the browser."""
    channels, hp, wp = trace.padded.shape
    maps, ho, wo = trace.output.shape
    m = trace.multiplier
    (pt, pb), (pl, pr) = trace.pads
    h, w = hp - pt - pb, wp - pl - pr
    kh, kw = trace.kernels.shape[1:]
    span_h, span_w = (kh - 1) * trace.dilation[0] + 1, (kw - 1) * trace.dilation[1] + 1
    inputs = trace.padded[:, pt:hp - pb, pl:wp - pr]
    y_out = wp + GAP
    out_spacing = SPACING / m
    out_back = -(maps - 1) * out_spacing
    in_depths = [-c * SPACING for c in range(channels)]
    out_depths = [-j * out_spacing for j in range(maps)]
    out_channel = [j // m for j in range(maps)]

    data = [
        sheets(inputs, pl, -pt, f"input {h}×{w}×{channels}", max(float(np.abs(inputs).max()), 1e-9)),
        sheets(trace.output, y_out, 0, f"output {ho}×{wo}×{maps}", max(float(np.abs(trace.output).max()), 1e-9),
               out_spacing),
        *outlines([(pl, pl + w, -pt, -pt - h)] * channels, in_depths, list(range(channels)), "input channel", 4),
        *outlines([(y_out, y_out + wo, 0, -ho)] * maps, out_depths, out_channel, "output map", 4),
    ]
    moving = len(data)

    def windows(s: int) -> list[tuple]:
        top, left = int(trace.top[s]), int(trace.left[s])
        return [(left, left + span_w, -top, -top - span_h)] * channels

    window_depths = [d + WINDOW_DEPTH for d in in_depths]
    data += outlines(windows(0), window_depths, list(range(channels)), "window", 7)
    n_windows = len(data) - moving

    def position(s: int):
        oy, ox = int(trace.out_row[s]), int(trace.out_col[s])
        return (y_out + ox, y_out + ox + 1, -oy, -oy - 1), [
            (y_out + ox + 1, y_out + wo, -oy, -oy - 1),  # the rest of this row
            (y_out, y_out + wo, -oy - 1, -ho),  # the rows below
        ]

    cell, empty = position(0)
    bx, by, bz = box_edges(*cell, WINDOW_DEPTH, out_back - WINDOW_DEPTH)
    data.append(dict(type="scatter3d", mode="lines", x=bx, y=by, z=bz, name="output position",
                     line=dict(color=style.WINDOW, width=6), hoverinfo="skip", showlegend=False))
    ey, ez = blocks(empty)
    depth = [0.1] * 4 + [out_back - 0.1] * 4
    data.append(dict(type="mesh3d", x=depth * 2, y=ey, z=ez, i=BOX_I + [i + 8 for i in BOX_I],
                     j=BOX_J + [j + 8 for j in BOX_J], k=BOX_K + [k + 8 for k in BOX_K], color=EMPTY,
                     flatshading=True, lighting=dict(ambient=0.85, diffuse=0.25, specular=0.0),
                     lightposition=dict(x=1000, y=-400, z=2000), name="not computed yet", hoverinfo="skip"))
    labels = [(0.0, pl + w / 2, -pt - h - 1.8, f"input {h}×{w}×{channels}"),
              (0.0, y_out + wo / 2, -ho - 1.8, f"output {ho}×{wo}×{maps}")]
    data.append(dict(type="scatter3d", mode="text", x=[p[0] for p in labels], y=[p[1] for p in labels],
                     z=[p[2] for p in labels], text=[p[3] for p in labels], textfont=dict(size=15, color=style.LABEL),
                     hoverinfo="skip", showlegend=False, name="labels"))

    total = int(trace.multiplications_so_far[-1])

    def caption(s: int) -> str:
        oy, ox = int(trace.out_row[s]) + 1, int(trace.out_col[s]) + 1
        return (f"every kernel on its own channel, rows {int(trace.top[s]) + 1} to {int(trace.top[s]) + span_h}, "
                f"columns {int(trace.left[s]) + 1} to {int(trace.left[s]) + span_w}"
                f"{' of the padded input' if (pt, pb, pl, pr) != (0, 0, 0, 0) else ''} → output ({oy}, {ox}) "
                f"of all {maps} maps<br>all {maps} kernels: {int(trace.multiplications_so_far[s]):,} of {total:,} "
                "multiplications")

    frames = []
    for s in range(trace.steps):
        moved = outlines(windows(s), window_depths, list(range(channels)), "window", 7)
        cell, empty = position(s)
        _, by, bz = box_edges(*cell, 0, 0)
        ey, ez = blocks(empty)
        frames.append({"name": str(s), "data": [{"y": t["y"], "z": t["z"]} for t in moved] + [
            {"y": by, "z": bz}, {"y": ey, "z": ez}], "traces": list(range(moving, moving + n_windows + 2)),
            "layout": {"annotations[0].text": caption(s)}})

    step = {"frame": {"duration": 0, "redraw": True}, "mode": "immediate", "transition": {"duration": 0}}
    play = {"frame": {"duration": int(frame_ms), "redraw": True}, "fromcurrent": True, "mode": "immediate",
            "transition": {"duration": 0}}
    labels = [f"{s + 1}/{trace.steps} · output ({int(trace.out_row[s]) + 1}, {int(trace.out_col[s]) + 1})"
              f" · {int(trace.multiplications_so_far[s]):,} multiplications" for s in range(trace.steps)]
    slider = dict(active=0, x=0, len=1, y=0, yanchor="top", pad=dict(t=4, b=0, l=BUTTONS_PX), ticklen=0,
                  minorticklen=0, font=dict(size=1, color="rgba(0,0,0,0)"),
                  currentvalue=dict(prefix="Step ", font=dict(size=15, color=style.LABEL)),
                  steps=[{"args": [[f["name"]], step], "label": label, "method": "animate"}
                         for f, label in zip(frames, labels)])
    extents = np.array([channels * SPACING, y_out + wo, max(hp, ho) + 2.2])
    # the box's longest side 2.75 units: as large as a 1280×720 projector's chart still shows whole (in
    # orthographic view the box's size is the zoom; the camera stands far off, so nothing is clipped)
    aspect = dict(zip("xyz", (float(e) for e in extents * 2.75 / extents.max())))
    layout = dict(
        height=HEIGHT_PX, margin=dict(l=0, r=0, t=52, b=64), paper_bgcolor=style.BACKGROUND, showlegend=False,
        font=dict(family=style.FONT, size=14, color=style.LABEL),
        annotations=[dict(text=caption(0), x=0, y=1, xref="paper", yref="paper", xanchor="left", yanchor="bottom",
                          align="left", showarrow=False, yshift=4, font=dict(size=15, color=style.LABEL))],
        scene=dict(xaxis=dict(visible=False), yaxis=dict(visible=False), zaxis=dict(visible=False),
                   aspectmode="manual", aspectratio=aspect, domain=dict(x=[0, 1], y=[0, 1]),
                   camera=dict(eye=dict(x=2.6, y=-2.0, z=0.8), projection=dict(type="orthographic"))),
        updatemenus=[dict(type="buttons", direction="left", x=0, y=0, xanchor="left", yanchor="top",
                          pad=dict(t=26, r=4), showactive=False,
                          buttons=[dict(label="▶ Play", method="animate", args=[None, play]),
                                   dict(label="❚❚ Pause", method="animate", args=[[None], step])])],
    )
    return AnimatedFigure(data=data, layout=layout, frames=frames, slider=slider)
