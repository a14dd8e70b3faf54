"""Network costs: MobileNet v1 counted layer by layer, and with standard convolutions instead."""

import pandas as pd
import streamlit as st

import engine
import ui
import viz
import codegen
from engine import ConvConfigError
from viz import network as viz_network

# What Howard et al. (2017) print, quoted only to be compared with what the engine counts.
PAPER_TOTALS = {  # (alpha, resolution): (million mult-adds, million parameters), Tables 6 and 7
    (1.0, 224): (569, 4.2), (0.75, 224): (325, 2.6), (0.5, 224): (149, 1.3), (0.25, 224): (41, 0.5),
    (1.0, 192): (418, 4.2), (1.0, 160): (290, 4.2), (1.0, 128): (186, 4.2),
}
PAPER_STANDARD = (4866, 29.3)  # Table 4, "Conv MobileNet": million mult-adds, million parameters
PAPER_SHARES = {  # Table 2: per cent of the mult-adds and of the parameters, as printed
    "pointwise 1×1": ("94.86%", "74.59%"), "depthwise 3×3": ("3.06%", "1.06%"),
    "standard 3×3": ("1.19%", "0.02%"), "fully connected": ("0.18%", "24.33%"),
}

ui.header(
    "Network costs",
    "The lecture's claim: *fewer computations leads to a faster network.* Here it is checked on a whole "
    f"network, MobileNet v1 (Howard et al. 2017, Table 1): {len(engine.MOBILENET_V1_BODY)} depthwise separable "
    "layers between a standard "
    "3×3 convolution and a fully connected classifier. Every count below is computed by the same engine "
    "functions as on the earlier pages, layer by layer, and compared with the same network built from "
    "standard 3×3 convolutions.",
)

# Interactive elements return their value; every one is also written into the page's address.
bar = st.sidebar
bar.header("Network")
alpha = ui.steps_choice("Width multiplier α", "alpha", (0.25, 0.5, 0.75, 1.0), 1.0,
                        help="Every layer gets α times as many channels (the paper's Table 6).")
resolution = ui.steps_choice("Input resolution (pixels per side)", "res", (128, 160, 192, 224), 224,
                             help="The input image is resolution × resolution × 3 (the paper's Table 7).")
bar.header("Counting")
bias = ui.checkbox("count a bias in every convolution", "bias", False,
                   help="Off, as in the paper: each convolution is followed by BatchNorm, whose shift does "
                         "a bias's job.")
fc_bias = ui.checkbox("count the fully connected layer's biases", "fcbias", True,
                      help="One bias per class. The paper's Table 2 leaves them out of its parameter "
                            "shares; its 4.2 million includes them.")


@st.cache_data(max_entries=64, show_spinner=False)
def networks(alpha, resolution, bias, fc_bias):
    """This network, the same with standard 3×3 convolutions, and this one with the other FC-bias choice."""
    separable = engine.mobilenet_v1(alpha, resolution, bias=bias, fc_bias=fc_bias)
    standard = engine.mobilenet_v1(alpha, resolution, separable=False, bias=bias, fc_bias=fc_bias)
    other_fc_bias = engine.mobilenet_v1(alpha, resolution, bias=bias, fc_bias=not fc_bias)
    return separable, standard, other_fc_bias


@st.cache_resource(max_entries=64, show_spinner=False)
def figures(alpha, resolution, bias, fc_bias):
    layers = networks(alpha, resolution, bias, fc_bias)[0]
    return viz_network.layer_costs_figure(layers), viz_network.shares_figure(engine.shares_by_kind(layers))


try:
    layers, standard_layers, other_fc_bias_layers = networks(alpha, resolution, bias, fc_bias)
except ConvConfigError as error:
    ui.explain(error)
    st.stop()
total = engine.network_totals(layers)
standard_total = engine.network_totals(standard_layers)
factor = standard_total.multiplications / total.multiplications
millions = viz_network.millions
described = f"α = {alpha:g}, {resolution}×{resolution} input"
classes = layers[-1].cost.out_shape[0]
pool = next(layer for layer in layers if layer.kind == viz_network.POOL)

predicted_shares = engine.shares_by_kind(layers)
pointwise_layers = [layer for layer in layers if layer.kind == "pointwise 1×1"]
pointwise_mults = sum(layer.cost.multiplications for layer in pointwise_layers)
if not ui.predict(
    f"MobileNet v1 with {described}: what share of all its mult-adds do the 1×1 (pointwise) convolutions do, "
    "in per cent? Within ±5 points counts as right.",
    [("Share of the mult-adds (%)", 100 * predicted_shares["pointwise 1×1"][0])],
    f"The {len(pointwise_layers)} pointwise layers do {viz.count(pointwise_mults)} of the network's "
    f"{viz.count(total.multiplications)} mult-adds (the average pool is left out, as in the paper): "
    f"{viz.count(pointwise_mults)} ÷ {viz.count(total.multiplications)} = "
    f"**{predicted_shares['pointwise 1×1'][0]:.2%}**. The rest: "
    + ", ".join(f"{kind} {predicted_shares[kind][0]:.2%}" for kind in viz_network.KINDS if kind != "pointwise 1×1")
    + ". A 1×1 convolution multiplies N·C times at every pixel, and the layers near the end have hundreds of "
    "channels on each side; a depthwise 3×3 layer only 9·C.",
    key="network_costs", tolerance=5, unit="%",
):
    st.stop()

st.subheader(f"MobileNet v1 ({described}): {millions(total.multiplications)} mult-adds")
# boxes, and the metrics in them, go one under the other where a row would cut their numbers
mobilenet, standard, ratio = ui.wrapping_columns([2, 2, 1], "totals", 14, gap="small")
with mobilenet.container(border=True):
    st.markdown("**MobileNet v1**: depthwise separable")
    a, b = ui.wrapping_columns(2, "totals_mobilenet", 10, gap="small")
    a.metric("Mult-adds", millions(total.multiplications),
             help=f"{viz.count(total.multiplications)} multiplications")
    b.metric("Parameters", millions(total.params, 1), help=f"{viz.count(total.params)} weights and biases")
with standard.container(border=True):
    st.markdown("**The same with standard 3×3 convolutions**")
    a, b = ui.wrapping_columns(2, "totals_standard", 10, gap="small")
    a.metric("Mult-adds (standard)", millions(standard_total.multiplications),
             help=f"{viz.count(standard_total.multiplications)}: every depthwise + pointwise pair replaced by "
                  "one standard 3×3 convolution with the same input and output")
    b.metric("Parameters (standard)", millions(standard_total.params, 1),
             help=f"{viz.count(standard_total.params)} weights and biases")
with ratio.container(border=True):
    st.markdown("**Factor**")
    st.metric("Fewer mult-adds", f"{factor:.1f}×",
              help=f"{viz.count(standard_total.multiplications)} ÷ {viz.count(total.multiplications)} = "
                   f"{factor:.3f}")

paper = PAPER_TOTALS.get((alpha, resolution))
checks = []
if paper and not bias and fc_bias:
    source = "Table 6 prints" if resolution == 224 and alpha != 1.0 else \
        "Table 7 prints" if alpha == 1.0 and resolution != 224 else "Tables 6 and 7 print"
    checks.append(f"the paper's {source} **{paper[0]} M** mult-adds and **{paper[1]} M** parameters for "
                  f"this network")
    if (alpha, resolution) == (1.0, 224):
        checks.append(f"its Table 4 prints **{PAPER_STANDARD[0]:,} M** mult-adds and **{PAPER_STANDARD[1]} M** "
                      f"parameters for the standard-convolution version (counted here: "
                      f"{viz.count(standard_total.multiplications)}, within "
                      f"{abs(standard_total.multiplications / 1e6 - PAPER_STANDARD[0]) / PAPER_STANDARD[0]:.2%})")
elif paper:
    checks.append("the paper's figures count no convolution biases and include the fully connected layer's: "
                  "set the two boxes that way to compare")
st.markdown(
    f"Replacing each depthwise separable pair by a standard 3×3 convolution with the same input and output "
    f"multiplies the work by **{factor:.1f}** (and the parameters by {standard_total.params / total.params:.1f}). "
    + ("For comparison, " + "; ".join(checks) + "." if checks else "")
)
st.caption(
    "Counting conventions, as in the paper: mult-adds = multiplications (one multiply-add each, padded zeros "
    "included); the convolution layers have no bias, since BatchNorm follows each of them"
    + (" (counted here anyway: the box is ticked)" if bias else "")
    + "; the fully connected layer has its bias" + ("" if fc_bias else " (left out here: the box is clear)")
    + "; average pooling is not counted in the mult-adds; BatchNorm and ReLU are not counted."
)

st.subheader(f"Layer by layer: {len(layers)} rows")
table = viz_network.layer_table(layers)
kinds = table.loc[table["in the totals"], "type"].value_counts()
st.markdown(
    f"{int(kinds.sum())} layers with weights, as the paper counts them ("
    + ", ".join(f"{kinds[kind]} {kind}" for kind in viz_network.KINDS)
    + "), plus the average pool, shown but left out of the totals. Shapes are written as the paper writes "
    "them, height × width × channels."
)
number = st.column_config.NumberColumn
st.dataframe(
    table, hide_index=True, width="stretch", height=min(38 + 35 * len(table), 1060), key="layers",
    column_config={
        "stride": number(format="%d", width="small"),
        "mult-adds": number(format="%,d", help="multiplications of the layer (one multiply-add each)"),
        "parameters": number(format="%,d", help="weights" + (" and biases" if bias or fc_bias else "")),
        "in the totals": st.column_config.CheckboxColumn(
            help=f"The paper leaves the average pool's multiplications (one by 1/{pool.in_shape[1] * pool.in_shape[2]} "
                 "per channel) out of its mult-adds"),
    },
)
st.download_button(
    "Download the table (CSV)", viz_network.layer_csv(layers),
    file_name=f"mobilenet_v1_alpha{alpha:g}_{resolution}.csv", mime="text/csv", icon=":material/download:",
    key="csv",
)

st.subheader("Where the mult-adds go")
st.markdown(
    "One bar per layer with weights, in network order. The buttons above the chart switch the y axis between "
    "linear and log: on the linear axis the depthwise layers almost vanish beside the pointwise ones; on the "
    "log axis they can be read. Hover over a bar for its numbers."
)
per_layer, shares_chart = figures(alpha, resolution, bias, fc_bias)
ui.show_chart(per_layer, key="per_layer")

shares = engine.shares_by_kind(layers)
pointwise_share = shares["pointwise 1×1"][0]
st.subheader(f"Shares by layer type: 1×1 convolutions do {pointwise_share:.0%} of the work")
compare = (alpha, resolution, bias) == (1.0, 224, False)
rows = []
for kind in viz_network.KINDS:
    m, p = shares[kind]
    row = {"type": kind, "share of the mult-adds": f"{m:.2%}", "share of the parameters": f"{p:.2%}"}
    if compare:
        row["Table 2: mult-adds"], row["Table 2: parameters"] = PAPER_SHARES[kind]
    rows.append(row)
st.dataframe(pd.DataFrame(rows), hide_index=True, width="content", key="shares")
ui.show_chart(shares_chart, key="shares_chart")
standard_share = shares["standard 3×3"][0]
printed_sum = sum(float(mult_adds.rstrip("%")) for mult_adds, _ in PAPER_SHARES.values())
other_shares = engine.shares_by_kind(other_fc_bias_layers)
fc_bias_moves = 100 * max(abs(shares[kind][1] - other_shares[kind][1]) for kind in viz_network.KINDS)
if compare:
    st.markdown(
        f"The paper's Table 2 prints **1.19%** of the mult-adds for the standard 3×3 layer; Table 1's own layer "
        f"sizes give **{standard_share:.2%}**, the value that makes the column add up to 100% (as printed it "
        f"adds up to {printed_sum:.2f}%): the digits look swapped. Table 2's parameter shares come out exactly "
        f"when the fully connected layer's {classes:,} biases are left out"
        + (": they are left out now; tick *count the fully connected layer's biases* to see the shares with "
           f"them, which move by at most {fc_bias_moves:.2f} points." if not fc_bias else
           f"; with them counted (as now) the shares move by at most {fc_bias_moves:.2f} points. Clear *count "
           "the fully connected layer's biases* to see the exact match.")
    )
else:
    st.markdown("The paper's Table 2 is for the full-size network: α = 1, 224×224, no convolution biases. "
                "Choose those to compare it with the engine's shares.")
st.markdown(
    f"So nearly all of the work, {pointwise_share:.1%}, is in the 1×1 convolutions. That is good news for speed, "
    "the paper argues (section 3.2): a 1×1 convolution is a plain matrix product (as on the Pointwise page), "
    "which optimised matrix-multiply (GEMM) routines run fast without first rearranging the input in memory."
)

st.subheader("Fewer computations, faster network?")
st.markdown(
    f"Counting says {factor:.1f}× fewer multiplications. Whether the network is that much faster depends on "
    "more than the count: memory traffic, how well each kind of layer maps onto the hardware, and the layers "
    "not counted here (BatchNorm, ReLU, pooling). A depthwise layer does few multiplications per value it "
    "reads, so it tends to run further below a processor's peak than a 1×1 convolution does. The mult-add "
    "count is the paper's measure of cost, and a good first guide; the clock is the final one."
)

# ---- Show the code: this network counted in Python, built in PyTorch and Keras, and the engine's own
ui.show_code(
    "As code to copy (the button at a block's top right). The first tab counts this network's mult-adds and "
    "parameters in plain Python; the PyTorch tab builds it, the Keras tab loads Keras' own MobileNet; both say "
    "which parameters match this page's count (BatchNorm is not counted here).",
    lambda: codegen.mobilenet(alpha, resolution, bias, fc_bias, classes), title="Show the code: Python, PyTorch, Keras",
    names=["Python", "PyTorch", "Keras"],
    source=("The engine", "Each row of the table is one call to the same cost functions as on the earlier pages.",
            engine.mobilenet_v1))
