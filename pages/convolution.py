"""Convolution: the kernel directly convolves with the image (the lecture's starting point)."""

import streamlit as st

import engine
import ui
from lessons.common import COUNTING_CONVENTION
from lessons.convolution import CODE_CAPTION, INTRO, KERNEL_HELP, LOOP_NOTE, PADDINGS, SIZE_INTRO, Config, build

ui.header("Convolution", INTRO)

# Every control starts at the lecture's example, the Config's defaults.
default = Config()
st.sidebar.header("Input")
height = ui.int_slider("Input height", "h", 2, 16, default.height)
width = ui.int_slider("Input width", "w", 2, 16, default.width)
channels = ui.int_slider("Input channels", "c", 1, 4, default.channels, help="Colour images have 3 (red, green, blue).")
input_values = ui.choice("Input values", "input", engine.INPUT_PATTERNS, default.input_values)
st.sidebar.header("Kernels")
kernel_height = ui.int_slider("Kernel height", "kh", 1, 7, default.kernel_height)
kernel_width = ui.int_slider("Kernel width", "kw", 1, 7, default.kernel_width)
kernels = ui.int_slider("Number of kernels", "n", 1, 4, default.kernels, help="Each kernel makes one output map.")
kernel = ui.choice("Kernel", "kernel", engine.KERNEL_PRESETS, default.kernel, help=KERNEL_HELP)
operation = ui.operation(default.operation)
seed = ui.int_slider("Random seed", "seed", 0, 99, default.seed, help="Used by random input values and random kernels.")
st.sidebar.header("Scan")
stride = ui.int_slider("Stride", "stride", 1, 3, default.stride, help="How many cells the kernel moves per step.")
padding = ui.padding(PADDINGS, default.padding)
dilation = ui.int_slider("Dilation", "dil", 1, 3, default.dilation, help="Gaps between the cells the kernel samples.")
frame_ms = ui.speed()


@st.cache_resource(max_entries=16, show_spinner=False)
def lesson(config, frame_ms):
    return build(config, frame_ms)


config = ui.built(lambda: Config(height=height, width=width, channels=channels, input_values=input_values,
                                 kernel_height=kernel_height, kernel_width=kernel_width, kernels=kernels,
                                 kernel=kernel, operation=operation, seed=seed, stride=stride, padding=padding,
                                 dilation=dilation))
shown = ui.built(lambda: lesson(config, frame_ms))

ui.ask_first(shown.question, shown.answers, shown.explanation, "convolution", figure=shown.question_figure)
ui.show_chart(shown.figure, key="scan")

if shown.flip:
    st.info(shown.flip.note, icon=":material/flip:")
    st.latex(shown.flip.kernels)
    st.caption(shown.flip.effect)

size_column, cost_column = ui.wrapping_columns(2, "size_cost", 28)  # one under the other where formulas need it
with size_column:
    st.subheader(shown.size_heading)
    st.markdown(SIZE_INTRO)
    for formula in shown.size_formulas:
        st.latex(formula)
    if shown.padding_note:
        st.caption(shown.padding_note)
with cost_column:
    st.subheader("Cost")
    for column, (label, value) in zip(st.columns(len(shown.counts)), shown.counts.items()):
        column.metric(label, value)
    st.markdown(shown.cost_text)
    st.caption(COUNTING_CONVENTION)

# ---- Show the code: this configuration in NumPy, PyTorch and Keras, and the app's own loop
ui.show_code(CODE_CAPTION, shown.code, source=("The app's loop", LOOP_NOTE, engine.conv2d_loop))
