"""The Depthwise separable lesson as plain functions: the lecture's two tables, counts against the loop twins,
the MobileNet reduction 1/N + 1/k², grouped convolutions, and depthwise then pointwise as one standard kernel."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import correlate2d

import engine
from engine import ConvConfigError
from lessons.blocks import ByWidth, Chart, Columns, GoingFurther, Metrics, Section
from lessons.depthwise_separable import (LECTURE_TABLE_1, LECTURE_TABLE_2, Config, build, equivalence,
                                         shown_pipeline)
from oracle import reference_conv2d

# The lecture's two tables: (layer, standard, depthwise, pointwise, depthwise separable multiplications)
LECTURE = [
    (LECTURE_TABLE_1, 86_400, 675, 9_600, 10_275),  # 7×7×3, 128 kernels of 3×3
    (LECTURE_TABLE_2, 1_228_800, 4_800, 49_152, 53_952),  # 12×12×3, 256 kernels of 5×5
]


@pytest.mark.parametrize("config, standard, depthwise, pointwise, separable", LECTURE)
def test_the_lectures_tables(config, standard, depthwise, pointwise, separable):
    lesson = build(config)
    assert (lesson.standard.multiplications, lesson.depthwise.multiplications, lesson.pointwise.multiplications,
            lesson.separable.multiplications) == (standard, depthwise, pointwise, separable)
    assert f"= **{standard:,}**" in lesson.table
    assert f"= **{depthwise:,}**" in lesson.table and f"= **{pointwise:,}**" in lesson.table
    assert lesson.separable_total == f"#### Depthwise separable: {depthwise:,} + {pointwise:,} = {separable:,}"
    assert lesson.standard_total == f"#### Standard: {standard:,}"
    # the predict question's explanation writes the same table and the sum
    assert lesson.table in lesson.explanation
    assert f"{depthwise:,} + {pointwise:,} = **{separable:,}**" in lesson.explanation
    assert f"{standard:,}" in lesson.explanation


def test_the_lecture_defaults_are_table_1():
    assert Config() == LECTURE_TABLE_1
    assert (Config().height, Config().width, Config().channels, Config().kernel_size, Config().kernels) == \
        (7, 7, 3, 3, 128)


# (layer, whether biases are counted): counted against the loop twins, one multiplication at a time
LAYERS = [
    Config(),
    Config(height=6, width=5, channels=2, kernel_size=3, kernels=4, stride=2, padding=1),
    Config(height=8, width=8, channels=3, kernel_size=5, kernels=5, padding="same", bias=True),
    Config(height=5, width=7, channels=4, kernel_size=1, kernels=3, stride=3, padding=2, bias=True),
    Config(height=3, width=3, channels=1, kernel_size=3, kernels=1),
]


@pytest.mark.parametrize("config", LAYERS)
def test_counts_are_the_loop_twins(config):
    lesson = build(config)
    rng = np.random.default_rng(1)
    c, n, k = config.channels, config.kernels, config.kernel_size
    x = rng.normal(size=config.in_shape)
    bias = rng.normal(size=n) if config.bias else None
    standard, separable = {}, {}
    engine.conv2d_loop(x, rng.normal(size=(n, c, k, k)), config.stride, config.padding, bias=bias, counter=standard)
    maps = engine.depthwise_conv2d_loop(x, rng.normal(size=(c, k, k)), config.stride, config.padding,
                                        counter=separable)
    out = engine.pointwise_conv2d_loop(maps, rng.normal(size=(n, c)), counter=separable)
    if config.bias:
        separable["additions"] += out.size  # one bias per output value, after the pointwise stage
    assert (lesson.standard.multiplications, lesson.standard.additions) == \
        (standard["multiplications"], standard["additions"])
    assert (lesson.separable.multiplications, lesson.separable.additions) == \
        (separable["multiplications"], separable["additions"])
    biases = n if config.bias else 0
    assert lesson.standard.params == n * c * k * k + biases
    assert lesson.separable.params == c * k * k + n * c + biases
    counts = {metric.label: metric.value for metric in lesson.counts}
    assert counts["Standard: multiplications"] == f"{standard['multiplications']:,}"
    assert counts["Separable: additions"] == f"{separable['additions']:,}"
    assert counts["Separable: parameters"] == f"{c * k * k + n * c + biases:,}"
    _, out_height, out_width = out.shape
    assert f"pointwise **{out_height}×{out_width}×{n}**" in lesson.shapes  # H×W×C, as the lecture writes it
    assert f"input **{config.height}×{config.width}×{c}**" in lesson.shapes


layers = st.builds(Config, height=st.integers(5, 20), width=st.integers(5, 20), channels=st.integers(1, 16),
                   kernel_size=st.integers(1, 5), kernels=st.integers(1, 300), stride=st.integers(1, 3),
                   padding=st.sampled_from([0, 1, 2, "same"]), groups=st.integers(1, 20), bias=st.booleans())


@settings(max_examples=25, deadline=None)
@given(layers)
def test_the_ratio_is_one_over_n_plus_one_over_k_squared(config):
    """Howard et al. 2017, section 3.1: separable ÷ standard = 1/N + 1/k², whatever the stride and padding."""
    lesson = build(config)
    formula = Fraction(1, config.kernels) + Fraction(1, config.kernel_size ** 2)
    assert lesson.ratio == formula
    assert lesson.ratio_check.holds and f"{formula.numerator}/{formula.denominator}" in lesson.ratio_check.text
    metrics = {metric.label: metric.value for metric in lesson.ratio_metrics}
    assert metrics["Measured: separable ÷ standard"] == metrics["MobileNet: 1/N + 1/k²"] == f"{float(formula):.4f}"
    assert metrics["Fewer multiplications"] == f"{float(1 / formula):.2f}×"
    assert "| multiplications |" in lesson.ratio_reason and "= 1/N + 1/k²" in lesson.ratio_reason
    # the groups the lesson uses always divide both C and N
    assert config.channels % lesson.groups == 0 and config.kernels % lesson.groups == 0


# (channels, kernels, groups asked for) -> (groups used, the warning's list of valid ones or None)
GROUPS = [
    ((8, 16, 4), (4, None)),
    ((6, 12, 4), (3, "the divisors of 6 that also divide 12 are 1, 2, 3, 6")),
    ((6, 12, 64), (6, "the divisors of 6 that also divide 12 are 1, 2, 3, 6")),
    ((3, 128, 2), (1, "the only divisor of 3 that also divides 128 is 1")),
    ((8, 12, 8), (4, "the divisors of 8 that also divide 12 are 1, 2, 4")),
]


@pytest.mark.parametrize("asked, expected", GROUPS)
def test_groups_use_the_nearest_divisor_of_c_and_n(asked, expected):
    channels, kernels, groups = asked
    used, valid = expected
    lesson = build(Config(channels=channels, kernels=kernels, groups=groups))
    assert lesson.groups == used
    if valid is None:
        assert lesson.groups_warning is None
    else:
        assert f"{valid}; using the nearest, groups = {used}." in lesson.groups_warning
    assert f"| **{used}** |" in lesson.groups_table
    assert (lesson.groups_caption is not None) == (used == 1 and valid is not None and "only" in valid)
    # g = 1 is the standard convolution, g = C with N = C the depthwise one
    assert lesson.groups_check.count("the same as") == 2 and "unlike" not in lesson.groups_check


def test_grouped_counts_are_the_grouped_loop():
    config = Config(height=6, width=6, channels=4, kernel_size=3, kernels=6, groups=2)
    lesson = build(config)
    per_group = {}
    for _ in range(2):  # two groups of 2 channels and 3 kernels each
        engine.conv2d_loop(np.ones((2, 6, 6)), np.ones((3, 2, 3, 3)), counter=per_group)
    assert f"| **2** | 3 × 3 × 2 | **{per_group['multiplications']:,}** |" in lesson.groups_table


def test_the_pipeline_is_cut_down_to_what_can_be_drawn_and_says_so():
    config = Config(height=14, width=9, channels=5, kernel_size=3, kernels=6, stride=1, padding=1)
    shown = shown_pipeline(config)
    assert shown.in_shape == (3, 12, 9)  # at most 3 channels of 12 rows, the lecture's largest input
    assert shown.example.output.shape == (6, 12, 9)  # every kernel computed and counted
    assert shown is shown_pipeline(Config(height=14, width=9, channels=5, kernel_size=3, kernels=6, padding=1,
                                          bias=True, groups=2))  # the same figure whatever the biases and groups
    for weights in (shown.example.depthwise, shown.example.pointwise):
        assert np.array_equal(weights, np.round(weights)) and np.abs(weights).max() <= 2
    padded = np.pad(shown.example.x, ((0, 0), (1, 1), (1, 1)))
    depthwise = np.stack([correlate2d(padded[c], shown.example.depthwise[c], mode="valid") for c in range(3)])
    assert np.allclose(shown.example.depthwise_maps, depthwise)
    assert np.allclose(shown.example.output, np.einsum("nc,chw->nhw", shown.example.pointwise, depthwise))
    assert np.allclose(shown.example.standard_maps,
                       reference_conv2d(shown.example.x, shown.example.standard, pads=((1, 1), (1, 1))))
    lesson = build(config)
    assert lesson.pipeline_text.startswith("A copy of this layer cut down to **12×9×3** (of 14×9×5)")
    assert "all 6 kernels" in lesson.pipeline_text
    assert build(LECTURE_TABLE_2).pipeline_text.startswith("This layer, **12×12×3** with 256 kernels of 5×5, at its "
                                                           "own size")

@pytest.mark.parametrize("config", [
    Config(height=6, width=7, channels=2, kernel_size=3, kernels=4),
    Config(height=9, width=8, channels=3, kernel_size=5, kernels=2, stride=2, padding=2),
    Config(height=7, width=7, channels=64, kernel_size=3, kernels=512, stride=3, padding="same"),
])
def test_depthwise_then_pointwise_is_a_standard_conv_with_p_times_d(config):
    example = equivalence(config)
    depthwise, pointwise, equivalent = example.depthwise, example.pointwise, example.equivalent
    kernels, channels = pointwise.shape
    for n in range(kernels):
        for c in range(channels):
            assert np.array_equal(equivalent[n, c], pointwise[n, c] * depthwise[c])  # W[n, c] = P[n, c] · D[c]
    x = np.random.default_rng(7).normal(size=(channels, config.height, config.width))
    two_stages = engine.pointwise_conv2d(engine.depthwise_conv2d(x, depthwise, config.stride, config.padding),
                                         pointwise)
    one_stage = engine.conv2d(x, equivalent, config.stride, config.padding)
    assert np.allclose(two_stages, one_stage, atol=1e-9)
    assert example.difference < 1e-9
    lesson = build(config)
    assert lesson.equivalence_check.holds
    assert f"Checked on a random {config.height}×{config.width}×{channels} input" in lesson.equivalence_check.text  # H×W×C
    assert f"{config.kernel_size}×{config.kernel_size} channel slices" in lesson.patterns_text


def test_a_small_layer_is_its_own_equivalence_example_with_its_parameters():
    lesson = build(Config(channels=2, kernels=4, kernel_size=3))
    assert lesson.equivalence_example.startswith("This layer itself, with C = 2, N = 4 and k = 3.")
    assert "separable C·k² + N·C = 2·3² + 4·2 = **26**" in lesson.parameters_text  # 18 + 8
    assert "standard N·C·k² = 4·2·3² = **72**" in lesson.parameters_text
    large = build(Config())
    assert large.equivalence_example.startswith("A small example with this layer's k = 3: C = 3 channels and N = 2")
    assert f"**{3 * 9 + 128 * 3:,}**" in large.parameters_text and f"**{128 * 3 * 9:,}**" in large.parameters_text


def test_biases_are_said_and_counted_once_per_output_channel():
    plain, biased = build(Config()), build(Config(bias=True))
    assert biased.standard.params - plain.standard.params == 128
    assert biased.separable.params - plain.separable.params == 128
    assert "Biases counted" in biased.bias_caption and "(128)" in biased.bias_caption
    assert plain.bias_caption.startswith("No biases counted")


@pytest.mark.parametrize("config, words", [
    (Config(height=3, kernel_size=7), "kernel 7 spans 7 cells but the padded input is 3"),
    (Config(kernels=0), "kernel"),
])
def test_an_impossible_layer_is_refused_with_the_fix(config, words):
    with pytest.raises(ConvConfigError, match=words):
        build(config)


@pytest.mark.parametrize("groups", [0, -3, 1.5, True])
def test_groups_must_be_a_whole_number_of_at_least_one(groups):
    with pytest.raises(ConvConfigError, match="groups must be a whole number of at least 1"):
        Config(groups=groups)


def test_the_question_names_the_layer_and_the_code_view_the_groups():
    lesson = build(Config(height=12, width=10, channels=8, kernel_size=5, kernels=16, stride=2, padding="same",
                          groups=4))
    assert lesson.question.startswith("Input 12×10×8 (height × width × channels), N = 16 kernels of 5×5, stride 2, "
                                      'padding "same"')
    assert "groups = 4" in lesson.code_caption


def written(blocks) -> str:
    """Every text, caption, formula, metric and check in these blocks (and sections), in order."""
    parts = []
    for block in blocks:
        if isinstance(block, Section):
            parts += [block.title, written(block.blocks)]
        elif isinstance(block, Columns):
            parts += [written(column) for column in block.columns]
        elif isinstance(block, Metrics):
            parts += [f"{metric.label}: {metric.value}" for metric in block.metrics]
        elif block is not None and not isinstance(block, (Chart, ByWidth)):  # ByWidth: two layouts of a chart
            parts.append(getattr(block, "markdown", None) or getattr(block, "text", None) or block.latex)
    return "\n".join(parts)


def test_the_sections_write_the_lectures_numbers():
    *path, further = build(LECTURE_TABLE_1).sections
    assert [section.title for section in path] == [
        "The two stages, on one example", "The lecture's table, computed", "How much cheaper: 1/N + 1/k²"]
    # the side topics, folded after the lecture's path
    assert isinstance(further, GoingFurther) and [section.title for section in further.sections] == [
        "The ratio for other layers", "Additions, parameters, biases", "Between the two: grouped convolution",
        "What separability gives up"]
    assert further.title.startswith("Going further · The ratio for other layers · Additions, parameters, biases")
    sections = (*path, *further.sections)
    text = written(sections)
    assert "3 × 3 × 3 × 5 × 5 × 128 = **86,400**" in text and "#### Standard: 86,400" in text
    assert "#### Depthwise separable: 675 + 9,600 = 10,275" in text
    assert "Standard: multiplications: 86,400" in text and "Separable: multiplications: 10,275" in text
    blocks = [inner for section in sections for block in section.blocks
              for inner in ((*block.wide, *block.narrow) if isinstance(block, ByWidth) else (block,))]
    charts = [block.key for block in blocks if isinstance(block, Chart)]
    # the other two sit in columns; the pipeline in two layouts, for screens 1,600 px and wider and for narrower ones
    assert charts == ["pipeline", "pipeline__narrow", "chart_ratio"]
    (by_width,) = [block for section in sections for block in section.blocks if isinstance(block, ByWidth)]
    wide, narrow = by_width.wide[0].figure, by_width.narrow[0].figure
    assert wide.step_count == narrow.step_count == 25 and wide.step_labels == narrow.step_labels  # one count
