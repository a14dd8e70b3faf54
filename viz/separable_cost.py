"""Figures of the Depthwise separable page: the cost ratio, grouped convolutions, the equivalent kernel."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import style

BASE = dict(paper_bgcolor=style.BACKGROUND, plot_bgcolor=style.BACKGROUND,
            font=dict(family=style.FONT, size=14, color=style.LABEL))
KERNEL_COLOURS = {1: "#999999", 3: "#2166ac", 5: "#1b9e77", 7: "#b2182b"}  # the ratio chart's curves
OTHER_KERNEL = "#7570b3"
PLAIN_BAR = "#c8c8c8"
SEPARABLE_LINE = "#2166ac"
SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def mobilenet_ratio(n, k):
    """The MobileNet reduction (Howard et al. 2017, section 3.1): separable / standard = 1/N + 1/k²."""
    return 1.0 / np.asarray(n, dtype=float) + 1.0 / float(k) ** 2


def ratio_figure(n: int, k: int, ratio: float, max_n: int = 1024, kernel_sizes=(1, 3, 5, 7)) -> go.Figure:
    """1/N + 1/k² against the number of kernels N (log axis), one curve per kernel size k.

    n, k : the current layer's number of kernels and kernel size (its k gets a curve too)
    ratio : the current layer's measured ratio (separable / standard multiplications), marked
    """
    ns = np.arange(1, max_n + 1)
    sizes = sorted(set(kernel_sizes) | {k})
    fig = go.Figure()
    for size in sizes:
        current = size == k
        fig.add_trace(go.Scatter(
            x=ns, y=mobilenet_ratio(ns, size), mode="lines", name=f"k = {size}: 1/N + 1/{size * size}",
            line=dict(color=KERNEL_COLOURS.get(size, OTHER_KERNEL), width=4 if current else 2,
                      dash="solid" if size in kernel_sizes else "dash"),
            hovertemplate=f"k = {size}, N = %{{x}}: ratio %{{y:.4f}}<extra></extra>",
        ))
    fig.add_hline(y=1, line=dict(color="#555555", width=1, dash="dot"))
    # on a log axis an annotation's y is a power of ten: log10(1) = 0
    fig.add_annotation(text="same cost as the standard convolution", x=1, xref="x domain", y=0, yref="y",
                       xanchor="right", yanchor="bottom", showarrow=False, font=dict(size=13))
    label = f"this layer: N = {n}, k = {k}, ratio {ratio:.4g}"
    fig.add_trace(go.Scatter(
        x=[n], y=[ratio], mode="markers", name="this layer", text=[label],
        marker=dict(size=18, color=style.WINDOW, symbol="diamond-open", line=dict(color=style.WINDOW, width=3)),
        hovertemplate="%{text}<extra></extra>",
    ))
    fig.add_annotation(x=np.log10(n), y=np.log10(ratio), text=label, showarrow=True, arrowhead=2, arrowwidth=1.5,
                       ax=-40 if n > 32 else 40, ay=60 if ratio > 0.3 else -70,
                       xanchor="right" if n > 32 else "left", yanchor="top" if ratio > 0.3 else "bottom",
                       font=dict(size=14), bgcolor="rgba(255,255,255,0.85)", name="this layer")
    low = float(min(mobilenet_ratio(max_n, max(sizes)), ratio))
    high = float(max(mobilenet_ratio(1, min(sizes)), ratio))
    fig.update_layout(**BASE, height=420, margin=dict(l=70, r=20, t=30, b=60),
                      # log axes take their range in powers of ten; a little room keeps N = 1's marker whole
                      xaxis=dict(type="log", title="number of kernels N (log scale)",
                                 range=[-0.04, np.log10(max_n) + 0.04], gridcolor="#eeeeee",
                                 tickvals=[1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]),
                      # a short title: it must fit the plot's height, in presenter mode's larger font too
                      yaxis=dict(type="log", title="separable ÷ standard (log scale)", automargin=True,
                                 range=[np.log10(low) - 0.15, np.log10(high) + 0.12], gridcolor="#eeeeee",
                                 tickvals=[0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2]),
                      legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0, font=dict(size=13)))
    return fig


def groups_figure(groups: list[int], costs: list, current: int, separable=None) -> go.Figure:
    """Multiplications and parameters of a grouped convolution for every valid number of groups.

    groups : the valid values of g (divisors of C that also divide N), ascending
    costs : engine `Cost` of each, in the same order
    current : the g to highlight
    separable : the depthwise separable layer's `Cost`, drawn as a dashed reference line
    """
    labels = [f"g = {g}" for g in groups]
    colours = [style.SAMPLED if g == current else PLAIN_BAR for g in groups]
    fields = (("multiplications", "multiplications"), ("parameters", "params"))
    titles = [name if separable is None else
              f"{name}<br><span style='color:{SEPARABLE_LINE};font-size:13px'>- - separable: "
              f"{style.count(getattr(separable, field))}</span>" for name, field in fields]
    height = 180 + 2 * 30 * len(groups)
    # room between the two charts for the second one's two-line title: about 80 px of the plotting height
    fig = make_subplots(rows=2, cols=1, subplot_titles=titles, vertical_spacing=80 / (height - 60))
    for row, (name, field) in enumerate(fields, start=1):
        values = [getattr(c, field) for c in costs]
        # horizontal bars: the counts, however many groups, are written beside their bar and never overlap
        fig.add_trace(go.Bar(
            y=labels, x=values, orientation="h", text=[style.count(v) for v in values], textposition="outside",
            cliponaxis=False, constraintext="none", textfont=dict(size=13),
            marker=dict(color=colours, line=dict(color="#555555", width=1)), showlegend=False,
            hovertemplate="%{y}: %{x:,}<extra></extra>", name=name,
        ), row=row, col=1)
        top = max(values)
        if separable is not None:
            ref = getattr(separable, field)
            top = max(top, ref)
            fig.add_vline(x=ref, line=dict(color=SEPARABLE_LINE, width=2, dash="dash"), row=row, col=1)
        # every bar has its count written beside it, so the axis needs no numbers of its own
        fig.update_xaxes(range=[0, top * 1.4], showticklabels=False, showgrid=False, row=row, col=1)
    fig.update_yaxes(type="category", autorange="reversed", title=None, automargin=True)
    fig.update_layout(**BASE, height=height, margin=dict(l=70, r=20, t=50, b=10),
                      bargap=0.3)
    return fig


def equivalent_kernel_figure(depthwise: np.ndarray, pointwise: np.ndarray, equivalent: np.ndarray) -> go.Figure:
    """The depthwise patterns D[c] on top, then one row per output kernel n of W[n, c] = P[n, c] · D[c].

    depthwise : ndarray (C, k, k); pointwise : ndarray (N, C); equivalent : ndarray (N, C, k, k)
    One diverging scale, centred on zero, for every block, so a scaled copy looks like one.
    """
    d, p, w = (np.asarray(a, dtype=float) for a in (depthwise, pointwise, equivalent))
    n, c = p.shape
    k = d.shape[1]
    zmax = max(float(np.abs(d).max()), float(np.abs(w).max()), 1e-9)
    titles = [f"D{subscript(j + 1)} (channel {j + 1})" for j in range(c)]
    titles += [f"W[{i + 1},{j + 1}] = {style.signed(p[i, j])}·D{subscript(j + 1)}" for i in range(n) for j in range(c)]
    fig = make_subplots(rows=n + 1, cols=c, subplot_titles=titles, horizontal_spacing=0.04,
                        vertical_spacing=min(0.12, 0.35 / (n + 1)))
    show_text = k <= 5
    for row, blocks in enumerate([d] + [w[i] for i in range(n)], start=1):
        for j in range(c):
            block = blocks[j]
            fig.add_trace(go.Heatmap(
                z=block, x0=1, dx=1, y0=1, dy=1, zmid=0, zmin=-zmax, zmax=zmax, colorscale=style.DIVERGING,
                showscale=False,
                xgap=2, ygap=2, text=[[style.number(v) for v in r] for r in block] if show_text else None,
                texttemplate="%{text}" if show_text else None, textfont=dict(size=13 if k <= 3 else 11),
                hovertemplate=f"{titles[(row - 1) * c + j]}<br>row %{{y}}, col %{{x}}: %{{z:.4g}}<extra></extra>",
            ), row=row, col=j + 1)
    fig.update_xaxes(visible=False, fixedrange=True, constrain="domain")
    for row in range(1, n + 2):
        for col in range(1, c + 1):
            index = (row - 1) * c + col
            anchor = "x" if index == 1 else f"x{index}"
            fig.update_yaxes(visible=False, fixedrange=True, autorange="reversed", scaleanchor=anchor,
                             constrain="domain", row=row, col=col)
    fig.update_annotations(font=dict(size=13))
    fig.update_layout(**BASE, height=int(60 + (n + 1) * (40 + 26 * max(k, 3))), margin=dict(l=5, r=5, t=30, b=5))
    return fig


def subscript(number: int) -> str:
    """A whole number as subscript digits: 12 -> '₁₂'."""
    return str(number).translate(SUBSCRIPT)

