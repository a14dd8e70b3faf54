"""The Flattening lesson as a plain function: both orders against NumPy's reshape and transpose (what
PyTorch's nn.Flatten on NCHW and Keras' Flatten on channels-last do), the dense layer's parameters against
published figures, and the text it writes."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import ConvConfigError
from lessons.flattening import COUNTING, Config, build


def framework_flatten(volume, order):
    """PyTorch: (N, C, H, W) -> (N, C·H·W) keeps C, H, W in memory order. Keras: (N, H, W, C) -> (N, H·W·C)."""
    if order == "CHW":
        return volume[None].reshape(1, -1)[0]
    return np.transpose(volume, (1, 2, 0))[None].reshape(1, -1)[0]


def cell_of(volume, vector, entry):
    """The (c, h, w) of a volume whose values are all different, found by value; `entry` and the
    result counted from 1, as the page counts (NumPy's indexes are one less)."""
    (c,), (h,), (w,) = np.nonzero(volume == vector[entry - 1])
    return c + 1, h + 1, w + 1


ROWS = [  # config -> (channel, row, column) entry config.entry came from, all counted from 1
    (Config(), (1, 2, 1)),  # the small example: 2×3×2 counting 1..12, entry 4 in CHW order
    (Config(order="HWC", entry=2), (2, 1, 1)),
    (Config(order="HWC"), (2, 1, 2)),
    (Config(channels=3, height=4, width=5, entry=60), (3, 4, 5)),
    (Config(channels=3, height=4, width=5, order="HWC", entry=60), (3, 4, 5)),
    (Config(channels=4, height=5, width=5, order="HWC", entry=38), (2, 2, 5)),
    (Config(channels=1, height=1, width=1, entry=1), (1, 1, 1)),
]


@pytest.mark.parametrize("config, cell", ROWS)
def test_entries_come_from_their_cells_as_the_frameworks_flatten(config, cell):
    lesson = build(config)
    size = config.channels * config.height * config.width
    assert lesson.vector.shape == (size,)
    np.testing.assert_array_equal(lesson.vector, framework_flatten(lesson.volume, config.order))
    assert cell_of(lesson.volume, lesson.vector, config.entry) == cell
    assert (lesson.channel, lesson.row, lesson.column) == cell
    assert lesson.answers == [("Channel", cell[0]), ("Row", cell[1]), ("Column", cell[2])]
    assert (f"Entry **{config.entry}** of the vector ({lesson.volume[tuple(p - 1 for p in cell)]:g})"
            f" came from channel **{cell[0]}**, row **{cell[1]}**, column **{cell[2]}**") in lesson.entry_text
    other = "HWC" if config.order == "CHW" else "CHW"
    landing = int(np.flatnonzero(framework_flatten(lesson.volume, other) == lesson.vector[config.entry - 1])[0]) + 1
    assert lesson.other_order.startswith(f"In {other} order the same cell lands at entry {landing}: ")
    assert lesson.mapping.endswith(f"= {config.entry}")
    assert f"Going back from i = {config.entry}:" in lesson.explanation


def test_the_default_mapping_is_written_out():
    lesson = build(Config())
    assert lesson.mapping == r"i = (c - 1)\cdot H\cdot W + (h - 1)\cdot W + w = 0\cdot 2\cdot 3 + 1\cdot 3 + 1 = 4"
    assert "row h = ⌊3 / 3⌋ + 1 = 2, column w = 3 − 1·3 + 1 = 1" in lesson.explanation
    assert "index 3" in lesson.entry_text  # what the code, counting from 0, calls it
    assert "the width runs fastest" in lesson.explanation


@settings(max_examples=40, deadline=None)
@given(channels=st.integers(1, 4), height=st.integers(1, 5), width=st.integers(1, 5),
       order=st.sampled_from(["CHW", "HWC"]), data=st.data())
def test_any_volume_any_entry(channels, height, width, order, data):
    entry = data.draw(st.integers(1, channels * height * width))
    lesson = build(Config(channels=channels, height=height, width=width, order=order, entry=entry))
    np.testing.assert_array_equal(lesson.vector, framework_flatten(lesson.volume, order))
    assert cell_of(lesson.volume, lesson.vector, entry) == (lesson.channel, lesson.row, lesson.column)


# ---- the dense layer: VGG-16's first fully connected layer and MobileNet's classifier

DENSE = [  # example -> (flatten + dense parameters, pooled + dense parameters, the convolutions before it)
    # VGG-16 (Simonyan & Zisserman 2015): fc6 7·7·512·4096 + 4096; its 13 convolutions 14,714,688
    ("VGG-16: 7×7×512 → 4096 units", 102_764_544, 512 * 4096 + 4096, 14_714_688),
    # MobileNet v1 (Howard et al. 2017, Table 1): FC 1024 × 1000 after the average pool, 4.2 million in all
    ("MobileNet v1: 7×7×1024 → 1000 classes", 7 * 7 * 1024 * 1000 + 1000, 1_025_000, None),
]


@pytest.mark.parametrize("example, flattened, pooled, convolutions", DENSE)
def test_dense_layer_examples(example, flattened, pooled, convolutions):
    lesson = build(Config(example=example))
    flatten_side, pooled_side = lesson.dense
    assert flatten_side.params == f"{flattened:,}" and pooled_side.params == f"{pooled:,}"
    assert pooled_side.share == f"{pooled / flattened:.1%} of flatten + dense"
    if convolutions:
        assert f"hold {convolutions:,} parameters" in lesson.comparison
    else:  # MobileNet: 4.2 million parameters in all, of which the classifier is 1,025,000
        held = int(lesson.comparison.split("hold ")[1].split(" parameters")[0].replace(",", ""))
        assert round((held + pooled) / 1e6, 1) == 4.2


def test_the_volume_above_feeds_the_dense_layer():
    lesson = build(Config(units=10))  # 2 channels of 2×3: 12 inputs, or 2 averages
    flatten_side, pooled_side = lesson.dense
    assert flatten_side.params == str(12 * 10 + 10) and pooled_side.params == str(2 * 10 + 10)
    assert "2×3×2 → vector of 12 → 10 units" in flatten_side.heading
    assert "Weight matrix 10 × 12 = 120 weights, plus 10 biases; 120 multiplications" in flatten_side.text
    assert lesson.comparison is None


def test_the_same_weights_on_the_other_order_give_another_output():
    lesson = build(Config())
    weights = np.random.default_rng(0).integers(-2, 3, size=12).astype(float)
    right = weights @ framework_flatten(lesson.volume, "CHW")
    wrong = weights @ framework_flatten(lesson.volume, "HWC")
    assert right != wrong
    written = f"give **{wrong:g}** instead of **{right:g}**".replace("-", "−")  # the minus sign typeset
    assert written in lesson.order_matters


@pytest.mark.parametrize("config", [Config(), Config(units=1), Config(channels=3, height=4, width=5, units=4096,
                                                                      values="random integers", seed=5)])
def test_flatten_and_dense_is_a_convolution(config):
    lesson = build(config)
    units = min(config.units, 4)
    size = lesson.volume.size
    if units == config.units:
        assert f"Reshape each of the {units} units' {size} weights" in lesson.equivalence
    else:  # never "each of 4 units" right after a layer of 10
        assert f"Reshape the first {units} of the {config.units:,} units' (the others alike) {size} weights" \
            in lesson.equivalence
    assert "(largest difference 0)" in lesson.equivalence
    assert f"Both take {units * size:,} = {units * size:,} multiplications" in lesson.equivalence


@pytest.mark.parametrize("make, message", [
    (lambda: Config(entry=13), "entry 13 is outside the vector: pick one from 1 to 12"),
    (lambda: Config(entry=0), "entry 0 is outside the vector: pick one from 1 to 12"),
    (lambda: Config(order="WHC"), "order must be one of CHW, HWC"),
    (lambda: Config(channels=0), "channels must be at least 1"),
    (lambda: Config(values="noise"), "values 'noise' are not a pattern"),
    (lambda: Config(example="ResNet"), "example 'ResNet' is not one of"),
])
def test_impossible_configurations_name_the_fix(make, message):
    with pytest.raises(ConvConfigError, match=message):
        make()


def test_counting_values_are_the_chw_positions():
    """Counting from 1: in CHW order (PyTorch's flatten) entry i holds the value i."""
    lesson = build(Config(values=COUNTING, order="HWC"))
    np.testing.assert_array_equal(lesson.volume[None].reshape(-1), np.arange(1, 13))
