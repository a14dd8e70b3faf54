"""The Network costs lesson as plain functions: MobileNet v1 against the paper's printed figures (Howard et al.
2017, Tables 2, 4, 6 and 7) and against a count written here from Table 1 and the paper's cost formula."""

import io
import itertools
import math

import pandas as pd
import pytest

from lessons.network_costs import Config, build, mult_adds_factor

# Table 1, after the first layer: (stride of the depthwise layer, output channels of the pointwise one)
TABLE_1 = [(1, 64), (2, 128), (1, 128), (2, 256), (1, 256), (2, 512), (1, 512), (1, 512), (1, 512), (1, 512),
           (1, 512), (2, 1024), (1, 1024)]
CLASSES = 1000


def paper_count(alpha: float, resolution: int, separable: bool = True) -> tuple[int, int]:
    """Mult-adds and parameters from Table 1 and the paper's equations 2 and 5 (D_K² · M · D_F² for a depthwise
    layer, M · N · D_F² for a pointwise one, D_K² · M · N · D_F² for a standard one); fully connected biases in."""
    def width(channels):
        return max(1, round(channels * alpha))

    side = math.ceil(resolution / 2)  # the first convolution: 3×3, stride 2, "same" padding
    channels = width(32)
    mult_adds, params = 9 * 3 * channels * side * side, 9 * 3 * channels
    for stride, out in TABLE_1:
        side = math.ceil(side / stride)
        if separable:
            mult_adds += 9 * channels * side * side + channels * width(out) * side * side
            params += 9 * channels + channels * width(out)
        else:
            mult_adds += 9 * channels * width(out) * side * side
            params += 9 * channels * width(out)
        channels = width(out)
    return mult_adds + channels * CLASSES, params + channels * CLASSES + CLASSES


# What the paper prints: (α, resolution) -> (million mult-adds, million parameters), Tables 6 and 7
PRINTED = [
    (Config(), 569, 4.2),
    (Config(alpha=0.75), 325, 2.6),
    (Config(alpha=0.5), 149, 1.3),
    (Config(alpha=0.25), 41, 0.5),
    (Config(resolution=192), 418, 4.2),
    (Config(resolution=160), 290, 4.2),
    (Config(resolution=128), 186, 4.2),
]


@pytest.mark.parametrize("config, mult_adds, params", PRINTED)
def test_the_papers_printed_totals(config, mult_adds, params):
    lesson = build(config)
    counted = lesson.total.multiplications / 1e6
    assert abs(counted - mult_adds) < 1  # Table 7 prints 290 for 290.7 million at 160×160
    assert round(lesson.total.params / 1e6, 1) == params
    mobilenet = {metric.label: metric.value for box in lesson.totals for metric in box.metrics}
    assert mobilenet["Mult-adds"] == f"{counted:.0f} M" and mobilenet["Parameters"] == f"{params} M"
    assert lesson.title.endswith(f"{counted:.0f} M mult-adds")
    assert f"**{mult_adds} M** mult-adds and **{params} M** parameters" in lesson.comparison


@pytest.mark.parametrize("alpha, resolution", itertools.product((0.25, 0.5, 0.75, 1.0), (128, 160, 192, 224)))
def test_totals_are_table_1_counted_by_hand(alpha, resolution):
    lesson = build(Config(alpha, resolution))
    assert (lesson.total.multiplications, lesson.total.params) == paper_count(alpha, resolution)
    assert (lesson.standard_total.multiplications, lesson.standard_total.params) == \
        paper_count(alpha, resolution, separable=False)
    factor = paper_count(alpha, resolution, False)[0] / paper_count(alpha, resolution)[0]
    assert lesson.factor == pytest.approx(factor, rel=1e-12)
    assert f"multiplies the work by **{factor:.1f}**" in lesson.comparison
    assert lesson.table["mult-adds"][lesson.table["in the totals"]].sum() == lesson.total.multiplications


def test_the_standard_network_is_table_4s():
    lesson = build(Config())
    assert lesson.standard_total.multiplications / 1e6 == pytest.approx(4866, rel=1e-3)  # "4866 million"
    assert round(lesson.standard_total.params / 1e6, 1) == 29.3
    assert "its Table 4 prints **4,866 M**" in lesson.comparison
    assert mult_adds_factor() == pytest.approx(lesson.factor) and f"{lesson.factor:.1f}" == "8.6"


def test_table_2_shares_and_its_swapped_digits():
    """Table 2: 1×1 convolutions do 94.86% of the mult-adds; its parameter shares leave the FC biases out."""
    lesson = build(Config(fc_bias=False))
    shares = lesson.shares.set_index("type")
    assert shares.loc["pointwise 1×1", "share of the mult-adds"] == "94.86%"
    assert lesson.pointwise_percent == pytest.approx(94.86, abs=0.005)
    for kind, printed in [("pointwise 1×1", "74.59%"), ("depthwise 3×3", "1.06%"), ("standard 3×3", "0.02%"),
                          ("fully connected", "24.33%")]:
        assert shares.loc[kind, "share of the parameters"] == printed, kind
    # the first layer's share is 1.91%: Table 2's 1.19% has its digits swapped
    assert shares.loc["standard 3×3", "share of the mult-adds"] == "1.91%"
    assert "**1.19%**" in lesson.shares_text and "**1.91%**" in lesson.shares_text
    assert lesson.shares_title.endswith(": 1×1 convolutions do 95% of the work")
    assert "Table 2: mult-adds" not in build(Config(alpha=0.5)).shares.columns


def test_the_explanation_counts_the_pointwise_layers():
    lesson = build(Config())
    pointwise = [layer for layer in lesson.layers if layer.kind == "pointwise 1×1"]
    by_hand = sum(math.prod(layer.in_shape) * layer.cost.out_shape[0] for layer in pointwise)  # H·W·C·N each
    assert len(pointwise) == 13
    assert f"The 13 pointwise layers do {by_hand:,} of the network's {lesson.total.multiplications:,}" in \
        lesson.explanation
    assert f"**{100 * by_hand / lesson.total.multiplications:.2f}%**" in lesson.explanation


@pytest.mark.parametrize("bias, fc_bias", itertools.product((False, True), repeat=2))
def test_biases_count_one_per_output_channel(bias, fc_bias):
    lesson = build(Config(bias=bias, fc_bias=fc_bias))
    plain = build(Config(fc_bias=False))
    convolutions = [layer for layer in plain.layers if layer.kind not in ("average pool", "fully connected")]
    added = (sum(layer.cost.out_shape[0] for layer in convolutions) if bias else 0) + (CLASSES if fc_bias else 0)
    assert lesson.total.params - plain.total.params == added
    assert ("counted here anyway" in lesson.counting) == bias
    assert ("left out here" in lesson.counting) == (not fc_bias)
    assert lesson.parameters_help == ("weights and biases" if bias or fc_bias else "weights")
    if bias or not fc_bias:
        assert "set the two boxes that way to compare" in lesson.comparison


def test_the_csv_is_the_layer_table():
    lesson = build(Config(alpha=0.5, resolution=160))
    table = pd.read_csv(io.StringIO(lesson.csv))
    assert lesson.csv_name == "mobilenet_v1_alpha0.5_160.csv"
    assert table["mult-adds"].tolist() == [layer.cost.multiplications for layer in lesson.layers]
    assert len(table) == 29 and lesson.table_title == "Layer by layer: 29 rows"
    assert lesson.table_text.startswith("28 layers with weights, as the paper counts them (1 standard 3×3, "
                                        "13 depthwise 3×3, 13 pointwise 1×1, 1 fully connected)")
    assert "1/25 per channel" in lesson.pool_help  # 160 px → a 5×5 map before the pool
