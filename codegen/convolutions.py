"""The convolution pages' code: standard, spatially separable, depthwise, pointwise and depthwise separable.

Each function returns the page's Snippets. Every count a text states (output shapes, parameters,
multiplications) is the engine's: the text writes the formula, the engine's cost function the total.
"""

from __future__ import annotations

import numpy as np

from engine import (
    depthwise_cost,
    depthwise_separable_cost,
    grouped_cost,
    plan,
    pointwise_cost,
    separable_pass_costs,
    standard_cost,
)

from .layers import (
    KERAS_HEAD,
    TORCH_HEAD,
    keras_check,
    keras_conv,
    keras_model,
    torch_check,
    torch_conv,
    torch_last,
    torch_model,
)
from .text import Snippets, arrays, multiplications_line, padding_words, params_line, text, times

NUMPY_HEAD = ["import numpy as np", ""]


def _placement(in_hw, kernel, stride, padding, dilation=1) -> tuple[int, int, tuple]:
    """(stride, dilation, ((top, bottom), (left, right))) as the engine places the kernel; the pages use
    one stride and one dilation for both axes."""
    g = plan(in_hw, kernel, stride, padding, dilation)
    return g.stride[0], g.dilation[0], g.pads


def _padded(padding, pads) -> list[str]:
    """The NumPy lines that pad x as the engine does."""
    (t, b), (l, r) = pads
    return [f"# {padding_words(padding, pads)}", f"xp = np.pad(x, ((0, 0), ({t}, {b}), ({l}, {r})))", ""]


def _scan(depthwise: bool) -> list[str]:
    """The NumPy lines in which every kernel w[n] slides over xp (depthwise: over its own channel only) with
    stride s and dilation d, the products of each window added up into out[n]."""
    kernels, source, channels, products = ("K", "channel", "", "kh × kw") if depthwise else (
        "N", "xp", ":, ", "C × kh × kw")
    return ([f"{kernels}, kh, kw = w.shape" if depthwise else "N, C, kh, kw = w.shape",
             "span_h, span_w = d * (kh - 1) + 1, d * (kw - 1) + 1  # cells one kernel spans",
             "Ho, Wo = (xp.shape[1] - span_h) // s + 1, (xp.shape[2] - span_w) // s + 1",
             f"out = np.zeros(({kernels}, Ho, Wo))",
             f"for n in range({kernels}):"]
            + (["    channel = xp[n // m]  # kernel n sees its own channel only"] if depthwise else [])
            + ["    for i in range(Ho):",
               "        for j in range(Wo):",
               f"            window = {source}[{channels}i * s : i * s + span_h : d, j * s : j * s + span_w : d]",
               f"            out[n, i, j] = np.sum(window * w[n])  # {products} products, added up"])


def _result(shape, formula: str, multiplications: str, cost) -> list[str]:
    """The NumPy text's last lines: the output's shape and values, the parameter count's line `formula`,
    and the multiplications: their formula written out, the total the engine's `cost`."""
    return [f"print(out.shape)  # {shape}", "print(out)", formula,
            multiplications_line(multiplications, cost.multiplications)]


def standard(x, w, stride=1, padding=0, dilation=1, operation="correlation") -> Snippets:
    """The Convolution page: N kernels w (N, C, kh, kw) over x (C, H, W), no bias.

    operation "convolution" turns every kernel by 180° first (the NumPy text does; the framework texts
    say how, since PyTorch and Keras always cross-correlate)."""
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    c, h, wd = x.shape
    n, _, kh, kw = w.shape
    s, d, pads = _placement((h, wd), (kh, kw), stride, padding, dilation)
    cost = standard_cost(x.shape, (kh, kw), n, stride, padding, dilation)
    _, ho, wo = cost.out_shape
    formula = params_line(times(n, c, kh, kw), cost.params)
    flipped = operation == "convolution"

    defined, random = arrays(
        ("x", x, f"input x: C × H × W = {times(c, h, wd)}", 0, 10),
        ("w", w, f"{n} kernel{'s' if n > 1 else ''} w: N × C × kh × kw = {times(n, c, kh, kw)}", -2, 3))
    numpy = NUMPY_HEAD + defined
    if flipped:
        numpy.append("w = w[:, :, ::-1, ::-1]  # convolution: every kernel turned by 180° before it slides")
    multiplications = f"N × Ho × Wo × C × kh × kw = {times(n, ho, wo, c, kh, kw)}"
    numpy += ([f"s, d = {s}, {d}  # stride, dilation"] + _padded(padding, pads) + _scan(depthwise=False)
              + _result(cost.out_shape, formula, multiplications, cost))

    modules = torch_conv(c, n, (kh, kw), (s, s), pads, padding, d)
    flip_note = ["# nn.Conv2d cross-correlates: for the page's convolution, give it the kernels turned by 180°,",
                 f"# {torch_last('layer', modules)}.weight.data = torch.flip(weights, dims=(2, 3))"]
    torch = TORCH_HEAD + torch_model("layer", modules) + [formula] + (flip_note if flipped else []) + torch_check(
        "layer", x.shape, cost.out_shape, cost.params)

    keras_flip = ["# Conv2D cross-correlates too: for convolution, set the kernels turned by 180°"] if flipped else []
    keras = KERAS_HEAD + keras_model("model", x.shape, keras_conv(
        "Conv2D", [str(n)], (kh, kw), (s, s), pads, padding, d)) + [formula] + keras_flip + keras_check(
        "model", cost.out_shape, cost.params)
    return Snippets(text(numpy), text(torch), text(keras), cost.params, random)


def spatially_separable(x, col, row, stride=1, padding=0, operation="correlation", exact=True) -> Snippets:
    """The Spatially separable page: a (kh x 1) column pass then a (1 x kw) row pass over x (H, W).

    Each pass pads only its own axis, by what the full kh x kw kernel would pad (as two_pass_conv2d);
    operation "convolution" reverses the column and the row (the kernel turned by 180°); exact False says
    the column and the row are a non-separable kernel's best rank-1 approximation."""
    x = np.asarray(x, dtype=float)
    col, row = np.asarray(col, dtype=float).ravel(), np.asarray(row, dtype=float).ravel()
    h, wd = x.shape
    kh, kw = len(col), len(row)
    s, _, ((t, b), (l, r)) = _placement((h, wd), (kh, kw), stride, padding)
    first, second = separable_pass_costs((h, wd), (kh, kw), stride, padding)
    cost = first + second
    _, ho, wo = cost.out_shape
    formula = params_line(f"{kh} + {kw}", cost.params)
    full = standard_cost((1, h, wd), (kh, kw), 1, stride, padding)
    full_note = f"# (one {kh} × {kw} kernel would hold {times(kh, kw)} = {full.params})"
    if operation == "convolution":
        full_note += "\n# both layers cross-correlate: for convolution, give them the column and the row reversed"

    defined, random = arrays(
        ("x", x, f"input x: H × W = {times(h, wd)}", 0, 10),
        ("col", col, f"the column ({kh} × 1) and the row (1 × {kw}): np.outer(col, row) is the {kh} × {kw} kernel"
         + ("" if exact else "'s best rank-1 approximation"), -2, 3),
        ("row", row, "", -2, 3))
    numpy = NUMPY_HEAD + defined
    if operation == "convolution":
        numpy.append("col, row = col[::-1], row[::-1]  # convolution: the kernel turned by 180° reverses both")
    numpy += [f"s = {s}  # stride", "",
              f"# pass 1: the column slides down every column ({padding_words(padding, ((t, b), (0, 0)))})",
              f"xp = np.pad(x, (({t}, {b}), (0, 0)))",
              "Ho = (xp.shape[0] - len(col)) // s + 1",
              "mid = np.zeros((Ho, xp.shape[1]))",
              "for i in range(Ho):",
              "    mid[i] = col @ xp[i * s : i * s + len(col)]  # len(col) products in every column",
              f"# pass 2: the row slides along every row of mid ({padding_words(padding, ((0, 0), (l, r)))})",
              f"mp = np.pad(mid, ((0, 0), ({l}, {r})))",
              "Wo = (mp.shape[1] - len(row)) // s + 1",
              "out = np.zeros((Ho, Wo))",
              "for j in range(Wo):",
              "    out[:, j] = mp[:, j * s : j * s + len(row)] @ row  # len(row) products in every row"]
    numpy += _result((ho, wo), formula, f"Ho × W × kh + Ho × Wo × kw = {times(ho, wd, kh)} + {times(ho, wo, kw)}",
                     cost)

    passes = [((kh, 1), (s, 1), ((t, b), (0, 0))), ((1, kw), (1, s), ((0, 0), (l, r)))]
    torch_notes = [f"pass 1: the {kh} × 1 column", f"pass 2: the 1 × {kw} row"]
    torch_layers = [line for (kernel, strides, pads), note in zip(passes, torch_notes)
                    for line in torch_conv(1, 1, kernel, strides, pads, padding, note=note)]
    torch = (TORCH_HEAD + torch_model("layer", torch_layers) + [formula, full_note]
             + torch_check("layer", (1, h, wd), cost.out_shape, cost.params))

    keras_notes = [f"pass 1: {kh} × 1", f"pass 2: 1 × {kw}"]
    keras_layers = [line for (kernel, strides, pads), note in zip(passes, keras_notes)
                    for line in keras_conv("Conv2D", ["1"], kernel, strides, pads, padding, note=note)]
    keras = (KERAS_HEAD + keras_model("model", (1, h, wd), keras_layers) + [formula, full_note]
             + keras_check("model", cost.out_shape, cost.params))
    return Snippets(text(numpy), text(torch), text(keras), cost.params, random)


def depthwise(x, w, stride=1, padding=0, dilation=1) -> Snippets:
    """The Depthwise page: kernels w (C*m, kh, kw), kernel j on channel j // m (PyTorch groups=C), no bias."""
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    c, h, wd = x.shape
    k_all, kh, kw = w.shape
    m = k_all // c
    s, d, pads = _placement((h, wd), (kh, kw), stride, padding, dilation)
    cost = depthwise_cost(x.shape, (kh, kw), m, stride, padding, dilation)
    _, ho, wo = cost.out_shape
    formula = params_line(times(c, m, kh, kw) if m > 1 else times(c, kh, kw), cost.params)

    defined, random = arrays(
        ("x", x, f"input x: C × H × W = {times(c, h, wd)}", 0, 10),
        ("w", w, f"depthwise kernels w: C·m × kh × kw = {times(k_all, kh, kw)}, {m} per channel", -2, 3))
    numpy = (NUMPY_HEAD + defined
             + [f"m, s, d = {m}, {s}, {d}  # kernels per channel (depth multiplier), stride, dilation"]
             + _padded(padding, pads) + _scan(depthwise=True)
             + _result(cost.out_shape, formula, f"C·m × Ho × Wo × kh × kw = {times(k_all, ho, wo, kh, kw)}", cost))

    torch = (TORCH_HEAD + torch_model("layer", torch_conv(c, k_all, (kh, kw), (s, s), pads, padding, d, groups=c,
                                                          as_tuple=False))
             + [formula, "# groups=C: every input channel is its own group, with its own kernels"]
             + torch_check("layer", x.shape, cost.out_shape, cost.params))
    keras = (KERAS_HEAD + keras_model("model", x.shape, keras_conv(
        "DepthwiseConv2D", [], (kh, kw), (s, s), pads, padding, d, extra=[f"depth_multiplier={m}"], as_tuple=False))
             + [formula] + keras_check("model", cost.out_shape, cost.params))
    return Snippets(text(numpy), text(torch), text(keras), cost.params, random)


def pointwise(x, w) -> Snippets:
    """The Pointwise page: 1 x 1 kernels w (N, C) over x (C, H, W), no bias."""
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    c, h, wd = x.shape
    n = w.shape[0]
    cost = pointwise_cost(x.shape, n)
    formula = params_line(times(n, c), cost.params)
    defined, random = arrays(
        ("x", x, f"input x: C × H × W = {times(c, h, wd)}", 0, 10),
        ("w", w, f"pointwise kernels w: N × C = {times(n, c)}, one weight per input channel", -2, 3))
    numpy = NUMPY_HEAD + defined + [
        "",
        "N, C = w.shape",
        "out = np.zeros((N,) + x.shape[1:])",
        "for n in range(N):",
        "    for c in range(C):",
        "        out[n] += w[n, c] * x[c]  # one product at every pixel",
        "# the same as one matrix product: (N × C) times (C × H·W)",
        "assert np.allclose(out, (w @ x.reshape(C, -1)).reshape(out.shape))",
    ] + _result(cost.out_shape, formula, f"N × H × W × C = {times(n, h, wd, c)}", cost)
    torch = (TORCH_HEAD + [f"layer = nn.Conv2d({c}, {n}, kernel_size=1, bias=False)  # no padding needed"]
             + [formula] + torch_check("layer", x.shape, cost.out_shape, cost.params))
    keras = (KERAS_HEAD + keras_model("model", x.shape, [f"layers.Conv2D({n}, 1, use_bias=False),"])
             + [formula] + keras_check("model", cost.out_shape, cost.params))
    return Snippets(text(numpy), text(torch), text(keras), cost.params, random)


def depthwise_separable(in_shape, kernel, out_channels, stride=1, padding=0, bias=False, groups=1) -> Snippets:
    """The Depthwise separable page: depthwise k x k then pointwise 1 x 1 to N channels, with a bias per
    output channel when bias (Keras' SeparableConv2D: none in the depthwise stage); and the grouped
    convolution with `groups` for comparison. The page shows counts, not values, so the NumPy text
    draws its values at random."""
    c, h, wd = (int(v) for v in in_shape)
    k, n, g_count = int(kernel), int(out_channels), int(groups)
    s, _, pads = _placement((h, wd), (k, k), stride, padding)
    depth = depthwise_cost((c, h, wd), k, 1, stride, padding)
    point = pointwise_cost(depth.out_shape, n, bias)
    cost = depthwise_separable_cost((c, h, wd), k, n, stride, padding, bias=bias)
    grouped = grouped_cost((c, h, wd), k, n, g_count, stride, padding, bias=bias)
    _, ho, wo = cost.out_shape
    formula = params_line(f"{times(c, k, k)} + {times(c, n)}" + (f" + {n}" if bias else ""), cost.params)
    g_formula = params_line(times(n, c // g_count, k, k) + (f" + {n}" if bias else ""), grouped.params)
    g_title = (f"# grouped convolution, groups = {g_count}: each of the {n} kernels is {k} × {k} × {c // g_count} "
               f"(C/g)\n# (groups = 1 is the standard convolution, groups = C = N the depthwise one)")

    numpy = NUMPY_HEAD + [
        "rng = np.random.default_rng(0)  # the page counts; these values are random",
        f"x = rng.integers(0, 10, size={(c, h, wd)}).astype(float)  # input: C × H × W",
        f"dw = rng.integers(-2, 3, size={(c, k, k)}).astype(float)  # depthwise: a {k} × {k} kernel per channel",
        f"pw = rng.integers(-2, 3, size={(n, c)}).astype(float)  # pointwise: N × C"]
    if bias:
        numpy.append(f"bias = rng.integers(-2, 3, size={n}).astype(float)  # one per output channel")
    numpy += [f"s = {s}  # stride"] + _padded(padding, pads) + [
        "C, k = dw.shape[0], dw.shape[1]",
        "Ho, Wo = (xp.shape[1] - k) // s + 1, (xp.shape[2] - k) // s + 1",
        "mid = np.zeros((C, Ho, Wo))  # depthwise: every channel filtered on its own",
        "for c in range(C):",
        "    for i in range(Ho):",
        "        for j in range(Wo):",
        "            mid[c, i, j] = np.sum(xp[c, i * s : i * s + k, j * s : j * s + k] * dw[c])",
        "out = np.einsum(\"nc,chw->nhw\", pw, mid)  # pointwise: at every pixel, N weighted sums of the C maps"]
    if bias:
        numpy.append("out += bias[:, None, None]")
    numpy += [f"print(out.shape)  # {cost.out_shape}",
              formula,
              multiplications_line(f"{times(c, ho, wo, k, k)} + {times(n, ho, wo, c)}",
                                   depth.multiplications + point.multiplications)]

    depth_layer = torch_conv(c, c, (k, k), (s, s), pads, padding, groups=c, note="depthwise: groups=C",
                             as_tuple=False)
    point_layer = [f"nn.Conv2d({c}, {n}, kernel_size=1, bias={bias}),  # pointwise"
                   + (": the only bias" if bias else "")]
    grouped_layer = torch_conv(c, n, (k, k), (s, s), pads, padding, groups=g_count, bias=bias, as_tuple=False)
    torch = (TORCH_HEAD + torch_model("separable", depth_layer + point_layer) + [formula]
             + torch_check("separable", (c, h, wd), cost.out_shape, cost.params) + ["", g_title]
             + torch_model("grouped", grouped_layer) + [g_formula]
             + torch_check("grouped", (c, h, wd), grouped.out_shape, grouped.params, batch=False))

    keras = (KERAS_HEAD + keras_model("separable", (c, h, wd), keras_conv(
        "SeparableConv2D", [str(n)], (k, k), (s, s), pads, padding, bias=bias,
        note="bias: one per output channel" if bias else "", as_tuple=False)) + [formula]
             + keras_check("separable", cost.out_shape, cost.params) + ["", g_title]
             + keras_model("grouped", (c, h, wd), keras_conv(
                 "Conv2D", [str(n)], (k, k), (s, s), pads, padding, extra=[f"groups={g_count}"], bias=bias,
                 as_tuple=False))
             + [g_formula] + keras_check("grouped", grouped.out_shape, grouped.params))
    return Snippets(text(numpy), text(torch), text(keras), cost.params, True)
