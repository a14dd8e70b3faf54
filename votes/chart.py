"""The room's answers as a bar chart: one bar per answer given, in order; at the reveal the right bars
are marked (colour and a tick, so it reads without colour too)."""

from __future__ import annotations

import plotly.graph_objects as go

from .ballot import Question, Tally

MOST_BARS = 12  # past this the rarest answers share one "other" bar: bars stay wide enough to read
WAITING, OTHERS, RIGHT = "#5b7a99", "#9aa5b1", "#1b7837"  # before the reveal all bars are alike


def answer_label(answer: tuple, unit: str = "") -> str:
    """(5, 5) as "5 × 5", (74.6,) with unit "%" as "74.6%"."""
    text = " × ".join(f"{v:,}" if isinstance(v, int) else f"{v:,.2f}".rstrip("0").rstrip(".") for v in answer)
    return text + unit


def histogram(tally: Tally, question: Question, revealed: bool, height: int = 320, font: int = 18) -> go.Figure:
    bars = list(tally.bars)
    if len(bars) > MOST_BARS:
        # the most given answers (at the reveal the right ones first, so they always have their bar)
        kept = sorted(sorted(bars, key=lambda bar: (revealed and not bar[2], -bar[1]))[:MOST_BARS - 1])
        rest = [bar for bar in bars if bar not in kept]
        labels = [answer_label(a, question.unit) for a, _, _ in kept] + [f"{len(rest)} others"]
        counts = [c for _, c, _ in kept] + [sum(c for _, c, _ in rest)]
        right = [r for _, _, r in kept] + [False]
    else:
        labels = [answer_label(a, question.unit) for a, _, _ in bars]
        counts = [c for _, c, _ in bars]
        right = [r for _, _, r in bars]
    colours = [(RIGHT if r else OTHERS) if revealed else WAITING for r in right]
    texts = [f"{c} ✓" if revealed and r else str(c) for c, r in zip(counts, right)]
    figure = go.Figure(go.Bar(x=labels, y=counts, marker_color=colours, text=texts, textposition="outside",
                              textfont_size=font, cliponaxis=False, hoverinfo="skip"))
    figure.update_layout(
        height=height, margin=dict(l=10, r=10, t=36, b=12 + 2 * font), plot_bgcolor="white", paper_bgcolor="white",
        font_size=font, bargap=0.25, showlegend=False,
        xaxis=dict(type="category", title=None, tickfont_size=font),
        yaxis=dict(visible=False, range=[0, max(counts + [1]) * 1.25]),
    )
    if not bars:
        figure.add_annotation(text="no answers yet", showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                              font_size=font, font_color=OTHERS)
        figure.update_xaxes(visible=False)
    return figure
