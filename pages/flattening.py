"""Flattening: an H×W×C volume becomes one long vector for the fully connected layer."""

import streamlit as st

import ui
from lessons.flattening import (DENSE_EXAMPLES, INTRO, ORDER_HELP, ORDERS, PLAY_SPEEDS, UNITS_HELP, VALUES, Config,
                                build, last_entry, order_label)

ui.header("Flattening", INTRO)

# Every control starts at the small example, the Config's defaults.
default = Config()
st.sidebar.header("Volume")
channels = ui.int_slider("Channels C", "c", 1, 4, default.channels)
height = ui.int_slider("Height H", "h", 1, 5, default.height)
width = ui.int_slider("Width W", "w", 1, 5, default.width)
values = ui.choice("Values", "input", VALUES, default.values)
seed = ui.int_slider("Random seed", "seed", 0, 99, default.seed)
order = ORDERS[ui.choice("Order", "order", ORDERS, order_label(default.order), help=ORDER_HELP)]
frame_ms = ui.speed(PLAY_SPEEDS)
st.sidebar.header("Dense layer")
units = ui.int_slider("Units", "units", 1, 4096, default.units, help=UNITS_HELP)
example = ui.choice("Example", "example", DENSE_EXAMPLES, default.example)
last = last_entry(channels, height, width)
entry = ui.whole_number(f"Follow one vector entry (1 to {last})", "entry", 1, last, min(default.entry, last))


@st.cache_resource(max_entries=16, show_spinner=False)
def lesson(config, frame_ms):
    return build(config, frame_ms)


shown = ui.built(lambda: lesson(Config(channels=channels, height=height, width=width, values=values, seed=seed,
                                order=order, units=units, example=example, entry=entry), frame_ms))

ui.ask_first(shown.question, shown.answers, shown.explanation, "flattening", figure=shown.question_figure)

ui.show_chart(shown.figure, key="flatten")
st.markdown(shown.entry_text)
st.latex(shown.mapping)
st.caption(shown.other_order)

st.subheader("Why the order matters")
st.markdown(shown.order_matters)

st.subheader("The fully connected layer that follows")
for column, side in zip(st.columns(len(shown.dense), gap="large"), shown.dense):
    with column:
        st.markdown(side.heading)
        st.metric("Weights and biases", side.params, delta=side.share, delta_color="off", delta_arrow="off")
        st.markdown(side.text)
if shown.comparison:
    st.info(shown.comparison, icon=":material/info:")

st.subheader("Flatten + dense is a convolution with an input-sized kernel")
st.markdown(shown.equivalence)

# ---- Show the code: this flatten and dense layer in NumPy, PyTorch and Keras
ui.show_code(shown.code_caption, shown.code)
