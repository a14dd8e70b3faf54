"""The Depthwise separable page through AppTest: the lecture's two tables, the ratio, groups, bias, errors."""

import json
from fractions import Fraction

import pytest

import engine
from test_pages import open_page as open_folded
from test_viz_scan import decode

PAGE = "pages/depthwise_separable.py"
TABLE_1 = "lecture table 1: 7×7×3, 128 kernels of 3×3"
TABLE_2 = "lecture table 2: 12×12×3, 256 kernels of 5×5"
CUSTOM = {"preset": "custom"}


def open_page(page, query=None):
    """The page with its side topics shown, as a click on "Going further" does (it reruns the page)."""
    at = open_folded(page, query)
    at.session_state["going_further"] = True
    return at.run()


def test_the_side_topics_are_folded_after_the_lectures_path():
    at = open_folded(PAGE)
    # the pipeline, in its two layouts (a CSS rule shows one): the ratio, groups and equivalent kernel wait, folded
    assert len(at.get("plotly_chart")) == 2
    subheaders = [h.value for h in at.subheader]
    assert subheaders == ["The two stages, on one example", "The lecture's table, computed",
                          "How much cheaper: 1/N + 1/k²"]
    assert any(e.label.startswith("Going further · The ratio for other layers") for e in at.expander)


def text(at):
    """Everything the page writes, without markdown's bold marks."""
    return "\n".join(m.value for m in at.markdown).replace("**", "")


def metrics(at):
    return {m.label: m.value for m in at.metric}


def count(at, label):
    return int(metrics(at)[label].replace(",", "").replace("×", ""))


def chart(at, name):
    """The spec of the chart whose traces include one called `name`."""
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        if any(t.get("name") == name for t in spec["data"]):
            return spec
    raise AssertionError(f"no chart with a trace {name!r}")


@pytest.mark.parametrize("preset, lines", [
    (TABLE_1, ["3 × 3 × 3 × 5 × 5 × 128 = 86,400", "3 × 3 × 1 × 5 × 5 × 3 = 675",
               "1 × 1 × 3 × 5 × 5 × 128 = 9,600", "675 + 9,600 = 10,275"]),
    (TABLE_2, ["5 × 5 × 3 × 8 × 8 × 256 = 1,228,800", "5 × 5 × 1 × 8 × 8 × 3 = 4,800",
               "1 × 1 × 3 × 8 × 8 × 256 = 49,152", "4,800 + 49,152 = 53,952"]),
])
def test_the_lectures_tables_come_out_exactly(preset, lines):
    at = open_page(PAGE, {"preset": preset})
    assert not at.error and not at.warning
    written = text(at)
    for line in lines:
        assert line in written, line
    size, kernels, moves = (3, 128, "5 × 5") if preset == TABLE_1 else (5, 256, "8 × 8")
    # laid out like the lecture: standard, depthwise, pointwise side by side
    assert f"| kernel size | {size} × {size} × 3 | {size} × {size} × 1 | 1 × 1 × 3 |" in written
    assert f"| times moved | {moves} | {moves} | {moves} |" in written
    assert f"| number of kernels | {kernels} | 3 | {kernels} |" in written
    assert len(at.get("plotly_chart")) == 5  # pipeline (two layouts), ratio, groups, equivalent kernel
    # the animation's counts end at the table's sum, its standard convolution agreeing cell for cell
    pipeline = chart(at, "depthwise map 1")
    assert len(pipeline["frames"]) == (25 if size == 3 else 64)  # one step per output position
    last = pipeline["frames"][-1]["layout"]["annotations[0].text"]
    assert lines[-1] + " against " + lines[0].rsplit(" = ", 1)[1] in last.replace("<b>", "").replace("</b>", "")
    assert any("gives the two stages' output cell for cell" in s.value for s in at.success)


@pytest.mark.parametrize("preset, n, k", [(TABLE_1, 128, 3), (TABLE_2, 256, 5)])
def test_the_measured_ratio_is_the_mobilenet_formula(preset, n, k):
    at = open_page(PAGE, {"preset": preset})
    values = metrics(at)
    formula = Fraction(1, n) + Fraction(1, k * k)
    assert values["Measured: separable ÷ standard"] == values["MobileNet: 1/N + 1/k²"] == f"{float(formula):.4f}"
    assert Fraction(count(at, "Separable: multiplications"), count(at, "Standard: multiplications")) == formula
    assert any(f"both are {formula.numerator}/{formula.denominator}" in s.value for s in at.success)
    marker = next(t for t in chart(at, "this layer")["data"] if t["name"] == "this layer")
    assert decode(marker["x"]).tolist() == [n]
    assert decode(marker["y"])[0] == pytest.approx(float(formula), abs=1e-15)


@pytest.mark.parametrize("preset, values", [(TABLE_1, (7, 7, 3, 3, 128, 1)), (TABLE_2, (12, 12, 3, 5, 256, 1))])
def test_under_a_preset_the_sliders_are_greyed_out_at_the_tables_values(preset, values):
    at = open_page(PAGE, {"preset": preset, "h": "30", "c": "9", "k": "7", "n": "5", "stride": "3", "pad": "same"})
    assert not at.exception
    sliders = {s.label: s for s in at.sidebar.slider}
    for label, value in zip(("Input height H", "Input width W", "Input channels C", "Kernel size k",
                             "Number of kernels N", "Stride"), values):
        assert sliders[label].disabled and sliders[label].value == value, label
    assert not sliders["Groups g"].disabled
    padding = next(b for b in at.sidebar.selectbox if b.label == "Padding")
    assert padding.disabled and padding.value == "0"
    assert any("greyed out" in c.value for c in at.sidebar.caption)
    out = 5 if preset == TABLE_1 else 8
    assert f"→ pointwise {out}×{out}×{values[4]}" in text(at)
    at.selectbox(key="preset").set_value("custom").run()
    sliders = {s.label: s for s in at.sidebar.slider}
    assert not sliders["Input height H"].disabled and not at.exception


def test_custom_sizes_match_the_engine():
    query = {**CUSTOM, "h": "20", "w": "15", "c": "8", "k": "5", "n": "16", "stride": "2", "pad": "same",
             "groups": "4", "bias": "true"}
    at = open_page(PAGE, query)
    assert not at.error and not at.warning
    shape = (8, 20, 15)
    standard = engine.standard_cost(shape, 5, 16, 2, "same", bias=True)
    separable = engine.depthwise_separable_cost(shape, 5, 16, 2, "same", bias=True)
    assert count(at, "Standard: multiplications") == standard.multiplications
    assert count(at, "Standard: additions") == standard.additions
    assert count(at, "Standard: parameters") == standard.params
    assert count(at, "Separable: multiplications") == separable.multiplications
    assert count(at, "Separable: additions") == separable.additions
    assert count(at, "Separable: parameters") == separable.params
    _, ho, wo = standard.out_shape
    written = text(at)
    assert f"input 20×15×8 → depthwise {ho}×{wo}×8 → pointwise {ho}×{wo}×16" in written  # H×W×C
    # every valid number of groups, the chosen one in bold
    groups_table = next(m.value for m in at.markdown if m.value.startswith("| groups g"))
    for g in (1, 2, 4, 8):
        cost = engine.grouped_cost(shape, 5, 16, g, 2, "same", bias=True)
        mark = "**" if g == 4 else ""
        assert f"| {mark}{g}{mark} | 5 × 5 × {8 // g} | {mark}{cost.multiplications:,}{mark} |" in groups_table
    bars = chart(at, "multiplications")["data"][0]
    assert list(bars["y"]) == ["g = 1", "g = 2", "g = 4", "g = 8"]


def test_every_slider_at_both_range_ends():
    at = open_page(PAGE, CUSTOM)
    for slider in list(at.slider):
        key = slider.key
        for value in (slider.min, slider.max):
            at.slider(key=key).set_value(value).run()
            assert not at.exception, (key, value, at.exception)
            if at.error:
                assert "cannot be computed" in at.error[0].value
            else:
                assert len(at.get("plotly_chart")) == 5  # pipeline (two layouts), ratio, groups, equivalent kernel
                assert any("depthwise then pointwise equals" in s.value for s in at.success), (key, value)
        at.slider(key=key).set_value(slider.value).run()


def test_every_slider_at_its_maximum_at_once():
    at = open_page(PAGE, {**CUSTOM, "h": "64", "w": "64", "c": "64", "k": "7", "n": "512", "stride": "3",
                          "pad": "3", "groups": "64", "bias": "true"})
    assert not at.exception and not at.error and not at.warning
    assert count(at, "Standard: multiplications") == engine.standard_cost((64, 64, 64), 7, 512, 3, 3).multiplications
    bars = chart(at, "multiplications")["data"][0]
    assert list(bars["y"]) == [f"g = {g}" for g in (1, 2, 4, 8, 16, 32, 64)]


@pytest.mark.parametrize("start", [CUSTOM, {"preset": TABLE_1}])
def test_every_option_of_every_select_box_and_the_checkbox(start):
    at = open_page(PAGE, start)
    # read before any is set (an element's value follows what was set on it); a lecture table's padding is
    # greyed out, and the preset box's options take the other boxes away and back
    boxes = [(box.key, list(box.options), box.value) for box in at.selectbox if not box.disabled]
    for key, options, value in boxes:
        for option in options:
            at.selectbox(key=key).set_value(option).run()
            assert not at.exception, (key, option, at.exception)
        at.selectbox(key=key).set_value(value).run()
    for value in (True, False):
        at.checkbox(key="bias").set_value(value).run()
        assert not at.exception


@pytest.mark.parametrize("query, nearest, valid", [
    ({**CUSTOM, "c": "6", "n": "12", "groups": "4"}, 3, "the divisors of 6 that also divide 12 are 1, 2, 3, 6"),
    ({**CUSTOM, "c": "6", "n": "12", "groups": "64"}, 6, "the divisors of 6 that also divide 12 are 1, 2, 3, 6"),
    ({"preset": TABLE_1, "groups": "2"}, 1, "the only divisor of 3 that also divides 128 is 1"),
    ({**CUSTOM, "c": "8", "n": "12", "groups": "8"}, 4, "the divisors of 8 that also divide 12 are 1, 2, 4"),
])
def test_groups_not_dividing_c_and_n_warn_and_use_the_nearest(query, nearest, valid):
    at = open_page(PAGE, query)
    assert not at.exception and not at.error
    warning = at.warning[0].value
    assert f"groups = {query['groups']} does not divide both" in warning
    assert f"{valid};" in warning and f"using the nearest, groups = {nearest}" in warning
    groups_table = next(m.value for m in at.markdown if m.value.startswith("| groups g"))
    assert f"| **{nearest}** |" in groups_table


@pytest.mark.parametrize("start", [{"preset": TABLE_1}, {**CUSTOM, "c": "8", "n": "24", "k": "5", "stride": "2"}])
def test_bias_adds_n_parameters_to_both_layers(start):
    at = open_page(PAGE, start)
    before = {label: count(at, label) for label in metrics(at) if label.startswith(("Standard:", "Separable:"))}
    at.checkbox(key="bias").check().run()
    after = {label: count(at, label) for label in metrics(at) if label.startswith(("Standard:", "Separable:"))}
    n = 128 if start.get("preset") == TABLE_1 else 24
    assert after["Standard: parameters"] - before["Standard: parameters"] == n
    assert after["Separable: parameters"] - before["Separable: parameters"] == n
    assert after["Standard: multiplications"] == before["Standard: multiplications"]
    outputs = before["Standard: multiplications"] // (before["Standard: parameters"] // n)  # N·Ho·Wo
    assert after["Standard: additions"] - before["Standard: additions"] == outputs
    assert after["Separable: additions"] - before["Separable: additions"] == outputs
    assert any("Keras' SeparableConv2D" in c.value and "none in the depthwise stage" in c.value for c in at.caption)


def test_an_impossible_size_shows_the_fix_and_the_page_recovers():
    at = open_page(PAGE, {**CUSTOM, "h": "3", "k": "7"})
    assert not at.exception
    assert len(at.error) == 1
    assert "cannot be computed" in at.error[0].value and "kernel 7 spans 7 cells but the padded input is 3" in \
        at.error[0].value
    assert len(at.get("plotly_chart")) == 0
    at.selectbox(key="pad").set_value("2").run()
    assert not at.error and len(at.get("plotly_chart")) == 5  # the pipeline in two layouts


def test_separability_check_on_a_small_layer_uses_the_layer_itself():
    at = open_page(PAGE, {**CUSTOM, "c": "2", "n": "4", "k": "3"})
    written = text(at)
    assert "This layer itself, with C = 2, N = 4 and k = 3. Top row: the depthwise kernels D₁ … D₂" in written
    assert "separable C·k² + N·C = 2·3² + 4·2 = 26" in written
    assert "standard N·C·k² = 4·2·3² = 72" in written
    heatmap_charts = [json.loads(e.proto.spec) for e in at.get("plotly_chart")
                      if json.loads(e.proto.spec)["data"][0]["type"] == "heatmap"]
    _narrow, pipeline, kernels = heatmap_charts  # the pipeline's layout for narrower screens, then the wide one
    assert len(kernels["data"]) == 2 + 4 * 2  # D1, D2 and W[n, c] for 4 kernels x 2 channels
    # inputs, depthwise kernels and maps, pointwise kernels, outputs, standard kernels W[n, c] and maps
    assert len(pipeline["data"]) == 2 + 2 + 2 + 4 + 4 + 4 * 2 + 4
    assert len(pipeline["frames"]) == 5 * 5  # one step per output position of the 7×7 input


@pytest.mark.parametrize("query", [{"preset": "nonsense"}, {"h": "abc"}, {"n": "99999"}, {"pad": "half"},
                                   {"groups": "-3"}, {"bias": "maybe"}])
def test_tampered_url_values_fall_back_without_an_exception(query):
    at = open_page(PAGE, query)
    assert not at.exception
    assert len(at.get("plotly_chart")) == 5  # pipeline (two layouts), ratio, groups, equivalent kernel


@pytest.mark.parametrize("query", [{"preset": TABLE_1}, {**CUSTOM, "c": "8", "n": "16", "bias": "true", "pad": "same"}])
def test_grouped_convolution_reaches_the_standard_and_the_depthwise_counts(query):
    at = open_page(PAGE, query)
    checked = next(m.value for m in at.markdown if m.value.startswith("Checked with the engine"))
    assert checked.count("the same as") == 2 and "unlike" not in checked
