"""What every code view shares: the Snippets it returns, numbers as the pages write them, arrays as NumPy text."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

LITERAL_LIMIT = 100  # an array with more values than this is drawn at random in the snippet, not written out
TABS = ("NumPy", "PyTorch", "Keras")


@dataclass(frozen=True)
class Snippets:
    """The three texts of one configuration, the parameter count the PyTorch text states first, and
    random_arrays: whether the NumPy text draws an array of the page at random instead of writing it out
    (too large, or a page that shows counts only), so that the values it prints differ from the page's."""

    numpy: str
    pytorch: str
    keras: str
    params: int
    random_arrays: bool

    def items(self) -> list[tuple[str, str]]:
        """[(tab label, code)] in the order of TABS."""
        return list(zip(TABS, (self.numpy, self.pytorch, self.keras)))


def count(n: int) -> str:
    """As the pages write counts (viz.count): 86400 -> '86,400'."""
    return f"{int(n):,}"


def times(*factors) -> str:
    return " × ".join(str(f) for f in factors)


def params_line(formula: str, total: int) -> str:
    """The line every text states its parameter count on, which the tests read."""
    return f"# parameters: {formula} = {count(total)}"


def multiplications_line(formula: str, total: int) -> str:
    return f"# multiplications: {formula} = {count(total)}"


def pair(a: int, b: int) -> str:
    """An int argument when both axes agree, else a (rows, cols) tuple."""
    return str(a) if a == b else f"({a}, {b})"


def text(lines) -> str:
    return "\n".join(lines).rstrip() + "\n"


def indent(lines, spaces: int = 4) -> list[str]:
    return [" " * spaces + line for line in lines]


def padding_words(padding, pads) -> str:
    (t, b), (l, r) = pads
    name = f'"{padding}"' if isinstance(padding, str) else str(padding)
    return f"padding {name}: {t} above, {b} below, {l} left, {r} right"


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


def _nested(texts: np.ndarray, depth: int) -> str:
    if texts.ndim == 1:
        return "[" + ", ".join(texts) + "]"
    gap = ",\n" + " " * (depth + 1)
    return "[" + gap.join(_nested(sub, depth + 1) for sub in texts) + "]"


def _array(name: str, a, comment: str, low: int, high: int) -> tuple[list[str], bool]:
    """Lines that define `name` as the array a: written out when small, else seeded random whole numbers
    in [low, high). Returns (lines, whether they use `rng`)."""
    a = np.asarray(a, dtype=float)
    shape = tuple(int(v) for v in a.shape)
    if a.size > LITERAL_LIMIT:
        return [f"# {comment}: {count(a.size)} values, too many to write out, so random whole numbers here",
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


def arrays(*specs) -> tuple[list[str], bool]:
    """The lines defining several arrays, each spec (name, array, comment, low, high), with the seeded
    generator first if any is too large to write out; and whether one is (then its values are random)."""
    lines, random = [], False
    for spec in specs:
        more, drawn = _array(*spec)
        lines += more
        random |= drawn
    return (["rng = np.random.default_rng(0)"] if random else []) + lines, random
