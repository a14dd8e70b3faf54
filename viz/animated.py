"""The app's animated figure: frames, a step slider, and what the classroom does with them.

An `AnimatedFigure` is built from the dicts plotly.js takes (data, layout, frames, the step slider)
and is read through a small API:

    figure.frames            the frames, one per step ({"name", "layout"} and/or {"data", "traces"})
    figure.slider            the step slider; figure.step_labels its steps' labels
    figure.step_count        how many steps
    figure.step_texts(steps) steps in words: "Step 3/9 · …: 1·3 + 0·5 + … = 7"
    figure.at_step(s)        a copy that opens at step s (0-based); Play continues from there
    figure.enlarged(factor)  a copy at presenter size
    figure.to_dict()         data, layout (with the slider) and frames, as plotly.js takes them

A frame's layout may hold attribute paths ("annotations[0].text", "xaxis2.range"), which plotly.js
applies like Plotly.relayout: a frame then carries only the values that change. Its caption, the
step's text, is "annotations[0].text".

Why not a plain go.Figure: plotly.py validates every frame's layout as a whole Layout and every
slider step, at about a millisecond each, copies the figure into its own objects and deep-copies it
back out on every draw; it would also reject attribute paths. A scan is drawn on every rerun (forty
students, a rerun each per slider move), so this figure keeps the dicts and turns NumPy arrays into
plotly.js typed arrays once. It subclasses go.Figure only so that st.plotly_chart takes it as a
figure already valid, through to_dict(), and it sets up none of plotly.py's own state (that alone
deep-copies the default template, ~2 ms): read it through the API above, not through go.Figure's
`data`, `layout` or `update_*`. The dicts it hands out are its own, shared by every rerun that draws
a cached figure: never change them; `at_step` and `enlarged` copy what they change.
"""

from __future__ import annotations

import base64
import copy
import html
import re
from functools import lru_cache

import numpy as np
import plotly.graph_objects as go

MIN_TEXT_PX = 7  # below this, values are not printed on cells (hover still shows them)
CAPTION = "annotations[0].text"  # the frame layout's path holding a step's caption

# A scan (a canvas of square cells) on a projector: as large as the screen allows. Streamlit gives a
# chart the page's width but the figure's own height, so the height is chosen here, for both screens
# presenter mode is made for (widths are the chart's, with the sidebar open).
PRESENTER_MAX_HEIGHT = 650  # px: the grids and the Play / slider row on one 1280×720 screen
PRESENTER_NARROW_PX = 900  # px: the chart at 1280×720; the numbers on the cells fit its cells
PRESENTER_WIDE_PX = 1540  # px: the chart on a screen 1,600 px wide
# px: the chart at 1280×720 with the sidebar folded, as presenter mode opens: no cell grows past what fills it,
# since a canvas narrower than its chart leaves the spare height blank above the caption
PRESENTER_FOLDED_PX = 1217
# A layout sent for wide screens only (lessons.blocks.ByWidth: 1,600 px and more, at least 900 tall) is fitted
# to those alone: its numbers sized for PRESENTER_WIDE_PX's cells, its height up to this.
PRESENTER_WIDE_MAX_HEIGHT = 800
CELL_GROWTH = 2.0  # how much a scan's cells may grow, height and width allowing
PLOTLY_FONT_PX = 13  # plotly.js's font size where a figure names none
FONT_KEYS = ("font", "textfont", "tickfont", "insidetextfont", "outsidetextfont", "hoverlabel")
PATH_PART = re.compile(r"^([A-Za-z_]\w*)(?:\[(\d+)\])?$")


class AnimatedFigure(go.Figure):
    """A figure with frames and a step slider, kept as plain dicts (see the module's docstring).

    data : trace dicts; NumPy arrays in them become typed arrays (in place)
    layout : the layout dict, without the slider; plotly.py's default template unless it names one
    frames : one dict per step, in the slider's order
    slider : the step slider (its steps animate to the frames by name)
    """

    def __init__(self, data: list, layout: dict, frames: list, slider: dict):  # noqa: plotly.py's state is never set up
        for trace in data:
            typed_arrays(trace)
        self._traces = list(data)
        self._layout_spec = {**layout, "template": layout.get("template", default_template())}
        self._frame_specs = list(frames)
        self._slider_spec = slider

    @classmethod
    def from_figure(cls, figure: go.Figure) -> AnimatedFigure:
        """A plotly.py figure with frames and a step slider (its first), as an AnimatedFigure."""
        spec = figure.to_dict()
        layout = dict(spec["layout"])
        slider = layout.pop("sliders")[0]
        return cls(spec["data"], layout, spec.get("frames", []), slider)

    @property
    def frames(self) -> list[dict]:
        return self._frame_specs

    @property
    def slider(self) -> dict:
        return self._slider_spec

    @property
    def step_count(self) -> int:
        return len(self._frame_specs)

    @property
    def step_labels(self) -> list[str]:
        return [step["label"] for step in self._slider_spec["steps"]]

    @property
    def active_step(self) -> int:
        """The step the figure opens at (0-based)."""
        return int(self._slider_spec.get("active") or 0)

    def to_dict(self) -> dict:
        """data, layout (the slider in it) and frames, as plotly.js takes them: the figure's own dicts."""
        return {"data": list(self._traces), "layout": {**self._layout_spec, "sliders": [self._slider_spec]},
                "frames": list(self._frame_specs)}

    def step_texts(self, steps=None) -> list[str]:
        """Steps in words: the slider's prefix and label, then the caption the step shows. Every step,
        or those of `steps` (0-based): a page shows one on every rerun, all of them only on request,
        and writing out a thousand costs milliseconds."""
        prefix = ((self._slider_spec.get("currentvalue") or {}).get("prefix") or "Step ").strip()
        labels = self.step_labels
        chosen = range(len(labels)) if steps is None else steps
        texts = []
        for i in chosen:
            caption = (self._frame_specs[i].get("layout") or {}).get(CAPTION)
            texts.append(f"{prefix} {as_text(labels[i])}" + (f": {as_text(caption)}" if caption else ""))
        return texts

    def at_step(self, step: int) -> AnimatedFigure:
        """A copy that opens at `step` (0-based): its layout and traces are what that step's frame shows
        and its slider points there, so Play continues from it. The frames are shared, not copied."""
        if step == self.active_step:
            return self
        frame = self._frame_specs[step]
        layout = self._layout_copy()
        for path, value in (frame.get("layout") or {}).items():
            set_path(layout, path, copy.deepcopy(value))
        data = list(self._traces)
        moved = frame.get("data") or []
        for index, trace in zip(frame.get("traces") or range(len(moved)), moved):
            data[index] = merged(data[index], trace)
        return AnimatedFigure(data, layout, self._frame_specs, {**self._slider_spec, "active": step})

    def enlarged(self, factor: float, wide_screen: bool = False) -> AnimatedFigure:
        """A copy for a projector: every font, the height and the top and bottom margins times `factor`;
        the slider starts right of Play and Pause, which grow with their font. A scan (a canvas of square
        cells) gets the height and numbers of `fit_scan` instead (for wide screens only: `wide_screen`).
        The frames are shared, not copied."""
        data = copy.deepcopy(self._traces)
        layout = {**self._layout_copy(), "sliders": [copy.deepcopy(self._slider_spec)]}
        enlarge_spec(data, layout, factor, fit_scan_cells=True, wide_screen=wide_screen)
        slider = layout.pop("sliders")[0]
        return AnimatedFigure(data, layout, self._frame_specs, slider)

    def _layout_copy(self) -> dict:
        """The layout, copied to change; the template (never changed) is shared."""
        return {key: value if key == "template" else copy.deepcopy(value) for key, value in self._layout_spec.items()}

    def __reduce__(self):  # copy, deepcopy and pickle rebuild it from its dicts (plotly.py's would read
        # the state this figure never sets up)
        return AnimatedFigure, (self._traces, self._layout_spec, self._frame_specs, self._slider_spec)

    def __repr__(self) -> str:  # plotly.py's would read the state this figure never sets up
        return f"AnimatedFigure({len(self._traces)} traces, {len(self._frame_specs)} frames)"


def typed_array(values: np.ndarray):
    """A NumPy array as the typed array plotly.js decodes ({"dtype", "bdata", "shape"}), as plotly.py's
    to_dict() writes one: floats as float64, whole numbers as int32 (plotly.js has no int64); an array
    of anything else as a list."""
    if values.dtype.kind in "iub" and values.size and -2**31 <= values.min() and values.max() < 2**31:
        values, dtype = values.astype("<i4"), "i4"
    elif values.dtype.kind in "iufb":
        values, dtype = values.astype("<f8"), "f8"
    else:
        return values.tolist()
    spec = {"dtype": dtype, "bdata": base64.b64encode(np.ascontiguousarray(values)).decode("ascii")}
    if values.ndim > 1:
        spec["shape"] = ", ".join(map(str, values.shape))
    return spec


def typed_arrays(attributes: dict) -> None:
    """A trace's NumPy arrays, in place, as typed arrays. Only dicts are walked: a scan's lists of cell
    texts hold no arrays, and walking them made plotly.py's own conversion ~6 ms a figure."""
    for key, value in attributes.items():
        if isinstance(value, np.ndarray):
            attributes[key] = typed_array(value)
        elif isinstance(value, dict):
            typed_arrays(value)


@lru_cache(maxsize=1)
def default_template() -> dict:
    """The template plotly.py gives a figure that names none (its default, "plotly"). Shared: never changed."""
    return go.Figure().to_dict()["layout"]["template"]


def set_path(target: dict, path: str, value) -> None:
    """Set a plotly.js attribute path such as "annotations[0].text" or "xaxis2.range" in a layout dict;
    a dict value is merged into the dict already there, as plotly.js merges a frame's nested layout."""
    node, parts = target, path.split(".")
    for i, part in enumerate(parts):
        name, index = PATH_PART.match(part).groups()
        last = i == len(parts) - 1
        if index is not None:
            items = node.setdefault(name, [])
            while len(items) <= int(index):
                items.append({})
            node, name = items, int(index)
        if last:
            node[name] = merged(node[name], value) if isinstance(value, dict) and _has_dict(node, name) else value
        else:
            node = node.setdefault(name, {}) if isinstance(node, dict) else node[name]


def _has_dict(node, name) -> bool:
    return isinstance(node[name] if isinstance(node, list) else node.get(name), dict)


def merged(base: dict, update: dict) -> dict:
    """`base` with `update` merged in, nested dicts merged too (as plotly.js merges a frame's trace
    into the trace it moves); neither is changed."""
    out = dict(base)
    for key, value in update.items():
        nested = isinstance(value, dict) and "bdata" not in value and isinstance(out.get(key), dict)
        out[key] = merged(out[key], value) if nested else value  # a typed array is one value
    return out


def as_text(markup: str) -> str:
    """Plotly's little HTML (<b>, <br>) as plain text: line breaks become "; "."""
    text = re.sub(r"<br\s*/?>", "; ", markup or "")
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


def fitting_font(cell_px: float, texts, largest: float = 18, height_share: float = 0.45,
                 width_share: float = 0.9) -> int:
    """The largest font (at most `largest` px, at most `height_share` of a cell) at which the longest text
    still fits in `width_share` of a cell's width (a digit is 0.56 em wide)."""
    longest = max((len(t) for row in texts for t in row), default=1)
    return int(min(largest, cell_px * height_share, cell_px * width_share / (0.56 * max(longest, 1))))


def enlarge_spec(data: list, layout: dict, factor: float, fit_scan_cells: bool = False,
                 wide_screen: bool = False) -> None:
    """A figure's data and layout (its sliders in it, its template left alone) at presenter size, in
    place: every font, the height and the top and bottom margins times `factor`; each slider's pads
    grow with the Play and Pause buttons beside it. With `fit_scan_cells`, a scan (a canvas of square
    cells) is fitted to the projector by `fit_scan` instead (to wide screens alone with `wide_screen`)."""
    canvas = scan_canvas(layout) if fit_scan_cells and layout.get("height") else None
    if canvas:
        margin = layout.get("margin", {})
        planned_cell = (layout["height"] - margin.get("t", 0) - margin.get("b", 0)) / canvas[1]
    scale_fonts(data, factor)
    scale_fonts({key: value for key, value in layout.items() if key != "template"}, factor)
    layout.setdefault("font", {})
    if "size" not in layout["font"]:
        layout["font"]["size"] = round(PLOTLY_FONT_PX * factor, 1)
    for menu in layout.get("updatemenus", []):
        menu.setdefault("font", {"size": round(PLOTLY_FONT_PX * factor, 1)})
        scale_pad(menu, ("t",), factor)
    for slider in layout.get("sliders", []):
        scale_pad(slider, ("t", "l"), factor)
    if layout.get("height"):
        layout["height"] = round(layout["height"] * factor)
    scale_pad(layout, ("t", "b"), factor, key="margin")
    for annotation in layout.get("annotations", []):
        if "yshift" in annotation:
            annotation["yshift"] = round(annotation["yshift"] * factor)
    if canvas:
        fit_scan(data, layout, canvas, planned_cell, factor, wide_screen)


def scale_fonts(node, factor: float) -> None:
    """Every font size under `node` times `factor`, in place; a font with no size gets plotly.js's
    default, scaled. Sizes of 1 px (a slider's hidden tick labels) stay hidden."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in FONT_KEYS and isinstance(value, dict):
                size = value.get("size") if key != "hoverlabel" else None
                if isinstance(size, (int, float)) and size > 1:
                    value["size"] = round(size * factor, 1)
                elif key == "font" and size is None:
                    value["size"] = round(PLOTLY_FONT_PX * factor, 1)
            if isinstance(value, (dict, list)):
                scale_fonts(value, factor)
    elif isinstance(node, list):
        for item in node:
            scale_fonts(item, factor)


def scale_pad(item: dict, sides, factor: float, key: str = "pad") -> None:
    """The `sides` of item[key] (a pad or a margin, in pixels) times `factor`, in place."""
    pad = item.get(key) or {}
    for side in sides:
        if side in pad:
            pad[side] = round(pad[side] * factor)


def scan_canvas(layout: dict):
    """(cells across, cells down) of a figure whose y axis keeps its cells square (a scan), else None."""
    x, y = layout.get("xaxis") or {}, layout.get("yaxis") or {}
    if y.get("scaleanchor") != "x" or not x.get("range") or not y.get("range"):
        return None
    return abs(x["range"][1] - x["range"][0]), abs(y["range"][1] - y["range"][0])


def fit_scan(data: list, layout: dict, canvas, planned_cell: float, factor: float, wide_screen: bool = False) -> None:
    """A scan's presenter size: its cells as large as PRESENTER_MAX_HEIGHT and the folded 1280×720 chart
    (PRESENTER_FOLDED_PX) allow, up to CELL_GROWTH times the planned cell, and the numbers on them sized
    for the narrow screen's cells (the sidebar open), so that they fit on every screen. A scan too tall
    for that height (many channels) keeps cells `factor` times the planned ones, as far as the narrow
    screen's width allows: a projector shows it in parts, but larger. A layout shown on wide screens only
    (`wide_screen`) is fitted to them alone: PRESENTER_WIDE_MAX_HEIGHT and PRESENTER_WIDE_PX. Margins are
    already enlarged. Changes data and layout."""
    across, down = canvas
    margin = layout.get("margin", {})
    top, bottom, sides = margin.get("t", 0), margin.get("b", 0), margin.get("l", 0) + margin.get("r", 0)
    # the tallest figure, the narrowest chart its numbers must fit, the widest chart its cells may fill
    max_height, narrow_px, widest = ((PRESENTER_WIDE_MAX_HEIGHT, PRESENTER_WIDE_PX, PRESENTER_WIDE_PX) if wide_screen
                                     else (PRESENTER_MAX_HEIGHT, PRESENTER_NARROW_PX, PRESENTER_FOLDED_PX))
    fits_screen = (max_height - top - bottom) / down
    readable = min(planned_cell * factor, (narrow_px - sides) / across)
    cell = min(planned_cell * CELL_GROWTH, (widest - sides) / across, max(fits_screen, readable))
    layout["height"] = int(top + bottom + down * cell)
    narrow = min(cell, (narrow_px - sides) / across)
    for trace in data:
        if trace.get("type") == "heatmap" and trace.get("text") is not None:
            size = fitting_font(narrow, trace["text"], largest=round(18 * factor))
            if size >= MIN_TEXT_PX:
                trace["textfont"]["size"] = size
            else:
                trace["text"] = trace["texttemplate"] = None
        elif trace.get("name") == "sampled cells":
            trace["marker"]["size"] = max(6.0, narrow * 0.95)
