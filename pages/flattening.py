"""Flattening: a (C, H, W) volume becomes one long vector for the fully connected layer."""

import numpy as np
import streamlit as st

import engine
import ui
import viz
import codegen
from engine import ConvConfigError
from viz import flatten as viz_flatten

ORDERS = {"CHW (PyTorch nn.Flatten)": "CHW", "HWC (Keras Flatten)": "HWC"}
SPEEDS = {"slow": 700, "normal": 350, "fast": 150}
DENSE_EXAMPLES = {"the volume above": None, "VGG-16: 7×7×512 → 4096 units": (512, 7, 7, 4096),
                  "MobileNet v1: 7×7×1024 → 1000 classes": (1024, 7, 7, 1000)}
CONV_STAGES = {"VGG-16: 7×7×512 → 4096 units": ("VGG-16's 13 convolutions", engine.vgg16_features),
               "MobileNet v1: 7×7×1024 → 1000 classes": ("MobileNet v1's 27 convolutions", engine.mobilenet_v1)}

ui.header(
    "Flattening",
    "Flattening converts the data into a 1-dimensional array for the next layer: the output of the "
    "convolutional layers becomes one long feature vector, connected to the final classification model, "
    "the fully-connected layer. Press ▶ Play to watch every cell travel to its place.",
)
bar = st.sidebar
bar.header("Volume")
channels = ui.int_slider("Channels C", "c", 1, 4, 2)
height = ui.int_slider("Height H", "h", 1, 5, 2)
width = ui.int_slider("Width W", "w", 1, 5, 3)
pattern = ui.choice("Values", "input", ["counting 0, 1, 2, …", *engine.INPUT_PATTERNS], "counting 0, 1, 2, …")
seed = ui.int_slider("Random seed", "seed", 0, 99, 0)
order_name = ui.choice("Order", "order", ORDERS, next(iter(ORDERS)),
                       help="CHW: channel by channel, width fastest (PyTorch). HWC: pixel by pixel, channels fastest (Keras).")
speed = ui.steps_choice("Play speed", "speed", SPEEDS, "normal")
bar.header("Dense layer")
units = ui.int_slider("Units", "units", 1, 4096, 10, help="Neurons of the fully connected layer after the flatten.")
example = ui.choice("Example", "example", DENSE_EXAMPLES, "the volume above")
order = ORDERS[order_name]
size = channels * height * width

if pattern.startswith("counting"):
    x = np.arange(size, dtype=float).reshape(channels, height, width)
else:
    x = engine.input_pattern(pattern, channels, height, width, seed)

entry = ui.whole_number(f"Follow one vector entry (0 to {size - 1})", "entry", 0, max(size - 1, 0), min(3, size - 1))
entry = int(min(max(entry, 0), size - 1))


@st.cache_resource(max_entries=16, show_spinner=False)
def figure(values_bytes, shape, order, entry, frame_ms):
    values = np.frombuffer(values_bytes).reshape(shape)
    return viz_flatten.flatten_figure(values, order, selected=entry, frame_ms=frame_ms)


source = engine.source_of(entry, x.shape, order)
if order == "CHW":
    undo = (f"channel c = ⌊i / (H·W)⌋ = ⌊{entry} / {height * width}⌋ = {source[0]}; what is left, "
            f"{entry} − {source[0]}·{height * width} = {entry - source[0] * height * width}, is h·W + w: "
            f"row h = ⌊{entry - source[0] * height * width} / {width}⌋ = {source[1]}, column w = "
            f"{entry - source[0] * height * width} − {source[1]}·{width} = {source[2]}")
else:
    undo = (f"channel c = i mod C = {entry} mod {channels} = {source[0]}; the pixel is ⌊i / C⌋ = "
            f"{entry // channels} = h·W + w: row h = ⌊{entry // channels} / {width}⌋ = {source[1]}, "
            f"column w = {entry // channels} mod {width} = {source[2]}")
fastest = ("the width runs fastest, then the height, then the channel" if order == "CHW" else
           "the channels run fastest, then the width, then the height")
mapping = viz_flatten.mapping_text(*source, x.shape, order).replace("·", r"\cdot ")
if not ui.predict(
    f"This {channels}×{height}×{width} volume (channels × height × width) is flattened in {order} order. Entry "
    f"**{entry}** of the vector: which channel, row and column of the volume did it come from (counting from 0)?",
    [("Channel", source[0]), ("Row", source[1]), ("Column", source[2])],
    f"In {order} order {fastest}, so cell (c, h, w) lands at\n\n$$\n{mapping}\n$$\n\n"
    f"Going back from i = {entry}: {undo}.",
    key="flattening",
):
    st.stop()

ui.show_chart(figure(x.tobytes(), x.shape, order, entry, SPEEDS[speed]), key="flatten")
c, h, w = engine.source_of(entry, x.shape, order)
vector = engine.flatten(x, order)
st.markdown(f"Entry **{entry}** of the vector ({viz.number(vector[entry])}) came from channel **{c}**, row **{h}**, "
            f"column **{w}** of the volume (counting from 0).")
st.latex(viz_flatten.mapping_text(c, h, w, x.shape, order).replace("·", r"\cdot "))
other = "HWC" if order == "CHW" else "CHW"
st.caption(f"In {other} order the same cell lands at entry {engine.flat_index(c, h, w, x.shape, other)}: "
           f"{viz_flatten.mapping_text(c, h, w, x.shape, other)}.")

st.subheader("Why the order matters")
rng = np.random.default_rng(seed)
weights = rng.integers(-2, 3, size=size).astype(float)
in_order = float(weights @ engine.flatten(x, order))
wrong = float(weights @ engine.flatten(x, other))
st.markdown(
    f"A dense layer's weights are trained for one order. The same weights applied to the {other} vector give "
    f"**{viz.number(wrong)}** instead of **{viz.number(in_order)}** for this volume. Loading weights trained in "
    f"Keras (HWC) into PyTorch (CHW), or back, needs the columns permuted by the mapping above."
)

st.subheader("The fully connected layer that follows")
shape = DENSE_EXAMPLES[example]
if shape is None:
    shape = (channels, height, width, units)
fc_c, fc_h, fc_w, fc_units = shape
inputs = fc_c * fc_h * fc_w
try:
    dense = engine.dense_cost(inputs, fc_units)
    pooled = engine.dense_cost(fc_c, fc_units)
except ConvConfigError as error:
    ui.explain(error)
    st.stop()
left, right = st.columns(2, gap="large")
with left:
    st.markdown(f"**Flatten, then dense:** {fc_h}×{fc_w}×{fc_c} → vector of {viz.count(inputs)} → {viz.count(fc_units)} units")
    st.metric("Weights and biases", viz.count(dense.params))
    st.markdown(f"Weight matrix {viz.count(fc_units)} × {viz.count(inputs)} = {viz.count(inputs * fc_units)} weights, "
                f"plus {viz.count(fc_units)} biases; {viz.count(dense.multiplications)} multiplications per image.")
with right:
    st.markdown(f"**Global average pooling, then dense:** {fc_h}×{fc_w}×{fc_c} → {viz.count(fc_c)} averages "
                f"→ {viz.count(fc_units)} units")
    st.metric("Weights and biases", viz.count(pooled.params),
              delta=f"{pooled.params / dense.params:.1%} of flatten + dense", delta_color="off", delta_arrow="off")
    st.markdown(f"Averaging each channel first leaves {viz.count(fc_c)} inputs: {viz.count(fc_units)} × {viz.count(fc_c)} "
                f"= {viz.count(fc_c * fc_units)} weights. This is why modern networks, MobileNet among them, pool "
                "before the dense layer.")

if example in CONV_STAGES:
    label, build = CONV_STAGES[example]
    conv_params = sum(layer.cost.params for layer in build() if layer.kind.endswith(("3×3", "1×1")))
    st.info(f"For comparison, all of {label} before it hold {viz.count(conv_params)} parameters: the flatten + "
            f"dense layer alone has {dense.params / conv_params:.1f} times as many.", icon=":material/info:")

st.subheader("Flatten + dense is a convolution with an input-sized kernel")
units_small = min(units, 4)
w_dense = np.random.default_rng(seed + 1).integers(-2, 3, size=(units_small, size)).astype(float)
dense_out = w_dense @ engine.flatten(x, "CHW")
conv_out = engine.conv2d(x, w_dense.reshape(units_small, channels, height, width))[:, 0, 0]
conv_cost = engine.standard_cost(x.shape, (height, width), units_small)
st.markdown(
    f"Reshape each of {units_small} units' {size} weights into a {height}×{width}×{channels} kernel: a convolution "
    f"with no padding fits exactly once, giving a 1×1×{units_small} output. Dense: "
    f"{', '.join(viz.number(v) for v in dense_out)}; convolution: {', '.join(viz.number(v) for v in conv_out)} "
    f"(largest difference {float(np.abs(dense_out - conv_out).max()):.3g}). Both take "
    f"{viz.count(engine.dense_cost(size, units_small, bias=False).multiplications)} = "
    f"{viz.count(conv_cost.multiplications)} multiplications."
)

# ---- Show the code: this flatten and dense layer in NumPy, PyTorch and Keras
ui.show_code(
    f"As code to copy (the button at a block's top right). The NumPy code flattens the volume above in {order} "
    f"order and applies a dense layer of {units} unit{'s' if units > 1 else ''}; the PyTorch and Keras code "
    "defines the flatten and the dense layer counted above.",
    lambda: codegen.flattening(x, order, units, (fc_c, fc_h, fc_w, fc_units)))
