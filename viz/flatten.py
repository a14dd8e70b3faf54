"""Flattening, animated: every cell of a (C, H, W) volume travels to its place in the vector.

No heatmaps here: the cells are square markers, so frames may move them (a frame that touches
a heatmap would blank it while Plotly animates).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from engine import flat_index, source_of

from . import style
from .animated import AnimatedFigure
from .scan import BUTTONS_PX, CONTROLS_PX

# Okabe & Ito's colour-blind-safe palette, one colour per channel


def vector_place(i: int, per_row: int, top: float) -> tuple[float, float]:
    """Where entry i of the vector is drawn: rows of per_row entries below the volume."""
    r, q = divmod(i, per_row)
    return float(q), top + 2.2 * r


def flatten_figure(x: np.ndarray, order: str = "CHW", selected: int | None = None, frame_ms: int = 350,
                   per_row: int = 20) -> AnimatedFigure:
    """The volume (channels side by side) above the vector; Play moves the cells one by one in vector order.
    Built, and checked, by plotly.py (flatten_plot: a few hundred frames at most), drawn as the
    app's one animated-figure type."""
    return AnimatedFigure.from_figure(flatten_plot(x, order, selected, frame_ms, per_row))


def flatten_plot(x: np.ndarray, order: str = "CHW", selected: int | None = None, frame_ms: int = 350,
                 per_row: int = 20) -> go.Figure:
    """flatten_figure as a plotly.py figure."""
    channels, height, width = x.shape
    n = x.size
    per_row = min(per_row, n)
    gap = 1.5
    # volume positions: channel c's grid at x offset c * (W + gap), row h at y = h
    home = {}
    for c in range(channels):
        for h in range(height):
            for w in range(width):
                home[(c, h, w)] = (c * (width + gap) + w, float(h))
    top = height + 2.5
    order_cells = [source_of(i, x.shape, order) for i in range(n)]
    xs0 = np.array([home[cell][0] for cell in order_cells])
    ys0 = np.array([home[cell][1] for cell in order_cells])
    xs1, ys1 = map(np.array, zip(*(vector_place(i, per_row, top) for i in range(n))))
    channel_of = np.array([cell[0] for cell in order_cells])
    values = np.array([x[cell] for cell in order_cells])
    text = [style.number(v) for v in values]
    hover = [f"vector entry {i + 1} ← channel {c + 1}, row {h + 1}, column {w + 1}, value {style.number(x[c, h, w])}"
             for i, (c, h, w) in enumerate(order_cells)]
    size = 26 if per_row <= 20 else 20

    def positions(moved: int):
        xs = np.where(np.arange(n) < moved, xs1, xs0)
        ys = np.where(np.arange(n) < moved, ys1, ys0)
        return xs.round(2), ys.round(2)

    traces = []
    for c in range(channels):
        idx = np.flatnonzero(channel_of == c)
        xs, ys = positions(0)
        traces.append(go.Scatter(
            x=xs[idx], y=ys[idx], mode="markers+text", name=f"channel {c + 1}", text=[text[i] for i in idx],
            textfont=dict(size=12, color="#111111"), hovertext=[hover[i] for i in idx], hoverinfo="text",
            marker=dict(symbol=style.channel_symbol(c), size=size, color=style.channel_colour(c),
                        line=dict(color="#333333", width=1)),
        ))
    # the vector's empty slots and their indices, drawn once
    slot_x, slot_y = xs1, ys1
    traces.insert(0, go.Scatter(x=slot_x, y=slot_y, mode="markers", hoverinfo="skip", showlegend=False, name="slots",
                                marker=dict(symbol="square-open", size=size + 4, color="#bbbbbb", line=dict(width=1))))
    traces.append(go.Scatter(x=slot_x, y=slot_y + 1.0, mode="text", text=[str(i + 1) for i in range(n)], hoverinfo="skip",
                             textfont=dict(size=10, color="#666666"), showlegend=False, name="index"))
    shapes = []
    if selected is not None and 0 <= selected < n:
        c, h, w = order_cells[selected]
        hx, hy = home[(c, h, w)]
        sx, sy = float(slot_x[selected]), float(slot_y[selected])
        # a ring on the cell and on its slot, and a dotted link between them that stops at the rings and
        # passes under the cells: drawn across a cell's digit, it turns a 3 into an 8
        dx, dy = sx - hx, sy - hy
        cut = min(0.6 / abs(dx) if dx else 1.0, 0.6 / abs(dy) if dy else 1.0)
        if cut < 0.5:
            shapes.append(dict(type="line", x0=hx + dx * cut, y0=hy + dy * cut, x1=sx - dx * cut, y1=sy - dy * cut,
                               xref="x", yref="y", layer="below", line=dict(color="#111111", width=2, dash="dot")))
        traces.append(go.Scatter(x=[hx, sx], y=[hy, sy], mode="markers",
                                 marker=dict(size=size + 12, symbol="square-open", color="#111111", line=dict(width=3)),
                                 hoverinfo="skip", showlegend=False, name="selected"))
    frames = []
    for moved in range(n + 1):
        xs, ys = positions(moved)
        frames.append(go.Frame(name=str(moved), traces=list(range(1, channels + 1)),
                               data=[go.Scatter(x=xs[channel_of == c], y=ys[channel_of == c]) for c in range(channels)]))
    annotations = [dict(x=c * (width + gap) - 0.5, y=-1.1, text=f"<b>channel {c + 1}</b>", showarrow=False,
                        xanchor="left", font=dict(size=13)) for c in range(channels)]
    rows_of_vector = (n - 1) // per_row + 1
    # the vector's name under it, below the entries' numbers, where no cell's path crosses it
    annotations.append(dict(x=-0.5, y=top + 2.2 * (rows_of_vector - 1) + 2.0,
                            text=f"<b>the vector: {n} entries, in {order} order</b>", showarrow=False,
                            xanchor="left", font=dict(size=13)))
    y_bottom = top + 2.2 * (rows_of_vector - 1) + 2.8
    x_right = max(channels * (width + gap), per_row) + 0.5
    step = {"frame": {"duration": 0, "redraw": False}, "mode": "immediate", "transition": {"duration": 0}}
    fig = go.Figure(data=traces, frames=frames)
    fig.update_layout(
        height=int(min(900, 120 + 34 * (y_bottom + 2))), margin=dict(l=10, r=10, t=40, b=CONTROLS_PX),
        paper_bgcolor=style.BACKGROUND, plot_bgcolor=style.BACKGROUND, font=dict(family=style.FONT, size=14),
        xaxis=dict(visible=False, range=[-1, x_right], fixedrange=True),
        yaxis=dict(visible=False, range=[y_bottom, -2], fixedrange=True),
        annotations=annotations, shapes=shapes, legend=dict(orientation="h", y=1.06, x=0),
        # as in the scans: Play and Pause level with the slider's rail, the slider starting right of them
        updatemenus=[dict(type="buttons", direction="left", x=0, y=0, xanchor="left", yanchor="top",
                          pad=dict(t=26, r=4),
                          showactive=False, buttons=[
                              dict(label="▶ Play", method="animate",
                                   args=[None, {"frame": {"duration": frame_ms, "redraw": False}, "fromcurrent": True,
                                                "transition": {"duration": int(frame_ms * 0.8), "easing": "cubic-in-out"},
                                                "mode": "immediate"}]),
                              dict(label="❚❚ Pause", method="animate", args=[[None], step])])],
        sliders=[dict(active=0, x=0, len=1, y=0, yanchor="top", pad=dict(t=4, l=BUTTONS_PX), ticklen=0, minorticklen=0,
                      # its own colour: the slider's font, which the current step would take, is transparent
                      currentvalue=dict(prefix="cells moved: ", font=dict(size=14, color=style.LABEL)),
                      font=dict(size=1, color="rgba(0,0,0,0)"),  # the labels are long: only the current one shows
                      steps=[dict(label=moved_label(m, order_cells), method="animate", args=[[str(m)], step])
                             for m in range(n + 1)])],
    )
    return fig


def moved_label(moved: int, order_cells) -> str:
    """The step slider's label: how many cells have moved, and where the last one went."""
    if moved == 0:
        return "0 (the volume as it is)"
    c, h, w = order_cells[moved - 1]
    return f"{moved} · channel {c + 1}, row {h + 1}, column {w + 1} → entry {moved}"


def mapping_text(c: int, h: int, w: int, shape, order: str) -> str:
    """The index formula with the numbers filled in, for cell (c, h, w) given from 0 (as the engine
    counts) and written from 1 (as the page counts): entry i, channel c, row h, column w."""
    channels, height, width = shape
    i = flat_index(c, h, w, shape, order) + 1
    c, h, w = c + 1, h + 1, w + 1
    if order == "CHW":
        return f"i = (c − 1)·H·W + (h − 1)·W + w = {c - 1}·{height}·{width} + {h - 1}·{width} + {w} = {i}"
    return f"i = (h − 1)·W·C + (w − 1)·C + c = {h - 1}·{width}·{channels} + {w - 1}·{channels} + {c} = {i}"
