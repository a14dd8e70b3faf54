"""The Spatially separable page's one animation of both routes (viz.synced), its kernels' numbers, its
error chart and its difference picture, against plain loops and the engine's traces."""

import re

import numpy as np
import pytest

from conftest import assert_plotly_js_ready
from lessons import separable_image
from lessons.spatially_separable import Config, build
from viz import separable as figures
from viz.animated import CAPTION
from viz.synced import HIDDEN

COUNTER = re.compile(r"Two passes ([\d,]+) \+ ([\d,]+) = ([\d,]+) multiplications against the full kernel's ([\d,]+)")
CONFIGS = [Config(), Config(stride=2, padding="same", height=7, width=8),
           Config(kernel="Gaussian 5×5", height=9, width=6, padding=1, operation="convolution"),
           Config(kernel="random", random_size=4, seed=3, height=6, width=7, padding="full")]


def loop_counts(config):
    """What each route has multiplied after each step of the animation, counted by plain loops over the
    output positions: pass 1 then pass 2 one position a step, the full kernel's positions spread evenly."""
    kh, kw = config.kernel_values().shape
    routes = build(config).routes
    h1, w1 = routes.first.output.shape[1:]
    ho, wo = routes.full.output.shape[1:]
    first_positions = [(r, c) for r in range(h1) for c in range(w1)]
    second_positions = [(r, c) for r in range(ho) for c in range(wo)]
    total = len(first_positions) + len(second_positions)
    expected = []
    a = b = 0
    for s in range(total):
        if s < len(first_positions):
            a += kh
        else:
            b += kw
        full_done = 0
        while full_done * total < (s + 1) * len(second_positions):  # ceil((s + 1) · F / T) positions
            full_done += 1
        expected.append((a, b, a + b, full_done * kh * kw))
    return expected


@pytest.mark.parametrize("presenter", [False, True])
@pytest.mark.parametrize("config", CONFIGS)
def test_one_animation_counts_both_routes_step_by_step(config, presenter):
    figure = build(config, presenter=presenter).routes.figure
    expected = loop_counts(config)
    assert figure.step_count == len(expected)
    shown = [tuple(int(n.replace(",", "")) for n in COUNTER.search(frame["layout"][CAPTION]).groups())
             for frame in figure.frames]
    assert shown == expected
    # and the words under the chart say the same, step by step
    texts = figure.step_texts()
    assert all(f"Two passes {a:,} + {b:,} = {t:,}" in text for (a, b, t, _), text in zip(expected, texts))


@pytest.mark.parametrize("presenter", [False, True])
def test_the_lectures_numbers_at_the_last_step(presenter):
    figure = build(Config(), presenter=presenter).routes.figure
    assert figure.step_count == 15 + 9 == 24
    last = figure.step_texts([23])[0]
    assert "Two passes 45 + 27 = 72 multiplications against the full kernel's 81" in last
    assert last.startswith("Step 24/24 · pass 2 9/9 · full kernel 9/9")
    assert figure.step_texts([0])[0].startswith("Step 1/24 · pass 1 1/15 · full kernel 1/9: Two passes 3 + 0 = 3 "
                                                "multiplications against the full kernel's 9")


@pytest.mark.parametrize("presenter", [False, True])
@pytest.mark.parametrize("config", CONFIGS)
def test_every_frame_puts_the_windows_where_the_traces_are(config, presenter):
    """The window outlines ride on overlay axes 2 (full), 5 (pass 1) and 8 (pass 2), shifted by the frames:
    the shift of each frame is the position engine.scan_trace / two_pass_trace give for that step."""
    routes = build(config, presenter=presenter).routes
    figure = routes.figure
    layout = figure.to_dict()["layout"]
    x_range, y_range = layout["xaxis"]["range"], layout["yaxis"]["range"]
    expected = loop_counts(config)
    kh, kw = config.kernel_values().shape
    for s, frame in enumerate(figure.frames):
        keys = frame["layout"]
        a, b, _, full_count = expected[s]
        for n, trace, done, shown in ((2, routes.full, full_count // (kh * kw), True),
                                      (5, routes.first, a // kh, b == 0), (8, routes.second, b // kw, True)):
            dx = x_range[0] - keys[f"xaxis{n}.range"][0]
            dy = y_range[0] - keys[f"yaxis{n}.range"][0]
            if done == 0 or not shown:
                assert dx == pytest.approx(HIDDEN), (s, n)
            else:
                assert (dx, dy) == (pytest.approx(trace.left[done - 1]), pytest.approx(trace.top[done - 1])), (s, n)


def test_the_figure_is_what_plotly_takes_at_every_step():
    figure = build(Config()).routes.figure
    for step in (0, 11, 23):
        assert_plotly_js_ready(figure.at_step(step).to_dict() | {"frames": []})
    assert_plotly_js_ready(figure.enlarged(1.35).to_dict())


def text_px(text: str, size: float) -> float:
    return len(text) * 0.56 * size


@pytest.mark.parametrize("config", [Config(kernel="random", random_size=7), Config(kernel="random", random_size=7, terms=7),
                                    Config(kernel="Gaussian 5×5"), Config(kernel="custom", custom="0.123 -0.456; 7 8")])
@pytest.mark.parametrize("presenter", [False, True])
def test_numbers_on_kernel_cells_never_overlap(config, presenter):
    lesson = build(config, presenter=presenter)
    for figure in (lesson.verdict.kernels_figure, lesson.terms.kernels_figure):
        layout = figure.layout
        x_span = layout.xaxis.range[1] - layout.xaxis.range[0]
        y_span = layout.yaxis.range[0] - layout.yaxis.range[1]
        height = layout.height - layout.margin.t - layout.margin.b
        cell = min(height / y_span, 10_000)
        for trace in figure.data:
            longest = max(len(t) for row in trace.text for t in row)
            assert text_px("8" * longest, trace.textfont.size) <= cell * 0.95, (trace.text, trace.textfont.size, cell)
        assert x_span * cell <= 1400 + 1


def test_a_rank_1_kernel_says_its_error_is_exactly_0():
    lesson = build(Config())
    figure = lesson.terms.errors_figure
    assert max(lesson.terms.errors) == 0
    notes = [a.text for a in figure.layout.annotations]
    assert any("Exact: rank 1, the error is 0" in note for note in notes), notes
    assert not build(Config(kernel="Laplacian")).terms.errors_figure.layout.annotations  # errors say it themselves


def test_the_difference_picture_says_when_it_is_blank():
    assert separable_image.difference_caption(0.0, 100) == \
        "difference: none, the two routes agree exactly (a blank picture)"
    assert separable_image.difference_caption(2.5e-6, 100).startswith("difference: largest 2.5e-06, floating-point")
    assert separable_image.difference_caption(2.5, 100) == "difference: largest 2.5"


def test_the_pages_small_figures_pass_plotly_validation_when_the_costs_are_unknown():
    figure = figures.error_by_rank_figure([0.0, 0.0], None, None, 1)
    assert_plotly_js_ready(figure.to_dict())
