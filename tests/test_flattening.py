"""The Flattening page and its figure: the mapping both ways, the dense layer, the equivalence."""

import numpy as np
import pytest

import engine
from test_pages import open_page
from viz.flatten import flatten_plot, mapping_text

PAGE = "pages/flattening.py"


def test_default_page_follows_entry_4_of_the_small_example():
    at = open_page(PAGE)
    text = " ".join(m.value for m in at.markdown)
    assert "Entry **4** of the vector (4) came from channel **1**, row **2**, column **1**" in text
    assert r"0\cdot 2\cdot 3 + 1\cdot 3 + 1 = 4" in at.latex[0].value
    assert any("In HWC order the same cell lands at entry 7" in c.value for c in at.caption)
    assert "largest difference 0" in text


def test_keras_order_from_the_url():
    at = open_page(PAGE, {"order": "HWC (Keras Flatten)", "entry": "2"})
    text = " ".join(m.value for m in at.markdown)
    # HWC: entry 2 is channel 2 of the first pixel, which holds 7 in the counting example (1, 2, 3, … in CHW)
    assert "Entry **2** of the vector (7) came from channel **2**, row **1**, column **1**" in text


@pytest.mark.parametrize("example, params", [("VGG-16: 7×7×512 → 4096 units", 102_764_544),
                                             ("MobileNet v1: 7×7×1024 → 1000 classes", 50_177_000)])
def test_dense_layer_examples(example, params):
    at = open_page(PAGE, {"example": example})
    values = [int(m.value.replace(",", "")) for m in at.metric]
    assert values[0] == params == engine.dense_cost(*{
        "VGG-16: 7×7×512 → 4096 units": (7 * 7 * 512, 4096),
        "MobileNet v1: 7×7×1024 → 1000 classes": (7 * 7 * 1024, 1000)}[example]).params
    assert values[1] < values[0]
    conv = {"VGG-16: 7×7×512 → 4096 units": sum(l.cost.params for l in engine.vgg16_features()),
            "MobileNet v1: 7×7×1024 → 1000 classes": sum(l.cost.params for l in engine.mobilenet_v1()
                                                          if l.kind not in ("fully connected", "average pool"))}[example]
    assert f"hold {conv:,} parameters" in at.info[0].value


def test_every_control_at_its_range_ends():
    at = open_page(PAGE)
    for slider in list(at.slider):
        for value in (slider.min, slider.max):
            at.slider(key=slider.key).set_value(value).run()
            assert not at.exception, (slider.key, value)
        at.slider(key=slider.key).set_value(slider.value).run()
    for box in list(at.selectbox):
        for option in box.options:
            at.selectbox(key=box.key).set_value(option).run()
            assert not at.exception, (box.key, option)
    at.number_input(key="entry").set_value(10_000).run()
    assert not at.exception


@pytest.mark.parametrize("order", ["CHW", "HWC"])
def test_animation_ends_with_every_cell_in_its_vector_slot(order):
    x = np.arange(24, dtype=float).reshape(2, 3, 4)
    fig = flatten_plot(x, order)
    assert len(fig.frames) == x.size + 1
    last = fig.frames[-1]
    vector = engine.flatten(x, order)
    for trace, data in zip(last.traces, last.data):
        channel = trace - 1  # trace 0 holds the empty slots
        ours = fig.data[trace]
        values = np.array([float(t) for t in ours.text])
        # each cell's final position is the slot of its index in the flattened vector
        for value, xs, ys in zip(values, data.x, data.y):
            index = int(np.flatnonzero(vector == value)[0])
            assert (xs, ys) == (float(index % 20), 2.5 + 3 + 2.2 * (index // 20))
            c, _, _ = engine.source_of(index, x.shape, order)
            assert c == channel


def test_mapping_text_fills_in_the_formula():
    # cell (1, 0, 2) from 0 is channel 2, row 1, column 3 from 1; NumPy's flat index 8 (CHW), 5 (HWC)
    assert mapping_text(1, 0, 2, (2, 2, 3), "CHW") == "i = (c − 1)·H·W + (h − 1)·W + w = 1·2·3 + 0·3 + 3 = 9"
    assert mapping_text(1, 0, 2, (2, 2, 3), "HWC") == "i = (h − 1)·W·C + (w − 1)·C + c = 0·3·2 + 2·2 + 2 = 6"
    x = np.arange(12).reshape(2, 2, 3)
    assert x.reshape(-1)[9 - 1] == x[1, 0, 2] == np.transpose(x, (1, 2, 0)).reshape(-1)[6 - 1]
