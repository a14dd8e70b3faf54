"""Plotly figure builders: engine results in, go.Figure out. No Streamlit here."""

from .animated import AnimatedFigure
from .scan import scan_figure
from .style import count, number

__all__ = ["AnimatedFigure", "count", "number", "scan_figure"]
