"""The Measured time page's figures: measured times with their spread, the roofline of the machine, and
MobileNet v1's share of the multiplications against its share of the measured time. No Streamlit.

Times come in as engine.timing.Timing (seconds per call, one per repeat); the machine as
engine.memory.Roofline (multiply-adds per second, bytes per second).
"""

from __future__ import annotations

import math

import plotly.graph_objects as go

from . import style
from .network import BASE, COLOURS, one_two_five

# apart from the layer types' colours (viz.network.COLOURS), which the MobileNet chart uses beside them
FRAMEWORK_COLOURS = {"NumPy": "#222222", "PyTorch": "#CC79A7"}
FRAMEWORK_SYMBOLS = {"NumPy": "circle", "PyTorch": "diamond"}
STAGE_SYMBOLS = {"standard": "square", "depthwise": "triangle-up", "pointwise": "circle", "separable": "diamond"}
LEGEND = dict(orientation="h", x=0, y=1.02, xanchor="left", yanchor="bottom", title=None, font=dict(size=15))
GRID = "#e6e6e6"


def microseconds(seconds: float) -> str:
    """A time as the page writes it, three significant digits: ns, µs, ms or s."""
    if seconds < 1e-6:
        return f"{seconds * 1e9:.3g} ns"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.3g} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:,.2f} s"


def times_figure(stages: list[str], timings: dict) -> go.Figure:
    """One horizontal bar per stage and framework: the median time per call on a log axis (a busy machine's
    slowest repeat can be a hundred times the median), a whisker from the fastest repeat to the slowest.
    timings : {framework: {stage label: Timing}}."""
    fig = go.Figure()
    order = list(reversed(stages))  # the first stage on top
    for framework, by_stage in reversed(list(timings.items())):
        shown = [stage for stage in order if stage in by_stage]
        fig.add_trace(go.Bar(
            y=shown, x=[by_stage[s].median * 1e6 for s in shown], name=framework, orientation="h",
            marker=dict(color=FRAMEWORK_COLOURS[framework]),
            text=[microseconds(by_stage[s].median) for s in shown], textposition="outside",
            textfont=dict(size=15), cliponaxis=False,
            error_x=dict(type="data", symmetric=False, color="#777777", thickness=1.5, width=4,
                         array=[(by_stage[s].slowest - by_stage[s].median) * 1e6 for s in shown],
                         arrayminus=[(by_stage[s].median - by_stage[s].fastest) * 1e6 for s in shown]),
            customdata=[[microseconds(by_stage[s].fastest), microseconds(by_stage[s].slowest), by_stage[s].repeats,
                         by_stage[s].calls] for s in shown],
            hovertemplate=("<b>%{y}</b>, " + framework + ": median %{text}<br>fastest %{customdata[0]}, slowest "
                           "%{customdata[1]}<br>%{customdata[2]} repeats of %{customdata[3]} calls<extra></extra>"),
        ))
    values = [t for by_stage in timings.values() for t in by_stage.values()]
    low = min((t.fastest for t in values), default=1e-6) * 1e6 / 2
    high = max((t.slowest for t in values), default=1e-3) * 1e6 * 4  # room for the labels
    fig.update_layout(**BASE, height=420, margin=dict(l=20, r=20, t=60, b=60), barmode="group", legend=dict(
                          LEGEND, traceorder="reversed"), bargap=0.25,
                      xaxis=dict(type="log", title="µs per call: median; whisker, fastest to slowest",
                                 range=[math.log10(low), math.log10(high)], gridcolor=GRID,
                                 tickvals=one_two_five(low, high)),
                      yaxis=dict(tickfont=dict(size=16), automargin=True))
    return fig


def _roof_trace(roof, low: float, high: float) -> dict:
    xs = [low, roof.ridge, high] if low < roof.ridge < high else [low, high]
    return go.Scatter(x=xs, y=[roof.attainable(x) / 1e9 for x in xs], mode="lines", name="roofline: min(peak, "
                      "intensity × bandwidth)", line=dict(color="#222222", width=3), hoverinfo="skip")


def roofline_figure(roof, points: list[dict], layers: list[dict] = ()) -> go.Figure:
    """Log-log: multiply-adds per byte against billions of multiply-adds per second.

    points : dicts with name, group (a legend entry), intensity, multiplications, seconds (measured median),
    colour and symbol. Each is drawn twice: hollow on the roof where the model puts it (predicted), filled
    at the rate its measured time gives, joined by a dotted line.
    layers : more layers (MobileNet's), the same keys plus kind, drawn small at their measured rate only."""
    intensities = [p["intensity"] for p in [*points, *layers]] or [roof.ridge]
    rates = [p["multiplications"] / p["seconds"] / 1e9 for p in [*points, *layers]] + [roof.peak / 1e9]
    low = min(min(intensities), roof.ridge) / 2
    high = max(max(intensities), roof.ridge) * 2
    fig = go.Figure([_roof_trace(roof, low, high)])
    groups: dict[str, list[dict]] = {}
    for point in points:
        groups.setdefault(point["group"], []).append(point)
    for group, mine in groups.items():
        predicted = [roof.attainable(p["intensity"]) / 1e9 for p in mine]
        measured = [p["multiplications"] / p["seconds"] / 1e9 for p in mine]
        links_x, links_y = [], []
        for p, a, b in zip(mine, predicted, measured):
            links_x += [p["intensity"], p["intensity"], None]
            links_y += [a, b, None]
        colour = mine[0]["colour"]
        fig.add_trace(go.Scatter(x=links_x, y=links_y, mode="lines", line=dict(color=colour, dash="dot", width=1.5),
                                 showlegend=False, hoverinfo="skip", legendgroup=group))
        fig.add_trace(go.Scatter(
            x=[p["intensity"] for p in mine], y=predicted, mode="markers", legendgroup=group, showlegend=False,
            marker=dict(symbol=[p["symbol"] + "-open" for p in mine], size=13, color=colour, line=dict(width=2)),
            text=[p["name"] for p in mine],
            hovertemplate="<b>%{text}</b> (predicted)<br>%{x:.3g} mult-adds per byte<br>%{y:.3g} G mult-adds/s"
                          "<extra></extra>"))
        fig.add_trace(go.Scatter(
            x=[p["intensity"] for p in mine], y=measured, mode="markers", name=group, legendgroup=group,
            marker=dict(symbol=[p["symbol"] for p in mine], size=13, color=colour, line=dict(width=1, color="#222")),
            text=[p["name"] for p in mine],
            customdata=[[microseconds(p["seconds"])] for p in mine],
            hovertemplate="<b>%{text}</b> (measured %{customdata[0]})<br>%{x:.3g} mult-adds per byte<br>"
                          "%{y:.3g} G mult-adds/s<extra></extra>"))
    kinds: dict[str, list[dict]] = {}
    for layer in layers:
        kinds.setdefault(layer["kind"], []).append(layer)
    for kind, mine in kinds.items():
        fig.add_trace(go.Scatter(
            x=[p["intensity"] for p in mine], y=[p["multiplications"] / p["seconds"] / 1e9 for p in mine],
            mode="markers", name=f"MobileNet v1: {kind} ({mine[0]['group']})", text=[p["name"] for p in mine],
            marker=dict(size=8, color=COLOURS.get(kind, "#999999"), opacity=0.75, line=dict(width=0.5, color="#222")),
            customdata=[[microseconds(p["seconds"])] for p in mine],
            hovertemplate="<b>%{text}</b> (measured %{customdata[0]})<br>%{x:.3g} mult-adds per byte<br>"
                          "%{y:.3g} G mult-adds/s<extra></extra>"))
    fig.add_annotation(x=math.log10(high), y=math.log10(roof.peak / 1e9), xanchor="right", yanchor="bottom",
                       text=f"peak {roof.peak / 1e9:.1f} G mult-adds/s", showarrow=False, font=dict(size=15))
    start = low * 1.15
    fig.add_annotation(x=math.log10(start), y=math.log10(roof.attainable(start) / 1e9) + 0.12, xanchor="left",
                       yanchor="bottom", text=f"{roof.bandwidth / 1e9:.1f} GB/s × intensity", showarrow=False,
                       font=dict(size=15), bgcolor="rgba(255,255,255,0.8)")
    y_low = min(min(rates), roof.attainable(low) / 1e9) / 2
    y_high = max(rates) * 2  # a layer measured faster than the roofs (a busy machine's roofs) stays in view
    fig.update_layout(
        **BASE, height=490, margin=dict(l=80, r=20, t=90, b=70), legend=LEGEND,
        xaxis=dict(type="log", title="arithmetic intensity (mult-adds per byte moved)", gridcolor=GRID,
                   tickvals=one_two_five(low, high), range=[math.log10(low), math.log10(high)]),
        yaxis=dict(type="log", title="G mult-adds per second", gridcolor=GRID,
                   tickvals=one_two_five(y_low, y_high), range=[math.log10(y_low), math.log10(y_high)]),
    )
    return fig


def shares_figure(names: list[str], kinds: list[str], multiplication_shares: list[float],
                  time_shares: dict) -> go.Figure:
    """Per layer, in network order: its share of the multiplications (bars coloured by layer type) and its
    share of the measured time for each framework (markers). time_shares : {framework: [share per layer]}."""
    fig = go.Figure(go.Bar(
        x=names, y=[100 * s for s in multiplication_shares], name="share of the mult-adds (counted)",
        marker=dict(color=[COLOURS.get(k, "#999999") for k in kinds], line=dict(color="#333333", width=0.8)),
        customdata=kinds, hovertemplate="<b>%{x}</b> (%{customdata}): %{y:.2f}% of the mult-adds<extra></extra>"))
    for framework, shares in time_shares.items():
        fig.add_trace(go.Scatter(
            x=names, y=[100 * s for s in shares], mode="markers+lines", name=f"share of the time ({framework})",
            line=dict(color=FRAMEWORK_COLOURS[framework], width=1.5),
            marker=dict(symbol=FRAMEWORK_SYMBOLS[framework], size=11, color=FRAMEWORK_COLOURS[framework],
                        line=dict(width=1, color="#222")),
            hovertemplate="<b>%{x}</b>: %{y:.2f}% of the measured time (" + framework + ")<extra></extra>"))
    highest = max([100 * s for s in multiplication_shares]
                  + [100 * s for shares in time_shares.values() for s in shares], default=1.0)
    fig.update_layout(**BASE, height=460, margin=dict(l=70, r=20, t=60, b=80), legend=LEGEND, bargap=0.25,
                      xaxis=dict(type="category", tickangle=-45, tickfont=dict(size=13)),
                      yaxis=dict(title="% of the network", range=[0, highest * 1.12], gridcolor=GRID))
    return fig
