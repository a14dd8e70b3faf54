"""Pointwise convolution: a 1×1 kernel at every point of the depthwise maps, mixing the channels there."""

import streamlit as st

import ui
from lessons.pointwise import (CHANNELS_HELP, CODE_CAPTION, COUNTING, CUSTOM_START, EXAMPLE_HELP, EXAMPLES, FIT_TEXT,
                               FIT_TITLE, INTRO, KERNEL_SIZE_HELP, KERNELS_HELP, LOOP, SEED_HELP, SIZE_HELP, TABLE_1,
                               Config, build)

ui.header("Pointwise convolution", INTRO)

start = CUSTOM_START  # the size sliders start at a small custom example
example = ui.choice("Example", "preset", EXAMPLES, TABLE_1, help=EXAMPLE_HELP)
fixed = EXAMPLES[example] or {}  # a lecture table sets the sizes: their sliders show its values, greyed out
st.sidebar.header("Input: the depthwise maps")
height = ui.int_slider("Height H", "h", 2, 8, start.height, help=SIZE_HELP, shows=fixed.get("height"))
width = ui.int_slider("Width W", "w", 2, 8, start.width, help=SIZE_HELP, shows=fixed.get("width"))
channels = ui.int_slider("Channels C", "c", 1, 8, start.channels, help=CHANNELS_HELP, shows=fixed.get("channels"))
kernel_size = ui.int_slider("Depthwise kernel size k", "k", 1, 5, start.kernel_size, help=KERNEL_SIZE_HELP,
                            shows=fixed.get("kernel_size"))
seed = ui.int_slider("Random seed", "seed", 0, 99, start.seed, help=SEED_HELP)
st.sidebar.header("Pointwise kernels")
kernels = ui.int_slider("Number of kernels N", "n", 1, 256, start.kernels, help=KERNELS_HELP,
                        shows=fixed.get("kernels"))
st.sidebar.header("Animation")
frame_ms = ui.speed()


@st.cache_resource(max_entries=16, show_spinner=False)
def lesson(config, frame_ms):
    return build(config, frame_ms)


shown = ui.built(lambda: lesson(Config.for_example(example, height=height, width=width, channels=channels,
                                                   kernel_size=kernel_size, kernels=kernels, seed=seed), frame_ms))

ui.ask_first(shown.question, shown.answers, shown.explanation, "pointwise", figure=shown.question_figure)

st.markdown(shown.source_text)
st.subheader(shown.scan_title)
st.markdown(shown.scan_text)
ui.show_chart(shown.scan, key="scan")
st.caption(shown.legend)
if shown.agrees:
    st.success(shown.check_text, icon=":material/check_circle:")
else:
    st.error(shown.check_text)

st.subheader("Cost")
for column, (label, value) in zip(st.columns(4), shown.metrics.items()):
    column.metric(label, value)
st.markdown(shown.cost_text)
st.caption(COUNTING)
st.markdown(shown.lecture_table)

st.subheader(FIT_TITLE)
st.markdown(FIT_TEXT)

ui.show_code(CODE_CAPTION, shown.code, source=LOOP)
