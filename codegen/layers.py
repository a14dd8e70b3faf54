"""PyTorch and Keras layers as text: a convolution with what each framework needs around it to do what the page does.

PyTorch reads C × H × W and Keras H × W × C; both cross-correlate. Where a framework cannot say the page's
padding or stride in one layer, the text says so and adds the layer that does it (ZeroPad2d, ZeroPadding2D,
a stride-s pooling of size 1).
"""

from __future__ import annotations

from .text import count, indent, pair, times

TORCH_HEAD = ["import torch", "from torch import nn", ""]
KERAS_HEAD = ["import keras", "from keras import layers", ""]


def _kernel_text(kh: int, kw: int, as_tuple: bool) -> str:
    return f"({kh}, {kw})" if as_tuple or kh != kw else str(kh)


def _note(note: str) -> str:
    return "  # " + note if note else ""


def torch_conv(c_in, c_out, kernel, stride, pads, mode, dilation=None, groups=None, bias=False, note="",
               as_tuple=True) -> list[str]:
    """nn.Conv2d (and a ZeroPad2d before it where PyTorch cannot pad as the engine does), as module lines.

    stride and padding are always written out, dilation when given (None: the page has none)."""
    (kh, kw), (sh, sw), ((t, b), (l, r)) = kernel, stride, pads
    pre = []
    if mode == "valid" or not (t or b or l or r):
        padding = '"valid"' if mode == "valid" else "0"
    elif mode == "same" and sh == sw == 1:
        padding = '"same"'
    elif t == b and l == r:
        padding = pair(t, l)
        if mode == "same":
            pre.append('# the zeros "same" adds here: PyTorch\'s padding="same" allows stride 1 only')
        elif mode == "full":
            pre.append('# "full": (k - 1) × d zeros on each side')
    else:
        why = ('"same" adds one zero more after than before, and PyTorch\'s padding="same" needs stride 1'
               if mode == "same" else f"padding {mode}: PyTorch's Conv2d pads both sides alike")
        pre += [f"# {why}:", f"# pad first, (left, right, top, bottom) = ({l}, {r}, {t}, {b})",
                f"nn.ZeroPad2d(({l}, {r}, {t}, {b})),"]
        padding = "0"
    args = [str(c_in), str(c_out), f"kernel_size={_kernel_text(kh, kw, as_tuple)}",
            f"stride={pair(sh, sw)}", f"padding={padding}"]
    if dilation is not None:
        args.append(f"dilation={dilation}")
    if groups is not None:
        args.append(f"groups={groups}")
    args.append(f"bias={bias}")
    return pre + [f"nn.Conv2d({', '.join(args)}),{_note(note)}"]


def keras_conv(layer, first_args, kernel, stride, pads, mode, dilation=None, extra=(), bias=False, note="",
               as_tuple=True) -> list[str]:
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
                f"# multiplies at every position); a size-1 pooling keeps one position in {pair(sh, sw)} per axis",
                f"layers.MaxPooling2D(pool_size=1, strides={pair(sh, sw)}),"]
    else:
        args.append(f"strides={pair(sh, sw)}")
    args.append(f'padding="{padding}"')
    args += list(extra)
    if dilation is not None:
        args.append(f"dilation_rate={dilation}")
    args.append(f"use_bias={bias}")
    return pre + [f"layers.{layer}({', '.join(args)}),{_note(note)}"] + post


def torch_model(name: str, modules: list[str]) -> list[str]:
    """name = the one module, or an nn.Sequential of several; comment lines stay where they are."""
    layers = [line for line in modules if not line.startswith("#")]
    if len(layers) == 1:
        code, _, note = layers[0].partition("  # ")
        comments = [line for line in modules if line.startswith("#")] + ([f"# {note}"] if note else [])
        return comments + [f"{name} = {code.rstrip(',')}"]
    return [f"{name} = nn.Sequential("] + indent(modules) + [")"]


def torch_last(name: str, modules: list[str]) -> str:
    """The expression for the last layer of torch_model(name, modules): name itself when it is the only one."""
    return name if len([line for line in modules if not line.startswith("#")]) == 1 else f"{name}[-1]"


def torch_check(name: str, in_shape, out_shape, params: int, batch: bool = True) -> list[str]:
    """Run the model on a batch of one input of zeros; print its output shape and parameter count.
    batch False: x is already defined (a second model on the same input)."""
    dims = ", ".join(str(v) for v in (1, *in_shape))
    out = ", ".join(str(v) for v in (1, *out_shape))
    x = [f"x = torch.zeros({dims})  # a batch of one {times(*in_shape)} input (C × H × W)"] if batch else []
    return x + [f"print({name}(x).shape)  # torch.Size([{out}])",
                f"print(sum(p.numel() for p in {name}.parameters()))  # {count(params)}"]


def keras_model(name: str, in_shape, items: list[str]) -> list[str]:
    c, h, w = in_shape
    return ([f"{name} = keras.Sequential(["]
            + indent([f"keras.Input(shape=({h}, {w}, {c})),  # Keras puts the channels last: H × W × C"] + items)
            + ["])"])


def keras_check(name: str, out_shape, params: int) -> list[str]:
    n, h, w = out_shape
    return [f"print({name}.output_shape)  # (None, {h}, {w}, {n})",
            f"print({name}.count_params())  # {count(params)}"]
