"""What the classroom features do to a finished figure: start an animation at a given step, read
its steps as text, and enlarge it for a projector. No Streamlit here.

Animations are AnimatedFigures (viz.animated), and these functions are its methods.
"""

from __future__ import annotations

import plotly.graph_objects as go

from .animated import (  # noqa: F401  (the presenter sizes, re-exported for the pages and tests)
    PRESENTER_FOLDED_PX,
    PRESENTER_MAX_HEIGHT,
    PRESENTER_NARROW_PX,
    PRESENTER_WIDE_MAX_HEIGHT,
    PRESENTER_WIDE_PX,
    AnimatedFigure,
    enlarge_spec,
)


def is_animated(figure) -> bool:
    """A figure with frames and a step slider: the scans and the flatten animation."""
    return isinstance(figure, AnimatedFigure)


def step_count(figure: AnimatedFigure) -> int:
    return figure.step_count


def start_at(figure: AnimatedFigure, step: int) -> AnimatedFigure:
    """A copy of an animated figure that opens at `step` (0-based): it shows that step's frame and the
    step slider points at it, so Play continues from there."""
    return figure.at_step(step)


def step_texts(figure: AnimatedFigure, steps=None) -> list[str]:
    """Steps of an animation in words (all of them, or those of `steps`): see AnimatedFigure.step_texts."""
    return figure.step_texts(steps)


def enlarge(figure, factor: float, wide_screen: bool = False):
    """A copy of a figure for a projector: every font and the height (margins too) times `factor`.

    The grids keep their aspect, so they grow with the height when the page is wide enough. An
    animation is enlarged by AnimatedFigure.enlarged (a scan is fitted to the projector's screens, or
    to wide screens alone when `wide_screen`: a layout only they show).
    """
    if is_animated(figure):
        return figure.enlarged(factor, wide_screen)
    spec = figure.to_dict()  # plotly.py's to_dict() returns its own copy
    enlarge_spec(spec["data"], spec["layout"], factor)
    return go.Figure(spec, skip_invalid=True)
