"""Pointwise convolution: a 1×1 kernel applied to every single point, mixing the channels there."""

import numpy as np
import streamlit as st

import engine
import ui
import viz
import codegen
from engine import ConvConfigError
from viz import pointwise as viz_pointwise

SPEEDS = {"slow": 1400, "normal": 800, "fast": 350}

ui.header(
    "Pointwise convolution",
    "A pointwise convolution is applied to every single point separately: its kernel is 1×1, so at each "
    "pixel it sees nothing but that pixel's C channel values, multiplies each by its own weight and adds "
    "them up. As the lecture puts it: *take a 1×1 conv with number of filters equal to number of channels "
    "you want as output.* Each kernel is 1×1×C and makes one output map; N kernels turn H×W×C into H×W×N.",
)

bar = st.sidebar
bar.header("Input")
height = ui.int_slider("Input height", "h", 2, 8, 5)
width = ui.int_slider("Input width", "w", 2, 8, 5)
channels = ui.int_slider("Input channels", "c", 1, 8, 3, help="C: the depth of every 1×1×C kernel.")
pattern = ui.choice("Input values", "input", engine.INPUT_PATTERNS, "random integers")
bar.header("Kernels")
n_kernels = ui.int_slider("Number of kernels", "n", 1, 6, 2,
                          help="N: the number of channels you want as output, one map per kernel.")
seed = ui.int_slider("Random seed", "seed", 0, 99, 0,
                     help="Draws the kernels' weights (whole numbers from −2 to 2) and random input values.")
bar.header("Scan")
speed = ui.steps_choice("Play speed", "speed", SPEEDS, "normal")


@st.cache_data(max_entries=32, show_spinner=False)
def compute(channels, height, width, pattern, n_kernels, seed):
    x = engine.input_pattern(pattern, channels, height, width, seed)
    # N pointwise kernels of C weights each, small whole numbers so the products can be read
    w = np.random.default_rng(seed).integers(-2, 3, size=(n_kernels, channels)).astype(float)
    output = engine.pointwise_conv2d(x, w)
    trace = engine.scan_trace(x, w[:, :, None, None])
    cost = engine.pointwise_cost((channels, height, width), n_kernels)
    return x, w, output, trace, cost


@st.cache_resource(max_entries=16, show_spinner=False)
def figures(config, frame_ms):
    x, w, output, trace, _ = compute(*config)
    return (viz.scan_figure(trace, frame_ms=frame_ms),
            viz_pointwise.matrix_product_figure(x, w, output))


config = (channels, height, width, pattern, n_kernels, seed)
try:
    x, w, output, trace, cost = compute(*config)
except ConvConfigError as error:
    ui.explain(error)
    st.stop()
scan, product = figures(config, SPEEDS[speed])
s = "s" if n_kernels > 1 else ""
cs = "s" if channels > 1 else ""

if not ui.predict(
    f"A {height}×{width} input with {channels} channel{cs} and {n_kernels} pointwise kernel{s} of 1×1×{channels} "
    "(stride 1, no padding): how many multiplications does the pointwise convolution take?",
    [("Multiplications", cost.multiplications)],
    f"**Multiplications** = N × H × W × C = {n_kernels} × {height} × {width} × {channels} = "
    f"**{viz.count(cost.multiplications)}**: each of the {n_kernels} kernel{s} moves {height} × {width} = "
    f"{height * width} times and multiplies 1 × 1 × {channels} = {channels} number{cs} each time.",
    key="pointwise",
):
    st.stop()

st.subheader(f"Step by step: {n_kernels} kernel{s} of 1×1×{channels}, at every one of the {height}×{width} pixels")
every = "all " if channels > 1 else "its "
st.markdown(
    f"At each position the kernel covers one pixel, through {every}{channels} channel{cs}: the pixel's "
    f"{channels} value{cs} {'are' if channels > 1 else 'is'} multiplied by the kernel's {channels} weight{cs}, "
    "one product per channel, and added up (a dot product). Press ▶ Play, or drag the step slider; the caption "
    "writes out the products."
)
ui.show_chart(scan, key="scan")

st.subheader(f"All at once: a matrix product ({height * width} × {channels}) · ({channels} × {n_kernels}) "
             f"= ({height * width} × {n_kernels})")
st.markdown(
    f"Lay the input out with one row per pixel ({height}·{width} = {height * width} rows of {channels} channel "
    f"value{cs}) and the kernels side by side, one column of {channels} weight{cs} each. Every row times every "
    f"column is one pixel's dot product with one kernel, which is exactly what the scan above computes: row "
    f"(row, col) of the result is output pixel (row, col), column k is output map k."
)
ui.show_chart(product, key="product")
matrix_product = viz_pointwise.pixel_rows(x) @ viz_pointwise.weight_columns(w)
difference = float(np.abs(matrix_product - output.reshape(n_kernels, -1).T).max())
if difference < 1e-9:
    st.success(f"Same result both ways: the matrix product and `engine.pointwise_conv2d` differ by at most "
               f"{viz.number(difference, 12)} (max absolute difference over all {output.size} values).",
               icon=":material/check_circle:")
else:
    st.error(f"The matrix product and `engine.pointwise_conv2d` differ by up to {difference:.3g}.")

st.subheader("Cost")
mults, adds, params = (viz.count(v) for v in (cost.multiplications, cost.additions, cost.params))
a, b, c, d = st.columns(4)
a.metric("Multiplications", mults)
b.metric("Additions", adds)
c.metric("Parameters", params)
d.metric("Output", "×".join(str(v) for v in (cost.out_shape[1], cost.out_shape[2], cost.out_shape[0])))
st.markdown(
    f"**Multiplications** = N × H × W × C = {n_kernels} × {height} × {width} × {channels} = **{mults}**: "
    f"each of the {n_kernels} kernel{s} moves {height} × {width} = {height * width} times and multiplies "
    f"1 × 1 × {channels} = {channels} number{cs} each time.  \n"
    f"**Additions** = N × H × W × (C − 1) = {n_kernels} × {height} × {width} × {channels - 1} = **{adds}**  \n"
    f"**Parameters** = N × C = {n_kernels} × {channels} = **{params}** (no bias)"
)
st.caption(
    "Counting convention: every multiply the kernel performs, as the lecture, the MobileNet paper and tools "
    "such as fvcore count mult-adds; a 1×1 kernel needs no padding, so no padded zeros are multiplied here and "
    "the output keeps the input's height and width. The products of one output value are added with one "
    "fewer addition than there are products."
)
lecture = [((3, 5, 5), 128), ((3, 8, 8), 256)]
rows = []
for (lc, lh, lw), ln in lecture:
    lecture_cost = engine.pointwise_cost((lc, lh, lw), ln)
    rows.append(f"| {lh}×{lw}×{lc} | {ln} | 1 × 1 × {lc} × {lh} × {lw} × {ln} | "
                f"{viz.count(lecture_cost.multiplications)} |")
st.markdown("The lecture's two pointwise stages, counted by the same engine function:\n\n"
            "| input (depthwise output) | kernels | multiplications | total |\n| --- | --- | --- | --- |\n"
            + "\n".join(rows))

st.subheader("Where it fits: the second half of a depthwise separable layer")
st.markdown(
    "A depthwise convolution filters every channel on its own and never looks across channels: channel 2's map "
    "knows nothing of channel 1. A pointwise convolution does the opposite: it looks at one pixel only, but "
    "mixes all of that pixel's channels. Run after the depthwise stage, it combines the filtered channels "
    "into as many output channels as wanted, and the two together do the work of a standard convolution "
    "for a fraction of its multiplications."
)

# ---- Show the code: this configuration in NumPy, PyTorch and Keras, and the app's own loop
ui.show_code(
    "This configuration as code to copy (the button at a block's top right). The NumPy code computes the output "
    "above; the PyTorch and Keras code defines the same 1×1 layer, with the same parameter count.",
    lambda: codegen.pointwise(x, w),
    source=("The app's loop", "The app computes it as one matrix product; this loop version is what the tests "
                              "compare it to.", engine.pointwise_conv2d_loop))
