"""The Depthwise lesson as a plain function: the lecture's figures, every map against
scipy.signal.correlate2d on its own channel, the counts against the multiplies that result implies,
and the text written with the computed numbers."""

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy.signal import correlate2d

import engine
from engine import ConvConfigError
from lessons.depthwise import CUSTOM, CUSTOM_START, EXAMPLES, LECTURE, Config, build


def oracle_pads(size: int, span: int, stride: int, padding) -> tuple[int, int]:
    """Zeros before and after along one axis; "same" as Keras and TensorFlow pad it: the output
    ceil(size / stride) long, an odd zero going after."""
    if padding != "same":
        return padding, padding
    total = max((math.ceil(size / stride) - 1) * stride + span - size, 0)
    return total // 2, total - total // 2


def scipy_depthwise(inputs, kernels, stride, padding, dilation):
    """Map j: kernel j correlated with channel j // m alone (scipy), the kernel spread out by the
    dilation, every stride-th window kept."""
    multiplier = len(kernels) // len(inputs)
    _, height, width = inputs.shape
    maps = []
    for j, kernel in enumerate(kernels):
        size = kernel.shape[0]
        span = (size - 1) * dilation + 1
        dilated = np.zeros((span, span))
        dilated[::dilation, ::dilation] = kernel
        channel = np.pad(inputs[j // multiplier], (oracle_pads(height, span, stride, padding),
                                                   oracle_pads(width, span, stride, padding)))
        maps.append(correlate2d(channel, dilated, mode="valid")[::stride, ::stride])
    return np.stack(maps)


# (configuration, what the lecture prints for it)
LECTURE_FIGURES = [
    # "a kernel of size 3×3 and an input of size 6×6 with 16 channels: 16×3×3 kernels ... 4×4 output size and 16 channels"
    (Config(), dict(kernels=(16, 3, 3), output="4×4×16")),
    # 7×7×3 input, 3×3×1 kernels moving 5×5 times, 3 kernels: 3 × 3 × 1 × 5 × 5 × 3 = 675
    (Config(height=7, width=7, channels=3), dict(kernels=(3, 3, 3), output="5×5×3", multiplications=675)),
    # 12×12×3 input, 5×5×1 kernels moving 8×8 times, 3 kernels: 5 × 5 × 1 × 8 × 8 × 3 = 4,800
    (Config(height=12, width=12, channels=3, kernel_size=5),
     dict(kernels=(3, 5, 5), output="8×8×3", multiplications=4800)),
]


@pytest.mark.parametrize("config, lecture", LECTURE_FIGURES)
def test_the_lectures_figures(config, lecture):
    lesson = build(config)
    assert lesson.kernels.shape == lecture["kernels"]
    assert lesson.metrics["Output"] == lecture["output"]
    if "multiplications" in lecture:
        assert lesson.cost.multiplications == lecture["multiplications"]
        assert lesson.metrics["All kernels"] == f"{lecture['multiplications']:,}"


CONFIGS = [
    Config(),
    Config(height=7, width=7, channels=3),
    Config(height=5, width=5, channels=3, kernel_size=1),
    Config(height=7, width=6, channels=3, multiplier=2, stride=2, padding=1),
    Config(height=8, width=5, channels=4, kernel_size=2, padding="same", dilation=2, pattern="checkerboard"),
    Config(height=8, width=8, channels=2, kernel_size=3, multiplier=3, stride=3, padding=2, kernel="Sobel x"),
    Config(height=6, width=7, channels=1, kernel_size=4, padding="same", stride=2, kernel="box blur",
           pattern="diagonal line"),
    Config(height=8, width=8, channels=5, kernel_size=5, dilation=2, padding=2, kernel="sharpen", seed=7),
]


@pytest.mark.parametrize("config", CONFIGS)
def test_every_map_is_scipys_correlation_of_its_own_channel(config):
    lesson = build(config)
    expected = scipy_depthwise(lesson.inputs, lesson.kernels, config.stride, config.padding, config.dilation)
    np.testing.assert_allclose(lesson.trace.output, expected, atol=1e-9)
    maps, out_h, out_w = expected.shape
    assert (lesson.maps, lesson.output_height, lesson.output_width) == (maps, out_h, out_w)
    assert lesson.metrics["Output"] == f"{out_h}×{out_w}×{maps}"
    assert maps == config.channels * config.multiplier  # one map per kernel, m kernels per channel


@pytest.mark.parametrize("config", CONFIGS)
def test_the_counts_are_the_multiplies_of_every_window(config):
    lesson = build(config)
    maps, out_h, out_w = scipy_depthwise(lesson.inputs, lesson.kernels, config.stride, config.padding,
                                         config.dilation).shape
    taps = config.kernel_size ** 2  # a depthwise kernel has depth 1: k × k × 1 products a window
    assert lesson.per_kernel == out_h * out_w * taps
    assert lesson.cost.multiplications == maps * out_h * out_w * taps
    assert lesson.cost.params == maps * taps  # no bias
    assert lesson.metrics["Multiplications per kernel"] == f"{out_h * out_w * taps:,}"
    assert lesson.metrics["Parameters"] == f"{maps * taps:,}"
    assert lesson.answers == [("Multiplications", maps * out_h * out_w * taps)]
    assert lesson.scan.step_count == out_h * out_w  # every kernel moves together, one step a position
    assert lesson.scan.step_labels[-1].endswith(f"{maps * out_h * out_w * taps:,} multiplications")


@pytest.mark.parametrize("config", CONFIGS)
def test_the_text_carries_the_computed_numbers(config):
    lesson = build(config)
    maps, out_h, out_w = lesson.cost.out_shape
    size, total = config.kernel_size, f"**{lesson.cost.multiplications:,}**"
    formula = f"{size} × {size} × 1 × {out_h} × {out_w} × {maps} = {total}"
    assert formula in lesson.explanation and formula in lesson.cost_text
    assert f"**{lesson.per_kernel:,}** multiplications" in lesson.cost_text
    assert f"= **{lesson.cost.params:,}** (no bias)" in lesson.cost_text
    assert f"A {config.height}×{config.width} input with {config.channels} channel" in lesson.question
    assert f"stride {config.stride}" in lesson.question and f"dilation {config.dilation}" in lesson.question
    assert f"({maps} maps of {out_h}×{out_w})" in lesson.scan_title
    assert lesson.volumes_title.endswith(f"{out_h}×{out_w}×{maps}")
    labels = [t["text"] for t in lesson.volumes.to_dict()["data"] if t.get("mode") == "text"][0]
    assert f"output {out_h}×{out_w}×{maps}" in labels
    assert f"input {config.height}×{config.width}×{config.channels}" in labels  # H×W×C, as the lecture writes
    assert lesson.volumes.step_count == lesson.scan.step_count == out_h * out_w
    assert f"groups={config.channels}" in lesson.code_caption and "C×H×W" in lesson.code_caption
    assert f"{config.height}×{config.width}×{config.channels}" in lesson.code_caption


@pytest.mark.parametrize("channels, multiplier, channels_text, kernels_text",
                         [(1, 1, "1 channel", "1 kernel"), (3, 2, "3 channels", "2 kernels")])
def test_one_or_several(channels, multiplier, channels_text, kernels_text):
    lesson = build(Config(height=5, width=5, channels=channels, multiplier=multiplier))
    assert f"with {channels_text}," in lesson.question
    assert f"There are {channels_text} × {kernels_text} per channel" in lesson.explanation


def test_the_code_view_is_of_this_configuration():
    lesson = build(Config(height=5, width=4, channels=2, multiplier=2, stride=2, padding=1))
    snippets = lesson.code()
    assert snippets.params == lesson.cost.params == 4 * 3 * 3
    assert "groups=2" in snippets.pytorch


# the lecture's example fixes the sizes; custom takes the sliders'
SLIDERS = dict(height=3, width=4, channels=2, kernel_size=2, multiplier=2, stride=2)
EXAMPLE_CONFIGS = [
    (LECTURE, Config(multiplier=2, stride=2)),
    (CUSTOM, Config(height=3, width=4, channels=2, kernel_size=2, multiplier=2, stride=2)),
]


@pytest.mark.parametrize("example, expected", EXAMPLE_CONFIGS)
def test_an_example_sets_the_sizes_or_leaves_them_to_the_sliders(example, expected):
    assert Config.for_example(example, **SLIDERS) == expected


def test_the_defaults_are_the_lectures_example_and_custom_starts_small():
    lecture = EXAMPLES[LECTURE]
    assert (Config().height, Config().width, Config().channels, Config().kernel_size) == (
        lecture["height"], lecture["width"], lecture["channels"], lecture["kernel_size"])
    assert CUSTOM_START.in_shape == (3, 5, 5) and CUSTOM_START.kernel_size == 3


IMPOSSIBLE = [
    (dict(example=CUSTOM, height=2, width=2, kernel_size=5), "spans 5 cells but the padded input is 2"),
    (dict(example=CUSTOM, height=4, width=4, kernel_size=3, dilation=3), "dilation 3 spans 7 cells"),
    (dict(example=LECTURE, padding="huge"), "padding"),
    (dict(example=LECTURE, multiplier=0), "depth multiplier must be at least 1"),
    (dict(example="tampered"), "unknown example 'tampered'"),
]


@pytest.mark.parametrize("settings, message", IMPOSSIBLE)
def test_impossible_configurations_say_what_to_change(settings, message):
    settings = dict(settings)
    with pytest.raises(ConvConfigError, match=message):
        Config.for_example(settings.pop("example"), **settings)


@settings(max_examples=40, deadline=None)
@given(height=st.integers(2, 8), width=st.integers(2, 8), channels=st.integers(1, 4), kernel_size=st.integers(1, 5),
       multiplier=st.integers(1, 3), stride=st.integers(1, 3), padding=st.sampled_from([0, 1, 2, "same"]),
       dilation=st.integers(1, 3), pattern=st.sampled_from(engine.INPUT_PATTERNS), seed=st.integers(0, 99))
def test_any_configuration_matches_scipy_or_is_refused(height, width, channels, kernel_size, multiplier, stride,
                                                        padding, dilation, pattern, seed):
    span = (kernel_size - 1) * dilation + 1
    fits = all(size + sum(oracle_pads(size, span, stride, padding)) >= span for size in (height, width))
    settings = dict(height=height, width=width, channels=channels, kernel_size=kernel_size, multiplier=multiplier,
                    stride=stride, padding=padding, dilation=dilation, pattern=pattern, seed=seed)
    if not fits:
        with pytest.raises(ConvConfigError, match=f"spans {span} cells"):
            Config(**settings)
        return
    config = Config(**settings)
    lesson = build(config)
    expected = scipy_depthwise(lesson.inputs, lesson.kernels, stride, padding, dilation)
    np.testing.assert_allclose(lesson.trace.output, expected, atol=1e-9)
    assert lesson.cost.multiplications == expected.size * kernel_size ** 2
    assert f"**{expected.size * kernel_size ** 2:,}**" in lesson.explanation
