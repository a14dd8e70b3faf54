"""Convolution: the kernel directly convolves with the image (the lecture's starting point)."""

import inspect

import streamlit as st

import engine
import ui
import viz
from engine import ConvConfigError

SPEEDS = {"slow": 1400, "normal": 800, "fast": 350}
PADDINGS = ["0", "1", "2", "3", "valid", "same", "full"]

ui.header(
    "Convolution",
    "A kernel slides over the input; at every position it multiplies the cells under it by its own "
    "weights and adds the products up, giving one output value. Press ▶ Play, or drag the step "
    "slider, to watch it happen. The lecture's example is the default: a 5×5 image and the 3×3 "
    "Sobel kernel, 9 positions of 9 multiplications each.",
)

bar = st.sidebar
bar.header("Input")
height = ui.int_slider("Input height", "h", 2, 16, 5)
width = ui.int_slider("Input width", "w", 2, 16, 5)
channels = ui.int_slider("Input channels", "c", 1, 4, 1, help="Colour images have 3 (red, green, blue).")
pattern = ui.choice("Input values", "input", engine.INPUT_PATTERNS, "random integers")
bar.header("Kernels")
kernel_h = ui.int_slider("Kernel height", "kh", 1, 7, 3)
kernel_w = ui.int_slider("Kernel width", "kw", 1, 7, 3)
n_kernels = ui.int_slider("Number of kernels", "n", 1, 4, 1, help="Each kernel makes one output map.")
preset = ui.choice("Kernel", "kernel", engine.KERNEL_PRESETS, "Sobel x",
                   help="A named kernel fills every channel of kernel 1; kernels 2 to 4 are it turned by 90°, 180° "
                        "and 270°. Random draws every kernel and channel.")
seed = ui.int_slider("Random seed", "seed", 0, 99, 0, help="Used by random input values and random kernels.")
bar.header("Scan")
stride = ui.int_slider("Stride", "stride", 1, 3, 1, help="How many cells the kernel moves per step.")
padding_choice = ui.choice("Padding", "pad", PADDINGS, "0",
                           help="Zeros added around the input: a number per side, or valid (none), same "
                                "(output as large as the input, at stride 1) or full (every overlap).")
dilation = ui.int_slider("Dilation", "dil", 1, 3, 1, help="Gaps between the cells the kernel samples.")
speed = ui.steps_choice("Play speed", "speed", SPEEDS, "normal")
padding = int(padding_choice) if padding_choice.isdigit() else padding_choice


@st.cache_data(max_entries=64, show_spinner=False)
def compute(channels, height, width, pattern, n_kernels, kernel_h, kernel_w, preset, seed, stride, padding, dilation):
    x = engine.input_pattern(pattern, channels, height, width, seed)
    w = engine.kernel_bank(preset, n_kernels, channels, kernel_h, kernel_w, seed)
    trace = engine.scan_trace(x, w, stride, padding, dilation)
    cost = engine.standard_cost((channels, height, width), (kernel_h, kernel_w), n_kernels, stride, padding, dilation)
    return trace, cost, engine.plan((height, width), (kernel_h, kernel_w), stride, padding, dilation)


@st.cache_resource(max_entries=32, show_spinner=False)
def figure(config, frame_ms):
    trace, _, _ = compute(*config)
    return viz.scan_figure(trace, frame_ms=frame_ms)


config = (channels, height, width, pattern, n_kernels, kernel_h, kernel_w, preset, seed, stride, padding, dilation)
try:
    trace, cost, geometry = compute(*config)
except ConvConfigError as error:
    ui.explain(error)
    st.stop()

ui.show_chart(figure(config, SPEEDS[speed]), key="scan")

(top, bottom), (left, right) = geometry["pads"]
(out_h, out_w) = geometry["out"]
size_col, cost_col = st.columns(2, gap="large")
with size_col:
    st.subheader(f"Output size: {out_h}×{out_w}×{n_kernels}")
    st.markdown("Along each axis (Dumoulin & Visin 2016, relation 15), with padding p before and p′ after:")
    st.latex(r"o = \left\lfloor \frac{i + p + p' - k - (k-1)(d-1)}{s} \right\rfloor + 1")
    for axis, i, k, p0, p1, s, d, o in (
        ("rows", height, kernel_h, top, bottom, stride, dilation, out_h),
        ("columns", width, kernel_w, left, right, stride, dilation, out_w),
    ):
        st.latex(
            rf"\text{{{axis}: }} o = \left\lfloor \frac{{{i} + {p0} + {p1} - {k} - {k - 1}\cdot{d - 1}}}{{{s}}}"
            rf"\right\rfloor + 1 = {o}"
        )
    if isinstance(padding, str):
        where = (f"{top} row{'s' if top != 1 else ''} above, {bottom} below, "
                 f"{left} column{'s' if left != 1 else ''} on the left, {right} on the right")
        note = " An even kernel has no centre, so one side gets one more zero (as in PyTorch)." \
            if (top != bottom or left != right) else ""
        st.caption(f'Padding "{padding}" adds {where}.{note}')
with cost_col:
    st.subheader("Cost")
    positions = out_h * out_w
    per_position = channels * kernel_h * kernel_w
    a, b, c = st.columns(3)
    a.metric("Multiplications", viz.count(cost.multiplications))
    b.metric("Additions", viz.count(cost.additions))
    c.metric("Parameters", viz.count(cost.params))
    st.markdown(
        f"**Multiplications** = kernels × positions × (channels × kernel height × kernel width) = "
        f"{n_kernels} × {positions} × ({channels} × {kernel_h} × {kernel_w}) = **{viz.count(cost.multiplications)}**  \n"
        f"**Additions** = kernels × positions × (products − 1) = {n_kernels} × {positions} × {per_position - 1} = "
        f"**{viz.count(cost.additions)}**  \n"
        f"**Parameters** = kernels × channels × kernel height × kernel width = "
        f"{n_kernels} × {channels} × {kernel_h} × {kernel_w} = **{viz.count(cost.params)}** (no bias)"
    )
    st.caption(
        "Counting convention: every multiply the sliding kernel performs, padded zeros included, as the "
        "lecture, the MobileNet paper and tools such as fvcore count mult-adds. The products of one output "
        "value are added with one fewer addition than there are products."
    )

with st.expander("Show the code: the same convolution as plain loops"):
    st.markdown("The app computes with a vectorised version; this loop version is what the tests compare it to.")
    st.code(inspect.getsource(engine.conv2d_loop), language="python")
