"""Depthwise convolution: one kernel per input channel, each channel filtered on its own."""

import streamlit as st

import engine
import ui
from lessons.depthwise import (CHANNELS_APART, COLOURS_NOTE, CUSTOM_START, EXAMPLE_HELP, EXAMPLES, INTRO, KERNEL_HELP,
                               LECTURE, LECTURE_NOTE, MULTIPLIER_HELP, PADDINGS, VOLUMES_TEXT, Config, build)

ui.header("Depthwise convolution", INTRO)

lecture, start = Config(), CUSTOM_START  # the size sliders start at a small custom example
example = ui.choice("Example", "preset", EXAMPLES, LECTURE, help=EXAMPLE_HELP)
fixed = EXAMPLES[example] or {}  # the sizes the example sets: their sliders show them, greyed


def size(label: str, key: str, low: int, high: int, name: str) -> int:
    return ui.int_slider(label, key, low, high, getattr(start, name), shows=fixed.get(name))


st.sidebar.header("Input")
height = size("Input height", "h", 2, 8, "height")
width = size("Input width", "w", 2, 8, "width")
channels = size("Input channels", "c", 1, 16, "channels")
pattern = ui.choice("Input values", "input", engine.INPUT_PATTERNS, lecture.pattern)
st.sidebar.header("Kernels")
kernel_size = size("Kernel size", "k", 1, 5, "kernel_size")
multiplier = ui.int_slider("Depth multiplier", "m", 1, 3, lecture.multiplier, help=MULTIPLIER_HELP)
kernel = ui.choice("Kernel", "kernel", engine.KERNEL_PRESETS, lecture.kernel, help=KERNEL_HELP)
seed = ui.int_slider("Random seed", "seed", 0, 99, lecture.seed)
st.sidebar.header("Scan")
stride = ui.int_slider("Stride", "stride", 1, 3, lecture.stride)
padding = ui.padding(PADDINGS, lecture.padding)
dilation = ui.int_slider("Dilation", "dil", 1, 3, lecture.dilation)
frame_ms = ui.speed()
if fixed:
    st.caption(LECTURE_NOTE)


@st.cache_resource(max_entries=16, show_spinner=False)
def lesson(config, frame_ms):
    return build(config, frame_ms)


shown = ui.built(lambda: lesson(Config.for_example(example, height=height, width=width, channels=channels,
                                kernel_size=kernel_size, multiplier=multiplier, pattern=pattern, kernel=kernel,
                                seed=seed, stride=stride, padding=padding, dilation=dilation), frame_ms))

ui.ask_first(shown.question, shown.answers, shown.explanation, "depthwise", figure=shown.question_figure)

st.subheader(shown.scan_title)
ui.show_chart(shown.scan, key="scan")
st.caption(COLOURS_NOTE)
columns = ui.wrapping_columns(4, "depthwise_costs", 11, gap="small")  # fewer to a row where labels would be cut
for column, (label, value) in zip(columns, shown.metrics.items()):
    column.metric(label, value)
st.markdown(shown.cost_text)
st.caption(CHANNELS_APART)

st.subheader(shown.volumes_title)
st.markdown(VOLUMES_TEXT)
ui.show_chart(shown.volumes, key="volumes")

ui.show_code(shown.code_caption, shown.code)
