"""Depthwise separable convolution: a depthwise stage then a pointwise stage, against a standard convolution."""

import dataclasses

import streamlit as st

import ui
from lessons import depthwise_separable as topic
from lessons.depthwise_separable import PRESETS, Config, build

ui.header("Depthwise separable convolution", topic.INTRO)

# Interactive elements return their value; every one is also written into the page's address.
bar, default = st.sidebar, Config()
preset = PRESETS[ui.choice("Example", "preset", PRESETS, next(iter(PRESETS)), help=topic.EXAMPLE_HELP)]
if preset is not None:
    bar.caption(topic.PRESET_NOTE)


def fixed(field: str):
    """The lecture table's value of `field`, which its slider shows greyed out; None under custom."""
    return None if preset is None else getattr(preset, field)


bar.header("Input")
height = ui.int_slider("Input height H", "h", 3, 64, default.height, shows=fixed("height"))
width = ui.int_slider("Input width W", "w", 3, 64, default.width, shows=fixed("width"))
channels = ui.int_slider("Input channels C", "c", 1, 64, default.channels, shows=fixed("channels"))
bar.header("Kernels")
size = ui.int_slider("Kernel size k", "k", 1, 7, default.kernel_size, help="Every kernel is k×k.",
                     shows=fixed("kernel_size"))
kernels = ui.int_slider("Number of kernels N", "n", 1, 512, default.kernels, help="The number of output channels.",
                        shows=fixed("kernels"))
stride = ui.int_slider("Stride", "stride", 1, 3, default.stride, help=topic.STRIDE_HELP, shows=fixed("stride"))
padding = ui.padding(["0", "1", "2", "3", "same"], default.padding, shows=fixed("padding"))
groups = ui.int_slider("Groups g", "groups", 1, 64, default.groups, help=topic.GROUPS_HELP)
bias = ui.checkbox("Count biases", "bias", default.bias, help="One bias per output channel (N), in both layers.")
config = (Config(height, width, channels, size, kernels, stride, padding, groups, bias) if preset is None
          else dataclasses.replace(preset, groups=groups, bias=bias))


@st.cache_resource(max_entries=16, show_spinner=False)
def lesson(config: Config) -> topic.Lesson:
    return build(config)


shown = ui.built(lambda: lesson(config))

st.markdown(shown.shapes)
ui.ask_first(shown.question, [("Multiplications", shown.separable.multiplications)], shown.explanation,
             "depthwise_separable", figure=shown.question_figure)

ui.show_blocks(shown.sections)
with st.expander("Show the math: the three counts"):
    for formula in topic.MATH_LATEX:
        st.latex(formula)
    st.markdown(topic.MATH_NOTE)

ui.show_code(shown.code_caption, shown.code)
