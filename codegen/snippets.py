"""Show the code: the configuration on screen as NumPy, PyTorch and Keras code a student can copy.

Every function returns `Snippets`, three self-contained Python texts. The NumPy text computes the
page's result with plain loops; the PyTorch and Keras texts define the equivalent layers (neither
framework is a dependency of the app: the texts are only shown). Each text states its parameter count
with its formula on a line "# parameters: 1 × 1 × 3 × 3 = 9", and every print() carries the value it
prints as a comment. Counting as everywhere in the engine: weights, plus biases where the page counts
them; BatchNorm never. Where a framework cannot say what the page does in one layer, the text says so
and adds the layer that does it (ZeroPadding2D, ZeroPad2d, a stride-s pooling of size 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from engine.geometry import as_pair, plan
from engine.network import MOBILENET_V1_BODY

LITERAL_LIMIT = 100  # an array with more values than this is drawn at random in the snippet, not written out
TABS = ("NumPy", "PyTorch", "Keras")


@dataclass(frozen=True)
class Snippets:
    """The three texts of one configuration, and the parameter count the PyTorch text states first."""

    numpy: str
    pytorch: str
    keras: str
    params: int

    def items(self) -> list[tuple[str, str]]:
        """[(tab label, code)] in the order of TABS."""
        return list(zip(TABS, (self.numpy, self.pytorch, self.keras)))


# ---- formatting -----------------------------------------------------------------------------------

def _count(n: int) -> str:
    """As the pages write counts (viz.count): 86400 -> '86,400'."""
    return f"{int(n):,}"


def _times(*factors) -> str:
    return " × ".join(str(f) for f in factors)


def _params_line(formula: str, total: int) -> str:
    return f"# parameters: {formula} = {_count(total)}"


def _pair(a: int, b: int) -> str:
    """An int argument when both axes agree, else a (rows, cols) tuple."""
    return str(a) if a == b else f"({a}, {b})"


def _text(lines) -> str:
    return "\n".join(lines).rstrip() + "\n"


def _fraction_form(a: np.ndarray):
    """(whole numbers, denominator) when a is whole numbers over one small denominator (1/9), up to rounding
    in the last digits (separable_factors rounds to 12 decimals), else None."""
    den = 1
    for v in a.ravel():
        f = Fraction(float(v)).limit_denominator(1024)
        if abs(float(f) - float(v)) > 1e-11 * max(1.0, abs(float(v))):
            return None
        den = den * f.denominator // math.gcd(den, f.denominator)
        if den > 1024:
            return None
    whole = np.round(a * den)
    if not np.allclose(whole / den, a, rtol=1e-11, atol=1e-11):
        return None
    return whole.astype(np.int64), den


def _nested(texts: np.ndarray, indent: int) -> str:
    if texts.ndim == 1:
        return "[" + ", ".join(texts) + "]"
    gap = ",\n" + " " * (indent + 1)
    return "[" + gap.join(_nested(sub, indent + 1) for sub in texts) + "]"


def _array(name: str, a, comment: str, low: int, high: int) -> tuple[list[str], bool]:
    """Lines that define `name` as the array a: written out when small, else seeded random whole numbers
    in [low, high). Returns (lines, whether they use `rng`)."""
    a = np.asarray(a, dtype=float)
    shape = tuple(int(v) for v in a.shape)
    if a.size > LITERAL_LIMIT:
        return [f"# {comment}: {_count(a.size)} values, too many to write out, so random whole numbers here",
                f"{name} = rng.integers({low}, {high}, size={shape}).astype(float)"], True
    lines = [f"# {comment}"] if comment else []
    if a.size > 1 and np.array_equal(a.ravel(), np.arange(a.size)):
        reshape = f".reshape{shape}" if a.ndim > 1 else ""
        return lines + [f"{name} = np.arange({a.size}, dtype=float){reshape}"], False
    form = _fraction_form(a)
    if form is not None:
        values, den = form
        texts = [str(int(v)) for v in values.ravel()]
        tail = ", dtype=float)" if den == 1 else f") / {den}"
    else:
        texts = [f"{float(v):.6g}" for v in a.ravel()]
        tail = ")"
        if any(float(t) != float(v) for t, v in zip(texts, a.ravel())):
            tail += "  # rounded to 6 significant digits"
    width = max(len(t) for t in texts)
    cells = np.array([t.rjust(width) for t in texts], dtype=object).reshape(shape)
    prefix = f"{name} = np.array("
    return lines + [prefix + _nested(cells, len(prefix)) + tail], False


def _arrays(*specs) -> list[str]:
    """The lines of several _array specs, with the seeded generator first if any of them needs it."""
    lines, uses_rng = [], False
    for spec in specs:
        more, rng = _array(*spec)
        lines += more
        uses_rng |= rng
    return (["rng = np.random.default_rng(0)"] if uses_rng else []) + lines


def _padding_words(padding, pads) -> str:
    (t, b), (l, r) = pads
    name = f'"{padding}"' if isinstance(padding, str) else str(padding)
    return f"padding {name}: {t} above, {b} below, {l} left, {r} right"


# ---- framework layers -----------------------------------------------------------------------------

def _kernel_text(kh: int, kw: int, as_tuple: bool) -> str:
    return f"({kh}, {kw})" if as_tuple or kh != kw else str(kh)


def _torch_conv(c_in, c_out, kernel, stride, pads, mode, dilation=None, groups=None, bias=False, note="",
                as_tuple=True):
    """nn.Conv2d (and a ZeroPad2d before it where PyTorch cannot pad as the engine does), as module lines.

    stride and padding are always written out, dilation when given (None: the page has none)."""
    (kh, kw), (sh, sw), ((t, b), (l, r)) = kernel, stride, pads
    pre = []
    if mode == "valid" or not (t or b or l or r):
        padding = '"valid"' if mode == "valid" else "0"
    elif mode == "same" and sh == sw == 1:
        padding = '"same"'
    elif t == b and l == r:
        padding = _pair(t, l)
        if mode == "same":
            pre.append('# the zeros "same" adds here: PyTorch\'s padding="same" allows stride 1 only')
        elif mode == "full":
            pre.append('# "full": (k - 1) × d zeros on each side')
    else:
        pre += ['# "same" adds one zero more after than before, and PyTorch\'s padding="same" needs stride 1:',
                f"# pad first, (left, right, top, bottom) = ({l}, {r}, {t}, {b})",
                f"nn.ZeroPad2d(({l}, {r}, {t}, {b})),"]
        padding = "0"
    args = [str(c_in), str(c_out), f"kernel_size={_kernel_text(kh, kw, as_tuple)}",
            f"stride={_pair(sh, sw)}", f"padding={padding}"]
    if dilation is not None:
        args.append(f"dilation={dilation}")
    if groups is not None:
        args.append(f"groups={groups}")
    args.append(f"bias={bias}")
    return pre + [f"nn.Conv2d({', '.join(args)}),{'  # ' + note if note else ''}"]


def _keras_conv(layer, first_args, kernel, stride, pads, mode, dilation=None, extra=(), bias=False, note="",
                as_tuple=True):
    """A Keras convolution layer with what it needs around it, as list-item lines.

    Keras pads only "valid" (none) or "same" (as the engine's "same"); any other padding becomes a
    ZeroPadding2D before a "valid" layer. Keras refuses strides > 1 together with dilation_rate > 1, so
    that case runs at stride 1 and keeps every s-th position with a pooling of size 1."""
    (kh, kw), (sh, sw), ((t, b), (l, r)) = kernel, stride, pads
    strided_dilation = max(sh, sw) > 1 and (dilation or 1) > 1
    pre, post = [], []
    if mode == "same" and not strided_dilation:
        padding = "same"
    else:
        padding = "valid"
        if t or b or l or r:
            spec = str(t) if t == b == l == r else f"({t}, {l})" if (t, l) == (b, r) else f"(({t}, {b}), ({l}, {r}))"
            why = ('"same" with strides > 1 and dilation_rate > 1' if mode == "same" else
                   f'"{mode}"' if isinstance(mode, str) else f"padding {mode}")
            pre += [f"# {why}: Keras' layers pad only \"valid\" (none) or \"same\", so pad first",
                    f"layers.ZeroPadding2D({spec}),"]
    args = list(first_args) + [_kernel_text(kh, kw, as_tuple)]
    if strided_dilation:
        args.append("strides=1")
        post = ["# Keras refuses strides > 1 with dilation_rate > 1: the layer above runs at stride 1 (and",
                f"# multiplies at every position); a size-1 pooling keeps one position in {_pair(sh, sw)} per axis",
                f"layers.MaxPooling2D(pool_size=1, strides={_pair(sh, sw)}),"]
    else:
        args.append(f"strides={_pair(sh, sw)}")
    args.append(f'padding="{padding}"')
    args += list(extra)
    if dilation is not None:
        args.append(f"dilation_rate={dilation}")
    args.append(f"use_bias={bias}")
    return pre + [f"layers.{layer}({', '.join(args)}),{'  # ' + note if note else ''}"] + post


def _indent(lines, spaces=4) -> list[str]:
    return [" " * spaces + line for line in lines]


TORCH_HEAD = ["import torch", "from torch import nn", ""]
KERAS_HEAD = ["import keras", "from keras import layers", ""]


def _torch_model(name: str, modules: list[str]) -> list[str]:
    """name = the one module, or an nn.Sequential of several; comment lines stay where they are."""
    layers = [line for line in modules if not line.startswith("#")]
    if len(layers) == 1:
        code, _, note = layers[0].partition("  # ")
        comments = [line for line in modules if line.startswith("#")] + ([f"# {note}"] if note else [])
        return comments + [f"{name} = {code.rstrip(',')}"]
    return [f"{name} = nn.Sequential("] + _indent(modules) + [")"]


def _torch_check(name: str, in_shape, out_shape, params: int) -> list[str]:
    dims = ", ".join(str(v) for v in (1, *in_shape))
    out = ", ".join(str(v) for v in (1, *out_shape))
    return [f"x = torch.zeros({dims})  # a batch of one {_times(*in_shape)} input (C × H × W)",
            f"print({name}(x).shape)  # torch.Size([{out}])",
            f"print(sum(p.numel() for p in {name}.parameters()))  # {_count(params)}"]


def _keras_model(name: str, in_shape, items: list[str]) -> list[str]:
    c, h, w = in_shape
    return ([f"{name} = keras.Sequential(["]
            + _indent([f"keras.Input(shape=({h}, {w}, {c})),  # Keras puts the channels last: H × W × C"] + items)
            + ["])"])


def _keras_check(name: str, out_shape, params: int) -> list[str]:
    n, h, w = out_shape
    return [f"print({name}.output_shape)  # (None, {h}, {w}, {n})",
            f"print({name}.count_params())  # {_count(params)}"]


# ---- the pages ------------------------------------------------------------------------------------

def standard(x, w, stride=1, padding=0, dilation=1, operation="correlation") -> Snippets:
    """The Convolution page: N kernels w (N, C, kh, kw) over x (C, H, W), no bias.

    operation "convolution" turns every kernel by 180° first (the NumPy text does; the framework texts
    say how, since PyTorch and Keras always cross-correlate)."""
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    c, h, wd = x.shape
    n, _, kh, kw = w.shape
    s, d = as_pair(stride, "stride")[0], as_pair(dilation, "dilation")[0]
    g = plan((h, wd), (kh, kw), s, padding, d)
    (t, b), (l, r) = g["pads"]
    ho, wo = g["out"]
    params = n * c * kh * kw
    formula = _params_line(_times(n, c, kh, kw), params)
    flipped = operation == "convolution"

    numpy = ["import numpy as np", ""] + _arrays(
        ("x", x, f"input x: C × H × W = {_times(c, h, wd)}", 0, 10),
        ("w", w, f"{n} kernel{'s' if n > 1 else ''} w: N × C × kh × kw = {_times(n, c, kh, kw)}", -2, 3))
    if flipped:
        numpy.append("w = w[:, :, ::-1, ::-1]  # convolution: every kernel turned by 180° before it slides")
    numpy += [f"s, d = {s}, {d}  # stride, dilation",
              f"# {_padding_words(padding, g['pads'])}",
              f"xp = np.pad(x, ((0, 0), ({t}, {b}), ({l}, {r})))",
              "",
              "N, C, kh, kw = w.shape",
              "span_h, span_w = d * (kh - 1) + 1, d * (kw - 1) + 1  # cells one kernel spans",
              "Ho, Wo = (xp.shape[1] - span_h) // s + 1, (xp.shape[2] - span_w) // s + 1",
              "out = np.zeros((N, Ho, Wo))",
              "for n in range(N):",
              "    for i in range(Ho):",
              "        for j in range(Wo):"]
    numpy += [
        "            window = xp[:, i * s : i * s + span_h : d, j * s : j * s + span_w : d]",
        "            out[n, i, j] = np.sum(window * w[n])  # C × kh × kw products, added up",
        f"print(out.shape)  # {(n, ho, wo)}",
        "print(out)",
        formula,
        f"# multiplications: N × Ho × Wo × C × kh × kw = {_times(n, ho, wo, c, kh, kw)} = "
        f"{_count(n * ho * wo * c * kh * kw)}"]

    flip_note = (["# nn.Conv2d cross-correlates: for the page's convolution, give it the kernels turned by 180°,",
                  "# layer.weight.data = torch.flip(weights, dims=(2, 3))"] if flipped else [])
    torch = TORCH_HEAD + _torch_model("layer", _torch_conv(c, n, (kh, kw), (s, s), g["pads"], padding, d)) + [
        formula] + flip_note + _torch_check("layer", (c, h, wd), (n, ho, wo), params)

    keras_flip = ["# Conv2D cross-correlates too: for convolution, set the kernels turned by 180°"] if flipped else []
    keras = KERAS_HEAD + _keras_model("model", (c, h, wd), _keras_conv(
        "Conv2D", [str(n)], (kh, kw), (s, s), g["pads"], padding, d)) + [formula] + keras_flip + _keras_check(
        "model", (n, ho, wo), params)
    return Snippets(_text(numpy), _text(torch), _text(keras), params)


def spatially_separable(x, col, row, stride=1, padding=0, operation="correlation", exact=True) -> Snippets:
    """The Spatially separable page: a (kh x 1) column pass then a (1 x kw) row pass over x (H, W).

    Each pass pads only its own axis, by what the full kh x kw kernel would pad (as two_pass_conv2d);
    operation "convolution" reverses the column and the row (the kernel turned by 180°); exact False says
    the column and the row are a non-separable kernel's best rank-1 approximation."""
    x = np.asarray(x, dtype=float)
    col, row = np.asarray(col, dtype=float).ravel(), np.asarray(row, dtype=float).ravel()
    h, wd = x.shape
    kh, kw = len(col), len(row)
    s = as_pair(stride, "stride")[0]
    g = plan((h, wd), (kh, kw), s, padding)
    (t, b), (l, r) = g["pads"]
    ho, wo = g["out"]
    params = kh + kw
    formula = _params_line(f"{kh} + {kw}", params)
    full_note = f"# (one {kh} × {kw} kernel would hold {_times(kh, kw)} = {kh * kw})"
    if operation == "convolution":
        full_note += "\n# both layers cross-correlate: for convolution, give them the column and the row reversed"

    numpy = ["import numpy as np", ""] + _arrays(
        ("x", x, f"input x: H × W = {_times(h, wd)}", 0, 10),
        ("col", col, f"the column ({kh} × 1) and the row (1 × {kw}): np.outer(col, row) is the {kh} × {kw} kernel"
         + ("" if exact else "'s best rank-1 approximation"), -2, 3),
        ("row", row, "", -2, 3))
    flipped = operation == "convolution"
    if flipped:
        numpy.append("col, row = col[::-1], row[::-1]  # convolution: the kernel turned by 180° reverses both")
    numpy += [f"s = {s}  # stride", "",
              f"# pass 1: the column slides down every column ({_padding_words(padding, ((t, b), (0, 0)))})",
              f"xp = np.pad(x, (({t}, {b}), (0, 0)))",
              "Ho = (xp.shape[0] - len(col)) // s + 1",
              "mid = np.zeros((Ho, xp.shape[1]))",
              "for i in range(Ho):",
              "    mid[i] = col @ xp[i * s : i * s + len(col)]  # len(col) products in every column",
              f"# pass 2: the row slides along every row of mid ({_padding_words(padding, ((0, 0), (l, r)))})",
              f"mp = np.pad(mid, ((0, 0), ({l}, {r})))",
              "Wo = (mp.shape[1] - len(row)) // s + 1",
              "out = np.zeros((Ho, Wo))",
              "for j in range(Wo):",
              "    out[:, j] = mp[:, j * s : j * s + len(row)] @ row  # len(row) products in every row",
              f"print(out.shape)  # {(ho, wo)}",
              "print(out)",
              formula,
              f"# multiplications: Ho × W × kh + Ho × Wo × kw = {_times(ho, wd, kh)} + {_times(ho, wo, kw)} = "
              f"{_count(ho * wd * kh + ho * wo * kw)}"]

    first = _torch_conv(1, 1, (kh, 1), (s, 1), ((t, b), (0, 0)), padding, note=f"pass 1: the {kh} × 1 column")
    second = _torch_conv(1, 1, (1, kw), (1, s), ((0, 0), (l, r)), padding, note=f"pass 2: the 1 × {kw} row")
    torch = (TORCH_HEAD + _torch_model("layer", first + second) + [formula, full_note]
             + _torch_check("layer", (1, h, wd), (1, ho, wo), params))

    first = _keras_conv("Conv2D", ["1"], (kh, 1), (s, 1), ((t, b), (0, 0)), padding, note=f"pass 1: {kh} × 1")
    second = _keras_conv("Conv2D", ["1"], (1, kw), (1, s), ((0, 0), (l, r)), padding, note=f"pass 2: 1 × {kw}")
    keras = (KERAS_HEAD + _keras_model("model", (1, h, wd), first + second) + [formula, full_note]
             + _keras_check("model", (1, ho, wo), params))
    return Snippets(_text(numpy), _text(torch), _text(keras), params)


def depthwise(x, w, stride=1, padding=0, dilation=1) -> Snippets:
    """The Depthwise page: kernels w (C*m, kh, kw), kernel j on channel j // m (PyTorch groups=C), no bias."""
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    c, h, wd = x.shape
    k_all, kh, kw = w.shape
    m = k_all // c
    s, d = as_pair(stride, "stride")[0], as_pair(dilation, "dilation")[0]
    g = plan((h, wd), (kh, kw), s, padding, d)
    (t, b), (l, r) = g["pads"]
    ho, wo = g["out"]
    params = k_all * kh * kw
    formula = _params_line(_times(c, m, kh, kw) if m > 1 else _times(c, kh, kw), params)

    numpy = ["import numpy as np", ""] + _arrays(
        ("x", x, f"input x: C × H × W = {_times(c, h, wd)}", 0, 10),
        ("w", w, f"depthwise kernels w: C·m × kh × kw = {_times(k_all, kh, kw)}, {m} per channel", -2, 3))
    numpy += [f"m, s, d = {m}, {s}, {d}  # kernels per channel (depth multiplier), stride, dilation",
              f"# {_padding_words(padding, g['pads'])}",
              f"xp = np.pad(x, ((0, 0), ({t}, {b}), ({l}, {r})))",
              "",
              "K, kh, kw = w.shape",
              "span_h, span_w = d * (kh - 1) + 1, d * (kw - 1) + 1  # cells one kernel spans",
              "Ho, Wo = (xp.shape[1] - span_h) // s + 1, (xp.shape[2] - span_w) // s + 1",
              "out = np.zeros((K, Ho, Wo))",
              "for n in range(K):",
              "    channel = xp[n // m]  # kernel n sees its own channel only",
              "    for i in range(Ho):",
              "        for j in range(Wo):",
              "            window = channel[i * s : i * s + span_h : d, j * s : j * s + span_w : d]",
              "            out[n, i, j] = np.sum(window * w[n])  # kh × kw products, added up",
              f"print(out.shape)  # {(k_all, ho, wo)}",
              "print(out)",
              formula,
              f"# multiplications: C·m × Ho × Wo × kh × kw = {_times(k_all, ho, wo, kh, kw)} = "
              f"{_count(k_all * ho * wo * kh * kw)}"]

    torch = (TORCH_HEAD + _torch_model("layer", _torch_conv(c, k_all, (kh, kw), (s, s), g["pads"], padding, d,
                                                            groups=c, as_tuple=False))
             + [formula, "# groups=C: every input channel is its own group, with its own kernels"]
             + _torch_check("layer", (c, h, wd), (k_all, ho, wo), params))
    keras = (KERAS_HEAD + _keras_model("model", (c, h, wd), _keras_conv(
        "DepthwiseConv2D", [], (kh, kw), (s, s), g["pads"], padding, d, extra=[f"depth_multiplier={m}"],
        as_tuple=False))
             + [formula] + _keras_check("model", (k_all, ho, wo), params))
    return Snippets(_text(numpy), _text(torch), _text(keras), params)


def pointwise(x, w) -> Snippets:
    """The Pointwise page: 1 x 1 kernels w (N, C) over x (C, H, W), no bias."""
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    c, h, wd = x.shape
    n = w.shape[0]
    params = n * c
    formula = _params_line(_times(n, c), params)
    numpy = ["import numpy as np", ""] + _arrays(
        ("x", x, f"input x: C × H × W = {_times(c, h, wd)}", 0, 10),
        ("w", w, f"pointwise kernels w: N × C = {_times(n, c)}, one weight per input channel", -2, 3))
    numpy += ["",
              "N, C = w.shape",
              "out = np.zeros((N,) + x.shape[1:])",
              "for n in range(N):",
              "    for c in range(C):",
              "        out[n] += w[n, c] * x[c]  # one product at every pixel",
              "# the same as one matrix product: (N × C) times (C × H·W)",
              "assert np.allclose(out, (w @ x.reshape(C, -1)).reshape(out.shape))",
              f"print(out.shape)  # {(n, h, wd)}",
              "print(out)",
              formula,
              f"# multiplications: N × H × W × C = {_times(n, h, wd, c)} = {_count(n * h * wd * c)}"]
    torch = (TORCH_HEAD + [f"layer = nn.Conv2d({c}, {n}, kernel_size=1, bias=False)  # no padding needed"]
             + [formula] + _torch_check("layer", (c, h, wd), (n, h, wd), params))
    keras = (KERAS_HEAD + _keras_model("model", (c, h, wd), [f"layers.Conv2D({n}, 1, use_bias=False),"])
             + [formula] + _keras_check("model", (n, h, wd), params))
    return Snippets(_text(numpy), _text(torch), _text(keras), params)


def depthwise_separable(in_shape, kernel, out_channels, stride=1, padding=0, bias=False, groups=1) -> Snippets:
    """The Depthwise separable page: depthwise k x k then pointwise 1 x 1 to N channels, with a bias per
    output channel when bias (Keras' SeparableConv2D: none in the depthwise stage); and the grouped
    convolution with `groups` for comparison. The page shows counts, not values, so the NumPy text
    draws its values at random."""
    c, h, wd = (int(v) for v in in_shape)
    k, n, s, g_count = int(kernel), int(out_channels), as_pair(stride, "stride")[0], int(groups)
    g = plan((h, wd), (k, k), s, padding)
    (t, b), (l, r) = g["pads"]
    ho, wo = g["out"]
    params = c * k * k + c * n + (n if bias else 0)
    formula = _params_line(f"{_times(c, k, k)} + {_times(c, n)}" + (f" + {n}" if bias else ""), params)
    g_params = n * (c // g_count) * k * k + (n if bias else 0)
    g_formula = _params_line(_times(n, c // g_count, k, k) + (f" + {n}" if bias else ""), g_params)
    g_title = (f"# grouped convolution, groups = {g_count}: each of the {n} kernels is {k} × {k} × {c // g_count} "
               f"(C/g)\n# (groups = 1 is the standard convolution, groups = C = N the depthwise one)")

    numpy = ["import numpy as np", "",
             "rng = np.random.default_rng(0)  # the page counts; these values are random",
             f"x = rng.integers(0, 10, size={(c, h, wd)}).astype(float)  # input: C × H × W",
             f"dw = rng.integers(-2, 3, size={(c, k, k)}).astype(float)  # depthwise: a {k} × {k} kernel per channel",
             f"pw = rng.integers(-2, 3, size={(n, c)}).astype(float)  # pointwise: N × C"]
    if bias:
        numpy.append(f"bias = rng.integers(-2, 3, size={n}).astype(float)  # one per output channel")
    numpy += [f"s = {s}  # stride",
              f"# {_padding_words(padding, g['pads'])}",
              f"xp = np.pad(x, ((0, 0), ({t}, {b}), ({l}, {r})))",
              "",
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
    numpy += [f"print(out.shape)  # {(n, ho, wo)}",
              formula,
              f"# multiplications: {_times(c, ho, wo, k, k)} + {_times(n, ho, wo, c)} = "
              f"{_count(c * ho * wo * k * k + n * ho * wo * c)}"]

    depth = _torch_conv(c, c, (k, k), (s, s), g["pads"], padding, groups=c, note="depthwise: groups=C",
                        as_tuple=False)
    point = [f"nn.Conv2d({c}, {n}, kernel_size=1, bias={bias}),  # pointwise" + (": the only bias" if bias else "")]
    grouped = _torch_conv(c, n, (k, k), (s, s), g["pads"], padding, groups=g_count, bias=bias, as_tuple=False)
    torch = (TORCH_HEAD + _torch_model("separable", depth + point) + [formula]
             + _torch_check("separable", (c, h, wd), (n, ho, wo), params) + ["", g_title]
             + _torch_model("grouped", grouped) + [g_formula]
             + [f"print(grouped(x).shape)  # torch.Size([1, {n}, {ho}, {wo}])",
                f"print(sum(p.numel() for p in grouped.parameters()))  # {_count(g_params)}"])

    keras = (KERAS_HEAD + _keras_model("separable", (c, h, wd), _keras_conv(
        "SeparableConv2D", [str(n)], (k, k), (s, s), g["pads"], padding, bias=bias,
        note="bias: one per output channel" if bias else "", as_tuple=False)) + [formula]
             + _keras_check("separable", (n, ho, wo), params) + ["", g_title]
             + _keras_model("grouped", (c, h, wd), _keras_conv(
                 "Conv2D", [str(n)], (k, k), (s, s), g["pads"], padding, extra=[f"groups={g_count}"], bias=bias,
                 as_tuple=False))
             + [g_formula] + _keras_check("grouped", (n, ho, wo), g_params))
    return Snippets(_text(numpy), _text(torch), _text(keras), params)


def flattening(x, order="CHW", units=10, dense=None) -> Snippets:
    """The Flattening page: x (C, H, W) flattened in `order` ("CHW" as PyTorch, "HWC" as Keras), then a
    dense layer of `units` with biases. dense = (C, H, W, units) of the framework texts' layer (the
    page's example), by default x's shape and units."""
    x = np.asarray(x, dtype=float)
    c, h, wd = x.shape
    size = c * h * wd
    fc_c, fc_h, fc_w, fc_units = dense if dense is not None else (c, h, wd, units)
    inputs = fc_c * fc_h * fc_w
    params = inputs * fc_units + fc_units
    formula = _params_line(f"{_times(_count(inputs), _count(fc_units))} + {_count(fc_units)}", params)
    own = _params_line(f"{_times(size, units)} + {units}", size * units + units)

    numpy = ["import numpy as np", ""] + _arrays(("x", x, f"the volume x: C × H × W = {_times(c, h, wd)}", 0, 10))
    chw = "v = x.reshape(-1)  # CHW: channel by channel, width fastest (PyTorch's nn.Flatten)"
    hwc = "v = x.transpose(1, 2, 0).reshape(-1)  # HWC: pixel by pixel, channels fastest (Keras' Flatten)"
    numpy += [chw, "# " + hwc] if order == "CHW" else [hwc, "# " + chw]
    numpy += [f"print(v.shape)  # ({size},)",
              "",
              f"# a dense layer of {units} unit{'s' if units > 1 else ''} (random weights): "
              "one weight per unit and input, one bias per unit",
              "rng = np.random.default_rng(0)",
              f"W = rng.normal(size=({units}, {size}))",
              f"b = rng.normal(size={units})",
              "y = W @ v + b",
              f"print(y.shape)  # ({units},)",
              own,
              f"# multiplications: {_times(units, size)} = {_count(units * size)}"]
    example = ([f"# the page's example: {fc_h} × {fc_w} × {fc_c} → {fc_units} units"]
               if (fc_c, fc_h, fc_w, fc_units) != (c, h, wd, units) else [])

    torch = TORCH_HEAD + example + _torch_model("model", [
        "nn.Flatten(),  # (batch, C, H, W) -> (batch, C·H·W), in CHW order",
        f"nn.Linear({inputs}, {fc_units}),  # with a bias per unit"]) + [formula] + [
        f"x = torch.zeros(1, {fc_c}, {fc_h}, {fc_w})  # a batch of one C × H × W volume",
        f"print(model(x).shape)  # torch.Size([1, {fc_units}])",
        f"print(sum(p.numel() for p in model.parameters()))  # {_count(params)}"]
    keras = KERAS_HEAD + example + _keras_model("model", (fc_c, fc_h, fc_w), [
        "layers.Flatten(),  # in HWC order: the same weights in PyTorch need their columns permuted",
        f"layers.Dense({fc_units}),  # with a bias per unit (use_bias=True is the default)"]) + [formula] + [
        f"print(model.output_shape)  # (None, {fc_units})",
        f"print(model.count_params())  # {_count(params)}"]
    return Snippets(_text(numpy), _text(torch), _text(keras), params)


def _widths(alpha: float) -> list[int]:
    """MobileNet v1's channels (the first layer, then each pointwise layer), times alpha, as engine.mobilenet_v1."""
    return [max(1, int(round(ch * alpha))) for ch in [32] + [out for _, out in MOBILENET_V1_BODY]]




def mobilenet(alpha=1.0, resolution=224, bias=False, fc_bias=True, classes=1000) -> Snippets:
    """The Network costs page: MobileNet v1 counted in plain Python, built in PyTorch, loaded from Keras.

    bias: a bias in every convolution; fc_bias: the fully connected layer's biases (as mobilenet_v1).
    Keras' MobileNet has no convolution biases and always the classifier's, and BatchNormalization
    after every convolution: its count minus BatchNorm's equals the page's with bias off, fc_bias on."""
    widths, strides = _widths(alpha), [s for s, _ in MOBILENET_V1_BODY]
    size, multiply = -(-resolution // 2), 0
    multiply += size * size * 27 * widths[0]
    weights = 27 * widths[0] + widths[-1] * classes
    for c_in, c_out, s in zip(widths, widths[1:], strides):
        size = -(-size // s)
        multiply += size * size * (9 * c_in + c_in * c_out)
        weights += 9 * c_in + c_in * c_out
    multiply += widths[-1] * classes
    channels = widths[0] + sum(c_in + c_out for c_in, c_out in zip(widths, widths[1:]))  # after each convolution
    params = weights + (channels if bias else 0) + (classes if fc_bias else 0)
    terms = [f"{_count(weights)} weights"] + ([f"{_count(channels)} convolution biases"] if bias else []) + (
        [f"{_count(classes)} fully connected biases"] if fc_bias else [])
    formula = _params_line(" + ".join(terms), params)

    numpy = ["# plain Python: counting needs no arrays",
             f"resolution, classes = {resolution}, {classes}",
             f"widths = {widths}  # α = {alpha:g}: conv 1, then each pointwise layer",
             f"strides = {strides}  # of the 13 depthwise layers",
             "",
             "size = -(-resolution // 2)  # conv 1: 3 × 3 × 3, stride 2, \"same\" padding: ceil(resolution / 2)",
             "mult_adds = size * size * 3 * 3 * 3 * widths[0]",
             "params = 3 * 3 * 3 * widths[0]" + (" + widths[0]" if bias else ""),
             "for c_in, c_out, s in zip(widths, widths[1:], strides):",
             "    size = -(-size // s)  # \"same\" padding: ceil(size / stride)",
             "    mult_adds += size * size * 3 * 3 * c_in  # depthwise 3 × 3",
             "    mult_adds += size * size * c_in * c_out  # pointwise 1 × 1",
             "    params += 3 * 3 * c_in + c_in * c_out" + (" + c_in + c_out  # with their biases" if bias else ""),
             "mult_adds += widths[-1] * classes  # fully connected, after the average pool",
             "params += widths[-1] * classes" + (" + classes" if fc_bias else ""),
             f'print(f"{{mult_adds:,}} mult-adds, {{params:,}} parameters")  '
             f"# {_count(multiply)} mult-adds, {_count(params)} parameters",
             formula]

    torch = TORCH_HEAD + [
        f"widths = {widths}  # α = {alpha:g}",
        f"strides = {strides}",
        "",
        "def conv(c_in, c_out, k, stride=1, groups=1):  # a convolution, then BatchNorm and ReLU",
        f"    return [nn.Conv2d(c_in, c_out, k, stride, padding=k // 2, groups=groups, bias={bias}),",
        "            nn.BatchNorm2d(c_out), nn.ReLU()]",
        "",
        "modules = conv(3, widths[0], 3, stride=2)",
        "for c_in, c_out, s in zip(widths, widths[1:], strides):",
        "    modules += conv(c_in, c_in, 3, s, groups=c_in)  # depthwise 3 × 3",
        "    modules += conv(c_in, c_out, 1)  # pointwise 1 × 1",
        "model = nn.Sequential(*modules, nn.AdaptiveAvgPool2d(1), nn.Flatten(),",
        f"                      nn.Linear(widths[-1], {classes}{'' if fc_bias else ', bias=False'}))",
        formula,
        f"print(model(torch.zeros(1, 3, {resolution}, {resolution})).shape)  # torch.Size([1, {classes}])",
        "# counted as on this page: Conv2d and Linear, not BatchNorm",
        "print(sum(p.numel() for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))",
        f"          for p in m.parameters()))  # {_count(params)}",
        f"# BatchNorm2d adds 2 per channel (γ and β): 2 × {_count(channels)} = {_count(2 * channels)}",
        f"print(sum(p.numel() for p in model.parameters()))  # {_count(params + 2 * channels)}"]

    keras_params = weights + classes
    keras = ["import keras", "",
             f"model = keras.applications.MobileNet(input_shape=({resolution}, {resolution}, 3), "
             f"alpha={float(alpha)!r}, classes={classes}, weights=None)",
             f"print(model.output_shape)  # (None, {classes})",
             f"# BatchNormalization keeps 4 per channel (γ, β, running mean, variance): 4 × {_count(channels)}",
             "batchnorm = sum(layer.count_params() for layer in model.layers",
             "                if isinstance(layer, keras.layers.BatchNormalization))",
             f"print(batchnorm)  # {_count(4 * channels)}",
             f"print(model.count_params() - batchnorm)  # {_count(keras_params)}",
             _params_line(f"{_count(weights)} weights + {_count(classes)} fully connected biases", keras_params)]
    if bias or not fc_bias:
        keras.append(f"# this page counts {_count(params)} with its boxes as they are now: Keras' MobileNet has no "
                     "convolution biases and always the classifier's")
    return Snippets(_text(numpy), _text(torch), _text(keras), params)
