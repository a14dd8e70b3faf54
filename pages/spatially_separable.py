"""Spatially separable convolution: a rank-1 kernel as a column pass then a row pass."""

import io
from pathlib import Path

import numpy as np
import streamlit as st
from PIL import Image

import engine
import ui
import uploads
import viz
import codegen
from engine import ConvConfigError
from viz import images as viz_images
from viz import separable as viz_separable
from viz import style as viz_style

ASSETS = Path(__file__).resolve().parent.parent / "assets"
SAMPLES = {"shapes (colour)": "shapes.png", "rings (grey)": "rings.png"}
SPEEDS = {"slow": 1400, "normal": 800, "fast": 350}
PADDINGS = ["0", "1", "2", "3", "valid", "same", "full"]
KERNELS = [*engine.SEPARABLE_PRESETS, "random", "custom"]
OPERATIONS = {"cross-correlation": "correlation", "convolution": "convolution"}  # label -> engine operation
OPERATION_HELP = ("Cross-correlation slides the kernel as it is, as PyTorch and Keras do (and as this app does "
                  "elsewhere). Convolution in the signal-processing sense, as in scipy.signal.convolve2d, turns "
                  "the kernel by 180° first, which reverses both the column and the row. The cost is the same "
                  "either way.")


def matrix_text(k) -> str:
    """A kernel as nested lists: [[1, 0, −1], [2, 0, −2], [1, 0, −1]]."""
    return "[" + ", ".join("[" + ", ".join(viz.number(v) for v in row) + "]" for row in k) + "]"


def bmatrix(k) -> str:
    """A kernel (or a column, or a row) as a LaTeX matrix, its values written as the grids write them
    (a kernel of 1e-13s in powers of ten, not as zeros)."""
    k = np.asarray(k)
    cells = np.reshape([tex_number(text) for text in viz_style.numbers(k)], k.shape)
    return r"\begin{bmatrix}" + r" \\ ".join(" & ".join(row) for row in cells) + r"\end{bmatrix}"


def tex_number(text: str) -> str:
    """A number as viz.style writes it, in LaTeX: 1e−13 as 10^{-13}, 2.5e−13 as 2.5 × 10^{-13}."""
    mantissa, _, exponent = text.replace("−", "-").partition("e")
    if not exponent:
        return mantissa
    power = f"10^{{{exponent}}}"
    if mantissa in ("1", "-1"):
        return mantissa[:-1] + power
    return rf"{mantissa} \times {power}"


ui.header(
    "Spatially separable convolution",
    "Some kernels are an outer product of a column and a row, like the lecture's Sobel kernel "
    "[1, 2, 1]ᵀ × [1, 0, −1]. Then the 3×3 kernel can be replaced by a 3×1 pass followed by a 1×3 pass: "
    "the same output with fewer multiplications (81 against 45 + 27 = 72 on a 5×5 image). "
    "Most kernels cannot be split like this; the rank of the kernel says which can.",
)

bar = st.sidebar
bar.header("Kernel")
choice = ui.choice("Kernel", "kernel", KERNELS, KERNELS[0],
                   help="Named kernels, a random one, or your own (choose custom).")
random_size = ui.int_slider("Random kernel size", "ksize", 2, 7, 3, help="Used when the kernel is random.")
custom_text = ui.parsed_text("Custom kernel (rows split by ;)", "custom", "1 2 1; 0 0 0; -1 -2 -1", engine.parse_kernel,
                             help='For example "1 2 1; 0 0 0; -1 -2 -1". At most 7×7, numbers 0 or between '
                                  f'{engine.separable.SMALLEST_VALUE:g} and {engine.separable.LARGEST_VALUE:,.0f} '
                                  "in size, digits 0-9.", max_chars=engine.separable.MAX_KERNEL_TEXT)
op_label = ui.choice("Operation", "op", OPERATIONS, "cross-correlation", help=OPERATION_HELP)
operation = OPERATIONS[op_label]
bar.header("Input")
height = ui.int_slider("Input height", "h", 2, 16, 5)
width = ui.int_slider("Input width", "w", 2, 16, 5)
pattern = ui.choice("Input values", "input", engine.INPUT_PATTERNS, "random integers")
seed = ui.int_slider("Random seed", "seed", 0, 99, 0)
bar.header("Scan")
stride = ui.int_slider("Stride", "stride", 1, 3, 1)
padding_choice = ui.choice("Padding", "pad", PADDINGS, "0")
rank_wanted = ui.int_slider("Separable terms r", "rank", 1, 7, 1,
                            help="How many separable (rank-1) kernels to add up; at most the kernel's smaller side.")
speed = ui.steps_choice("Play speed", "speed", SPEEDS, "normal")
padding = int(padding_choice) if padding_choice.isdigit() else padding_choice

try:
    if choice == "custom":
        kernel = engine.parse_kernel(custom_text)
    else:
        kernel = engine.separable_preset(choice, seed=seed, size=random_size)
except ConvConfigError as error:
    ui.explain(error)
    st.stop()
kh, kw = kernel.shape


@st.cache_data(max_entries=32, show_spinner=False)
def analyse(kernel_bytes, shape):
    k = np.frombuffer(kernel_bytes).reshape(shape)
    terms = engine.low_rank(k)
    return engine.kernel_rank(k), engine.separable_factors(k), terms


rank, factors, terms = analyse(kernel.tobytes(), kernel.shape)


@st.cache_resource(max_entries=32, show_spinner=False)
def chart(builder: str, *args):
    """A figure of viz.separable, built once per distinct input: these depend on the kernel and the
    sizes, not on the random input values, so moving the seed does not rebuild them."""
    return getattr(viz_separable, builder)(*args)
exact = factors is not None
col, row = factors if exact else (terms.cols[0], terms.rows[0])
flipped = operation == "convolution"  # then every scan below uses the kernel turned by 180°

try:  # the question needs only the counts; an impossible size is explained further down
    predicted = (engine.standard_cost((1, height, width), kernel.shape, 1, stride, padding),
                 *engine.separable_pass_costs((1, height, width), kernel.shape, stride, padding))
except ConvConfigError:
    predicted = None
if predicted is not None:
    p_full, p_first, p_second = predicted
    p_total = p_first.multiplications + p_second.multiplications
    p_pad = f'padding "{padding}"' if isinstance(padding, str) else f"padding {padding}"
    if not ui.predict(
        f"A {height}×{width} input, stride {stride}, {p_pad}. How many multiplications does the full {kh}×{kw} "
        f"kernel take, and how many the two passes together (a {kh}×1 column pass, then a 1×{kw} row pass)?",
        [(f"Full {kh}×{kw} kernel", p_full.multiplications), ("Two passes in all", p_total)],
        f"**Full kernel:** {p_full.out_shape[1]}×{p_full.out_shape[2]} positions × {kh}·{kw} = {kh * kw} "
        f"multiplications each = **{viz.count(p_full.multiplications)}**.  \n"
        f"**Two passes:** (kh × positions of pass 1) + (kw × positions of pass 2) = "
        f"{kh} × ({p_first.out_shape[1]}×{p_first.out_shape[2]}) + {kw} × ({p_second.out_shape[1]}×"
        f"{p_second.out_shape[2]}) = {viz.count(p_first.multiplications)} + {viz.count(p_second.multiplications)} "
        f"= **{viz.count(p_total)}**. Pass 1 keeps all {width} columns of the input (only the rows change); pass 2 "
        f"then makes the final {p_second.out_shape[1]}×{p_second.out_shape[2]} map.",
        key="spatially_separable",
    ):
        st.stop()

# ---- The verdict: is it separable?
st.subheader("Can this kernel be split?")
left, right = st.columns([3, 2], gap="large")
with left:
    shown = [kernel, np.outer(col, row)] if not exact else [kernel, col[:, None], row[None, :]]
    titles = ["kernel", "best rank-1 kernel"] if not exact else [f"kernel {kh}×{kw}", f"column {kh}×1", f"row 1×{kw}"]
    ui.show_chart(chart("kernels_figure", shown, titles), key="kernels")
    if exact and rank > 0:
        st.markdown("**Rank 1: separable.** The kernel is the outer product of a column and a row:")
        st.latex(rf"{bmatrix(col[:, None])} \times {bmatrix(row[None, :])}")
        st.markdown(f"It stores {kh} + {kw} = **{kh + kw}** numbers instead of {kh} × {kw} = **{kh * kw}**.")
    elif rank == 0:
        st.markdown("**All zeros:** trivially separable, and it outputs zeros.")
    else:
        st.markdown(
            f"**Rank {rank}: not separable.** No column × row gives this kernel exactly. The best a single "
            f"column × row can do (the largest singular value's term) leaves an error of "
            f"**{viz_style.numbers([terms.error(kernel, 1)], 3)[0]}** (Frobenius norm). The two passes below use that "
            "best rank-1 kernel, so their output differs from the full kernel's."
        )
with right:
    ui.show_chart(chart("singular_values_figure", terms.singular_values), key="singular")
    st.caption("A kernel is separable exactly when only one singular value is non-zero (rank 1).")

# ---- Convolution: the kernel turned by 180°
if flipped:
    st.subheader("Convolution: the kernel turned by 180°")
    lecture_sobel = engine.SEPARABLE_PRESETS["Sobel x (lecture: 1 0 −1)"]
    st.info(
        "**Convolution = cross-correlation with the kernel turned by 180°.** Signal processing (and "
        "`scipy.signal.convolve2d`) flips the kernel before it slides; PyTorch and Keras do not. The lecture's "
        f"Sobel x {matrix_text(lecture_sobel)} flips to {matrix_text(engine.flip_kernel(lecture_sobel))}: the "
        "lecture's two sign conventions are the two sides of this flip. Turning an outer product by 180° reverses "
        "its column and its row, so the two passes below use both factors reversed. An antisymmetric kernel "
        "(Sobel) changes sign, and so does its output; a symmetric one (box blur, Gaussian) is its own flip and "
        "gives the same output. The multiplication counts do not change.",
        icon=":material/flip:",
    )
    used = engine.flip_kernel(kernel)
    relation = "=" if exact else r"\approx"
    # side by side while a kernel and its factors fit in half the width; wider ones one above the other
    given_side, used_side = st.columns(2, gap="medium") if kw <= 3 else (st.container(), st.container())
    given_side.latex(rf"\underset{{\text{{as given}}}}{{{bmatrix(kernel)}}} {relation} {bmatrix(col[:, None])} "
                     rf"\times {bmatrix(row[None, :])}")
    used_side.latex(rf"\underset{{\text{{as used: turned }}180^\circ}}{{{bmatrix(used)}}} {relation} "
                    rf"{bmatrix(col[::-1, None])} \times {bmatrix(row[None, ::-1])}")
    if not exact:
        st.caption("Not rank 1: the factors are the best rank-1 kernel's, reversed for the two passes.")
    if np.array_equal(used, kernel):
        st.caption("This kernel is its own flip (symmetric): the output is the same as with cross-correlation.")
    elif np.array_equal(used, -kernel):
        st.caption("The flip turns this kernel into its negative (antisymmetric): every output value changes sign "
                   "against cross-correlation.")
    else:
        st.caption("This kernel is neither symmetric nor antisymmetric under the flip: the output differs from "
                   "cross-correlation's in more than its sign.")

# ---- The two routes, animated
st.subheader("Full kernel against two passes")


@st.cache_data(max_entries=32, show_spinner=False)
def routes(kernel_bytes, shape, col, row, pattern, height, width, seed, stride, padding, operation="correlation"):
    k = np.frombuffer(kernel_bytes).reshape(shape)
    if operation == "convolution":  # scan with the kernel turned by 180°: the column and the row reversed
        k, col, row = engine.flip_kernel(k), col[::-1], row[::-1]
    x = engine.input_pattern(pattern, 1, height, width, seed)
    full = engine.scan_trace(x, k[None, None], stride, padding)
    pads = full.pads
    first = engine.scan_trace(x, np.array(col)[None, None, :, None], (stride, 1), (pads[0], (0, 0)))
    second = engine.scan_trace(first.output, np.array(row)[None, None, None, :], (1, stride), ((0, 0), pads[1]))
    costs = engine.separable_pass_costs((1, height, width), shape, stride, padding)
    return full, first, second, costs, engine.standard_cost((1, height, width), shape, 1, stride, padding)


@st.cache_resource(max_entries=24, show_spinner=False)
def scan(trace_key, which, frame_ms, label, width_px):
    traces = routes(*trace_key)
    return viz.scan_figure(traces[which], frame_ms=frame_ms, input_label=label, width_px=width_px,
                           flipped=trace_key[10] == "convolution")


key = (kernel.tobytes(), kernel.shape, tuple(col), tuple(row), pattern, height, width, seed, stride, padding,
       operation)
try:
    full, first, second, (cost1, cost2), full_cost = routes(*key)
except ConvConfigError as error:
    ui.explain(error)
    st.stop()

a, b, c, d = ui.wrapping_columns(4, "route_costs", 14, gap="small")  # two to a row where four would cut them
a.metric(f"Full {kh}×{kw} kernel", viz.count(full_cost.multiplications), help="multiplications")
b.metric(f"Pass 1: {kh}×1", viz.count(cost1.multiplications), help="multiplications")
c.metric(f"Pass 2: 1×{kw}", viz.count(cost2.multiplications), help="multiplications")
total = cost1.multiplications + cost2.multiplications
saved = full_cost.multiplications - total
d.metric("Two passes in all", viz.count(total), delta=f"{-saved:,} against the full kernel", delta_color="inverse",
         help="multiplications; fewer is better")
(top, bottom), (left_pad, right_pad) = full.pads
st.markdown(
    f"Full: {full_cost.out_shape[1]}×{full_cost.out_shape[2]} positions × {kh * kw} multiplications = "
    f"**{viz.count(full_cost.multiplications)}**. Two passes: {cost1.out_shape[1]}×{cost1.out_shape[2]} positions × {kh} "
    f"+ {cost2.out_shape[1]}×{cost2.out_shape[2]} positions × {kw} = {viz.count(cost1.multiplications)} + "
    f"{viz.count(cost2.multiplications)} = **{viz.count(total)}**."
    + (f" Padding: pass 1 adds {top} row(s) above and {bottom} below; pass 2 adds {left_pad} column(s) on the left "
       f"and {right_pad} on the right, exactly what the full kernel pads." if (top or bottom or left_pad or right_pad) else "")
)
difference = float(np.abs(full.output - second.output).max())
relative = engine.relative_difference(full.output, second.output, full.padded, kernel)
measured = (f"the largest difference is {difference:.3g}, {relative:.2g} of the largest value an output can reach "
            "(|input| × Σ|kernel|)")
if exact and difference == 0:
    st.success("Same output by both routes, to the last digit.", icon=":material/check_circle:")
elif exact and relative <= engine.separable.ROUNDING:
    st.success(f"Same output by both routes: {measured}, rounding in floating point.", icon=":material/check_circle:")
elif exact:
    reproduced = float(np.abs(np.outer(col, row) - kernel).max() / np.abs(kernel).max())
    st.warning(f"The two passes differ from the full kernel by more than rounding: {measured}. The column × row "
               f"reproduces the kernel only to within {reproduced:.2g} of its largest value.", icon=":material/warning:")
else:
    st.warning(f"The two passes use the best rank-1 kernel, so the outputs differ: {measured}.",
               icon=":material/warning:")

# The scans side by side where each gets about half a wide screen, else one under the other; in presenter
# mode always one under the other, each as wide as the Convolution page's scan.
if ui.presenter():
    full_col = pass_col = st.container()
    scan_px = 760
else:
    full_col, pass_col = ui.wrapping_columns(2, "routes", 34, gap="medium")
    scan_px = 540
with full_col:
    st.markdown(f"**The full {kh}×{kw} kernel{', flipped' if flipped else ''}**")
    ui.show_chart(scan(key, 0, SPEEDS[speed], "input", scan_px), key="scan_full")
with pass_col:
    st.markdown(f"**Pass 1: the {kh}×1 column{', reversed' if flipped else ''}** gives the intermediate map "
                f"({cost1.out_shape[1]}×{cost1.out_shape[2]})")
    ui.show_chart(scan(key, 1, SPEEDS[speed], "input", scan_px), key="scan_first")
    st.markdown(f"**Pass 2: the 1×{kw} row{', reversed' if flipped else ''}** over the intermediate map")
    ui.show_chart(scan(key, 2, SPEEDS[speed], "intermediate", scan_px), key="scan_second")

# ---- Sums of separable kernels
st.subheader("Any kernel as a sum of separable kernels")
max_rank = min(kh, kw)
r = min(rank_wanted, max_rank)
if rank_wanted > max_rank:
    st.caption(f"A {kh}×{kw} kernel has at most {max_rank} terms, so r = {max_rank} is used.")
errors = [terms.error(kernel, i) for i in range(1, max_rank + 1)]
errors = [0.0 if e < 1e-9 * float(np.abs(kernel).max()) else e for e in errors]  # rounding noise, at the kernel's scale
per_term = total
rank_costs = [i * per_term for i in range(1, max_rank + 1)]
st.markdown(
    f"The singular value decomposition writes the kernel as a sum of {max_rank} separable kernels, largest first. "
    f"Keeping the first **r = {r}** leaves an error of **{viz_style.numbers([errors[r - 1]], 3)[0]}**, and costs r two-pass "
    f"convolutions: {r} × {viz.count(per_term)} = **{viz.count(r * per_term)}** multiplications against "
    f"**{viz.count(full_cost.multiplications)}** for the full kernel. Low-rank filter approximations "
    "(Jaderberg et al. 2014) use exactly this to speed up trained networks."
)
term_kernels = [np.outer(terms.cols[i], terms.rows[i]) for i in range(r)]
ui.show_chart(chart("kernels_figure", [kernel, *term_kernels, terms.approximation(r)],
                                           ["kernel", *[f"term {i + 1}" for i in range(r)], f"sum of {r}"]),
              key="terms")
ui.show_chart(chart("error_by_rank_figure", errors, full_cost.multiplications, rank_costs, r), key="errors")

# ---- A real image
st.subheader("On a real image")
source = ui.radio("Image", "image", [*SAMPLES, "upload your own"], next(iter(SAMPLES)))
data = None
if source == "upload your own":
    upload = st.file_uploader("A PNG or JPEG image", type=["png", "jpg", "jpeg"], key="upload")
    # The browser refuses a larger file before it is sent (the box marks it red, its reason only on hover),
    # except one on Windows, which counts a megabyte as 1,048,576 bytes: that one gets uploads' message.
    st.caption(f"Accepted: {uploads.ACCEPTED}; more than {uploads.MAX_SIDE:,} pixels on a side is scaled down. "
               f"A file over {uploads.MAX_FILE_MB} MB ({uploads.MAX_FILE_BYTES:,} bytes) is refused: the box above "
               "marks it in red, or a message says why.")
    if upload is not None:
        data = upload.getvalue()
else:
    data = (ASSETS / SAMPLES[source]).read_bytes()


def jpeg(pixels: np.ndarray) -> bytes:
    """An (H, W) or (H, W, 3) uint8 image as the JPEG st.image would make of it (quality 100)."""
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="JPEG", quality=100)
    return out.getvalue()


@st.cache_data(max_entries=8, show_spinner=False)
def photo(data, kernel_bytes, shape, col, row, stride, padding, operation="correlation"):
    """The real-image panel from the file's bytes: its notices and four (JPEG, caption) pictures.

    Cached whole (the image is decoded, filtered both ways and encoded once): the scan's sliders
    above change nothing here. Raises uploads.ImageError or ConvConfigError, which are not cached.
    """
    pixels, notices = uploads.load_image(data)
    k = np.frombuffer(kernel_bytes).reshape(shape).astype(np.float32)
    full_out = np.stack([engine.conv2d(p[None], k[None, None], stride, padding, operation=operation)[0] for p in pixels])
    _, two_out = engine.two_pass_conv2d(pixels, col, row, stride, padding, operation=operation)
    c_, h_, w_ = pixels.shape
    img_full = engine.standard_cost((1, h_, w_), shape, 1, stride, padding)
    img_two = engine.spatially_separable_cost((1, h_, w_), shape, stride, padding)
    scale = float(max(np.percentile(np.abs(full_out), 99.5), 1e-9))  # a few extreme pixels do not wash out the rest
    diff = np.abs(full_out - two_out).max(axis=0)
    pictures = [
        (viz_images.grey_image(pixels), f"input {w_}×{h_}, {c_} channel{'s' if c_ > 1 else ''}"),
        (viz_images.signed_image(full_out.mean(axis=0), scale),
         f"full kernel: {viz.count(c_ * img_full.multiplications)} multiplications"),
        (viz_images.signed_image(two_out.mean(axis=0), scale),
         f"two passes: {viz.count(c_ * img_two.multiplications)} multiplications"),
        (viz_images.signed_image(diff, scale),  # the filtered images' scale: rounding noise stays white
         f"difference: largest {float(diff.max()):.3g}"),
    ]
    return notices, [(jpeg(image), caption) for image, caption in pictures]


def show_notices(notices: list[str]) -> None:
    for notice in notices:
        st.info(notice.capitalize() + ".", icon=":material/info:")


if data is not None:
    try:
        notices, pictures = photo(data, kernel.tobytes(), kernel.shape, tuple(col), tuple(row), stride, padding,
                                  operation)
    except uploads.ImageError as error:
        st.error(f"**This image cannot be used:** {error}.", icon=":material/warning:")
    except ConvConfigError as error:
        show_notices(uploads.load_image(data)[1])  # what was done to the image, then why it cannot be filtered
        ui.explain(error)
    else:
        show_notices(notices)
        for column, (image, caption) in zip(st.columns(4), pictures):
            column.image(image, caption=caption, width="stretch")
        st.caption("Filter responses are coloured on one scale: red positive, blue negative, white zero "
                   "(averaged over colour channels; the strongest 0.5% of pixels saturate); the difference "
                   "uses the same scale, so floating-point rounding stays white. "
                   "Counts are for every channel of this image.")

# ---- Why it pays off more for larger kernels
st.subheader("Multiplications per output pixel")
ui.show_chart(chart("cost_per_pixel_figure", kh, kw), key="per_pixel")
st.caption("A full k×k kernel multiplies k² times per output pixel; the two passes k + k = 2k times "
           "(slightly more in pass 1, which also runs over the rows the second pass drops).")

# ---- Show the code: this configuration in NumPy, PyTorch and Keras
ui.show_code(
    "The two passes as code to copy (the button at a block's top right): the NumPy code computes the two-pass "
    "output above; the PyTorch and Keras code defines the two layers." + (
        "" if exact else " This kernel is not separable, so the column and the row are those of the best rank-1 "
                         "kernel."),
    lambda: codegen.spatially_separable(engine.input_pattern(pattern, 1, height, width, seed)[0], col, row, stride,
                                         padding, operation, exact))
