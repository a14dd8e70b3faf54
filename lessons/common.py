"""What several lessons say alike: kernels written as text and LaTeX, padding in words, the counting
convention, and convolution as cross-correlation with the kernel turned by 180°. No Streamlit."""

from __future__ import annotations

import numpy as np

import engine
import viz
from viz import style

LECTURE_SOBEL = engine.SEPARABLE_PRESETS["Sobel x (lecture: 1 0 −1)"]

COUNTING_CONVENTION = ("Counting convention: every multiply the sliding kernel performs, padded zeros included, as "
                       "the lecture, the MobileNet paper and tools such as fvcore count mult-adds. The products of one "
                       "output value are added with one fewer addition than there are products.")


def padding_text(padding: int | str) -> str:
    """'padding 1' or 'padding "same"'."""
    return f'padding "{padding}"' if isinstance(padding, str) else f"padding {padding}"


def matrix_text(kernel) -> str:
    """A kernel as nested lists: [[1, 0, −1], [2, 0, −2], [1, 0, −1]]."""
    return "[" + ", ".join("[" + ", ".join(viz.number(v) for v in row) + "]" for row in kernel) + "]"


def tex_number(text: str) -> str:
    """A number as viz.style writes it, in LaTeX: 1e−13 as 10^{-13}, 2.5e−13 as 2.5 × 10^{-13}."""
    mantissa, _, exponent = text.replace("−", "-").partition("e")
    if not exponent:
        return mantissa
    power = f"10^{{{exponent}}}"
    if mantissa in ("1", "-1"):
        return mantissa[:-1] + power
    return rf"{mantissa} \times {power}"


def bmatrix(kernel) -> str:
    """A kernel (or a column, or a row) as a LaTeX matrix, its values written as the grids write them
    (a kernel of 1e-13s in powers of ten, not as zeros)."""
    kernel = np.asarray(kernel)
    cells = np.reshape([tex_number(text) for text in style.numbers(kernel)], kernel.shape)
    return r"\begin{bmatrix}" + r" \\ ".join(" & ".join(row) for row in cells) + r"\end{bmatrix}"


def flip_explanation(more: str = "") -> str:
    """Why convolution is cross-correlation with the kernel turned by 180° (markdown), with `more`
    said before the sentence on symmetric and antisymmetric kernels."""
    return (
        "**Convolution = cross-correlation with the kernel turned by 180°.** Signal processing (and "
        "`scipy.signal.convolve2d`) flips the kernel before it slides; PyTorch and Keras do not, and call the "
        "unflipped scan convolution too (a network just learns the flipped weights). The lecture's Sobel x "
        f"{matrix_text(LECTURE_SOBEL)} flips to {matrix_text(engine.flip_kernel(LECTURE_SOBEL))}: the lecture's two "
        f"sign conventions are the two sides of this flip. {more}An antisymmetric kernel (Sobel) changes sign, and "
        "so does its output; a symmetric one (box blur, Gaussian) is its own flip and gives the same output. "
        "Multiplications, additions and parameters are unchanged: the same products, other weights."
    )


def flip_effect(kernels) -> str:
    """What turning the kernels by 180° does to the output, in one sentence: `kernels` is one (kh, kw) kernel,
    or the weights (n, channels, kh, kw) of n kernels; one kernel is spoken of in the singular."""
    kernels = np.asarray(kernels)
    one = kernels.ndim == 2 or kernels.shape[0] == 1
    subject, verb, own, negatives = (("this kernel", "is", "its", "its negative") if one
                                     else ("these kernels", "are", "their", "their negatives"))
    flipped = engine.flip_kernel(kernels)
    if np.array_equal(flipped, kernels):
        return (f"{subject.capitalize()} {verb} {own} own flip (symmetric), so the output is the same as with "
                "cross-correlation.")
    if np.array_equal(flipped, -kernels):
        return (f"The flip turns {subject} into {negatives} (antisymmetric), so every output value changes sign "
                "against cross-correlation.")
    return (f"{subject.capitalize()} {verb} neither symmetric nor antisymmetric under the flip, so the output "
            "differs from cross-correlation's in more than its sign.")


def plural(number: int, word: str) -> str:
    """'1 channel', '3 channels'."""
    return f"{number} {word}{'' if number == 1 else 's'}"
