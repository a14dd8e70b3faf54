"""How legible a page's charts are in a real browser, measured the same way by the browser tests
(tests/test_browser_channels.py) and by benchmarks/screens.py, which saves screenshots of the pages.

For every Plotly chart on the page: where it is, how wide its drawn grids are against the page's
content width, and the smallest number printed on a cell (px).
"""

from __future__ import annotations

CHART = "[data-testid=stPlotlyChart]"
CONTENT = "[data-testid=stMainBlockContainer]"

# For every chart: its box on the page (top counted from the page's top), the width of the content
# column, the union of its drawn grids (heatmap images, 3-D canvases), the font sizes of the numbers
# printed on its cells, whether it is a 3-D scene, its frame count and its step slider's box; whether it is
# shown at all (lessons.blocks.ByWidth sends two layouts of a figure and the screen's width shows one).
MEASURE = f"""() => {{
  const content = document.querySelector('{CONTENT}');
  const style = getComputedStyle(content);
  const contentWidth = content.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return [...document.querySelectorAll('{CHART}')].map(el => {{
    const box = el.getBoundingClientRect();
    const gd = el.querySelector('.js-plotly-plot');
    const drawn = [...el.querySelectorAll('.heatmaplayer image, .gl-container canvas, .main-svg .barlayer path')]
      .map(e => e.getBoundingClientRect()).filter(r => r.width > 0 && r.height > 0);
    const left = Math.min(...drawn.map(r => r.left)), right = Math.max(...drawn.map(r => r.right));
    const cellFonts = [...el.querySelectorAll('.heatmaplayer text')]
      .filter(t => t.textContent.trim() !== '').map(t => parseFloat(getComputedStyle(t).fontSize));
    const slider = el.querySelector('.slider-container');
    const sliderBox = slider ? slider.getBoundingClientRect() : null;
    return {{
      key: (el.closest('[class*="st-key-"]')?.className.match(/st-key-(\\S+)/) || [])[1] || null,
      shown: box.width > 0 && box.height > 0,  // a layout for another screen width is sent but hidden (ByWidth)
      top: box.top + window.scrollY, bottom: box.bottom + window.scrollY, height: box.height, width: box.width,
      contentWidth, drawnWidth: drawn.length ? right - left : 0,
      cellNumbers: cellFonts.length, smallestNumber: cellFonts.length ? Math.min(...cellFonts) : null,
      scene: !!(gd && gd._fullLayout && gd._fullLayout.scene),
      frames: (gd && gd._transitionData && gd._transitionData._frames) ? gd._transitionData._frames.length : 0,
      sliderBottom: sliderBox ? sliderBox.bottom + window.scrollY : null,
    }};
  }});
}}"""


def measure(page) -> list[dict]:
    """Every chart of the page as MEASURE describes it."""
    return page.evaluate(MEASURE)
