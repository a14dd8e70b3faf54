"""What the classroom features do to a finished figure: start an animation at a given step, read
its steps as text, and enlarge it for a projector. No Streamlit here.
"""

from __future__ import annotations

import copy
import html
import re

import plotly.graph_objects as go

from .scan import MIN_TEXT_PX, AnimatedFigure, fitting_font

PATH_PART = re.compile(r"^([A-Za-z_]\w*)(?:\[(\d+)\])?$")

# A scan (a canvas of square cells) on a projector: as large as the screen allows. Streamlit gives a
# chart the page's width but the figure's own height, so the height is chosen here, for both screens
# presenter mode is made for (widths are the chart's, with the sidebar open).
PRESENTER_MAX_HEIGHT = 650  # px: the grids and the Play / slider row on one 1280×720 screen
PRESENTER_NARROW_PX = 900  # px: the chart at 1280×720; the numbers on the cells fit its cells
PRESENTER_WIDE_PX = 1540  # px: the chart at 1920×1080; no cell grows past what it can show
CELL_GROWTH = 2.0  # how much a scan's cells may grow, height and width allowing


def is_animated(figure) -> bool:
    """A figure with frames and a step slider: the scans and the flatten animation."""
    if isinstance(figure, AnimatedFigure):
        return True
    return bool(figure.frames) and bool(figure.layout.sliders)


def step_count(figure) -> int:
    return len(figure._raw_frames) if isinstance(figure, AnimatedFigure) else len(figure.frames)


def set_path(target: dict, path: str, value) -> None:
    """Set a plotly.js attribute path such as "annotations[0].text" or "xaxis2.range" in a layout dict."""
    parts = path.split(".")
    node = target
    for i, part in enumerate(parts):
        name, index = PATH_PART.match(part).groups()
        last = i == len(parts) - 1
        if index is None:
            if last:
                node[name] = value
            else:
                node = node.setdefault(name, {})
        else:
            items = node.setdefault(name, [])
            k = int(index)
            while len(items) <= k:
                items.append({})
            if last:
                items[k] = value
            else:
                node = items[k]


def editable_spec(figure) -> dict:
    """The figure's dict with data and layout copied, to change: an AnimatedFigure's to_dict() hands
    out its own dicts (shared by every rerun drawing the cached figure). Frames are not copied."""
    spec = figure.to_dict()
    return {**spec, "data": copy.deepcopy(spec["data"]), "layout": copy.deepcopy(spec["layout"])}


def start_at(figure, step: int):
    """A copy of an animated figure that opens at `step` (0-based) instead of the first step.

    Its layout (and, for frames that move traces, its data) is what the step's frame shows, and
    the step slider points at it, so Play continues from there.
    """
    if step == 0:
        return figure
    if isinstance(figure, AnimatedFigure):
        spec = editable_spec(figure)
        layout = spec["layout"]
        layout.pop("sliders", None)
        for path, value in figure._raw_frames[step]["layout"].items():
            set_path(layout, path, copy.deepcopy(value))
        slider = dict(figure._raw_slider, active=step)
        return AnimatedFigure(data=spec["data"], layout=layout, frames=figure._raw_frames, slider=slider)
    moved = go.Figure(figure)
    frame = moved.frames[step]
    for index, trace in zip(frame.traces or range(len(frame.data)), frame.data):
        moved.data[index].update(trace.to_plotly_json())
    if frame.layout:
        moved.layout.update(frame.layout)
    moved.layout.sliders[0].active = step
    return moved


def as_text(markup: str) -> str:
    """Plotly's little HTML (<b>, <br>) as plain text: line breaks become "; "."""
    text = re.sub(r"<br\s*/?>", "; ", markup or "")
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


def step_texts(figure, steps=None) -> list[str]:
    """Steps of an animation described in words: its slider label, then what it computes. Every
    step, or those of `steps` (0-based indices): a page shows one on every rerun, all of them only
    on request, and writing out a thousand costs milliseconds."""
    if isinstance(figure, AnimatedFigure):
        labels = [s["label"] for s in figure._raw_slider["steps"]]
        captions = [frame["layout"].get("annotations[0].text", "") for frame in figure._raw_frames]
        prefix = figure._raw_slider.get("currentvalue", {}).get("prefix", "Step ")
    else:
        slider = figure.layout.sliders[0]
        labels = [s.label for s in slider.steps]
        captions = [""] * len(labels)
        prefix = (slider.currentvalue.prefix or "Step ") if slider.currentvalue else "Step "
    chosen = range(len(labels)) if steps is None else steps
    return [f"{prefix.strip()} {as_text(labels[i])}" + (f": {as_text(captions[i])}" if captions[i] else "")
            for i in chosen]


FONT_KEYS = ("font", "textfont", "tickfont", "insidetextfont", "outsidetextfont", "hoverlabel")


def _scale_fonts(node, factor: float) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in FONT_KEYS and isinstance(value, dict):
                size = value.get("size") if key != "hoverlabel" else None
                if isinstance(size, (int, float)) and size > 1:
                    value["size"] = round(size * factor, 1)
                elif key == "font" and size is None:
                    value["size"] = round(13 * factor, 1)  # plotly's default size, scaled
            if isinstance(value, (dict, list)):
                _scale_fonts(value, factor)
    elif isinstance(node, list):
        for item in node:
            _scale_fonts(item, factor)


def _scale_pad(slider: dict, factor: float) -> None:
    """A slider's padding grows with the buttons beside it: its left pad keeps it clear of them."""
    pad = slider.get("pad") or {}
    for side in ("t", "l"):
        if side in pad:
            pad[side] = round(pad[side] * factor)


def _canvas(layout: dict):
    """(cells across, cells down) of a figure whose y axis keeps its cells square (a scan), else None."""
    x, y = layout.get("xaxis") or {}, layout.get("yaxis") or {}
    if y.get("scaleanchor") != "x" or not x.get("range") or not y.get("range"):
        return None
    return abs(x["range"][1] - x["range"][0]), abs(y["range"][1] - y["range"][0])


def _fit_scan(data: list, layout: dict, canvas, planned_cell: float, factor: float) -> None:
    """A scan's presenter size: its cells as large as PRESENTER_MAX_HEIGHT and the wide screen allow
    (up to CELL_GROWTH times the planned cell), and the numbers on them sized for the narrow screen's
    cells, so that they fit on both. A scan too tall for that height (many channels) keeps cells
    `factor` times the planned ones, as far as the narrow screen's width allows: a projector shows it
    in parts, but larger. Margins are already enlarged. Changes data and layout."""
    across, down = canvas
    margin = layout.get("margin", {})
    top, bottom, sides = margin.get("t", 0), margin.get("b", 0), margin.get("l", 0) + margin.get("r", 0)
    fits_screen = (PRESENTER_MAX_HEIGHT - top - bottom) / down
    readable = min(planned_cell * factor, (PRESENTER_NARROW_PX - sides) / across)
    cell = min(planned_cell * CELL_GROWTH, (PRESENTER_WIDE_PX - sides) / across, max(fits_screen, readable))
    layout["height"] = int(top + bottom + down * cell)
    narrow = min(cell, (PRESENTER_NARROW_PX - sides) / across)
    for trace in data:
        if trace.get("type") == "heatmap" and trace.get("text") is not None:
            size = fitting_font(narrow, trace["text"], largest=round(18 * factor))
            if size >= MIN_TEXT_PX:
                trace["textfont"]["size"] = size
            else:
                trace["text"] = trace["texttemplate"] = None
        elif trace.get("name") == "sampled cells":
            trace["marker"]["size"] = max(6.0, narrow * 0.95)


def enlarge(figure, factor: float):
    """A copy of a figure for a projector: every font and the height (margins too) times `factor`.

    The grids keep their aspect, so they grow with the height when the page is wide enough. A scan
    (an animation on a canvas of cells) gets the height and numbers of `_fit_scan` instead, and every
    slider starts right of its Play and Pause buttons, which grow with their font.
    """
    spec = editable_spec(figure)
    data, layout = spec["data"], spec["layout"]
    layout.pop("sliders", None)
    canvas = _canvas(layout) if isinstance(figure, AnimatedFigure) and layout.get("height") else None
    if canvas:
        margin = layout.get("margin", {})
        planned_cell = (layout["height"] - margin.get("t", 0) - margin.get("b", 0)) / canvas[1]
    _scale_fonts(data, factor)
    _scale_fonts(layout, factor)
    layout.setdefault("font", {})
    if "size" not in layout["font"]:
        layout["font"]["size"] = round(13 * factor, 1)
    for menu in layout.get("updatemenus", []):
        menu.setdefault("font", {"size": round(13 * factor, 1)})
        pad = menu.get("pad")
        if pad and "t" in pad:
            pad["t"] = round(pad["t"] * factor)
    if layout.get("height"):
        layout["height"] = round(layout["height"] * factor)
    margin = layout.get("margin")
    if margin:
        for side in ("t", "b"):
            if side in margin:
                margin[side] = round(margin[side] * factor)
    for annotation in layout.get("annotations", []):
        if "yshift" in annotation:
            annotation["yshift"] = round(annotation["yshift"] * factor)
    if canvas:
        _fit_scan(data, layout, canvas, planned_cell, factor)
    if isinstance(figure, AnimatedFigure):
        slider = copy.deepcopy(figure._raw_slider)
        _scale_fonts(slider, factor)
        _scale_pad(slider, factor)
        return AnimatedFigure(data=data, layout=layout, frames=figure._raw_frames, slider=slider)
    sliders = copy.deepcopy([s.to_plotly_json() for s in figure.layout.sliders])
    _scale_fonts(sliders, factor)
    for slider in sliders:
        _scale_pad(slider, factor)
    if sliders:
        layout["sliders"] = sliders
    spec["layout"] = layout
    return go.Figure(spec, skip_invalid=True)
