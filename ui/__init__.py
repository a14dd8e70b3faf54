"""The Streamlit helpers the pages share, one module per concern. engine/, viz/, lessons/ and codegen/
know nothing of Streamlit; this package is where the pages meet it.

- controls: the widgets, bound to the address, and each page's ownership of their values
- links: a link's values checked, with a notice for one a control cannot take
- classroom: the header, presenter mode, the page script
- predict: predict, then reveal
- charts: charts and animations on a page, columns that stack
- blocks: a lesson's sections (lessons.blocks) drawn in order
- code_view: "Show the code"
- text: what a student typed, shown exactly as typed
"""

from .blocks import show_blocks, show_metrics
from .charts import built, explain, show_chart, wrapping_columns
from .classroom import classroom_controls, header, presenter, presenting
from .code_view import show_code
from .controls import (
    checkbox,
    choice,
    int_slider,
    operation,
    padding,
    parsed_text,
    radio,
    reset_button,
    speed,
    steps_choice,
    whole_number,
)
from .predict import ask_first, predict

__all__ = ["ask_first", "built", "checkbox", "choice", "classroom_controls", "explain", "header", "int_slider", "operation", "padding",
           "parsed_text", "predict", "presenter", "presenting", "radio", "reset_button", "show_blocks", "show_chart", "show_code", "show_metrics", "speed",
           "steps_choice", "whole_number", "wrapping_columns"]
