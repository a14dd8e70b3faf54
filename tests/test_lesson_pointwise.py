"""The Pointwise lesson as a plain function: its input is the depthwise stage's output of the same
example (against engine.depthwise_conv2d, and against what the Depthwise page computes for the same
custom sizes), its output against a plain matrix product, its counts against the multiplies of a
plain loop and the lecture's two tables, and the text written with the computed numbers."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import engine
from engine import ConvConfigError
from lessons import depthwise
from lessons.pointwise import (CUSTOM, EXAMPLES, LECTURE_STAGES, TABLE_1, TABLE_2, Config, build, lecture_table)


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
LECTURE_FIGURES = [(Config.for_example(TABLE_1), 9600), (Config.for_example(TABLE_2), 49152)]


def test_the_default_is_the_lectures_table_1():
    assert Config() == Config.for_example(TABLE_1) == Config.for_example(TABLE_1, height=2, kernels=1)
    assert Config().depthwise_input == (7, 7, 3)
    assert Config.for_example(TABLE_2).depthwise_input == (12, 12, 3)
    assert Config.for_example(CUSTOM, height=4, width=6, channels=2, kernel_size=1, kernels=5).in_shape == (2, 4, 6)
    with pytest.raises(ConvConfigError, match="unknown example"):
        Config.for_example("table 3")


@pytest.mark.parametrize("config, multiplications", LECTURE_FIGURES)
def test_the_lectures_pointwise_stages(config, multiplications):
    lesson = build(config)
    assert lesson.cost.multiplications == multiplications == multiplies_in_a_loop(lesson.inputs, lesson.weights)
    assert lesson.metrics["Multiplications"] == f"{multiplications:,}"
    assert lesson.metrics["Output"] == f"{config.height}×{config.width}×{config.kernels}"
    row = f"| {config.height}×{config.width}×3 | {config.kernels} | 1 × 1 × 3 × {config.height} × {config.width} × "
    assert f"{row}{config.kernels} | {multiplications:,} |" in lecture_table()
    assert lesson.scan.step_labels[-1].endswith(f"{multiplications:,} of {multiplications:,} multiplications")


def test_the_lecture_table_has_the_lectures_two_stages():
    assert [Config(**stage, kernel_size=k) for stage, k in zip(LECTURE_STAGES, (3, 5))] == [c for c, _ in LECTURE_FIGURES]
    assert build(Config()).lecture_table == lecture_table()


CONFIGS = [
    Config(),
    Config.for_example(TABLE_2),
    Config(height=2, width=2, channels=1, kernel_size=1, kernels=1),
    Config(height=4, width=7, channels=5, kernel_size=2, kernels=3, seed=7),
    Config(height=8, width=8, channels=8, kernel_size=5, kernels=256, seed=99),
    Config(height=3, width=6, channels=2, kernels=4, seed=12),
    Config(height=2, width=2, channels=8, kernel_size=1, kernels=6),  # kernels wider than their maps: one drawn
]


@pytest.mark.parametrize("config", CONFIGS)
def test_the_input_is_the_depthwise_output_of_the_same_example(config):
    lesson = build(config)
    example = lesson.example
    height, width, channels = config.depthwise_input
    assert example.x.shape == (channels, height, width)
    assert example.depthwise.shape == (channels, config.kernel_size, config.kernel_size)
    np.testing.assert_array_equal(lesson.inputs, engine.depthwise_conv2d(example.x, example.depthwise))
    assert lesson.inputs.shape == config.in_shape
    np.testing.assert_array_equal(lesson.weights, example.pointwise)
    np.testing.assert_array_equal(lesson.output, example.output)


def test_the_depthwise_page_set_to_custom_7x7x3_shows_the_same_maps():
    """The page says so: the Depthwise page, custom, 7×7×3 with 3×3 kernels, makes the maps this page starts from."""
    made = depthwise.build(depthwise.Config(height=7, width=7, channels=3, kernel_size=3))
    lesson = build(Config())
    np.testing.assert_array_equal(engine.depthwise_conv2d(made.inputs, made.kernels), lesson.inputs)
    assert "the Depthwise page, custom, 7×7×3 with 3×3 kernels, shows them being made" in lesson.source_text
    assert "the 5×5×3 depthwise maps of the 7×7×3 example" in lesson.source_text


@pytest.mark.parametrize("config", CONFIGS)
def test_the_output_is_a_plain_matrix_product(config):
    lesson = build(config)
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
    assert lesson.scan.step_count == config.height * config.width  # one step per pixel
    assert lesson.scan.step_labels[-1].endswith(f"{done:,} of {done:,} multiplications")


@pytest.mark.parametrize("config", CONFIGS)
def test_the_text_carries_the_computed_numbers(config):
    lesson = build(config)
    height, width, channels, kernels = config.height, config.width, config.channels, config.kernels
    formula = f"N × H × W × C = {kernels} × {height} × {width} × {channels} = **{lesson.cost.multiplications:,}**"
    assert formula in lesson.explanation and formula in lesson.cost_text
    assert f"{kernels} × {height} × {width} × {channels - 1} = **{lesson.cost.additions:,}**" in lesson.cost_text
    assert f"N × C = {kernels} × {channels} = **{lesson.cost.params:,}**" in lesson.cost_text
    assert f"The {height}×{width}×{channels} depthwise maps ({channels} channel" in lesson.question
    pixels = height * width
    assert f"({pixels} × {channels}) · ({channels} × {kernels}) = ({pixels} × {kernels})" in lesson.scan_text
    assert f"at every one of the {height}×{width} pixels" in lesson.scan_title
    h_in, w_in, _ = config.depthwise_input
    assert f"the {height}×{width}×{channels} depthwise maps of the {h_in}×{w_in}×{channels} example" in lesson.source_text
    assert "keeps its colour" in lesson.legend
    drawn = sum(trace["name"].startswith("output map") for trace in lesson.scan.to_dict()["data"])
    if kernels > drawn > 1:
        assert f"the first {drawn} of the {kernels} kernels and their maps are drawn" in lesson.scan_text
    elif kernels > drawn:
        assert f"only kernel 1 of the {kernels} and its map are drawn" in lesson.scan_text
    else:
        assert f"{kernels} kernel{'s' if kernels > 1 else ''} drawn" in lesson.scan_text


@pytest.mark.parametrize("channels, kernels, words", [
    (1, 1, ["1 channel) and 1 pointwise kernel", "its 1 channel", "1 value is multiplied", "1 weight, one"]),
    (3, 2, ["3 channels) and 2 pointwise kernels", "all 3 channels", "3 values are multiplied", "3 weights, one"]),
])
def test_one_or_several(channels, kernels, words):
    lesson = build(Config(channels=channels, kernels=kernels))
    text = lesson.question + lesson.scan_text
    for word in words:
        assert word in text


def test_the_code_view_is_of_the_data_shown():
    lesson = build(Config(height=3, width=4, channels=5, kernels=2))
    snippets = lesson.code()
    assert snippets.params == lesson.cost.params == 10
    assert "3 × 4" in snippets.numpy or "5 × 3 × 4" in snippets.numpy


@pytest.mark.parametrize("settings", [dict(height=0), dict(channels=0), dict(kernels=0), dict(kernel_size=0)])
def test_an_empty_size_is_refused(settings):
    with pytest.raises(ConvConfigError, match="at least 1"):
        Config(**settings)


@settings(max_examples=30, deadline=None)
@given(height=st.integers(1, 8), width=st.integers(1, 8), channels=st.integers(1, 8), kernel_size=st.integers(1, 5),
       kernels=st.integers(1, 300), seed=st.integers(0, 99))
def test_any_configuration_is_a_matrix_product_of_the_depthwise_maps(height, width, channels, kernel_size, kernels,
                                                                      seed):
    lesson = build(Config(height=height, width=width, channels=channels, kernel_size=kernel_size, kernels=kernels,
                          seed=seed))
    np.testing.assert_array_equal(lesson.inputs, engine.depthwise_conv2d(lesson.example.x, lesson.example.depthwise))
    np.testing.assert_allclose(lesson.output, matrix_product(lesson.inputs, lesson.weights), atol=1e-12)
    assert lesson.cost.multiplications == height * width * channels * kernels
    assert f"**{height * width * channels * kernels:,}**" in lesson.explanation
