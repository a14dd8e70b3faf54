"""Spatially separable kernels: rank 1, the two-pass convolution, and low-rank approximations.

A 2-D kernel K is spatially separable when it is an outer product K = col x row, that is when
its matrix rank is 1. Then correlating with K equals correlating with the kh x 1 column first and
the 1 x kw row second: kh + kw multiplications per output instead of kh * kw.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .conv import check_operation, conv2d
from .costs import Cost, checked_in_shape
from .errors import ConvConfigError
from .geometry import as_pair, axis_output_size, axis_padding, resolve_padding
from .trace import scan_trace

MAX_KERNEL = 7


def _check_kernel(k) -> np.ndarray:
    k = np.asarray(k, dtype=float)
    if k.ndim != 2 or 0 in k.shape:
        raise ConvConfigError(f"a kernel must be a 2-D grid of numbers, got shape {k.shape}")
    if not np.isfinite(k).all():
        raise ConvConfigError("a kernel must hold finite numbers only")
    return k


def singular_values(k) -> np.ndarray:
    """The kernel's singular values, largest first. Rank = how many are not (near) zero."""
    return np.linalg.svd(_check_kernel(k), compute_uv=False)


def kernel_rank(k, tol: float = 1e-9) -> int:
    """Matrix rank, with singular values below tol x the largest counted as zero."""
    s = singular_values(k)
    if s[0] == 0:
        return 0
    return int((s > tol * s[0]).sum())


def _small_integers(v: np.ndarray, limit: int = 64) -> np.ndarray | None:
    """v scaled so that its entries are small whole numbers, if some scale does that (relative to v's
    own size: [3e-13, 6e-13] gives [1, 2] as [3, 6] does)."""
    largest = np.abs(v).max()
    nonzero = np.abs(v[np.abs(v) > 1e-9 * largest])
    if nonzero.size == 0:
        return None
    unit = v / nonzero.min()
    for den in range(1, limit + 1):
        scaled = unit * den
        if np.allclose(scaled, np.round(scaled), atol=1e-7) and np.abs(np.round(scaled)).max() <= 1000:
            r = np.round(scaled)
            divisor = np.gcd.reduce(np.abs(r[r != 0]).astype(int))
            return r / divisor
    return None


def _reproduces(k: np.ndarray, col: np.ndarray, row: np.ndarray, tol: float) -> bool:
    """Whether outer(col, row) equals k within tol times k's largest magnitude, entry by entry."""
    return bool(np.abs(np.outer(col, row) - k).max() <= tol * np.abs(k).max())


def _readable_column(k: np.ndarray, col: np.ndarray) -> np.ndarray:
    """The column of the rank-1 kernel k (col: its direction) that is easiest to read, its first
    non-zero entry positive: small whole numbers ([1, 2, 1]), or else the one that makes the row small
    whole numbers, or else the one whose first non-zero entry is 1. Whole numbers are taken only where
    they reproduce the kernel to rounding (1e-12 of its scale)."""
    def first_nonzero(v):
        return v[np.flatnonzero(np.abs(v) > 1e-9 * np.abs(v).max())[0]]

    nice = _small_integers(col)
    if nice is not None and _reproduces(k, nice, nice @ k / (nice @ nice), 1e-12):
        return nice * np.sign(first_nonzero(nice))
    nice_row = _small_integers(col @ k)
    if nice_row is not None:
        from_row = k @ nice_row / (nice_row @ nice_row)
        if _reproduces(k, from_row, nice_row, 1e-12):
            return from_row * np.sign(first_nonzero(from_row))
    return col / first_nonzero(col)


def separable_factors(k, tol: float = 1e-9):
    """(col, row) with np.outer(col, row) == k when k has rank 1 (or is all zeros), else None.

    Rank 1 means what kernel_rank(k, tol) says: the second singular value is at most tol times the
    first. Then the factors reproduce every entry of k within 8 * tol times k's largest magnitude
    (for kernels up to 7x7; the best rank-1 kernel is off by at most the second singular value), and
    a kernel they would not reproduce that closely (subnormal values, below 2.2e-308, whose products
    round to other values) is refused with None too. Everything is relative to the kernel's own scale,
    so [[1e-13, 3e-13], [2e-13, 6e-13]] factors as [[1, 3], [2, 6]] does.

    The column is scaled to small whole numbers with its first non-zero entry positive where that
    reproduces the kernel to rounding (1e-12 of its scale), so Sobel x gives ([1, 2, 1], [1, 0, -1]).
    """
    k = _check_kernel(k)
    scale = float(np.abs(k).max())
    if scale == 0:
        return np.zeros(k.shape[0]), np.zeros(k.shape[1])
    # decomposed at largest magnitude 1: no underflow, whatever the kernel's own scale
    u, s, vt = np.linalg.svd(k / scale)
    if len(s) > 1 and s[1] > tol * s[0]:
        return None
    col = _readable_column(k, u[:, 0])
    unit = col / np.abs(col).max()  # col @ col of a column of 1e-163s would underflow to 0
    row = unit @ k / (unit @ unit) / np.abs(col).max()
    row = np.where(np.abs(row) <= 1e-12 * np.abs(row).max(), 0.0, row)  # [1, 0, -1], not [1, 1e-17, -1]
    if not _reproduces(k, col, row, 8 * tol):
        return None
    return col + 0.0, row + 0.0  # + 0.0 turns -0 into 0


@dataclass(frozen=True)
class LowRank:
    """A kernel as a sum of separable terms: k ~ sum_i outer(cols[i], rows[i]) over the first r."""

    singular_values: np.ndarray
    cols: np.ndarray  # (rank, kh)
    rows: np.ndarray  # (rank, kw)

    def approximation(self, r: int) -> np.ndarray:
        return self.cols[:r].T @ self.rows[:r]

    def error(self, k, r: int) -> float:
        """Frobenius norm of what the first r terms leave out (Eckart-Young: the smallest possible)."""
        return float(np.linalg.norm(np.asarray(k, dtype=float) - self.approximation(r)))


def low_rank(k) -> LowRank:
    """The singular value decomposition of k as separable terms, the largest first."""
    k = _check_kernel(k)
    u, s, vt = np.linalg.svd(k, full_matrices=False)
    root = np.sqrt(s)
    return LowRank(s, (u * root).T, vt * root[:, None])


def two_pass_conv2d(x, col, row, stride=1, padding=0, *, operation="correlation"):
    """Correlate every channel of x (C, H, W) with the column, then with the row.

    Pass 1 slides the kh x 1 column down (row stride and row padding only); pass 2 slides the
    1 x kw row across the result (column stride and column padding only). Returns
    (intermediate (C, Ho, W), output (C, Ho, Wo)). Equal to correlating with outer(col, row).

    operation="convolution" convolves instead: turning outer(col, row) by 180° reverses the column
    and the row, outer(col[::-1], row[::-1]), so each pass uses its factor reversed and the result
    equals conv2d(..., operation="convolution") with outer(col, row). Costs are unchanged.
    """
    x, passes = _two_passes(x, col, row, stride, padding, operation)
    (column_kernel, column_stride, column_pads), (row_kernel, row_stride, row_pads) = passes
    channels = x.shape[0]
    xs = x.reshape(channels, 1, *x.shape[1:])
    middle = np.stack([conv2d(xs[c], column_kernel, column_stride, column_pads)[0] for c in range(channels)])
    out = np.stack([conv2d(middle[c][None], row_kernel, row_stride, row_pads)[0] for c in range(channels)])
    return middle, out


def two_pass_trace(x, col, row, stride=1, padding=0, *, operation="correlation"):
    """The scans of two_pass_conv2d over x (1, H, W), step by step: (pass 1's ScanTrace, the column
    down the input; pass 2's, the row across pass 1's output). Pass 2's output is two_pass_conv2d's."""
    x, passes = _two_passes(x, col, row, stride, padding, operation)
    (column_kernel, column_stride, column_pads), (row_kernel, row_stride, row_pads) = passes
    first = scan_trace(x, column_kernel, column_stride, column_pads)
    return first, scan_trace(first.output, row_kernel, row_stride, row_pads)


def _two_passes(x, col, row, stride, padding, operation):
    """x (C, H, W) as floats, and each pass as (kernel, stride, pads): the kh×1 column with the row stride
    and the rows' padding, then the 1×kw row with the column stride and the columns' padding. "same" and
    "full" are resolved for the whole kernel, so each pass pads exactly what the 2-D one would; for
    convolution each factor is used reversed."""
    x = np.asarray(x)
    if x.ndim != 3:
        raise ConvConfigError(f"input must have shape (channels, height, width), got {x.shape}")
    dtype = x.dtype if x.dtype.kind == "f" else np.float64  # float32 images stay float32
    x = x.astype(dtype, copy=False)
    col, row = np.asarray(col, dtype=dtype).ravel(), np.asarray(row, dtype=dtype).ravel()
    if check_operation(operation) == "convolution":
        col, row = col[::-1], row[::-1]
    sh, sw = as_pair(stride, "stride")
    ph, pw = resolve_padding(padding)
    pads_h = axis_padding(x.shape[1], len(col), sh, ph, 1, "rows")
    pads_w = axis_padding(x.shape[2], len(row), sw, pw, 1, "columns")
    return x, ((col.reshape(1, 1, -1, 1), (sh, 1), (pads_h, (0, 0))),
               (row.reshape(1, 1, 1, -1), (1, sw), ((0, 0), pads_w)))


ROUNDING = 1e-12  # float64: a relative difference this small is rounding, not a different result


def relative_difference(output, other, x, kernel) -> float:
    """How far two outputs of correlating x with kernel (the full kernel's, the two passes') are apart:
    the largest difference over the largest value any output can reach, max|x| * sum|kernel|.
    Rounding in float64 leaves well under ROUNDING; a kernel that is not reproduced leaves more.
    0 when x or the kernel is all zeros (then both outputs are)."""
    scale = float(np.abs(x).max() * np.abs(kernel).sum())
    difference = float(np.abs(np.asarray(output) - np.asarray(other)).max())
    return difference / scale if scale else difference


def spatially_separable_cost(in_shape, kernel, stride=1, padding=0) -> Cost:
    """A (kh x 1) pass then a (1 x kw) pass over an (H, W) or (C, H, W) input, per channel.

    multiplications = C * (Ho * W * kh + Ho * Wo * kw); 5x5 with 3x3 gives 45 + 27 = 72.
    """
    first, second = separable_pass_costs(in_shape, kernel, stride, padding)
    return first + second


def separable_pass_costs(in_shape, kernel, stride=1, padding=0) -> tuple[Cost, Cost]:
    """The two passes' costs apart: (the kh x 1 pass, the 1 x kw pass). See spatially_separable_cost."""
    shape = tuple(in_shape)
    if len(shape) == 2:
        shape = (1,) + shape
    if len(shape) != 3:
        raise ConvConfigError(f"in_shape must be (height, width) or (channels, height, width), got {in_shape!r}")
    c, h, w = checked_in_shape(shape)
    kh, kw = as_pair(kernel, "kernel size")
    sh, sw = as_pair(stride, "stride")
    ph, pw = resolve_padding(padding)
    ho = axis_output_size(h, kh, sh, ph, 1, "rows")
    wo = axis_output_size(w, kw, sw, pw, 1, "columns")
    first = Cost(c * ho * w * kh, c * ho * w * (kh - 1), kh, (c, ho, w))
    second = Cost(c * ho * wo * kw, c * ho * wo * (kw - 1), kw, (c, ho, wo))
    return first, second


MAX_KERNEL_TEXT = 400  # characters: 7 rows of 7 numbers such as -0.125 fit with room to spare
MAX_NUMBER_TEXT = 24  # characters of one number: 17 significant digits, a sign, a point and an exponent
SMALLEST_VALUE = 1e-300  # a non-zero value closer to 0 is refused (near the floats' own limit, 2.2e-308)
LARGEST_VALUE = 1e6
# A number written in ASCII: Python would read "９" (full-width) or "1_000" as numbers too
DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?")
_FRACTION = re.compile(r"[+-]?[0-9]+/[0-9]+")
_NUMBER_HELP = "digits 0-9, a minus sign, a point, an exponent such as 1e-3, or a fraction like 1/16"


def parse_kernel(text: str, max_size: int = MAX_KERNEL) -> np.ndarray:
    """A kernel typed as rows of numbers: "1 2 1; 0 0 0; -1 -2 -1" (rows split by ; or new lines,
    numbers by spaces or commas; fractions such as 1/16 allowed). Strict: anything else is refused
    with a message that says what is wrong.

    The cost is bounded before any number is computed: at most MAX_KERNEL_TEXT characters, each number
    at most MAX_NUMBER_TEXT characters of ASCII digits with an exponent of at most three digits, so no
    text makes a huge exact number (1e-99999999 is refused by its form, not computed).
    """
    if text is None or not str(text).strip():
        raise ConvConfigError('the kernel is empty: type rows of numbers, for example "1 2 1; 0 0 0; -1 -2 -1"')
    text = str(text)
    if len(text) > MAX_KERNEL_TEXT:
        raise ConvConfigError(f"the kernel text is {len(text):,} characters long, more than the {MAX_KERNEL_TEXT} "
                              f"this box takes: type at most {max_size} rows of {max_size} short numbers")
    lines = [line for line in text.replace("\n", ";").split(";") if line.strip()]
    if not lines:  # only separators, ";;;"
        raise ConvConfigError('the kernel is empty: type rows of numbers, for example "1 2 1; 0 0 0; -1 -2 -1"')
    if len(lines) > max_size:
        raise ConvConfigError(f"the kernel has {len(lines)} rows: it is larger than {max_size}×{max_size}; remove rows")
    rows = []
    for i, line in enumerate(lines, start=1):
        cells = line.replace(",", " ").split()
        if len(cells) > max_size:
            raise ConvConfigError(f"row {i} has {len(cells)} numbers: the kernel is larger than {max_size}×{max_size}; "
                                  "remove numbers")
        rows.append([_kernel_value(cell, i) for cell in cells])
    widths = {len(r) for r in rows}
    if len(widths) != 1:
        counts = ", ".join(str(len(r)) for r in rows)
        raise ConvConfigError(f"every row needs the same count of numbers; these rows have {counts}: add or remove "
                              "numbers so that they match")
    return np.array(rows, dtype=float)


def _kernel_value(cell: str, row: int) -> float:
    """One typed number of a kernel, checked by its form before it is computed."""
    # quoted as a string literal: a " or \ typed in it is escaped, so the quotation's end is unambiguous
    shown = (cell if len(cell) <= 16 else cell[:16] + "…").replace("\\", "\\\\").replace('"', '\\"')
    cell = cell.replace("\u2212", "-")  # the minus sign a word processor types
    if len(cell) > MAX_NUMBER_TEXT:
        raise ConvConfigError(f'row {row}: "{shown}" is {len(cell)} characters long: type a number of at most '
                              f"{MAX_NUMBER_TEXT} characters ({_NUMBER_HELP})")
    if not cell.isascii() and any(c.isdigit() for c in cell):
        raise ConvConfigError(f'row {row}: "{shown}" has digits other than 0-9 (full-width or from another script): '
                              "type the digits 0-9")
    if DECIMAL.fullmatch(cell):
        value = float(cell)
    elif _FRACTION.fullmatch(cell):
        numerator, denominator = cell.split("/")
        if int(denominator) == 0:
            raise ConvConfigError(f'row {row}: "{shown}" divides by zero: use a denominator other than 0')
        value = float(Fraction(int(numerator), int(denominator)))
    elif re.fullmatch(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]{4,}", cell):
        raise ConvConfigError(f'row {row}: "{shown}" has an exponent of more than three digits: kernel values are 0 '
                              f"or between {SMALLEST_VALUE:g} and {LARGEST_VALUE:,.0f} in size; type 0, or a value with a shorter exponent")
    else:
        raise ConvConfigError(f'row {row}: "{shown}" is not a number (use {_NUMBER_HELP})')
    if not abs(value) <= LARGEST_VALUE:
        raise ConvConfigError(f"row {row}: {shown} is too large; keep kernel values within ±{LARGEST_VALUE:,.0f}")
    if value != 0 and abs(value) < SMALLEST_VALUE or value == 0 and _nonzero_digit(cell):
        raise ConvConfigError(f"row {row}: {shown} is too close to 0 to compute with (the smallest allowed is "
                              f"{SMALLEST_VALUE:g}): type 0, or a larger value")
    return value + 0.0  # -0 is 0


def _nonzero_digit(cell: str) -> bool:
    """Whether the number's digits (before any exponent) are not all zeros: 1e-400 is not 0."""
    return any(c in "123456789" for c in re.split("[eE/]", cell)[0])


def format_kernel(k) -> str:
    """The inverse of parse_kernel: "1 2 1; 0 0 0; -1 -2 -1"."""
    def one(v):
        return str(int(v)) if float(v).is_integer() else f"{v:.6g}"
    return "; ".join(" ".join(one(v) for v in row) for row in np.asarray(k))
