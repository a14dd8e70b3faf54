"""Depthwise separable convolution: a depthwise stage then a pointwise stage, against a standard convolution."""

import dataclasses

import streamlit as st

import ui
from engine import ConvConfigError
from lessons import depthwise_separable as topic
from lessons.common import COUNTING_CONVENTION
from lessons.depthwise_separable import LECTURE_TABLE_1, LECTURE_TABLE_2, Config, build

PRESETS = {  # the Example box's options (the address's ?preset=) and the layer each sets
    "lecture table 1: 7×7×3, 128 kernels of 3×3": LECTURE_TABLE_1,
    "lecture table 2: 12×12×3, 256 kernels of 5×5": LECTURE_TABLE_2,
    "custom": None,
}

ui.header("Depthwise separable convolution", topic.INTRO)

# Interactive elements return their value; every one is also written into the page's address.
bar, default = st.sidebar, Config()
preset = PRESETS[ui.choice("Example", "preset", PRESETS, next(iter(PRESETS)), help=topic.EXAMPLE_HELP)]
if preset is not None:
    bar.caption(topic.PRESET_NOTE)
bar.header("Input")
height = ui.int_slider("Input height H", "h", 3, 64, default.height)
width = ui.int_slider("Input width W", "w", 3, 64, default.width)
channels = ui.int_slider("Input channels C", "c", 1, 64, default.channels)
bar.header("Kernels")
size = ui.int_slider("Kernel size k", "k", 1, 7, default.kernel_size, help="Every kernel is k×k.")
kernels = ui.int_slider("Number of kernels N", "n", 1, 512, default.kernels, help="The number of output channels.")
stride = ui.int_slider("Stride", "stride", 1, 3, default.stride, help=topic.STRIDE_HELP)
padding = ui.padding(["0", "1", "2", "3", "same"], default.padding)
groups = ui.int_slider("Groups g", "groups", 1, 64, default.groups, help=topic.GROUPS_HELP)
bias = ui.checkbox("Count biases", "bias", default.bias, help="One bias per output channel (N), in both layers.")
config = (Config(height, width, channels, size, kernels, stride, padding, groups, bias) if preset is None
          else dataclasses.replace(preset, groups=groups, bias=bias))


@st.cache_resource(max_entries=16, show_spinner=False)
def lesson(config: Config) -> topic.Lesson:
    return build(config)


def show_metrics(columns, metrics) -> None:
    for column, metric in zip(columns, metrics):
        column.metric(metric.label, metric.value, help=metric.help)


def show_check(check, where=st) -> None:
    """A check made on screen: a tick where it holds, an error where it does not."""
    where.success(check.text, icon=":material/check_circle:") if check.holds else where.error(check.text)


try:
    shown = lesson(config)
except ConvConfigError as error:
    ui.explain(error)
    st.stop()

st.markdown(shown.shapes)
if not ui.predict(shown.question, [("Multiplications", shown.separable.multiplications)], shown.explanation,
                  key="depthwise_separable"):
    st.stop()

st.subheader("The two stages, on one example")
st.markdown(shown.pipeline_text)
ui.show_chart(shown.pipeline_figure, key="pipeline")

st.subheader("The lecture's table, computed")
st.markdown(shown.table)
total_left, total_right = st.columns([1, 2])
total_left.markdown(shown.standard_total)
total_right.markdown(shown.separable_total)
st.caption(COUNTING_CONVENTION)

st.subheader("How much cheaper: 1/N + 1/k²")
show_metrics(ui.wrapping_columns(3, "ratio_metrics", 12, gap="small"), shown.ratio_metrics)
st.latex(shown.ratio_latex)
show_check(shown.ratio_check)
st.markdown(shown.ratio_reason)  # ends with the heading of the counts below
show_metrics([*st.columns(3), *st.columns(3)], shown.counts)
st.caption(shown.bias_caption)
st.markdown("**The ratio against the number of kernels, for common kernel sizes**")
ui.show_chart(shown.ratio_figure, key="chart_ratio")
st.caption(topic.RATIO_CAPTION)

st.subheader("Between the two: grouped convolution")
if shown.groups_warning:
    st.warning(shown.groups_warning, icon="⚠️")
st.markdown(shown.groups_text)
chart_column, table_column = ui.wrapping_columns(2, "groups", 26)  # the table under the chart where it needs the width
with chart_column:
    ui.show_chart(shown.groups_figure, key="chart_groups")
table_column.markdown(shown.groups_table)
if shown.groups_caption:
    table_column.caption(shown.groups_caption)
st.markdown(shown.groups_check)

st.subheader("What separability gives up")
st.markdown(topic.EQUIVALENCE_LEAD)
st.latex(topic.EQUIVALENCE_LATEX)
st.markdown(shown.patterns_text)
figure_column, text_column = ui.wrapping_columns([3, 2], "equivalent", 22)
with figure_column:
    ui.show_chart(shown.equivalent_figure, key="chart_equivalent")
text_column.markdown(shown.equivalence_example)
show_check(shown.equivalence_check, text_column)
text_column.markdown(shown.parameters_text)
with st.expander("Show the math: the three counts"):
    for formula in topic.MATH_LATEX:
        st.latex(formula)
    st.markdown(topic.MATH_NOTE)

ui.show_code(shown.code_caption, shown.code)
