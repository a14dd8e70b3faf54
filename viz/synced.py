"""The full kernel and the two passes in one animation: one Play, one step slider, one counter.

The timeline: one step is one window position of the two passes (pass 1's, then pass 2's), and the
full kernel's positions are spread evenly over those steps (it is at position ceil(step · F / T) of
its F after step `step` of T), so both routes start on the first step and finish on the last. The
caption's first line is the counter: what each pass has multiplied so far, their sum, against what the
full kernel has multiplied so far; every number is read from the engine's traces.

Two layouts:
- "side": the full kernel's input, kernel and output, then the two passes' input, column,
  intermediate map, row and output, all on one row (a wide screen);
- "cross": one input on the left, the full kernel's route along the top and the two passes' route
  along the bottom, its output under the full kernel's (a projector, narrower and shorter).

As in viz.scan (read its docstring), what does not change is drawn once and a frame carries only
attribute paths: each moving outline sits on an overlay axis pair whose range the frames shift, and
each mask over output cells not computed yet sits on an overlay axis whose range the frames scale, so
that the mask covers exactly the cells left (a shifted mask would spill onto the grids below it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine import ScanTrace

from . import style
from .animated import AnimatedFigure
from .scan import (CAPTION_LINE_PX, CONTROLS_PX, TITLE_LINE_PX, Placed, animated_figure, captions, heatmap,
                   input_grids, title_px)

HIDDEN = 10_000.0  # an overlay axis shifted this far shows nothing of what is drawn on it
GAP = 1  # cells between two grids of a route
CROSS_GAP = 0.8  # the same on a projector, where every cell of width counts
ROUTE_GAP = 3  # cells between the two routes side by side
CAPTION_LINES = 3  # the counter, pass 1 or 2's products, the full kernel's
LAYOUTS = ("side", "cross")
PASSES_COLOUR = "#1f4e9c"  # the two passes' windows, cells and heading: apart from the full kernel's black


@dataclass(frozen=True)
class Timeline:
    """After each step (0-based), how many positions each route has done."""

    first: np.ndarray
    second: np.ndarray
    full: np.ndarray

    @property
    def steps(self) -> int:
        return len(self.first)


def timeline(full_steps: int, first_steps: int, second_steps: int) -> Timeline:
    """The two passes one position a step; the full kernel's positions spread over the same steps."""
    total = first_steps + second_steps
    s = np.arange(1, total + 1)
    return Timeline(first=np.minimum(s, first_steps), second=np.maximum(s - first_steps, 0),
                    full=-(-s * full_steps // total))


def so_far(trace: ScanTrace, done: np.ndarray) -> np.ndarray:
    """Multiplications a trace has done after `done` of its positions (0 for none)."""
    counts = np.concatenate([[0], trace.multiplications_so_far])
    return counts[done]


def shift(main: list, by: float) -> list:
    """An overlay axis's range that shows what is drawn on it `by` cells further along."""
    return [round(main[0] - by, 3), round(main[1] - by, 3)]


def stretch(main: list, start: float, end: float) -> list:
    """An overlay axis's range on which 0..1 falls on the main axis's start..end (nothing, for start == end)."""
    k = end - start
    if abs(k) < 1e-9:
        return shift(main, HIDDEN)
    a0 = (main[0] - start) / k
    return [round(a0, 3), round(a0 + (main[1] - main[0]) / k, 3)]


@dataclass(frozen=True)
class Route:
    """One route's moving parts: its scan, the grid its window moves on, the grid it fills in."""

    trace: ScanTrace
    source: Placed  # the padded grid the window moves on
    target: Placed  # the output grid
    target_offset: tuple = (0, 0)  # where the output's first cell is in `target` (rows, cols)


def synced_figure(full: ScanTrace, first: ScanTrace, second: ScanTrace, frame_ms: int = 800, width_px: int = 1400,
                  layout: str = "side", flipped: bool = False, title_scale: float = 1.0) -> AnimatedFigure:
    """The full kernel's scan and the two passes' scans as one animation.

    full, first, second : engine.scan_trace of the full kernel; engine.two_pass_trace's passes
    width_px : the width the figure is planned for; sets the cells and the numbers on them
    layout : "side" (all on one row) or "cross" (one input, the full kernel's route above the passes')
    flipped : convolution: the kernels are used turned by 180°
    title_scale : how much larger the titles may be against the cells than planned (presenter mode's larger
        fonts, or a chart narrower than width_px): the room left for them beside and between the grids
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, got {layout!r}")
    kh, kw = full.kernels.shape[2:]
    hp, wp = full.padded.shape[1:]
    (pt, pb), (pl, pr) = full.pads
    h, w = hp - pt - pb, wp - pl - pr
    ho, wo = full.output.shape[1:]
    h1, w1 = first.output.shape[1:]
    mid_h, mid_w = second.padded.shape[1:]
    turned = " flipped" if flipped else ""
    padded = f"<br>padded to {hp}×{wp}" if (hp, wp) != (h, w) else ""
    titles = {
        "input": f"<b>input</b><br>{h}×{w}" + padded,
        "kernel": f"<b>kernel{turned}</b><br>{kh}×{kw}",
        "output": f"<b>output</b><br>{ho}×{wo}",
        "input1": f"<b>input</b><br>{h}×{w}" + (f"<br>padded to {first.padded.shape[1]}×{w}" if pt or pb else ""),
        "column": f"<b>column{turned}</b><br>{kh}×1",
        "middle": f"<b>intermediate</b><br>{h1}×{w1}" + (f"<br>padded to {mid_h}×{mid_w}" if (mid_h, mid_w) != (h1, w1)
                                                        else ""),
        "row": f"<b>row{turned}</b><br>1×{kw}",
        "output2": f"<b>output</b><br>{ho}×{wo}",
    }
    sizes = {"input": (hp, wp), "kernel": (kh, kw), "output": (ho, wo), "input1": first.padded.shape[1:],
             "column": (kh, 1), "middle": (mid_h, mid_w), "row": (1, kw), "output2": (ho, wo)}
    headings = (f"<b>Full {kh}×{kw} kernel</b>", f"<b>Two passes: {kh}×1 column, then 1×{kw} row</b>")
    title_lines = max(t.count("<br>") for t in titles.values()) + 1
    label_px = (title_lines + 1) * TITLE_LINE_PX + 12  # a route's heading over its grids' titles

    if layout == "side":
        rows = [("input", "kernel", "output", None, "input1", "column", "middle", "row", "output2")]
    else:
        rows = [("kernel", "output"), ("column", "middle", "row", "output2")]

    def slots(cell: float) -> dict:
        """Each grid's x (in cells), the width of the canvas, for cells of `cell` px."""
        xs, x = {}, 0.0
        if layout == "side":
            for name in rows[0]:
                if name is None:
                    x += ROUTE_GAP - GAP
                    continue
                xs[name] = x
                x += max(sizes[name][1], title_px(titles[name], title_scale) / cell) + GAP
            return xs, x - GAP
        xs["input"] = 0.0
        x = max(wp, title_px(titles["input"], title_scale) / cell) + CROSS_GAP
        for name in rows[1]:
            xs[name] = x
            x += max(sizes[name][1], title_px(titles[name], title_scale) / cell) + CROSS_GAP
        xs["kernel"], xs["output"] = xs["column"], xs["output2"]
        heading_end = xs["column"] + max(title_px(headings[1], title_scale),
                                         title_px(titles["kernel"], title_scale)) / cell
        return xs, max(x - CROSS_GAP, heading_end, xs["output"] + wo)

    def across(cell: float) -> float:
        return slots(cell)[1] + 0.7  # a fifth of a cell of margin each side

    low, high = 0.5, 120.0
    for _ in range(40):  # across(cell) * cell grows with the cell: bisect for the size that fills width_px
        mid = (low + high) / 2
        low, high = (mid, high) if across(mid) * mid <= width_px - 16 else (low, mid)
    cell_px = low
    xs, right = slots(cell_px)
    xs = {name: round(x, 2) for name, x in xs.items()}
    if layout == "side":
        ys = {name: 0 for name in xs}
        bottom = max(size[0] for size in sizes.values())
    else:
        top_rows = max(kh, ho)
        gap_rows = int(np.ceil(label_px * title_scale / cell_px))
        ys = {"kernel": 0, "output": 0, **{name: top_rows + gap_rows for name in rows[1]}}
        bottom = top_rows + gap_rows + max(kh, h1, 1, ho)
        ys["input"] = max(0, (bottom - hp) // 2)
        bottom = max(bottom, ys["input"] + hp)
    grids = {name: Placed(xs[name], ys[name], *sizes[name]) for name in xs}
    x_range = [-0.7, round(right - 0.3, 2)]  # grids start at x = 0 (their left edge at -0.5)
    y_range = [int(bottom), -1]

    # the grids, drawn once
    data = input_grids(full.padded, full.pads, [grids["input"]], cell_px)
    if layout == "side":
        data += input_grids(first.padded, first.pads, [grids["input1"]], cell_px)
    middle = input_grids(second.padded, second.pads, [grids["middle"]], cell_px)
    middle[0].update(name="intermediate", hovertemplate="intermediate map (pass 1's output): %{z}<extra></extra>")
    data += middle
    k_zmax = max(float(np.abs(full.kernels).max()), float(np.abs(first.kernels).max()),
                 float(np.abs(second.kernels).max()), 1e-9)
    out_zmax = max(float(np.abs(full.output).max()), float(np.abs(second.output).max()), 1e-9)
    turned_hover = "flipped " if flipped else ""
    data += [heatmap(full.kernels[0, 0], grids["kernel"], "kernel", cell_px, k_zmax, f"{turned_hover}kernel: %{{z}}"),
             heatmap(first.kernels[0, 0], grids["column"], "column", cell_px, k_zmax, f"{turned_hover}column: %{{z}}"),
             heatmap(second.kernels[0, 0], grids["row"], "row", cell_px, k_zmax, f"{turned_hover}row: %{{z}}"),
             heatmap(full.output[0], grids["output"], "output", cell_px, out_zmax, "full kernel's output: %{z}"),
             heatmap(second.output[0], grids["output2"], "output of the two passes", cell_px, out_zmax,
                     "two passes' output: %{z}")]

    annotations = [dict(text="", showarrow=False, align="left", font=dict(size=15, color=style.LABEL))]
    title_shift = 5
    for name, at in grids.items():
        if name in titles and not (layout == "cross" and name == "input1"):
            annotations.append(dict(x=at.x - 0.5, y=at.y - 0.55, text=titles[name], showarrow=False, xanchor="left",
                                    yanchor="bottom", yshift=title_shift, align="left",
                                    font=dict(size=14, color=style.LABEL)))
    heading_shift = title_shift + title_lines * TITLE_LINE_PX + 4
    for heading, colour, first_grid in zip(headings, (style.LABEL, PASSES_COLOUR), ("input" if layout == "side" else "kernel", "input1" if layout == "side"
                                              else "column")):
        at = grids[first_grid]
        annotations.append(dict(x=at.x - 0.5, y=at.y - 0.55, text=heading, showarrow=False, xanchor="left",
                                yanchor="bottom", yshift=heading_shift, align="left",
                                font=dict(size=15, color=colour)))

    # the moving parts: per route, the window (axes a), the output cell (axes b), the masks (axes c)
    routes = [Route(full, grids["input"], grids["output"]),
              Route(first, grids["input1"] if layout == "side" else
                    Placed(grids["input"].x + pl, grids["input"].y, hp, w), grids["middle"], (0, second.pads[1][0])),
              Route(second, grids["middle"], grids["output2"])]
    hidden = dict(type="rect", fillcolor=style.BACKGROUND, line=dict(width=0), layer="above")
    shapes, axes = [], {}
    for i, route in enumerate(routes):
        n = 2 + 3 * i  # axes n (window), n + 1 (output cell), n + 2 (masks)
        # with stride 1 the output cell moves as the window does: it rides on the window's axes
        m = n if tuple(route.trace.stride) == (1, 1) else n + 1
        rh, rw = route.trace.kernels.shape[2:]
        outline = dict(color=style.WINDOW if i == 0 else PASSES_COLOUR, width=3)
        src, out = route.source, route.target
        oy, ox = out.y + route.target_offset[0], out.x + route.target_offset[1]
        cols = route.trace.output.shape[2]
        shapes += [
            dict(type="rect", xref=f"x{n}", yref=f"y{n}", x0=src.x - 0.5, x1=src.x + rw - 0.5, y0=src.y - 0.5,
                 y1=src.y + rh - 0.5, line=outline),
            # the rest of the current row, then the rows below: 0..1 on the scaled axes
            dict(hidden, xref=f"x{n + 2}", yref=f"y{m}", x0=0, x1=1, y0=oy - 0.5, y1=oy + 0.5),
            dict(hidden, xref="x", yref=f"y{n + 2}", x0=ox - 0.5, x1=ox + cols - 0.5 + 0.4, y0=0, y1=1),
            dict(type="rect", xref=f"x{m}", yref=f"y{m}", x0=ox - 0.5, x1=ox + 0.5, y0=oy - 0.5,
                 y1=oy + 0.5, line=outline),
        ]
        axes[i] = (n, m, oy, ox, cols, route.trace.output.shape[1])
    shapes += [dict(type="rect", xref="x", yref="y", x0=at.x - 0.5, x1=at.right, y0=at.y - 0.5, y1=at.bottom,
                    line=dict(color="#999999", width=1)) for at in (grids["output"], grids["output2"], grids["middle"])]

    times = timeline(full.steps, first.steps, second.steps)
    counts = [so_far(first, times.first), so_far(second, times.second), so_far(full, times.full)]
    products = [captions(trace, 9 if np.prod(trace.kernels.shape[2:]) <= 9 else 6) for trace in (full, first, second)]

    def position(trace: ScanTrace, i: int) -> str:
        return f"({int(trace.out_row[i]) + 1}, {int(trace.out_col[i]) + 1})"

    def route_keys(i: int, done: int, shown: bool) -> dict:
        n, m, oy, ox, cols, out_rows = axes[i]
        trace = (full, first, second)[i]
        keys = {}
        if done == 0 or not shown:  # not started, or (pass 1) done and out of the way
            keys.update({f"xaxis{n}.range": shift(x_range, HIDDEN), f"xaxis{m}.range": shift(x_range, HIDDEN)})
            keys.update({f"yaxis{n}.range": y_range, f"yaxis{m}.range": y_range})
            row, col = (-1, cols - 1) if done == 0 else (out_rows - 1, cols - 1)
        else:
            step = done - 1
            keys.update({f"xaxis{n}.range": shift(x_range, int(trace.left[step])),
                         f"yaxis{n}.range": shift(y_range, int(trace.top[step])),
                         f"xaxis{m}.range": shift(x_range, int(trace.out_col[step])),
                         f"yaxis{m}.range": shift(y_range, int(trace.out_row[step]))})
            row, col = int(trace.out_row[step]), int(trace.out_col[step])
        keys[f"xaxis{n + 2}.range"] = (shift(x_range, HIDDEN) if col == cols - 1
                                       else stretch(x_range, ox + col + 0.5, ox + cols - 0.5 + 0.4))
        keys[f"yaxis{n + 2}.range"] = stretch(y_range, oy + row + 0.5, oy + out_rows - 0.5)
        return keys

    frames, labels = [], []
    for s in range(times.steps):
        f1, f2, ff = int(times.first[s]), int(times.second[s]), int(times.full[s])
        a, b, c = (int(v[s]) for v in counts)
        in_pass_2 = f2 > 0
        counter = (f"<b>Two passes {a:,} + {b:,} = {a + b:,} multiplications against the full kernel's {c:,}</b>")
        if in_pass_2:
            doing = f"pass 2, output {position(second, f2 - 1)}: {products[2][f2 - 1]}"
        else:
            doing = f"pass 1, intermediate {position(first, f1 - 1)}: {products[1][f1 - 1]}"
        moved = s == 0 or ff != int(times.full[s - 1])
        full_line = (f"full kernel, output {position(full, ff - 1)}: {products[0][ff - 1]}" if moved else
                     f"full kernel: stays at output {position(full, ff - 1)} this step")
        layout_keys = {}
        layout_keys.update(route_keys(0, ff, True))
        layout_keys.update(route_keys(1, f1, not in_pass_2))
        layout_keys.update(route_keys(2, f2, True))
        layout_keys["annotations[0].text"] = "<br>".join((counter, doing, full_line))
        frames.append({"name": str(s), "layout": layout_keys})
        labels.append(f"{s + 1}/{times.steps} · {'pass 2' if in_pass_2 else 'pass 1'} "
                      f"{f2 if in_pass_2 else f1}/{second.steps if in_pass_2 else first.steps}"
                      f" · full kernel {ff}/{full.steps}")
    annotations[0]["text"] = frames[0]["layout"]["annotations[0].text"]

    caption_px = heading_shift + TITLE_LINE_PX + 8
    top_px = caption_px + CAPTION_LINE_PX * CAPTION_LINES + 6
    height = int(round((y_range[0] - y_range[1]) * cell_px + top_px + CONTROLS_PX))
    figure = animated_figure(data, frames, labels, frame_ms, height=height, top_px=top_px, bottom_px=CONTROLS_PX,
                             shapes=shapes, annotations=annotations, x_range=x_range, y_range=y_range,
                             caption_px=caption_px)
    spec = figure.to_dict()
    spec_layout = spec["layout"]
    slider = spec_layout.pop("sliders")[0]
    first_keys = frames[0]["layout"]
    for path, value in first_keys.items():
        if path.endswith(".range"):
            axis = path.split(".")[0]
            spec_layout[axis] = dict(visible=False, overlaying=axis[0], range=value, fixedrange=True)
    return AnimatedFigure(spec["data"], spec_layout, spec["frames"], slider)
