"""Convolution: the kernel directly convolves with the image (the lecture's starting point)."""

import numpy as np
import streamlit as st

import engine
import ui
import viz
import codegen
from engine import ConvConfigError
from viz import style as viz_style

SPEEDS = {"slow": 1400, "normal": 800, "fast": 350}
PADDINGS = ["0", "1", "2", "3", "valid", "same", "full"]
OPERATIONS = {"cross-correlation": "correlation", "convolution": "convolution"}  # label -> engine operation
OPERATION_HELP = ("Cross-correlation slides the kernel as it is, as PyTorch and Keras do (and as this app does "
                  "elsewhere). Convolution in the signal-processing sense, as in scipy.signal.convolve2d, turns "
                  "the kernel by 180° first. The cost is the same either way.")

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
op_label = ui.choice("Operation", "op", OPERATIONS, "cross-correlation", help=OPERATION_HELP)
operation = OPERATIONS[op_label]
seed = ui.int_slider("Random seed", "seed", 0, 99, 0, help="Used by random input values and random kernels.")
bar.header("Scan")
stride = ui.int_slider("Stride", "stride", 1, 3, 1, help="How many cells the kernel moves per step.")
padding_choice = ui.choice("Padding", "pad", PADDINGS, "0",
                           help="Zeros added around the input: a number per side, or valid (none), same "
                                "(output as large as the input, at stride 1) or full (every overlap).")
dilation = ui.int_slider("Dilation", "dil", 1, 3, 1, help="Gaps between the cells the kernel samples.")
speed = ui.steps_choice("Play speed", "speed", SPEEDS, "normal")
padding = int(padding_choice) if padding_choice.isdigit() else padding_choice


def matrix_text(k) -> str:
    """A kernel as nested lists: [[1, 0, −1], [2, 0, −2], [1, 0, −1]]."""
    return "[" + ", ".join("[" + ", ".join(viz.number(v) for v in row) + "]" for row in k) + "]"


def bmatrix(k) -> str:
    """A kernel as a LaTeX matrix."""
    return (r"\begin{bmatrix}" + r" \\ ".join(" & ".join(viz_style.ascii_number(v) for v in row) for row in k)
            + r"\end{bmatrix}")


@st.cache_data(max_entries=32, show_spinner=False)
def compute(channels, height, width, pattern, n_kernels, kernel_h, kernel_w, preset, seed, stride, padding, dilation,
            operation="correlation"):
    x = engine.input_pattern(pattern, channels, height, width, seed)
    w = engine.kernel_bank(preset, n_kernels, channels, kernel_h, kernel_w, seed)
    # convolution scans with every kernel turned by 180°, so each product shown is one computed
    trace = engine.scan_trace(x, engine.kernel_as_used(w, operation), stride, padding, dilation)
    cost = engine.standard_cost((channels, height, width), (kernel_h, kernel_w), n_kernels, stride, padding, dilation)
    return trace, cost, engine.plan((height, width), (kernel_h, kernel_w), stride, padding, dilation)


@st.cache_resource(max_entries=16, show_spinner=False)
def figure(config, frame_ms):
    trace, _, _ = compute(*config)
    return viz.scan_figure(trace, frame_ms=frame_ms, flipped=config[12] == "convolution")


config = (channels, height, width, pattern, n_kernels, kernel_h, kernel_w, preset, seed, stride, padding, dilation,
          operation)
try:
    trace, cost, geometry = compute(*config)
except ConvConfigError as error:
    ui.explain(error)
    st.stop()

(top, bottom), (left, right) = geometry["pads"]
(out_h, out_w) = geometry["out"]
SIZE_FORMULA = r"o = \left\lfloor \frac{i + p + p' - k - (k-1)(d-1)}{s} \right\rfloor + 1"
axes = (("rows", height, kernel_h, top, bottom, stride, dilation, out_h),
        ("columns", width, kernel_w, left, right, stride, dilation, out_w))


def axis_size_latex(axis, i, k, p0, p1, s, d, o) -> str:
    """The output-size formula along one axis, with this configuration's numbers filled in."""
    return (rf"\text{{{axis}: }} o = \left\lfloor \frac{{{i} + {p0} + {p1} - {k} - {k - 1}\cdot{d - 1}}}{{{s}}}"
            rf"\right\rfloor + 1 = {o}")


padding_text = f'padding "{padding}"' if isinstance(padding, str) else f"padding {padding}"
if not ui.predict(
    f"A {height}×{width} input, a {kernel_h}×{kernel_w} kernel, stride {stride}, {padding_text}, dilation "
    f"{dilation}: how large will each output map be?",
    [("Output height", out_h), ("Output width", out_w)],
    "Along each axis (Dumoulin & Visin 2016, relation 15), with padding p before and p′ after:\n\n"
    f"$$\n{SIZE_FORMULA}\n$$\n\n" + "\n\n".join(f"$$\n{axis_size_latex(*axis)}\n$$" for axis in axes)
    + f"\n\n{f'Each of the {n_kernels} kernels' if n_kernels > 1 else 'The kernel'} makes one {out_h}×{out_w} map: "
      f"the output is {out_h}×{out_w}×{n_kernels}.",
    key="convolution",
):
    st.stop()

ui.show_chart(figure(config, SPEEDS[speed]), key="scan")

if operation == "convolution":
    given = engine.kernel_bank(preset, n_kernels, channels, kernel_h, kernel_w, seed)
    lecture_sobel = engine.SEPARABLE_PRESETS["Sobel x (lecture: 1 0 −1)"]
    st.info(
        "**Convolution = cross-correlation with the kernel turned by 180°.** Signal processing (and "
        "`scipy.signal.convolve2d`) flips the kernel before it slides; PyTorch and Keras do not, and call the "
        "unflipped scan convolution too (a network just learns the flipped weights). The lecture's Sobel x "
        f"{matrix_text(lecture_sobel)} flips to {matrix_text(engine.flip_kernel(lecture_sobel))}: the lecture's two "
        "sign conventions are the two sides of this flip. An antisymmetric kernel (Sobel) changes sign, and so "
        "does its output; a symmetric one (box blur, Gaussian) is its own flip and gives the same output. "
        "Multiplications, additions and parameters are unchanged: the same products, other weights.",
        icon=":material/flip:",
    )
    which = " (kernel 1, channel 1)" if given.shape[:2] != (1, 1) else ""
    st.latex(rf"\underset{{\text{{as given{which}}}}}{{{bmatrix(given[0, 0])}}}"
             rf"\;\xrightarrow{{\text{{turned }}180^\circ}}\;"
             rf"\underset{{\text{{as used}}}}{{{bmatrix(engine.flip_kernel(given[0, 0]))}}}")
    if np.array_equal(engine.flip_kernel(given), given):
        st.caption("These kernels are their own flip (symmetric), so the output is the same as with cross-correlation.")
    elif np.array_equal(engine.flip_kernel(given), -given):
        st.caption("The flip turns these kernels into their negatives (antisymmetric), so every output value "
                   "changes sign against cross-correlation.")
    else:
        st.caption("These kernels are neither symmetric nor antisymmetric under the flip, so the output "
                   "differs from cross-correlation's in more than its sign.")

size_col, cost_col = ui.wrapping_columns(2, "size_cost", 28)  # one under the other where the formulas need it
with size_col:
    st.subheader(f"Output size: {out_h}×{out_w}×{n_kernels}")
    st.markdown("Along each axis (Dumoulin & Visin 2016, relation 15), with padding p before and p′ after:")
    st.latex(SIZE_FORMULA)
    for axis in axes:
        st.latex(axis_size_latex(*axis))
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

# ---- Show the code: this configuration in NumPy, PyTorch and Keras, and the app's own loop
ui.show_code(
    "This configuration as code to copy (the button at a block's top right). The NumPy code computes the output "
    "above; the PyTorch and Keras code defines the same layer, with the same parameter count.",
    lambda: codegen.standard(engine.input_pattern(pattern, channels, height, width, seed),
                              engine.kernel_bank(preset, n_kernels, channels, kernel_h, kernel_w, seed),
                              stride, padding, dilation, operation),
    source=("The app's loop", "The app computes with a vectorised version; this loop version is what the tests "
                              "compare it to.", engine.conv2d_loop))
