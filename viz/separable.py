"""Figures of the Spatially separable page: singular values, low-rank terms, costs per pixel."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from . import style

BASE = dict(paper_bgcolor=style.BACKGROUND, plot_bgcolor=style.BACKGROUND,
            font=dict(family=style.FONT, size=14, color=style.LABEL))


def singular_values_figure(values: np.ndarray, tol: float = 1e-9) -> go.Figure:
    """The kernel's singular values as bars; rank = bars above zero."""
    values = np.asarray(values, dtype=float)
    nonzero = values > tol * max(values[0], 1e-300)
    labels = [f"σ{i + 1}" for i in range(len(values))]
    bars = dict(
        type="bar", x=labels, y=values, text=style.numbers(values, 3), textposition="outside",
        marker=dict(color=[style.SAMPLED if nz else "#bbbbbb" for nz in nonzero],
                    pattern=dict(shape=["" if nz else "/" for nz in nonzero])),
        hovertemplate="%{x} = %{y:.4g}<extra></extra>",
    )
    return style.plain_figure([bars], dict(
        **BASE, height=280, margin=dict(l=50, r=10, t=40, b=40),
        title=dict(text=f"Singular values: rank {int(nonzero.sum())}", font=dict(size=15)),
        yaxis=dict(rangemode="tozero", gridcolor="#eeeeee", exponentformat="e"), showlegend=False))


CHAR_EM = 0.56  # a digit's width in ems, for fitting numbers into cells
KERNEL_CELL_PX = 42  # the largest cell of kernels_figure


def kernel_texts(kernels: list[np.ndarray]) -> tuple[int, list]:
    """Decimals for the kernels' cells (2, or 1 where a grid is 5 or more cells wide: longer numbers would
    need cells too wide for it), and each kernel's (texts, factor) as style.scaled_numbers gives them."""
    digits = 1 if max(k.shape[1] for k in kernels) >= 5 else 2
    return digits, [style.scaled_numbers(k, digits) for k in kernels]


def kernels_figure(kernels: list[np.ndarray], titles: list[str], width_px: float = 800) -> go.Figure:
    """Small kernels side by side, values printed, one diverging scale centred on zero for all. The cells
    (and the numbers on them) are sized so that the grids fit `width_px` and no number overlaps another."""
    zmax = max(float(np.abs(k).max()) for k in kernels) or 1.0  # colours at the kernels' own scale, however small
    traces = []
    x0 = 0
    annotations = []
    two_lines = False
    _, all_texts = kernel_texts(kernels)
    for k, title, (texts, factor) in zip(kernels, titles, all_texts):
        kh, kw = k.shape
        label = f"{title} {factor}" if factor else title  # the hover shows the values themselves
        # about 4 characters of a title to a cell on a narrow chart: a title wider than its grid and the
        # gap after it goes on two lines ("column" over "3×1"), and its grid makes room for the longer one
        lines = label.split(" ", 1) if len(label) > 4 * kw + 3 and " " in label else [label]
        two_lines |= len(lines) > 1
        traces.append(dict(
            type="heatmap", z=k, x0=x0, dx=1, y0=0, dy=1, zmid=0, zmin=-zmax, zmax=zmax, colorscale=style.DIVERGING,
            showscale=False, xgap=2, ygap=2, text=np.reshape(texts, k.shape).tolist(),
            texttemplate="%{text}", textfont=dict(size=0), hovertemplate=f"{title}: %{{z:.4g}}<extra></extra>",
        ))
        annotations.append(dict(x=x0 - 0.5, y=-0.6, text="<br>".join(lines), showarrow=False, xanchor="left",
                                yanchor="bottom", align="left", font=dict(size=13)))
        x0 += max(kw, int(np.ceil(max(map(len, lines)) / 4)) - 1) + 1
    rows = max(k.shape[0] for k in kernels)
    cell = min(KERNEL_CELL_PX, (width_px - 10) / (x0 + 0.4))
    font = int(min(15, cell * 0.9 / (CHAR_EM * max(len(t) for shown, _ in all_texts for t in shown))))
    for trace in traces:
        trace["textfont"]["size"] = font
    # the titles' 13 px lines (16 px each, in cells) above the grids' top edge; no more, or a projector shows the
    # spare room as a blank band above the kernels
    title_rows = 0.6 + (2 if two_lines else 1) * 16 / cell + 0.1
    return style.plain_figure(traces, dict(
        **BASE, height=int(15 + cell * (rows - 0.4 + title_rows)), margin=dict(l=5, r=5, t=10, b=5),
        annotations=annotations,
        xaxis=dict(visible=False, range=[-0.7, x0 - 0.3], constrain="domain", constraintoward="left", fixedrange=True),
        yaxis=dict(visible=False, range=[rows - 0.4, -title_rows], scaleanchor="x", constrain="domain",
                   constraintoward="top", fixedrange=True)))


def error_by_rank_figure(errors: list[float], full_cost: int | None, rank_costs: list[int] | None,
                         current: int, rank: int = 1) -> go.Figure:
    """Approximation error for r = 1, 2, ... separable terms; each bar says what r terms cost (when the costs
    are known). An exactly separable kernel, whose every error is 0, gets a note saying so on the chart."""
    ranks = list(range(1, len(errors) + 1))
    colours = [style.SAMPLED if r == current else "#bbbbbb" for r in ranks]
    bars = dict(
        type="bar", x=[f"r = {r}" for r in ranks], y=errors, marker=dict(color=colours, line=dict(color="#555555", width=1)),
        text=[f"error {e}" + (f"<br>{c:,} mult." if c is not None else "")
              for e, c in zip(style.numbers(errors, 3), rank_costs or [None] * len(errors))],
        textposition="outside", cliponaxis=False, hovertemplate="%{x}: error %{y:.4g}<extra></extra>",
    )
    exact = max(errors) <= 0  # an exactly separable kernel (rank 1), or all zeros
    top = max(errors) if not exact else 1.0
    notes = [dict(text=f"<b>Exact: rank {rank}, the error is 0 for every r</b><br>one column × row already "
                       "reproduces the kernel", x=0.5, y=0.55, xref="paper", yref="paper", showarrow=False,
                  font=dict(size=16, color=style.LABEL), bgcolor="#f3f3f3", borderpad=8)] if exact else []
    cost = f" (full kernel: {full_cost:,} multiplications)" if full_cost is not None else ""
    return style.plain_figure([bars], dict(
        **BASE, height=320, margin=dict(l=70, r=20, t=50, b=40), **({"annotations": notes} if notes else {}),
        title=dict(text=f"Error left by r separable terms{cost}", font=dict(size=15)),
        yaxis=dict(title=dict(text="error"), range=[0, top * 1.35], gridcolor="#eeeeee", tickformat=".3~g"), showlegend=False))


def cost_per_pixel_figure(kh: int, kw: int, max_k: int = 7) -> go.Figure:
    """Multiplications per output pixel against kernel size k: k² in full, 2k in two passes."""
    k = np.arange(1, max_k + 1)
    traces = [
        dict(type="scatter", x=k, y=k * k, mode="lines+markers", name="full k×k kernel: k²",
             line=dict(color="#b2182b", width=3), marker=dict(symbol="square", size=8)),
        dict(type="scatter", x=k, y=2 * k, mode="lines+markers", name="k×1 then 1×k: 2k",
             line=dict(color="#2166ac", width=3, dash="dot"), marker=dict(symbol="circle", size=8)),
    ]
    traces.append(dict(
        type="scatter", x=[max(kh, kw)] * 2, y=[kh * kw, kh + kw], mode="markers+text", name="this kernel",
        text=[f"this kernel: {kh}×{kw} = {kh * kw}", f"{kh} + {kw} = {kh + kw}"],
        textposition=["top left", "bottom right"],
        marker=dict(size=16, color="#111111", line=dict(color="#111111", width=3), symbol="diamond-open"),
    ))
    return style.plain_figure(traces, dict(
        **BASE, height=360, margin=dict(l=70, r=20, t=40, b=60),
        xaxis=dict(title=dict(text="kernel size k"), dtick=1, gridcolor="#eeeeee", range=[0.5, max_k + 0.5]),
        yaxis=dict(title=dict(text="multiplications per output pixel"), gridcolor="#eeeeee", rangemode="tozero"),
        legend=dict(orientation="h", y=1.12, x=0)))
