"""Pointwise convolution: a 1×1 kernel applied to every single point, mixing the channels there."""

import streamlit as st

import engine
import ui
from lessons.pointwise import (CHANNELS_HELP, CODE_CAPTION, COUNTING, FIT_TEXT, FIT_TITLE, INTRO, KERNELS_HELP, LOOP,
                               SEED_HELP, Config, build)

ui.header("Pointwise convolution", INTRO)

default = Config()
st.sidebar.header("Input")
height = ui.int_slider("Input height", "h", 2, 8, default.height)
width = ui.int_slider("Input width", "w", 2, 8, default.width)
channels = ui.int_slider("Input channels", "c", 1, 8, default.channels, help=CHANNELS_HELP)
pattern = ui.choice("Input values", "input", engine.INPUT_PATTERNS, default.pattern)
st.sidebar.header("Kernels")
kernels = ui.int_slider("Number of kernels", "n", 1, 6, default.kernels, help=KERNELS_HELP)
seed = ui.int_slider("Random seed", "seed", 0, 99, default.seed, help=SEED_HELP)
st.sidebar.header("Scan")
frame_ms = ui.speed()


@st.cache_resource(max_entries=16, show_spinner=False)
def lesson(config, frame_ms):
    return build(config, frame_ms)


shown = ui.built(lambda: lesson(Config(height=height, width=width, channels=channels, kernels=kernels,
                                pattern=pattern, seed=seed), frame_ms))

ui.ask_first(shown.question, shown.answers, shown.explanation, "pointwise")

st.subheader(shown.scan_title)
st.markdown(shown.scan_text)
ui.show_chart(shown.scan, key="scan")

st.subheader(shown.product_title)
st.markdown(shown.product_text)
ui.show_chart(shown.product, key="product")
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
