"""The Network costs page's table and figures: MobileNet v1 layer by layer, and its shares by layer type.

Layers come from `engine.mobilenet_v1` (`Layer(name, kind, stride, in_shape, kernel_shape, cost)`).
Shapes are written as the paper writes them, H×W×C.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import style

BASE = dict(paper_bgcolor=style.BACKGROUND, plot_bgcolor=style.BACKGROUND,
            font=dict(family=style.FONT, size=14, color=style.LABEL))

# The layer types the paper counts (Table 2's rows), in network order. Okabe-Ito colours (colour-blind
# safe), each with its own fill pattern and a name in every label, so colour is never the only cue.
KINDS = ("standard 3×3", "depthwise 3×3", "pointwise 1×1", "fully connected")
COLOURS = {"standard 3×3": "#D55E00", "depthwise 3×3": "#009E73", "pointwise 1×1": "#0072B2",
           "fully connected": "#E69F00", "average pool": "#999999"}
PATTERNS = {"standard 3×3": "x", "depthwise 3×3": "/", "pointwise 1×1": "", "fully connected": "+",
            "average pool": "."}
POOL = "average pool"  # not counted in mult-adds, as in the paper

COLUMNS = ["layer", "type", "stride", "input (H×W×C)", "kernel", "output (H×W×C)", "mult-adds", "parameters",
           "in the totals"]


def paper_shape(shape) -> str:
    """(C, H, W) as the paper's H×W×C; a vector (C,) as 1×1×C."""
    if len(shape) == 1:
        return f"1×1×{shape[0]}"
    c, h, w = shape
    return f"{h}×{w}×{c}"


def layer_table(layers) -> pd.DataFrame:
    """One row per layer, average pool included (its multiplications are not in the paper's totals)."""
    rows = [[layer.name, layer.kind, layer.stride, paper_shape(layer.in_shape), layer.kernel_shape,
             paper_shape(layer.cost.out_shape), layer.cost.multiplications, layer.cost.params, layer.kind != POOL]
            for layer in layers]
    return pd.DataFrame(rows, columns=COLUMNS)


def layer_csv(layers) -> str:
    """The layer table as CSV: plain integers (no separators) so a spreadsheet reads them as numbers."""
    return layer_table(layers).to_csv(index=False)


def millions(n: float, digits: int = 0) -> str:
    """568740352 -> '569 M'; 4210088 with digits=1 -> '4.2 M'."""
    return f"{n / 1e6:,.{digits}f} M"


def one_two_five(low: float, high: float) -> list[int]:
    """1, 2, 5 × powers of ten from just below `low` to just above `high`: tick values for a log axis."""
    ticks, power = [], 10 ** math.floor(math.log10(low))
    while not ticks or ticks[-1] < high:
        ticks += [m * power for m in (1, 2, 5)]
        power *= 10
    while len(ticks) > 1 and ticks[1] <= low:
        ticks.pop(0)
    while len(ticks) > 1 and ticks[-2] >= high:
        ticks.pop()
    return ticks


def _pattern(kind: str) -> dict:
    return dict(shape=PATTERNS[kind], fillmode="overlay", fgcolor="#ffffff", fgopacity=0.7, size=7, solidity=0.35)


def layer_costs_figure(layers, log: bool = False) -> go.Figure:
    """Mult-adds of every weighted layer as a bar, one trace per layer type, in network order.

    layers : engine `Layer` list; the average pool is left out (the paper does not count it)
    log : start on a log y axis; buttons in the figure switch between linear and log without a rerun
    """
    weighted = [layer for layer in layers if layer.kind != POOL]
    total = sum(layer.cost.multiplications for layer in weighted)
    order = [layer.name for layer in weighted]
    fig = go.Figure()
    for kind in KINDS:
        mine = [layer for layer in weighted if layer.kind == kind]
        if not mine:
            continue
        fig.add_trace(go.Bar(
            x=[layer.name for layer in mine], y=[layer.cost.multiplications for layer in mine], name=kind,
            marker=dict(color=COLOURS[kind], line=dict(color="#333333", width=0.8), pattern=_pattern(kind)),
            customdata=[[kind, paper_shape(layer.in_shape), layer.kernel_shape, paper_shape(layer.cost.out_shape),
                         style.count(layer.cost.multiplications), style.count(layer.cost.params),
                         100 * layer.cost.multiplications / total, layer.stride] for layer in mine],
            hovertemplate=("<b>%{x}</b>: %{customdata[0]}, stride %{customdata[7]}<br>"
                           "input %{customdata[1]}, kernel %{customdata[2]}, output %{customdata[3]}<br>"
                           "mult-adds %{customdata[4]} (%{customdata[6]:.2f}% of the network)<br>"
                           "parameters %{customdata[5]}<extra></extra>"),
        ))
    # a log axis gets ticks at 1, 2 and 5 times the powers of ten: Plotly's own 2..9 ticks overlap
    counts = [layer.cost.multiplications for layer in weighted]
    log_ticks = one_two_five(min(counts), max(counts))
    # room above the tallest bar (autorange would end the axis at its top), on either axis; a log axis
    # takes its range in powers of ten
    ranges = {"linear": [0, max(counts) * 1.12],
              "log": [float(np.log10(min(counts))) - 0.15, float(np.log10(max(counts))) + 0.2]}
    axes = {"linear": {"yaxis.type": "linear", "yaxis.tickmode": "auto", "yaxis.tickvals": None},
            "log": {"yaxis.type": "log", "yaxis.tickmode": "array", "yaxis.tickvals": log_ticks}}
    buttons = [dict(label=f"{kind} axis", method="relayout", args=[{**axes[kind], "yaxis.range": ranges[kind]}])
               for kind in ("linear", "log")]
    fig.update_layout(
        **BASE, height=470, margin=dict(l=80, r=20, t=70, b=80), bargap=0.2,
        xaxis=dict(type="category", categoryorder="array", categoryarray=order, tickangle=-45,
                   title=None, tickfont=dict(size=12)),
        yaxis=dict(type="log" if log else "linear", tickmode="array" if log else "auto",
                   range=ranges["log" if log else "linear"],
                   tickvals=log_ticks if log else None, title="mult-adds", tickformat="~s", gridcolor="#e6e6e6"),
        legend=dict(orientation="h", x=0, y=1.02, xanchor="left", yanchor="bottom", title=None,
                    font=dict(size=13)),
        updatemenus=[dict(type="buttons", direction="right", active=1 if log else 0, buttons=buttons,
                          x=1, y=1.02, xanchor="right", yanchor="bottom", pad=dict(t=0, r=0, b=0, l=0),
                          showactive=True, font=dict(size=13), bgcolor="#f3f3f3", bordercolor="#bbbbbb")],
    )
    return fig


def shares_figure(shares: dict) -> go.Figure:
    """Each layer type's share of the mult-adds and of the parameters, in percent, side by side.

    shares : `engine.shares_by_kind` output, {kind: (share of mult-adds, share of parameters)} as fractions
    """
    kinds = [kind for kind in KINDS if kind in shares]
    # one set of type names, on the left: the right panel's would collide with the left panel's values
    fig = make_subplots(rows=1, cols=2, subplot_titles=("share of the mult-adds", "share of the parameters"),
                        shared_yaxes=True, horizontal_spacing=0.06)
    for col, (what, index) in enumerate((("mult-adds", 0), ("parameters", 1)), start=1):
        values = [100 * shares[kind][index] for kind in kinds]
        fig.add_trace(go.Bar(
            y=kinds, x=values, orientation="h", name=what, showlegend=False,
            text=[f"{v:.2f}%" for v in values], textposition="outside", cliponaxis=False, constraintext="none",
            textfont=dict(size=13),
            marker=dict(color=[COLOURS[kind] for kind in kinds], line=dict(color="#333333", width=0.8),
                        pattern=dict(shape=[PATTERNS[kind] for kind in kinds], fillmode="overlay",
                                     fgcolor="#ffffff", fgopacity=0.7, size=7, solidity=0.35)),
            hovertemplate=f"%{{y}}: %{{x:.2f}}% of the {what}<extra></extra>",
        ), row=1, col=col)
        fig.update_xaxes(range=[0, 122], tickvals=[0, 25, 50, 75, 100], ticksuffix="%", gridcolor="#e6e6e6",
                         row=1, col=col)
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=kinds, autorange="reversed",
                     automargin=True)
    fig.update_annotations(font=dict(size=14))
    fig.update_layout(**BASE, height=280, margin=dict(l=20, r=20, t=40, b=30), bargap=0.3)
    return fig
