"""Depthwise separable convolution: a depthwise stage then a pointwise stage, against a standard convolution."""

from fractions import Fraction

import numpy as np
import streamlit as st

import engine
import ui
import viz
import codegen
from engine import ConvConfigError
from viz import separable_cost as viz_cost

PRESETS = {
    "lecture table 1: 7×7×3, 128 kernels of 3×3": dict(h=7, w=7, c=3, k=3, n=128),
    "lecture table 2: 12×12×3, 256 kernels of 5×5": dict(h=12, w=12, c=3, k=5, n=256),
    "custom": None,
}
PADDINGS = ["0", "1", "2", "3", "same"]
EXAMPLE_SEED = 0


def valid_groups(channels: int, kernels: int) -> list[int]:
    """The numbers of groups a layer allows: divisors of C that also divide N."""
    return [g for g in range(1, min(channels, kernels) + 1) if channels % g == 0 and kernels % g == 0]


def times(*factors) -> str:
    return " × ".join(str(f) for f in factors)


def ratio_text(value) -> str:
    return f"{float(value):.4f}"


ui.header(
    "Depthwise separable convolution",
    "MobileNet and Xception replace a standard convolution by two stages: a **depthwise** convolution "
    "(one k×k kernel per input channel, each on its own channel) then a **pointwise** convolution "
    "(N kernels of 1×1×C that mix the channels at every pixel). The output has the same shape, and the "
    "lecture's tables show how many fewer multiplications it takes. Every number below is computed.",
)

# Interactive elements return their value; every one is also written into the page's address.
bar = st.sidebar
preset = ui.choice("Example", "preset", PRESETS, next(iter(PRESETS)),
                   help="The lecture's two tables, or your own sizes from the sliders below.")
if PRESETS[preset] is not None:
    bar.caption("A lecture table sets the input, channels, kernel size, number of kernels, stride 1 and "
                "padding 0: the size sliders below are ignored until the example is **custom**. "
                "Groups and bias still apply.")
bar.header("Input")
height = ui.int_slider("Input height H", "h", 3, 64, 7)
width = ui.int_slider("Input width W", "w", 3, 64, 7)
channels = ui.int_slider("Input channels C", "c", 1, 64, 3)
bar.header("Kernels")
size = ui.int_slider("Kernel size k", "k", 1, 7, 3, help="Every kernel is k×k.")
kernels = ui.int_slider("Number of kernels N", "n", 1, 512, 128, help="The number of output channels.")
stride = ui.int_slider("Stride", "stride", 1, 3, 1, help="The same in the standard and the depthwise convolution.")
padding_choice = ui.choice("Padding", "pad", PADDINGS, "0",
                           help="Zeros added on each side, or same (output as large as the input at stride 1).")
groups_wanted = ui.int_slider("Groups g", "groups", 1, 64, 1,
                              help="For the grouped convolution below; it must divide both C and N.")
bias = ui.checkbox("Count biases", "bias", False,
                   help="One bias per output channel (N), in both layers.")
padding = int(padding_choice) if padding_choice.isdigit() else padding_choice
if PRESETS[preset] is not None:
    height, width, channels, size, kernels = (PRESETS[preset][key] for key in ("h", "w", "c", "k", "n"))
    stride, padding = 1, 0
in_shape = (channels, height, width)

try:
    standard = engine.standard_cost(in_shape, size, kernels, stride, padding, bias=bias)
    depthwise = engine.depthwise_cost(in_shape, size, 1, stride, padding)
    pointwise = engine.pointwise_cost(depthwise.out_shape, kernels, bias=bias)
    separable = engine.depthwise_separable_cost(in_shape, size, kernels, stride, padding, bias=bias)
except ConvConfigError as error:
    ui.explain(error)
    st.stop()
_, out_h, out_w = standard.out_shape
pad_text = f'padding "{padding}"' if isinstance(padding, str) else f"padding {padding}"

st.markdown(
    f"**Shapes** (channels × height × width): input **{channels}×{height}×{width}** → depthwise "
    f"**{channels}×{out_h}×{out_w}** → pointwise **{kernels}×{out_h}×{out_w}**; the standard convolution gives "
    f"**{kernels}×{out_h}×{out_w}** directly (stride {stride}, {pad_text}). The lecture writes the same input "
    f"as {height}×{width}×{channels} (height × width × channels)."
)

if not ui.predict(
    f"Input {height}×{width}×{channels} (height × width × channels), N = {kernels} kernels of {size}×{size}, stride "
    f"{stride}, {pad_text}: how many multiplications does the depthwise separable layer take, depthwise stage "
    "plus pointwise stage?",
    [("Multiplications", separable.multiplications)],
    "The lecture's table with this layer's numbers (each output map is "
    f"{out_h}×{out_w}):\n\n"
    "| | depthwise convolution | pointwise convolution |\n| --- | --- | --- |\n"
    f"| kernel size | {times(size, size, 1)} | {times(1, 1, channels)} |\n"
    f"| times moved | {times(out_h, out_w)} | {times(out_h, out_w)} |\n"
    f"| number of kernels | {channels} | {kernels} |\n"
    f"| multiplications | {times(size, size, 1, out_h, out_w, channels)} = **{viz.count(depthwise.multiplications)}** "
    f"| {times(1, 1, channels, out_h, out_w, kernels)} = **{viz.count(pointwise.multiplications)}** |\n\n"
    f"Depthwise separable: {viz.count(depthwise.multiplications)} + {viz.count(pointwise.multiplications)} = "
    f"**{viz.count(separable.multiplications)}**, against "
    f"{times(size, size, channels, out_h, out_w, kernels)} = {viz.count(standard.multiplications)} for a standard "
    "convolution with the same output.",
    key="depthwise_separable",
):
    st.stop()

@st.cache_resource(max_entries=64, show_spinner=False)
def chart(builder: str, *args):
    """A figure of viz.separable_cost, built once per distinct input and reused on later reruns."""
    return getattr(viz_cost, builder)(*args)


# ---- The pipeline on one example
st.subheader("The two stages, on one example")
show_c, show_n = min(channels, 4), min(kernels, 4)
show_h, show_w = min(height, 10), min(width, 10)


@st.cache_data(max_entries=16, show_spinner=False)
def pipeline(c, n, k, h, w, stride, padding, seed):
    rng = np.random.default_rng(seed)
    x = engine.input_pattern("random integers", c, h, w, seed)
    d = rng.integers(-2, 3, size=(c, k, k)).astype(float)
    p = rng.integers(-2, 3, size=(n, c)).astype(float)
    standard_kernels = rng.integers(-2, 3, size=(n, c, k, k)).astype(float)
    depth_maps = engine.depthwise_conv2d(x, d, stride, padding)
    return x, depth_maps, engine.pointwise_conv2d(depth_maps, p), engine.conv2d(x, standard_kernels, stride, padding)


try:
    stages = pipeline(show_c, show_n, size, show_h, show_w, stride, padding, EXAMPLE_SEED)
except ConvConfigError as error:
    st.caption(f"The example is left out at this size: {error}")
else:
    shrunk = (show_c, show_n, show_h, show_w) != (channels, kernels, height, width)
    st.markdown(
        ("A smaller copy of this layer, to fit the screen: " if shrunk else "This layer, ")
        + f"{show_c} channel{'s' if show_c > 1 else ''} of {show_h}×{show_w}, whole-number weights drawn at random. "
        f"Each channel gets its own map from the depthwise stage; the pointwise stage mixes those {show_c} maps into "
        f"{show_n}; a standard convolution with {show_n} kernels of {size}×{size}×{show_c} gives maps of the same "
        f"shape, {stages[3].shape[0]}×{stages[3].shape[1]}×{stages[3].shape[2]}, in one step (with other weights, so "
        "other values)."
    )
    ui.show_chart(chart("pipeline_figure", *stages), key="pipeline")

# ---- The lecture's tables, computed
st.subheader("The lecture's table, computed")
moves = times(out_h, out_w)
st.markdown(
    "| | standard convolution | depthwise convolution | pointwise convolution |\n| --- | --- | --- | --- |\n"
    f"| kernel size | {times(size, size, channels)} | {times(size, size, 1)} | {times(1, 1, channels)} |\n"
    f"| times moved | {moves} | {moves} | {moves} |\n"
    f"| number of kernels | {kernels} | {channels} | {kernels} |\n"
    f"| multiplications | {times(size, size, channels, out_h, out_w, kernels)} = "
    f"**{viz.count(standard.multiplications)}** "
    f"| {times(size, size, 1, out_h, out_w, channels)} = **{viz.count(depthwise.multiplications)}** "
    f"| {times(1, 1, channels, out_h, out_w, kernels)} = **{viz.count(pointwise.multiplications)}** |"
)
total_left, total_right = st.columns([1, 2])
total_left.markdown(f"#### Standard: {viz.count(standard.multiplications)}")
total_right.markdown(f"#### Depthwise separable: {viz.count(depthwise.multiplications)} + "
                     f"{viz.count(pointwise.multiplications)} = {viz.count(separable.multiplications)}")
st.caption("Counting convention: every multiply the sliding kernel performs, padded zeros included, as the lecture, "
           "the MobileNet paper and tools such as fvcore count mult-adds.")

# ---- How much cheaper
st.subheader("How much cheaper: 1/N + 1/k²")
measured = Fraction(separable.multiplications, standard.multiplications)
formula = Fraction(1, kernels) + Fraction(1, size * size)
a, b, c = ui.wrapping_columns(3, "ratio_metrics", 12, gap="small")
a.metric("Measured: separable ÷ standard", ratio_text(measured),
         help=f"{viz.count(separable.multiplications)} ÷ {viz.count(standard.multiplications)}")
b.metric("MobileNet: 1/N + 1/k²", ratio_text(formula), help=f"1/{kernels} + 1/{size}²")
c.metric("Fewer multiplications", f"{float(1 / measured):.2f}×")
st.latex(  # the strut keeps KaTeX's box tall enough that the numerators are not clipped
    r"\rule{0pt}{1.5em}" + rf"\frac{{{viz.count(separable.multiplications).replace(',', '{,}')}}}"
    rf"{{{viz.count(standard.multiplications).replace(',', '{,}')}}} = {ratio_text(measured)}"
    rf"\qquad \frac{{1}}{{N}} + \frac{{1}}{{k^2}} = \frac{{1}}{{{kernels}}} + \frac{{1}}{{{size}^2}} = "
    rf"{ratio_text(formula)}"
)
if measured == formula:
    st.success(f"They agree exactly: both are {measured.numerator}/{measured.denominator}.",
               icon=":material/check_circle:")
else:
    st.warning(f"They differ: measured {measured}, formula {formula}.")
st.markdown(
    "Why: the depthwise stage costs C·k²·Ho·Wo, the pointwise stage N·C·Ho·Wo, the standard convolution "
    "N·C·k²·Ho·Wo; divide, and C·Ho·Wo cancels, leaving 1/N + 1/k² (Howard et al. 2017, section 3.1). "
    "The formula assumes both layers produce the same output size Ho×Wo, which holds here for every stride "
    "and padding, because the depthwise stage uses the standard layer's stride and padding and the pointwise "
    "stage keeps its size. Compare a strided standard convolution with an unstrided depthwise stage and they "
    "would no longer agree. Additions and biases do not follow the formula either: each output adds up "
    "k² − 1 and C − 1 products instead of C·k² − 1, and a bias adds N to both parameter counts:"
)
rows = []
for label, field in (("multiplications", "multiplications"), ("additions", "additions"), ("parameters", "params")):
    s_value, d_value = getattr(standard, field), getattr(separable, field)
    if s_value == 0:  # a 1×1 kernel on one channel adds nothing up
        rows.append(f"| {label} | 0 | {viz.count(d_value)} | – | |")
        continue
    ratio = Fraction(d_value, s_value)
    rows.append(f"| {label} | {viz.count(s_value)} | {viz.count(d_value)} | {ratio_text(ratio)} | "
                f"{'= 1/N + 1/k²' if ratio == formula else 'differs'} |")
st.markdown("| | standard | depthwise separable | separable ÷ standard | |\n| --- | --- | --- | --- | --- |\n"
            + "\n".join(rows))

st.markdown("**Counts with the biases as chosen in the sidebar**")
s1, s2, s3 = st.columns(3)
s1.metric("Standard: multiplications", viz.count(standard.multiplications))
s2.metric("Standard: additions", viz.count(standard.additions))
s3.metric("Standard: parameters", viz.count(standard.params))
d1, d2, d3 = st.columns(3)
d1.metric("Separable: multiplications", viz.count(separable.multiplications))
d2.metric("Separable: additions", viz.count(separable.additions))
d3.metric("Separable: parameters", viz.count(separable.params))
if bias:
    st.caption(f"Biases counted, as Keras' SeparableConv2D has them: one per output channel ({kernels}), added "
               f"after the pointwise stage, none in the depthwise stage; the standard convolution has {kernels} "
               "biases too. A bias adds one addition per output value. BatchNorm is not counted.")
else:
    st.caption("No biases counted (tick *Count biases* in the sidebar): parameters are the weights only. With "
               f"biases, Keras' SeparableConv2D has one per output channel ({kernels}), none in the depthwise "
               f"stage, and the standard convolution has {kernels} too. BatchNorm is not counted.")

st.markdown("**The ratio against the number of kernels, for common kernel sizes**")
ui.show_chart(chart("ratio_figure", kernels, size, float(measured)), key="chart_ratio")
st.caption("The more kernels, the closer the ratio gets to 1/k²: about 9 times fewer multiplications for 3×3 "
           "kernels, 25 for 5×5. With 1×1 kernels there is nothing to separate, and the two stages cost more "
           "than one.")

# ---- Groups
st.subheader("Between the two: grouped convolution")
options = valid_groups(channels, kernels)
groups = groups_wanted
if groups_wanted not in options:
    groups = min(options, key=lambda g: (abs(g - groups_wanted), g))
    valid = (f"the only divisor of {channels} that also divides {kernels} is 1" if len(options) == 1 else
             f"the divisors of {channels} that also divide {kernels} are {', '.join(map(str, options))}")
    st.warning(f"groups = {groups_wanted} does not divide both C = {channels} and N = {kernels}: {valid}; "
               f"using the nearest, groups = {groups}.", icon="⚠️")
st.markdown(
    f"A grouped convolution splits the {channels} input channels into g groups and the {kernels} kernels into "
    "g groups too; each kernel sees only its own group's C/g channels, so it is k×k×(C/g). **g = 1 is the "
    "standard convolution; g = C with N = C kernels is the depthwise convolution** (with N a multiple of C, it "
    "is depthwise with depth multiplier N/C). g has to divide both C and N."
)
grouped = [engine.grouped_cost(in_shape, size, kernels, g, stride, padding, bias=bias) for g in options]
as_depthwise = engine.grouped_cost(in_shape, size, channels, channels, stride, padding)
chart_col, table_col = ui.wrapping_columns(2, "groups", 26)  # the table under the chart where it needs the width
with chart_col:
    ui.show_chart(chart("groups_figure", options, grouped, groups, separable), key="chart_groups")
with table_col:
    lines = []
    for g, cost in zip(options, grouped):
        mark = "**" if g == groups else ""
        lines.append(f"| {mark}{g}{mark} | {times(size, size, channels // g)} | {mark}{viz.count(cost.multiplications)}"
                     f"{mark} | {mark}{viz.count(cost.params)}{mark} |")
    st.markdown("| groups g | kernel size | multiplications | parameters |\n| --- | --- | --- | --- |\n"
                + "\n".join(lines))
    if len(options) == 1:
        st.caption(f"C = {channels} and N = {kernels} share no divisor but 1, so g = 1 is the only choice. "
                   "Try custom with C = 8 and N = 16.")
same_as_standard = grouped[0] == standard
same_as_depthwise = (as_depthwise.multiplications, as_depthwise.params) == (depthwise.multiplications,
                                                                          depthwise.params)
st.markdown(
    f"Checked with the engine: g = 1 gives {viz.count(grouped[0].multiplications)} multiplications, "
    f"{'the same as' if same_as_standard else 'unlike'} the standard convolution's "
    f"{viz.count(standard.multiplications)}; g = C = {channels} with N = {channels} kernels gives "
    f"{viz.count(as_depthwise.multiplications)}, {'the same as' if same_as_depthwise else 'unlike'} the depthwise "
    f"stage's {viz.count(depthwise.multiplications)}. A grouped convolution alone never mixes the groups; the "
    "pointwise stage after the depthwise one does."
)

# ---- What separability gives up
st.subheader("What separability gives up")
example_c = channels if channels <= 4 else 3
example_n = kernels if kernels <= 4 else 2
same_as_layer = (example_c, example_n) == (channels, kernels)


@st.cache_data(max_entries=32, show_spinner=False)
def equivalence(c, n, k, height, width, stride, padding, seed):
    rng = np.random.default_rng(seed)
    d = rng.integers(-3, 4, size=(c, k, k)).astype(float)
    p = rng.choice([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0], size=(n, c))
    w = engine.equivalent_kernel(d, p)
    x = rng.normal(size=(c, height, width))
    two_stages = engine.pointwise_conv2d(engine.depthwise_conv2d(x, d, stride, padding), p)
    one_stage = engine.conv2d(x, w, stride, padding)
    return d, p, w, float(np.abs(two_stages - one_stage).max()), one_stage.shape


d, p, w, difference, example_out = equivalence(example_c, example_n, size, height, width, stride, padding,
                                                EXAMPLE_SEED)
example_standard = engine.standard_cost((example_c, height, width), size, example_n, stride, padding)
example_separable = engine.depthwise_separable_cost((example_c, height, width), size, example_n, stride, padding)
layer_standard = engine.standard_cost(in_shape, size, kernels, stride, padding)
layer_separable = engine.depthwise_separable_cost(in_shape, size, kernels, stride, padding)
st.markdown("Depthwise then pointwise is itself a standard convolution, with one particular kernel. Output map n "
            "adds up the pointwise weights times the depthwise maps, and the weights can move inside:")
st.latex(r"\begin{gathered} y_n = \sum_c P[n, c]\,\bigl(D[c] \star x_c\bigr) = \sum_c \bigl(P[n, c]\, D[c]\bigr)"
         r" \star x_c \\ \Longrightarrow\quad W[n, c] = P[n, c] \cdot D[c] \end{gathered}")  # two lines: a narrow page
st.markdown(
    f"So each standard kernel's {size}×{size} channel slices are **scaled copies of the same C patterns** "
    "D₁, D₂, …: kernel 1 and kernel 2 may weigh channel 1's pattern differently, but never use a different "
    "pattern for it. A standard convolution may give every kernel and channel its own pattern."
)
fig_col, text_col = ui.wrapping_columns([3, 2], "equivalent", 22)
with fig_col:
    ui.show_chart(chart("equivalent_kernel_figure", d, p, w), key="chart_equivalent")
with text_col:
    if same_as_layer:
        example = f"This layer itself, with C = {channels}, N = {kernels} and k = {size}"
    else:
        example = (f"A small example with this layer's k = {size}: C = {example_c} channels and N = {example_n} "
                   f"kernels (all {kernels}×{channels} blocks of this layer would not fit)")
    st.markdown(
        f"{example}. Top row: the depthwise kernels D₁ … D{viz_cost.subscript(example_c)}, whole numbers drawn at "
        f"random (seed {EXAMPLE_SEED}). Below: one row per output kernel n of the equivalent standard kernel W, "
        "one block per channel c, with the pointwise weight P[n, c] in the block's title. One colour scale for "
        "all blocks: each block is its channel's pattern, made stronger, weaker or sign-flipped."
    )
    if difference < 1e-9:
        st.success(f"Checked on a random {example_c}×{height}×{width} input: depthwise then pointwise equals "
                   f"conv2d with W (output {example_out[0]}×{example_out[1]}×{example_out[2]}); the largest "
                   f"absolute difference is {difference:.2g}, rounding in floating point.",
                   icon=":material/check_circle:")
    else:
        st.error(f"Depthwise then pointwise and conv2d with W differ by up to {difference:.3g}.")
    mobilenet_factor = (engine.network_totals(engine.mobilenet_v1(separable=False)).multiplications
                        / engine.network_totals(engine.mobilenet_v1()).multiplications)
    st.markdown(
        f"**Parameters** (weights only) of this layer: separable C·k² + N·C = "
        f"{channels}·{size}² + {kernels}·{channels} = **{viz.count(layer_separable.params)}**, against "
        f"standard N·C·k² = {kernels}·{channels}·{size}² = **{viz.count(layer_standard.params)}**"
        + ("" if same_as_layer else
           f" (in the example: {viz.count(example_separable.params)} against "
           f"{viz.count(example_standard.params)})")
        + ". Training can only reach kernels of this form. The MobileNet paper measured what that costs: "
        "1.1 points of ImageNet accuracy (71.7% against 70.6%, Howard et al. 2017, Table 4) for "
        f"{mobilenet_factor:.1f} times fewer mult-adds over the whole network (computed on the Network costs page)."
    )

with st.expander("Show the math: the three counts"):
    st.latex(r"\begin{gathered} \text{standard} = N \cdot H_o W_o \cdot C k^2 \\ \text{depthwise} = C \cdot H_o W_o "
             r"\cdot k^2 \\ \text{pointwise} = N \cdot H_o W_o \cdot C \end{gathered}")  # one a line: a narrow page
    st.latex(r"\frac{\text{depthwise} + \text{pointwise}}{\text{standard}} = "
             r"\frac{C H_o W_o k^2 + N H_o W_o C}{N H_o W_o C k^2} = \frac{1}{N} + \frac{1}{k^2}")
    st.markdown("The engine computes each count from the output size it works out for the layer "
                "(`engine.standard_cost`, `engine.depthwise_cost`, `engine.pointwise_cost`, "
                "`engine.grouped_cost`), never from this formula.")

# ---- Show the code: this layer in NumPy, PyTorch and Keras
ui.show_code(
    "This layer as code to copy (the button at a block's top right). The NumPy code computes a depthwise then a "
    "pointwise stage on random values; the PyTorch and Keras code defines the layer, with the separable parameter "
    f"count above, and the grouped convolution with groups = {groups}.",
    lambda: codegen.depthwise_separable(in_shape, size, kernels, stride, padding, bias, groups))
