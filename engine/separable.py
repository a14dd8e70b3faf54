"""Spatially separable kernels: rank 1, the two-pass convolution, and low-rank approximations.

A 2-D kernel K is spatially separable when it is an outer product K = col x row, that is when
its matrix rank is 1. Then correlating with K equals correlating with the kh x 1 column first and
the 1 x kw row second: kh + kw multiplications per output instead of kh * kw.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .conv import check_operation, conv2d
from .costs import Cost
from .errors import ConvConfigError
from .geometry import as_pair, axis_output_size, axis_padding, resolve_padding

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
    """v scaled so that its entries are small whole numbers, if some scale does that."""
    nonzero = np.abs(v[np.abs(v) > 1e-12])
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


def separable_factors(k, tol: float = 1e-9):
    """(col, row) with np.outer(col, row) == k when k has rank 1 (or is all zeros), else None.

    The column is scaled to small whole numbers with its first non-zero entry positive where
    the kernel allows it, so Sobel x gives ([1, 2, 1], [1, 0, -1]).
    """
    k = _check_kernel(k)
    u, s, vt = np.linalg.svd(k)
    if s[0] == 0:
        return np.zeros(k.shape[0]), np.zeros(k.shape[1])
    if len(s) > 1 and s[1] > tol * s[0]:
        return None
    col = u[:, 0] * np.sqrt(s[0])
    nice = _small_integers(col)
    if nice is not None:
        col = nice
    if col[np.flatnonzero(np.abs(col) > 1e-12)[0]] < 0:
        col = -col
    row = col @ k / (col @ col)
    tidy = np.round(row, 12)
    return col + 0.0, np.where(np.abs(tidy) < 1e-12, 0.0, tidy)  # + 0.0 turns -0 into 0


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
    channels = x.shape[0]
    # Resolve "same"/"full" for the whole kernel, so each pass pads exactly what the 2-D one would.
    pads_h = axis_padding(x.shape[1], len(col), sh, ph, 1, "rows")
    pads_w = axis_padding(x.shape[2], len(row), sw, pw, 1, "columns")
    xs = x.reshape(channels, 1, *x.shape[1:])
    column_kernel = col.reshape(1, 1, -1, 1)
    row_kernel = row.reshape(1, 1, 1, -1)
    middle = np.stack([conv2d(xs[c], column_kernel, (sh, 1), (pads_h, (0, 0)))[0] for c in range(channels)])
    out = np.stack([conv2d(middle[c][None], row_kernel, (1, sw), ((0, 0), pads_w))[0] for c in range(channels)])
    return middle, out


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
    c, h, w = (as_pair(v, "in_shape")[0] for v in shape)
    kh, kw = as_pair(kernel, "kernel size")
    sh, sw = as_pair(stride, "stride")
    ph, pw = resolve_padding(padding)
    ho = axis_output_size(h, kh, sh, ph, 1, "rows")
    wo = axis_output_size(w, kw, sw, pw, 1, "columns")
    first = Cost(c * ho * w * kh, c * ho * w * (kh - 1), kh, (c, ho, w))
    second = Cost(c * ho * wo * kw, c * ho * wo * (kw - 1), kw, (c, ho, wo))
    return first, second


def parse_kernel(text: str, max_size: int = MAX_KERNEL) -> np.ndarray:
    """A kernel typed as rows of numbers: "1 2 1; 0 0 0; -1 -2 -1" (rows split by ; or new lines,
    numbers by spaces or commas; fractions such as 1/16 allowed). Strict: anything else is refused
    with a message that says what is wrong."""
    if text is None or not str(text).strip():
        raise ConvConfigError('the kernel is empty: type rows of numbers, for example "1 2 1; 0 0 0; -1 -2 -1"')
    text = str(text)
    if len(text) > 2000:
        raise ConvConfigError(f"the kernel text is {len(text):,} characters long; a {max_size}×{max_size} kernel needs far "
                              f"fewer: type at most {max_size} rows of {max_size} numbers")
    lines = [line for line in text.replace("\n", ";").split(";") if line.strip()]
    if not lines:  # only separators, ";;;"
        raise ConvConfigError('the kernel is empty: type rows of numbers, for example "1 2 1; 0 0 0; -1 -2 -1"')
    rows = []
    for i, line in enumerate(lines, start=1):
        cells = [cell for cell in line.replace(",", " ").split() if cell]
        values = []
        for cell in cells:
            shown = cell if len(cell) <= 12 else cell[:12] + "…"
            try:
                value = float(Fraction(cell.replace("−", "-")))
            except OverflowError:  # a whole number too large for a float
                raise ConvConfigError(f"row {i}: {shown} is too large; keep kernel values within ±1,000,000") from None
            except (ValueError, ZeroDivisionError):
                raise ConvConfigError(f'row {i}: "{shown}" is not a number (use digits, a minus sign, a point or a fraction like 1/16)') from None
            if not np.isfinite(value) or abs(value) > 1e6:
                raise ConvConfigError(f"row {i}: {shown} is too large; keep kernel values within ±1,000,000")
            values.append(value)
        rows.append(values)
    if len(rows) > max_size or any(len(r) > max_size for r in rows):
        raise ConvConfigError(f"the kernel is larger than {max_size}×{max_size}: remove rows or numbers")
    widths = {len(r) for r in rows}
    if len(widths) != 1:
        counts = ", ".join(str(len(r)) for r in rows)
        raise ConvConfigError(f"every row needs the same count of numbers; these rows have {counts}: add or remove "
                              "numbers so that they match")
    return np.array(rows, dtype=float)


def format_kernel(k) -> str:
    """The inverse of parse_kernel: "1 2 1; 0 0 0; -1 -2 -1"."""
    def one(v):
        return str(int(v)) if float(v).is_integer() else f"{v:.6g}"
    return "; ".join(" ".join(one(v) for v in row) for row in np.asarray(k))
