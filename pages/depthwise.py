"""Depthwise convolution: one kernel per input channel, each channel filtered on its own."""

import streamlit as st

import engine
import ui
import viz
import codegen
from engine import ConvConfigError
from viz import depthwise as viz_depthwise

SPEEDS = {"slow": 1400, "normal": 800, "fast": 350}
PADDINGS = ["0", "1", "2", "same"]
PRESETS = {"lecture: 6×6 input, 16 channels, 3×3 kernels": dict(h=6, w=6, c=16, k=3),
           "custom (use the sliders)": None}

ui.header(
    "Depthwise convolution",
    "The first stage of a depthwise separable layer. Take one kernel per input channel, each of depth 1; "
    "slide every kernel over its own channel only, giving one feature map per channel; then stack the maps "
    "into the output volume. The lecture's example: a 6×6 input with 16 channels and 3×3 kernels gives "
    "16 maps of 4×4, an output of 4×4×16.",
)

bar = st.sidebar
preset = ui.choice("Example", "preset", PRESETS, next(iter(PRESETS)),
                   help="The lecture's example, or your own sizes from the sliders below.")
fixed = PRESETS[preset] is not None  # the lecture's example sets the sizes; their sliders wait
bar.header("Input")
height = ui.int_slider("Input height", "h", 2, 8, 5, disabled=fixed)
width = ui.int_slider("Input width", "w", 2, 8, 5, disabled=fixed)
channels = ui.int_slider("Input channels", "c", 1, 16, 3, disabled=fixed)
pattern = ui.choice("Input values", "input", engine.INPUT_PATTERNS, "random integers")
bar.header("Kernels")
size = ui.int_slider("Kernel size", "k", 1, 5, 3, disabled=fixed)
multiplier = ui.int_slider("Depth multiplier", "m", 1, 3, 1, help="Kernels per input channel (Keras' depth_multiplier).")
preset_kernel = ui.choice("Kernel", "kernel", engine.KERNEL_PRESETS, "random",
                          help="Random gives every channel its own kernel; a named kernel is used in every channel.")
seed = ui.int_slider("Random seed", "seed", 0, 99, 0)
bar.header("Scan")
stride = ui.int_slider("Stride", "stride", 1, 3, 1)
padding_choice = ui.choice("Padding", "pad", PADDINGS, "0")
dilation = ui.int_slider("Dilation", "dil", 1, 3, 1)
speed = ui.steps_choice("Play speed", "speed", SPEEDS, "normal")
padding = int(padding_choice) if padding_choice.isdigit() else padding_choice
if PRESETS[preset] is not None:
    height, width, channels, size = (PRESETS[preset][key] for key in ("h", "w", "c", "k"))
    st.caption("Showing the lecture's example; the sliders for input size, channels and kernel size apply "
               "when the example is set to custom.")


@st.cache_data(max_entries=32, show_spinner=False)
def compute(channels, height, width, pattern, size, multiplier, preset_kernel, seed, stride, padding, dilation):
    x = engine.input_pattern(pattern, channels, height, width, seed)
    w = engine.kernel_bank(preset_kernel, channels * multiplier, 1, size, size, seed)[:, 0]
    trace = engine.depthwise_trace(x, w, stride, padding, dilation)
    cost = engine.depthwise_cost((channels, height, width), size, multiplier, stride, padding, dilation)
    return x, w, trace, cost


@st.cache_resource(max_entries=16, show_spinner=False)
def figures(config, frame_ms):
    x, w, trace, _ = compute(*config)
    return (viz_depthwise.depthwise_scan_figure(trace, frame_ms=frame_ms),
            viz_depthwise.volumes_figure(x, w, trace.output, trace.multiplier))


config = (channels, height, width, pattern, size, multiplier, preset_kernel, seed, stride, padding, dilation)
try:
    x, w, trace, cost = compute(*config)
except ConvConfigError as error:
    ui.explain(error)
    st.stop()
scan, volumes = figures(config, SPEEDS[speed])
n_maps, out_h, out_w = cost.out_shape

kernels_text = (f"one {size}×{size} kernel per channel" if multiplier == 1 else
                f"{multiplier} kernels of {size}×{size} per channel (depth multiplier {multiplier})")
pad_text = f'padding "{padding}"' if isinstance(padding, str) else f"padding {padding}"
channels_text = f"{channels} channel{'s' if channels > 1 else ''}"
if not ui.predict(
    f"A {height}×{width} input with {channels_text}, {kernels_text}, stride {stride}, {pad_text}, dilation "
    f"{dilation}: how many multiplications does the depthwise stage take?",
    [("Multiplications", cost.multiplications)],
    f"Each kernel moves {out_h} × {out_w} = {out_h * out_w} times (its output map is {out_h}×{out_w}) and "
    f"multiplies {size} × {size} × 1 = {size * size} numbers each time: "
    f"{viz.count(out_h * out_w * size * size)} multiplications. There are {channels_text} × {multiplier} "
    f"kernel{'s' if multiplier > 1 else ''} per channel = {n_maps} kernel{'s' if n_maps > 1 else ''}: "
    f"k × k × 1 × Hₒ × Wₒ × kernels = {size} × {size} × 1 × {out_h} × {out_w} × {n_maps} = "
    f"**{viz.count(cost.multiplications)}**.",
    key="depthwise",
):
    st.stop()

st.subheader(f"Step 1: every channel filtered by its own kernel ({n_maps} maps of {out_h}×{out_w})")
ui.show_chart(scan, key="scan")
per_kernel = out_h * out_w * size * size
a, b, c, d = ui.wrapping_columns(4, "depthwise_costs", 11, gap="small")  # fewer to a row where labels would be cut
a.metric("Multiplications per kernel", viz.count(per_kernel))
b.metric("All kernels", viz.count(cost.multiplications))
c.metric("Parameters", viz.count(cost.params))
d.metric("Output", f"{out_h}×{out_w}×{n_maps}")
st.markdown(
    f"Each kernel moves {out_h} × {out_w} = {out_h * out_w} times and multiplies {size} × {size} × 1 = {size * size} "
    f"numbers each time: **{viz.count(per_kernel)}** multiplications. There are {channels} channel"
    f"{'s' if channels > 1 else ''} × {multiplier} kernel{'s' if multiplier > 1 else ''} = {n_maps} kernels: "
    f"{size} × {size} × 1 × {out_h} × {out_w} × {n_maps} = **{viz.count(cost.multiplications)}**. "
    f"Parameters: {n_maps} kernels × {size} × {size} = **{viz.count(cost.params)}** (no bias)."
)
st.caption("A depthwise kernel never looks across channels: channel 2's map knows nothing of channel 1. "
           "Mixing channels is the pointwise stage's job.")

st.subheader(f"Step 2: stack the {n_maps} maps into the output volume {out_h}×{out_w}×{n_maps}")
st.markdown("Drag to turn the volumes. Each sheet is one channel: the input's channels, the thin kernels "
            "(depth 1, one per channel), and the output maps stacked in the same order.")
ui.show_chart(volumes, key="volumes")

# ---- Show the code: this configuration in NumPy, PyTorch and Keras
ui.show_code(
    "This configuration as code to copy (the button at a block's top right). The NumPy code computes the maps "
    "above; the PyTorch and Keras code defines the same layer (in PyTorch, a convolution with groups=C), with the "
    "same parameter count.",
    lambda: codegen.depthwise(x, w, stride, padding, dilation))
