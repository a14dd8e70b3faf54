"""Plotly figure builders: engine results in, go.Figure out. No Streamlit here."""

from .scan import scan_figure
from .style import count, number

__all__ = ["count", "number", "scan_figure"]
