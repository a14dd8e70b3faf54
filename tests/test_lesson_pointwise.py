"""The Pointwise lesson as a plain function: its output against a plain matrix product, its counts
against the multiplies of a plain loop and the lecture's two pointwise stages, and the text written
with the computed numbers."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import engine
from engine import ConvConfigError
from lessons.pointwise import LECTURE_STAGES, Config, build, lecture_table


def matrix_product(inputs, weights):
    """(H·W × C) · (C × N), back to (N, H, W): the pointwise convolution as one matrix product."""
    channels, height, width = inputs.shape
    return (inputs.reshape(channels, -1).T @ weights.T).T.reshape(-1, height, width)


def multiplies_in_a_loop(inputs, weights) -> int:
    """Every multiply a 1×1×C kernel does, counted one by one at every pixel."""
    channels, height, width = inputs.shape
    done = 0
    for _ in weights:
        for _ in range(height):
            for _ in range(width):
                for _ in range(channels):
                    done += 1
    return done


# the lecture: "1 × 1 × 3 × 5 × 5 × 128 = 9.600" and "1 × 1 × 3 × 8 × 8 × 256 = 49,152"
LECTURE_FIGURES = [(Config(height=5, width=5, channels=3, kernels=128), 9600),
                   (Config(height=8, width=8, channels=3, kernels=256), 49152)]


@pytest.mark.parametrize("config, multiplications", LECTURE_FIGURES)
def test_the_lectures_pointwise_stages(config, multiplications):
    lesson = build(config)
    assert lesson.cost.multiplications == multiplications
    assert lesson.metrics["Multiplications"] == f"{multiplications:,}"
    assert lesson.metrics["Output"] == f"{config.height}×{config.width}×{config.kernels}"
    row = f"| {config.height}×{config.width}×3 | {config.kernels} | 1 × 1 × 3 × {config.height} × {config.width} × "
    assert f"{row}{config.kernels} | {multiplications:,} |" in lecture_table()


def test_the_lecture_table_has_the_lectures_two_stages():
    assert [Config(**stage) for stage in LECTURE_STAGES] == [config for config, _ in LECTURE_FIGURES]
    assert build(Config()).lecture_table == lecture_table()


CONFIGS = [
    Config(),
    Config(height=2, width=2, channels=1, kernels=1),
    Config(height=4, width=7, channels=5, kernels=3, pattern="checkerboard", seed=7),
    Config(height=8, width=8, channels=8, kernels=6, seed=99),
    Config(height=3, width=6, channels=2, kernels=4, pattern="vertical edge", seed=12),
]


@pytest.mark.parametrize("config", CONFIGS)
def test_the_output_is_a_plain_matrix_product(config):
    lesson = build(config)
    assert lesson.inputs.shape == config.in_shape
    assert lesson.weights.shape == (config.kernels, config.channels)
    assert set(np.unique(lesson.weights)) <= {-2, -1, 0, 1, 2}  # small whole numbers, products a student can read
    np.testing.assert_allclose(lesson.output, matrix_product(lesson.inputs, lesson.weights), atol=1e-12)
    assert lesson.agrees and lesson.difference < 1e-9
    assert "Same result both ways" in lesson.check_text and f"all {lesson.output.size} values" in lesson.check_text


@pytest.mark.parametrize("config", CONFIGS)
def test_the_counts_are_the_multiplies_of_a_loop(config):
    lesson = build(config)
    done = multiplies_in_a_loop(lesson.inputs, lesson.weights)
    pixels_times_kernels = config.height * config.width * config.kernels
    assert lesson.cost.multiplications == done
    assert lesson.cost.additions == done - pixels_times_kernels  # one fewer than the products of each value
    assert lesson.cost.params == lesson.weights.size  # no bias
    assert lesson.answers == [("Multiplications", done)]
    assert lesson.metrics == {"Multiplications": f"{done:,}", "Additions": f"{done - pixels_times_kernels:,}",
                              "Parameters": f"{lesson.weights.size:,}",
                              "Output": f"{config.height}×{config.width}×{config.kernels}"}
    assert lesson.scan.step_count == config.height * config.width * config.kernels
    assert lesson.scan.step_labels[-1].endswith(f"{done:,} multiplications")


@pytest.mark.parametrize("config", CONFIGS)
def test_the_text_carries_the_computed_numbers(config):
    lesson = build(config)
    height, width, channels, kernels = config.height, config.width, config.channels, config.kernels
    formula = f"N × H × W × C = {kernels} × {height} × {width} × {channels} = **{lesson.cost.multiplications:,}**"
    assert formula in lesson.explanation and formula in lesson.cost_text
    assert f"{kernels} × {height} × {width} × {channels - 1} = **{lesson.cost.additions:,}**" in lesson.cost_text
    assert f"N × C = {kernels} × {channels} = **{lesson.cost.params:,}**" in lesson.cost_text
    assert f"A {height}×{width} input with {channels} channel" in lesson.question
    pixels = height * width
    assert lesson.product_title.endswith(f"({pixels} × {channels}) · ({channels} × {kernels}) = ({pixels} × {kernels})")
    assert f"{height}·{width} = {pixels} rows" in lesson.product_text
    assert f"at every one of the {height}×{width} pixels" in lesson.scan_title


@pytest.mark.parametrize("channels, kernels, words", [
    (1, 1, ["1 channel and 1 pointwise kernel", "its 1 channel", "1 value is multiplied", "1 weight, one"]),
    (3, 2, ["3 channels and 2 pointwise kernels", "all 3 channels", "3 values are multiplied", "3 weights, one"]),
])
def test_one_or_several(channels, kernels, words):
    lesson = build(Config(channels=channels, kernels=kernels))
    text = lesson.question + lesson.scan_text
    for word in words:
        assert word in text


def test_the_code_view_is_of_this_configuration():
    lesson = build(Config(height=3, width=4, channels=5, kernels=2))
    assert lesson.code().params == lesson.cost.params == 10


@pytest.mark.parametrize("settings", [dict(height=0), dict(channels=0), dict(kernels=0)])
def test_an_empty_size_is_refused(settings):
    with pytest.raises(ConvConfigError, match="at least 1"):
        Config(**settings)


@settings(max_examples=40, deadline=None)
@given(height=st.integers(1, 12), width=st.integers(1, 12), channels=st.integers(1, 10), kernels=st.integers(1, 8),
       pattern=st.sampled_from(engine.INPUT_PATTERNS), seed=st.integers(0, 10**6))
def test_any_configuration_is_a_matrix_product(height, width, channels, kernels, pattern, seed):
    lesson = build(Config(height=height, width=width, channels=channels, kernels=kernels, pattern=pattern, seed=seed))
    np.testing.assert_allclose(lesson.output, matrix_product(lesson.inputs, lesson.weights), atol=1e-12)
    assert lesson.cost.multiplications == height * width * channels * kernels
    assert f"**{height * width * channels * kernels:,}**" in lesson.explanation
