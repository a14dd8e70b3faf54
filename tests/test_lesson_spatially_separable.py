"""The Spatially separable lesson as plain functions: the lecture's 81 against 45 + 27 = 72, both
routes against scipy.signal.correlate2d / convolve2d on a table of kernels, strides, paddings and
operations, the low-rank terms against NumPy's SVD, and the text written with the computed numbers."""

import io
import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from PIL import Image
from scipy.signal import convolve2d, correlate2d

import engine
import uploads
from engine import ConvConfigError
from lessons import separable_image
from lessons.blocks import WIDE_SCREEN_PX, ByWidth, Chart, Check, Columns, GoingFurther, Metrics, Notice, Section, Text
from lessons.common import bmatrix, flip_effect
from lessons.spatially_separable import INTRO, Config, build, pass_traces

SOBEL = "Sobel x (lecture: 1 0 −1)"

ROOT = Path(__file__).resolve().parent.parent


def pads_along(size: int, span: int, step: int, padding) -> tuple[int, int]:
    """Zeros before and after along one axis. "same" as PyTorch and Keras pad it: an output of
    ceil(size / step) cells, the odd zero after."""
    if padding == "same":
        total = max(-(-size // step) * step - step + span - size, 0)
        return total // 2, total - total // 2
    each = {"valid": 0, "full": span - 1}.get(padding, padding)
    return each, each


def scipy_route(x, kernel, stride, pads, operation):
    """x (H, W) zero padded by `pads` ((top, bottom), (left, right)) and filtered by scipy, every stride-th
    output kept: correlate2d, or convolve2d for convolution."""
    filtered = (convolve2d if operation == "convolution" else correlate2d)(np.pad(x, pads), kernel, mode="valid")
    return filtered[::stride[0], ::stride[1]]


def counted_multiplications(output_shape, taps: int) -> int:
    """One multiply per kernel tap at every output cell: the loop a student would write."""
    count = 0
    for _ in range(int(np.prod(output_shape))):
        for _ in range(taps):
            count += 1
    return count


# ---- the lecture's example

def test_the_lectures_example_is_81_against_45_plus_27():
    lesson = build(Config())
    routes = lesson.routes
    # the lecture's published numbers
    assert (routes.full_cost.multiplications, routes.first_cost.multiplications,
            routes.second_cost.multiplications, routes.two_pass_multiplications) == (81, 45, 27, 72)
    # and the multiplies the three scans perform, counted one by one
    assert counted_multiplications(routes.full.output.shape, 9) == 81
    assert counted_multiplications(routes.first.output.shape, 3) == 45
    assert counted_multiplications(routes.second.output.shape, 3) == 27
    assert [trace.multiplications_so_far[-1] for trace in (routes.full, routes.first, routes.second)] == [81, 45, 27]
    np.testing.assert_array_equal(lesson.kernel, np.outer([1, 2, 1], [1, 0, -1]))
    np.testing.assert_array_equal(lesson.col, [1, 2, 1])
    np.testing.assert_array_equal(lesson.row, [1, 0, -1])
    assert lesson.exact and lesson.rank == 1 and routes.agree


def test_the_lectures_example_in_the_words_shown():
    lesson = build(Config())
    assert "81 against 45 + 27 = 72 on a 5×5 image" in INTRO
    assert "3 × (3×5) + 3 × (3×3) = 45 + 27 = **72**" in lesson.question.explanation
    assert lesson.question.fields == [("Full 3×3 kernel", 81), ("Two passes in all", 72)]
    assert "**81**" in lesson.routes.counts and "45 + 27 = **72**" in lesson.routes.counts
    assert [(m.label, m.value) for m in lesson.routes.metrics] == [
        ("Full 3×3 kernel", "81"), ("Pass 1: 3×1", "45"), ("Pass 2: 1×3", "27"), ("Two passes in all", "72")]
    assert lesson.routes.metrics[-1].delta == "-9 against the full kernel"
    assert r"\begin{bmatrix}1 \\ 2 \\ 1\end{bmatrix} \times \begin{bmatrix}1 & 0 & -1\end{bmatrix}" in lesson.verdict.text
    assert "3 + 3 = **6** numbers instead of 3 × 3 = **9**" in lesson.verdict.text
    assert lesson.routes.agreement == "Same output by both routes, to the last digit."


def drawn(items):
    """Every block as the page draws it, in order: a section, then its blocks; columns, then each column's."""
    for block in items:
        if isinstance(block, Section):
            yield block
            yield from drawn(block.blocks)
        elif isinstance(block, GoingFurther):  # drawn once opened
            yield block
            yield from drawn(block.sections)
        elif isinstance(block, Columns):
            yield block
            for column in block.columns:
                yield from drawn(column)
        elif isinstance(block, ByWidth):  # both sent, one shown
            yield block
            yield from drawn(block.wide)
            yield from drawn(block.narrow)
        elif block is not None:
            yield block


def test_the_sections_hold_the_lectures_81_and_72():
    lesson = build(Config())
    shown = list(drawn([*lesson.sections, *lesson.after_image]))
    assert [block.title for block in shown if isinstance(block, Section)] == [
        "Can this kernel be split?", "Full kernel against two passes", "Any kernel as a sum of separable kernels",
        "Multiplications per output pixel"]
    (metrics,) = [block for block in shown if isinstance(block, Metrics)]
    assert [(m.label, m.value) for m in metrics.metrics] == [
        ("Full 3×3 kernel", "81"), ("Pass 1: 3×1", "45"), ("Pass 2: 1×3", "27"), ("Two passes in all", "72")]
    assert metrics.metrics[-1].delta == "-9 against the full kernel"
    text = " ".join(block.markdown for block in shown if isinstance(block, Text))
    assert "positions × 9 multiplications = **81**" in text and "45 + 27 = **72**" in text
    assert "1 × 72 = **72** multiplications against **81**" in text
    (check,) = [block for block in shown if isinstance(block, Check)]
    assert check.holds and check.text == "Same output by both routes, to the last digit."
    # the chart keys are link parameters (?step= for the one animation of both routes, side by side; its stacked
    # layout, for screens under 1,600 px, keyed scan__narrow and opened by the same ?step=)
    assert [block.key for block in shown if isinstance(block, Chart)] == [
        "kernels", "singular", "scan", "scan__narrow", "terms", "errors", "per_pixel"]
    (by_width,) = [block for block in shown if isinstance(block, ByWidth)]
    assert [block.key for block in by_width.wide] == ["scan"] and [block.key for block in by_width.narrow] == [
        "scan__narrow"]
    css = (ROOT / "assets" / "columns.css").read_text()  # the switch is at 1,600 px, as WIDE_SCREEN_PX says
    assert f"@media (min-width: {WIDE_SCREEN_PX}px)" in css and WIDE_SCREEN_PX == 1600
    # the lecture's path first, the side topics folded under Going further
    (further,) = [block for block in shown if isinstance(block, GoingFurther)]
    assert [section.title for section in further.sections] == [
        "Any kernel as a sum of separable kernels", "Multiplications per output pixel"]
    assert [section and section.title for section in lesson.sections] == [
        "Can this kernel be split?", None, "Full kernel against two passes"]


def test_convolution_adds_the_flip_section_and_impossible_sizes_stop_at_the_routes_title():
    titles = [section.title for section in build(Config(operation="convolution")).sections]
    assert titles[1] == "Convolution: the kernel turned by 180°" and len(titles) == 3
    lesson = build(Config(kernel="Gaussian 5×5", height=3, width=3))
    assert [section and (section.title, len(section.blocks)) for section in lesson.sections] == [
        ("Can this kernel be split?", 1), None, ("Full kernel against two passes", 1)]
    (notice,) = lesson.sections[2].blocks  # the routes' section explains itself; the rest is still built
    assert isinstance(notice, Notice) and notice.warning and "cannot be computed" in notice.markdown
    assert "padded input is 3" in notice.markdown.replace("\\", "")
    assert lesson.terms is not None and lesson.after_image


@pytest.mark.parametrize("kernels, sentence", [
    (np.outer([1, 2, 1], [1, 0, -1]), "The flip turns this kernel into its negative (antisymmetric)"),
    (np.ones((1, 3, 2, 2)), "This kernel is its own flip (symmetric)"),
    (np.arange(4.0).reshape(2, 2), "This kernel is neither symmetric nor antisymmetric"),
    (np.ones((2, 1, 3, 3)), "These kernels are their own flip (symmetric)"),
    (np.stack([np.outer([1, 2, 1], [1, 0, -1])] * 3)[:, None], "The flip turns these kernels into their negatives"),
    (np.arange(8.0).reshape(2, 1, 2, 2), "These kernels are neither symmetric nor antisymmetric"),
])
def test_the_flips_effect_in_the_kernels_number(kernels, sentence):
    assert flip_effect(kernels).startswith(sentence)


# ---- both routes against scipy, on a table of kernels

KERNELS = [  # (config fields naming the kernel, separable)
    (dict(kernel=SOBEL), True),
    (dict(kernel="Sobel y (−1 0 1)"), True),
    (dict(kernel="Scharr x"), True),
    (dict(kernel="Gaussian 5×5"), True),
    (dict(kernel="box blur 3×3"), True),
    (dict(kernel="Laplacian"), False),
    (dict(kernel="sharpen"), False),
    (dict(kernel="custom", custom="1 2 3; 2 4 6"), True),  # 2×3, an even side
    (dict(kernel="custom", custom="1 0 -1"), True),  # 1×3
    (dict(kernel="custom", custom="1 2; 3 4"), False),
    (dict(kernel="random", random_size=4, seed=9), False),
]
SCANS = [  # (height, width, stride, padding)
    (5, 5, 1, 0), (7, 8, 2, 1), (6, 7, 1, "same"), (7, 7, 2, "same"), (5, 6, 3, "full"), (6, 5, 1, "valid"),
]
ROWS = [(Config(**kernel, height=h, width=w, stride=s, padding=p, operation=op), separable)
        for (kernel, separable), (h, w, s, p), op in itertools.product(KERNELS, SCANS, ["correlation", "convolution"])]


@pytest.mark.parametrize("config, separable", ROWS)
def test_both_routes_against_scipy(config, separable):
    kernel = config.kernel_values()
    assert (np.linalg.matrix_rank(kernel) == 1) == separable
    x = engine.input_pattern(config.pattern, 1, config.height, config.width, config.seed)
    factors = engine.separable_factors(kernel)
    col, row = factors if separable else (engine.low_rank(kernel).cols[0], engine.low_rank(kernel).rows[0])
    stride = (config.stride, config.stride)
    kh, kw = kernel.shape
    pads = (pads_along(config.height, kh, config.stride, config.padding),
            pads_along(config.width, kw, config.stride, config.padding))
    full, first, second = pass_traces(x, kernel, col, row, config.stride, config.padding, config.operation)
    assert full.pads == pads
    np.testing.assert_allclose(full.output[0], scipy_route(x[0], kernel, stride, pads, config.operation), atol=1e-9)
    # the two passes equal the one rank-1 kernel outer(col, row): the kernel itself when it is separable
    np.testing.assert_allclose(second.output[0], scipy_route(x[0], np.outer(col, row), stride, pads, config.operation),
                               atol=1e-9)
    if separable:
        np.testing.assert_allclose(second.output, full.output, atol=1e-9)
    # pass 1 alone is the kh×1 column down the rows, which it pads as the full kernel does, and no column
    column_only = scipy_route(x[0], col[:, None], (config.stride, 1), (pads[0], (0, 0)), config.operation)
    np.testing.assert_allclose(first.output[0], column_only, atol=1e-9)
    middle, output = engine.two_pass_conv2d(x, col, row, config.stride, config.padding, operation=config.operation)
    np.testing.assert_allclose(first.output, middle, atol=1e-12)
    np.testing.assert_allclose(second.output, output, atol=1e-12)


@pytest.mark.parametrize("config, separable", ROWS[::5])
def test_the_lesson_counts_what_its_scans_multiply(config, separable):
    lesson = build(config)
    routes = lesson.routes
    kh, kw = lesson.kernel.shape
    for trace, cost, taps in ((routes.full, routes.full_cost, kh * kw), (routes.first, routes.first_cost, kh),
                              (routes.second, routes.second_cost, kw)):
        assert counted_multiplications(trace.output.shape, taps) == cost.multiplications
        assert trace.multiplications_so_far[-1] == cost.multiplications
    assert routes.agree == separable == lesson.exact
    total = routes.first_cost.multiplications + routes.second_cost.multiplications
    assert f"= **{total:,}**." in routes.counts
    assert [m.value for m in routes.metrics] == [f"{n:,}" for n in (routes.full_cost.multiplications,
                                                                    routes.first_cost.multiplications,
                                                                    routes.second_cost.multiplications, total)]
    if config.operation == "convolution":
        np.testing.assert_array_equal(routes.full.kernels[0, 0], lesson.kernel[::-1, ::-1])
        np.testing.assert_array_equal(routes.first.kernels[0, 0, :, 0], lesson.col[::-1])
        np.testing.assert_array_equal(routes.second.kernels[0, 0, 0], lesson.row[::-1])
    if separable:
        assert "Rank 1: separable" in lesson.verdict.text
    else:
        assert f"Rank {lesson.rank}: not separable" in lesson.verdict.text
        assert "the outputs differ: the largest difference is" in routes.agreement


@settings(max_examples=60, deadline=None)
@given(col=st.lists(st.integers(-4, 4), min_size=1, max_size=5), row=st.lists(st.integers(-4, 4), min_size=1, max_size=5),
       height=st.integers(5, 9), width=st.integers(5, 9), stride=st.integers(1, 3),
       padding=st.sampled_from([0, 1, 2, "valid", "same", "full"]), operation=st.sampled_from(["correlation", "convolution"]),
       seed=st.integers(0, 99))
def test_any_outer_product_by_two_passes_is_scipys_full_kernel(col, row, height, width, stride, padding, operation, seed):
    kernel = np.outer(col, row).astype(float)
    x = engine.input_pattern("random integers", 1, height, width, seed)
    full, _, second = pass_traces(x, kernel, np.array(col, float), np.array(row, float), stride, padding, operation)
    pads = tuple(pads_along(size, span, stride, padding) for size, span in zip((height, width), kernel.shape))
    expected = scipy_route(x[0], kernel, (stride, stride), pads, operation)
    np.testing.assert_array_equal(full.output[0], expected)  # whole numbers: exact
    np.testing.assert_array_equal(second.output[0], expected)


# ---- the flip, the low-rank terms, the verdict

def test_convolution_turns_the_kernel_and_reverses_both_factors():
    lesson = build(Config(operation="convolution"))
    flipped = np.outer([1, 2, 1], [-1, 0, 1])  # the lecture's other sign convention
    assert bmatrix(flipped) in lesson.flip.used_latex
    assert lesson.flip.used_latex.endswith(r"= \begin{bmatrix}1 \\ 2 \\ 1\end{bmatrix} \times "
                                           r"\begin{bmatrix}-1 & 0 & 1\end{bmatrix}")
    assert "changes sign" in lesson.flip.captions[-1] and lesson.flip.side_by_side
    assert "turned by 180°" in lesson.flip.explanation
    assert build(Config()).flip is None
    assert "same as with cross-correlation" in build(Config(kernel="Gaussian 3×3", operation="convolution")).flip.captions[-1]


@pytest.mark.parametrize("config, used", [(Config(kernel="Laplacian", terms=7), 3), (Config(kernel="Laplacian", terms=2), 2),
                                          (Config(kernel="random", random_size=4, seed=9, terms=1), 1),
                                          (Config(kernel="custom", custom="1 2 3; 4 5 7", terms=5), 2)])
def test_terms_against_numpys_singular_values(config, used):
    lesson = build(config)
    terms = lesson.terms
    singular = np.linalg.svd(lesson.kernel, compute_uv=False)
    # Eckart-Young: keeping r terms leaves the root of the sum of the other squared singular values
    expected = [float(np.sqrt((singular[r:] ** 2).sum())) for r in range(1, len(singular) + 1)]
    np.testing.assert_allclose(terms.errors, expected, atol=1e-9 * np.abs(lesson.kernel).max())
    assert terms.used == used and terms.errors[-1] == 0
    assert (terms.note is not None) == (config.terms > min(lesson.kernel.shape))
    per_term = lesson.routes.two_pass_multiplications
    assert f"{used} × {per_term:,} = **{used * per_term:,}** multiplications" in terms.text


def test_a_rank_two_kernel_names_its_rank_and_its_error():
    lesson = build(Config(kernel="custom", custom="1 2; 3 4"))
    singular = np.linalg.svd(lesson.kernel, compute_uv=False)
    assert lesson.rank == 2 and not lesson.exact
    assert f"leaves an error of **{singular[1]:.3f}".rstrip("0") in lesson.verdict.text
    np.testing.assert_allclose(np.outer(lesson.col, lesson.row), engine.low_rank(lesson.kernel).approximation(1))


# ---- what cannot be computed

@pytest.mark.parametrize("fields, message", [
    (dict(kernel="custom", custom="1 2; 3"), "these rows have 2, 1"),
    (dict(kernel="no such kernel"), "unknown kernel"),
    (dict(operation="convolve"), "operation must be"),
    (dict(pattern="noise"), "input values"),
    (dict(terms=8), "separable terms must be from 1 to 7"),
])
def test_an_impossible_config_says_which_parameter(fields, message):
    with pytest.raises(ConvConfigError, match=message):
        Config(**fields)


def test_a_kernel_larger_than_the_input_keeps_the_verdict_and_explains_the_rest():
    lesson = build(Config(kernel="Gaussian 5×5", height=3, width=3))
    assert lesson.routes is None and lesson.question is None
    assert "what the terms cost needs an input the kernel fits" in lesson.terms.text
    assert "kernel" in str(lesson.error)
    assert "Rank 1: separable" in lesson.verdict.text


# ---- the real-image panel

def png(array: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(array).save(out, format="PNG")
    return out.getvalue()


def test_a_sample_image_filtered_with_its_counts():
    lesson = build(Config())
    data = separable_image.sample("rings (grey)")
    pixels, _ = uploads.load_image(data)
    channels, height, width = pixels.shape
    panel = separable_image.filter_image(data, lesson.image_filter)
    captions = [picture.caption for picture in panel.pictures]
    assert captions[0] == f"input {width}×{height}, {channels} channel" + ("s" if channels > 1 else "")
    assert captions[1] == f"full kernel: {channels * (height - 2) * (width - 2) * 9:,} multiplications"
    assert captions[2] == f"two passes: {channels * ((height - 2) * width * 3 + (height - 2) * (width - 2) * 3):,} " \
                          "multiplications"
    largest = float(captions[3].removeprefix("difference: largest ").split(",")[0])
    assert largest < 1e-4 and "floating-point rounding: the two routes agree" in captions[3]  # float32 rounding
    assert all(Image.open(io.BytesIO(picture.jpeg)).format == "JPEG" for picture in panel.pictures)
    assert separable_image.sample(separable_image.UPLOAD) is None


def test_an_image_smaller_than_the_kernel_is_explained_and_a_broken_file_refused():
    tiny = png(np.full((3, 3), 128, np.uint8))
    panel = separable_image.filter_image(tiny, build(Config(kernel="Gaussian 5×5")).image_filter)
    assert panel.pictures == [] and "kernel" in str(panel.error)
    with pytest.raises(uploads.ImageError):
        separable_image.filter_image(b"\x89PNG\r\n\x1a\nbroken", build(Config()).image_filter)
