"""A figure as one standalone HTML file that plays with no network: plotly.js is inlined.

plotly.py's own `to_html` would re-validate the figure and may reject what an AnimatedFigure's
frames carry (attribute paths such as "annotations[0].text", which plotly.js applies like
Plotly.relayout), so the page is written here: plotly.js from plotly.py's package (the same
major version, 4, as the one Streamlit bundles), the figure serialised by plotly's own JSON
encoder (NumPy arrays included), then `Plotly.newPlot(...)` and `Plotly.addFrames(...)`.
The file references nothing outside itself: no <script src>, no stylesheet, no font, no fetch.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import plotly.graph_objects as go
from plotly.io.json import to_json_plotly
from plotly.offline import get_plotlyjs

APP_NAME = "Separable convolutions, step by step"
# plotly.js 4's "Share chart..." button would upload the figure: not from a file meant to stay offline
CONFIG = {"displaylogo": False, "responsive": True,
          "modeBarButtonsToRemove": ["select2d", "lasso2d", "sendChartToCloud"]}
MAX_TITLES = 3  # a figure with more grid titles than this is not described in the file's line of text

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ margin: 1.5rem auto; max-width: 1100px; padding: 0 1rem; color: #222222;
       font-family: "Source Sans Pro", Arial, sans-serif; background: #ffffff; }}
h1 {{ font-size: 1.6rem; margin: 0 0 0.3rem 0; }}
p {{ margin: 0 0 0.8rem 0; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p>{about}</p>
<div id="figure"></div>
<script type="text/javascript">{plotlyjs}</script>
<script type="text/javascript">
(function () {{
  const figure = {figure};
  const config = {config};
  const div = document.getElementById("figure");
  Plotly.newPlot(div, figure.data, figure.layout, config).then(function () {{
    return figure.frames.length ? Plotly.addFrames(div, figure.frames) : null;
  }});
}})();
</script>
</body>
</html>
"""


@lru_cache(maxsize=1)
def plotlyjs() -> str:
    """plotly.js (about 4.8 MB), read once per process."""
    return get_plotlyjs()


def figure_dict(figure) -> dict:
    """The figure as plotly.js takes it: data, layout, frames. An AnimatedFigure's to_dict() gives its
    own dicts, with no validation; a plain dict passes through."""
    spec = figure.to_dict() if isinstance(figure, go.Figure) else dict(figure)
    return {"data": spec.get("data", []), "layout": spec.get("layout", {}), "frames": spec.get("frames", [])}


def plain(text: str) -> str:
    """An annotation's text without its HTML: "<b>input</b><br>5×5×1" reads "input 5×5×1"."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", text or "")).strip()


def describe(spec: dict) -> str:
    """The figure's grid titles (its bold annotations) as one line, "input 5×5×1 · 1 kernel 3×3×1 ·
    output 3×3×1"; empty when there are none or too many to read in a line."""
    titles = [plain(a.get("text")) for a in spec.get("layout", {}).get("annotations", [])
              if "<b>" in (a.get("text") or "")]
    return " · ".join(titles) if len(titles) <= MAX_TITLES else ""


def standalone_html(figure, title: str) -> str:
    """One HTML page holding the figure, its frames and plotly.js; it plays opened from disk, offline.

    figure : a go.Figure (an AnimatedFigure included) or a dict with data, layout and frames
    title : the page's title and heading
    """
    spec = figure_dict(figure)
    shows = describe(spec)
    steps = spec["layout"].get("sliders") or spec["frames"]
    about = (f"An animation exported from “{APP_NAME}”" + (f": {shows}" if shows else "") + ". "
             + ("Press ▶ Play or drag the step slider: " if steps else "")
             + "plotly.js is inside this file, so it works offline, with no network.")
    # to_json_plotly writes <, > and & as \\u escapes, so no "</script>" can end the script early
    return PAGE.format(title=html.escape(title), about=html.escape(about), plotlyjs=plotlyjs(),
                       figure=to_json_plotly(spec), config=to_json_plotly(CONFIG))
