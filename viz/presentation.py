"""What the classroom features do to a finished figure: start an animation at a given step, read
its steps as text, and enlarge it for a projector. No Streamlit here.
"""

from __future__ import annotations

import copy
import html
import re

import plotly.graph_objects as go

from .scan import AnimatedFigure

PATH_PART = re.compile(r"^([A-Za-z_]\w*)(?:\[(\d+)\])?$")


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


def start_at(figure, step: int):
    """A copy of an animated figure that opens at `step` (0-based) instead of the first step.

    Its layout (and, for frames that move traces, its data) is what the step's frame shows, and
    the step slider points at it, so Play continues from there.
    """
    if step == 0:
        return figure
    if isinstance(figure, AnimatedFigure):
        spec = figure.to_dict()
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


def step_texts(figure) -> list[str]:
    """Every step of an animation described in words: its slider label, then what it computes."""
    if isinstance(figure, AnimatedFigure):
        labels = [s["label"] for s in figure._raw_slider["steps"]]
        captions = [frame["layout"].get("annotations[0].text", "") for frame in figure._raw_frames]
        prefix = figure._raw_slider.get("currentvalue", {}).get("prefix", "Step ")
    else:
        slider = figure.layout.sliders[0]
        labels = [s.label for s in slider.steps]
        captions = [""] * len(labels)
        prefix = (slider.currentvalue.prefix or "Step ") if slider.currentvalue else "Step "
    return [f"{prefix.strip()} {as_text(label)}" + (f": {as_text(caption)}" if caption else "")
            for label, caption in zip(labels, captions)]


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


def enlarge(figure, factor: float):
    """A copy of a figure for a projector: every font and the height (margins too) times `factor`.

    The grids keep their aspect, so they grow with the height when the page is wide enough.
    """
    spec = figure.to_dict()
    data, layout = spec["data"], spec["layout"]
    layout.pop("sliders", None)
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
    if isinstance(figure, AnimatedFigure):
        slider = copy.deepcopy(figure._raw_slider)
        _scale_fonts(slider, factor)
        return AnimatedFigure(data=data, layout=layout, frames=figure._raw_frames, slider=slider)
    sliders = copy.deepcopy([s.to_plotly_json() for s in figure.layout.sliders])
    _scale_fonts(sliders, factor)
    if sliders:
        layout["sliders"] = sliders
    spec["layout"] = layout
    return go.Figure(spec, skip_invalid=True)
