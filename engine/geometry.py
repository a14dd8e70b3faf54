"""Output sizes and padding: the arithmetic of where a kernel can stand.

Relations follow Dumoulin & Visin (2016), "A guide to convolution arithmetic for deep
learning"; relation 15 is the general one:
    o = floor((i + 2p - k - (k - 1)(d - 1)) / s) + 1
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

from .errors import ConvConfigError

PADDING_MODES = ("valid", "same", "full")


def whole_number(value, name: str) -> int:
    """value, checked to be one whole number (not a bool, a float or a pair)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ConvConfigError(f"{name} must be a whole number, got {value!r}")
    return int(value)


def as_pair(value, name: str) -> tuple[int, int]:
    """An int or a (rows, cols) pair, checked to be whole numbers, as a pair."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ConvConfigError(f"{name} must be one number or a (rows, cols) pair, got {value!r}")
        pair = tuple(value)
    else:
        pair = (value, value)
    return whole_number(pair[0], name), whole_number(pair[1], name)


def effective_span(k: int, dilation: int) -> int:
    """How many input cells a kernel of size k with this dilation covers: k + (k - 1)(d - 1)."""
    return k + (k - 1) * (dilation - 1)


def _check_positive(value: int, name: str, fix: str) -> None:
    if value < 1:
        raise ConvConfigError(f"{name} must be at least 1, got {value}: {fix}")


def axis_padding(i: int, k: int, stride: int, padding, dilation: int, axis: str = "") -> tuple[int, int]:
    """Zero cells added (before, after) along one axis.

    padding is a whole number (the same on both sides), a (before, after) pair of whole numbers,
    or a mode:
    - "valid": no padding;
    - "same": the output has ceil(i / stride) cells; the total padding
      max((o - 1)s + span - i, 0) is split with the smaller half before, so an even kernel
      pads one more cell after (as PyTorch and TensorFlow do);
    - "full": span - 1 on each side, so every partial overlap is computed.
    """
    where = f" ({axis})" if axis else ""
    _check_positive(i, f"input size{where}", "the input needs at least one cell")
    _check_positive(k, f"kernel size{where}", "a kernel needs at least one cell")
    _check_positive(stride, f"stride{where}", "use stride 1 to visit every position")
    _check_positive(dilation, f"dilation{where}", "use dilation 1 for an ordinary kernel")
    span = effective_span(k, dilation)
    if isinstance(padding, str):
        mode = padding.lower()
        if mode == "valid":
            return 0, 0
        if mode == "same":
            o = -(-i // stride)  # ceil(i / stride) in whole numbers: i / stride is a float, inexact past 2**53
            total = max((o - 1) * stride + span - i, 0)
            return total // 2, total - total // 2
        if mode == "full":
            return span - 1, span - 1
        raise ConvConfigError(
            f"padding{where} must be a whole number or one of {', '.join(PADDING_MODES)}, got {padding!r}"
        )
    if isinstance(padding, (tuple, list)) and len(padding) == 2:  # (before, after), as for an even kernel
        before, after = (axis_padding(i, k, stride, p, dilation, axis)[0] for p in padding)
        return before, after
    if isinstance(padding, bool) or not isinstance(padding, numbers.Integral):
        raise ConvConfigError(f"padding{where} must be a whole number or a mode name, got {padding!r}")
    if padding < 0:
        raise ConvConfigError(f"padding{where} must be 0 or more, got {padding}: use 0 for no padding")
    return int(padding), int(padding)


def axis_output_size(i: int, k: int, stride: int, padding, dilation: int, axis: str = "") -> int:
    before, after = axis_padding(i, k, stride, padding, dilation, axis)
    return _fitted_output_size(i, k, stride, dilation, before, after, axis)


def _fitted_output_size(i: int, k: int, stride: int, dilation: int, before: int, after: int, axis: str) -> int:
    """axis_output_size once the padding is known."""
    span = effective_span(k, dilation)
    padded = i + before + after
    if span > padded:
        where = f" ({axis})" if axis else ""
        dil = f" with dilation {dilation}" if dilation > 1 else ""
        raise ConvConfigError(
            f"kernel {k}{dil} spans {span} cells but the padded input is {padded}{where}: "
            f"use a smaller kernel{' or dilation' if dilation > 1 else ''}, more padding, or a larger input"
        )
    return (padded - span) // stride + 1


def output_size(i: int, k: int, stride: int = 1, padding=0, dilation: int = 1) -> int:
    """Output cells along one axis: floor((i + 2p - k - (k - 1)(d - 1)) / s) + 1.

    padding is a whole number or "valid" | "same" | "full" (see `axis_padding`).
    Raises ConvConfigError when the kernel does not fit.
    """
    i, k, stride, dilation = (whole_number(value, name) for value, name in (
        (i, "input size"), (k, "kernel size"), (stride, "stride"), (dilation, "dilation")))
    return axis_output_size(i, k, stride, padding, dilation)


def resolve_padding(padding) -> tuple:
    """padding as (rows, cols): each a whole number, a (before, after) pair or a mode name."""
    if isinstance(padding, str):
        return padding, padding
    if isinstance(padding, (tuple, list)):
        if len(padding) != 2:
            raise ConvConfigError(f"padding must be one value or a (rows, cols) pair, got {padding!r}")
        return tuple(padding)
    return padding, padding


@dataclass(frozen=True)
class Plan:
    """The placement of a kernel over an input, checked: every pair is (rows, columns)."""

    kernel: tuple[int, int]
    stride: tuple[int, int]
    dilation: tuple[int, int]
    pads: tuple[tuple[int, int], tuple[int, int]]  # ((top, bottom), (left, right))
    out: tuple[int, int]  # (Ho, Wo)


def plan(in_hw, kernel_hw, stride=1, padding=0, dilation=1) -> Plan:
    """Everything about the placement of a kernel over an input, checked (a Plan)."""
    (h, w) = in_hw
    h, w = whole_number(h, "input size (rows)"), whole_number(w, "input size (columns)")
    (kh, kw) = as_pair(kernel_hw, "kernel size")
    sh, sw = as_pair(stride, "stride")
    dh, dw = as_pair(dilation, "dilation")
    ph, pw = resolve_padding(padding)
    pads = (axis_padding(h, kh, sh, ph, dh, "rows"), axis_padding(w, kw, sw, pw, dw, "columns"))
    out = (
        _fitted_output_size(h, kh, sh, dh, *pads[0], "rows"),
        _fitted_output_size(w, kw, sw, dw, *pads[1], "columns"),
    )
    return Plan(kernel=(kh, kw), stride=(sh, sw), dilation=(dh, dw), pads=pads, out=out)
