"""The pointwise convolution as what it is: one matrix product, (H·W × C) by (C × N) = (H·W × N).

Three heatmaps side by side, each on its own pair of axes so that it keeps its own labels:
the input with one row per pixel, the weights with one column per kernel, the output with one
row per pixel and one column per output map. Rows of the same height in all three, so a row
of the input lines up with the same pixel's row of the output.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from . import style

TITLE_PX_PER_CHAR = 7.6  # a 14 px title, for reserving room above each matrix
MIN_TEXT_PX = 8  # below this, values are not printed on cells (hover still shows them)


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


def _font(row_px: float, col_px: float, texts) -> int:
    longest = max((len(t) for row in texts for t in row), default=1)
    return int(min(14, row_px * 0.62, col_px * 0.9 / (0.56 * max(longest, 1))))


def matrix_product_figure(x: np.ndarray, w: np.ndarray, output: np.ndarray, width_px: int = 900) -> go.Figure:
    """The pointwise convolution written as a matrix product.

    x : ndarray (C, H, W), the input
    w : ndarray (N, C), the pointwise kernels
    output : ndarray (N, H, W), engine.pointwise_conv2d(x, w); shown as (H*W, N)
    width_px : the most the figure is expected to get; a wide input gets narrower columns
    """
    c, h, wd = x.shape
    n = w.shape[0]
    pixels = h * wd
    matrices = [
        (pixel_rows(x), f"<b>input</b><br>H·W × C<br>{pixels} × {c}"),
        (weight_columns(w), f"<b>kernels</b><br>C × N<br>{c} × {n}"),
        (np.asarray(output, dtype=float).reshape(n, -1).T, f"<b>output</b><br>H·W × N<br>{pixels} × {n}"),
    ]
    rows_max = max(pixels, c)
    row_px = float(np.clip(600 / rows_max, 15, 34))
    margin = dict(l=96, r=96, t=136, b=12)
    gaps = [76, 52]  # before the kernels: their channel labels and the ×; before the output: the =
    title_px = [max(len(line) for line in t.replace("<b>", "").replace("</b>", "").split("<br>")) * TITLE_PX_PER_CHAR
                for _, t in matrices]

    def needed(col_px: float) -> float:
        return sum(max(m.shape[1] * col_px, t) for (m, _), t in zip(matrices, title_px)) + sum(gaps)

    # The figure is laid out at the narrowest width that reads well (columns of 36 px, fewer when
    # that would pass width_px) and stretched by Streamlit to the page: all positions are
    # fractions of the plot area, so stretching only adds room, while text keeps its size.
    col_px = 36.0
    while col_px > 20 and needed(col_px) > width_px - margin["l"] - margin["r"]:
        col_px -= 1
    plot_px = needed(col_px)
    height = int(rows_max * row_px + margin["t"] + margin["b"])

    traces: list[dict] = []
    layout: dict = {}
    annotations = []
    left = 0.0
    for i, ((values, title), t_px) in enumerate(zip(matrices, title_px)):
        left += gaps[i - 1] if i else 0
        slot = max(values.shape[1] * col_px, t_px)
        x0 = left + (slot - values.shape[1] * col_px) / 2
        x1 = x0 + values.shape[1] * col_px
        left += slot
        domain_x = [x0 / plot_px, min(x1 / plot_px, 1.0)]
        domain_y = [1 - values.shape[0] / rows_max, 1.0]
        suffix = "" if i == 0 else str(i + 1)
        texts = [[style.number(v) for v in row] for row in values]
        font = _font(row_px, col_px, texts)
        show = font >= MIN_TEXT_PX
        zmax = max(float(np.abs(values).max()), 1e-9)
        rows, cols = values.shape
        row_names = pixel_names(h, wd) if i != 1 else [f"ch {k + 1}" for k in range(c)]
        col_names = [f"ch {k + 1}" for k in range(c)] if i == 0 else [f"k {k + 1}" for k in range(n)]
        hover = [[f"{row_names[r]}, {col_names[q]}: {texts[r][q]}" for q in range(cols)] for r in range(rows)]
        traces.append(dict(
            type="heatmap", z=values, x=np.arange(cols), y=np.arange(rows), xaxis=f"x{suffix}", yaxis=f"y{suffix}",
            zmid=0, zmin=-zmax, zmax=zmax, colorscale=style.DIVERGING, showscale=False, xgap=1, ygap=1,
            name=["input", "kernels", "output"][i],
            text=texts if show else None, texttemplate="%{text}" if show else None,
            textfont=dict(size=max(font, 1), color="#111111"),
            customdata=hover, hovertemplate="%{customdata}<extra></extra>",
        ))
        x_title = "channel" if i == 0 else "kernel"
        y_title = "channel" if i == 1 else "pixel (row, col)"
        step = max(1, int(np.ceil(11 / row_px)))  # keep pixel labels at least 11 px apart
        layout[f"xaxis{suffix}"] = dict(
            domain=domain_x, anchor=f"y{suffix}", side="top", range=[-0.5, cols - 0.5], fixedrange=True,
            tickvals=list(range(cols)), ticktext=[str(k + 1) for k in range(cols)], ticks="", showgrid=False,
            zeroline=False, title=dict(text=x_title, standoff=4, font=dict(size=13)), tickfont=dict(size=12),
        )
        layout[f"yaxis{suffix}"] = dict(
            domain=domain_y, anchor=f"x{suffix}", range=[rows - 0.5, -0.5], fixedrange=True,
            side="right" if i == 2 else "left",
            tickvals=list(range(0, rows, step)), ticktext=[(row_names[r] if i != 1 else str(r + 1))
                                                           for r in range(0, rows, step)],
            ticks="", showgrid=False, zeroline=False, tickfont=dict(size=11 if i != 1 else 12),
            title=dict(text=y_title, standoff=4, font=dict(size=13)),
        )
        annotations.append(dict(text=title, x=(domain_x[0] + domain_x[1]) / 2, xref="paper", y=1, yref="paper",
                                yshift=60, xanchor="center", yanchor="bottom", showarrow=False,
                                font=dict(size=14, color=style.LABEL)))
        if i:  # the operator between this matrix and the one before it
            centre = (x0 - gaps[i - 1] * (0.78 if i == 1 else 0.5)) / plot_px
            annotations.append(dict(text="×" if i == 1 else "=", x=centre, xref="paper",
                                    y=1 - min(c, rows_max) / rows_max / 2, yref="paper", showarrow=False,
                                    font=dict(size=30, color=style.LABEL)))
    return style.plain_figure(traces, dict(
        height=max(height, 260), margin=margin, paper_bgcolor=style.BACKGROUND, plot_bgcolor=style.BACKGROUND,
        font=dict(family=style.FONT, size=13, color=style.LABEL), showlegend=False, annotations=annotations,
        hovermode="closest", **layout,
    ))
