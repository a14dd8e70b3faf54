"""The Network costs page through AppTest: MobileNet v1's totals, the layer table, the CSV, every control."""

import io
import itertools
import json

import pandas as pd
import pytest
import streamlit.testing.v1.app_test as app_test

import engine
from test_pages import open_page

PAGE = "pages/network_costs.py"
ALPHAS = (0.25, 0.5, 0.75, 1.0)
RESOLUTIONS = (128, 160, 192, 224)


def metrics(at):
    return {m.label: m.value for m in at.metric}


def text(at):
    return " ".join(m.value for m in at.markdown)


def in_millions(n, digits=0):
    return f"{n / 1e6:,.{digits}f} M"


def test_defaults_show_the_papers_headline_figures():
    at = open_page(PAGE)
    assert not at.error
    values = metrics(at)
    assert values["Mult-adds"] == "569 M"  # "569 million mult-adds"
    assert values["Parameters"] == "4.2 M"  # "4.2 million parameters"
    # Table 4 prints 4866 M for the standard-convolution network; the engine counts 4,867.3 M
    assert values["Mult-adds (standard)"] in ("4,866 M", "4,867 M")
    assert values["Parameters (standard)"] == "29.3 M"
    assert values["Fewer mult-adds"] == "8.6×"
    assert "569 M" in at.subheader[0].value
    assert "4,866 M" in text(at)  # the paper's figure, quoted beside the engine's


def test_metrics_are_the_engines_numbers():
    at = open_page(PAGE)
    total = engine.network_totals(engine.mobilenet_v1())
    standard = engine.network_totals(engine.mobilenet_v1(separable=False))
    values = metrics(at)
    assert values["Mult-adds"] == in_millions(total.multiplications)
    assert values["Parameters"] == in_millions(total.params, 1)
    assert values["Mult-adds (standard)"] == in_millions(standard.multiplications)
    assert values["Fewer mult-adds"] == f"{standard.multiplications / total.multiplications:.1f}×"


def test_layer_table_has_the_28_weighted_layers_and_the_average_pool():
    at = open_page(PAGE)
    table = at.dataframe[0].value
    layers = engine.mobilenet_v1()
    assert len(table) == len(layers) == 29
    assert int(table["in the totals"].sum()) == 28
    assert table.loc[~table["in the totals"], "layer"].tolist() == ["avg pool"]
    assert table["mult-adds"].tolist() == [layer.cost.multiplications for layer in layers]
    assert table["parameters"].tolist() == [layer.cost.params for layer in layers]
    first, fc = table.iloc[0], table.iloc[-1]
    assert (first["input (H×W×C)"], first["kernel"], first["output (H×W×C)"]) == ("224×224×3", "3×3×3×32",
                                                                                  "112×112×32")
    assert (fc["input (H×W×C)"], fc["kernel"], fc["output (H×W×C)"]) == ("1×1×1024", "1024×1000", "1×1×1000")
    counted = table[table["in the totals"]]
    assert counted["mult-adds"].sum() == engine.network_totals(layers).multiplications


def test_every_resolution_and_width_multiplier_gives_the_engines_totals():
    at = open_page(PAGE)
    for alpha, resolution in itertools.product(ALPHAS, RESOLUTIONS):
        at.select_slider(key="alpha").set_value(alpha)
        at.select_slider(key="res").set_value(resolution).run()
        assert not at.exception and not at.error, (alpha, resolution, at.exception)
        total = engine.network_totals(engine.mobilenet_v1(alpha, resolution))
        values = metrics(at)
        assert values["Mult-adds"] == in_millions(total.multiplications), (alpha, resolution)
        assert values["Parameters"] == in_millions(total.params, 1), (alpha, resolution)
        assert len(at.get("plotly_chart")) == 2 and len(at.dataframe[0].value) == 29


@pytest.mark.parametrize("alpha, resolution, mult_adds, params", [
    (0.5, 224, "149 M", "1.3 M"), (0.25, 224, "41 M", "0.5 M"), (1.0, 128, "186 M", "4.2 M")])
def test_width_and_resolution_multipliers_match_tables_6_and_7(alpha, resolution, mult_adds, params):
    at = open_page(PAGE)
    at.select_slider(key="alpha").set_value(alpha)
    at.select_slider(key="res").set_value(resolution).run()
    values = metrics(at)
    assert (values["Mult-adds"], values["Parameters"]) == (mult_adds, params)
    assert f"prints **{mult_adds}**" in text(at)


@pytest.mark.parametrize("key", ["bias", "fcbias"])
def test_both_states_of_both_checkboxes(key):
    at = open_page(PAGE)
    for value in (True, False, True):
        at.checkbox(key=key).set_value(value).run()
        assert not at.exception, (key, value, at.exception)
        bias, fc_bias = at.checkbox(key="bias").value, at.checkbox(key="fcbias").value
        total = engine.network_totals(engine.mobilenet_v1(bias=bias, fc_bias=fc_bias))
        assert metrics(at)["Parameters"] == in_millions(total.params, 1)
        assert at.dataframe[0].value["parameters"].sum() == total.params


def test_a_bias_in_every_convolution_adds_one_parameter_per_output_channel():
    at = open_page(PAGE)
    at.checkbox(key="bias").check().run()
    table = at.dataframe[0].value
    plain = engine.mobilenet_v1()
    biased = engine.mobilenet_v1(bias=True)
    assert table["parameters"].tolist() == [layer.cost.params for layer in biased]
    added = sum(b.cost.params - p.cost.params for b, p in zip(biased, plain))
    convolution_channels = sum(layer.cost.out_shape[0] for layer in plain
                               if layer.kind not in ("average pool", "fully connected"))
    assert added == convolution_channels
    assert "counted here anyway" in at.caption[0].value


def test_shares_table_states_the_papers_typo_and_matches_table_2_without_fc_biases():
    at = open_page(PAGE)
    shares = at.dataframe[1].value.set_index("type")
    assert shares.loc["pointwise 1×1", "share of the mult-adds"] == "94.86%"
    assert shares.loc["standard 3×3", "share of the mult-adds"] == "1.91%"
    assert shares.loc["standard 3×3", "Table 2: mult-adds"] == "1.19%"
    words = text(at)
    assert "**1.19%**" in words and "**1.91%**" in words and "99.29%" in words
    assert any("1×1 convolutions do 95% of the work" in h.value for h in at.subheader)
    at.checkbox(key="fcbias").uncheck().run()
    shares = at.dataframe[1].value.set_index("type")
    for kind, row in shares.iterrows():
        assert row["share of the parameters"] == row["Table 2: parameters"], kind
        if kind != "standard 3×3":
            assert row["share of the mult-adds"] == row["Table 2: mult-adds"], kind
    assert "left out now" in text(at)


def test_table_2_comparison_only_for_the_network_it_describes():
    at = open_page(PAGE)
    at.select_slider(key="alpha").set_value(0.5).run()
    assert "Table 2: mult-adds" not in at.dataframe[1].value.columns
    assert "Choose those to compare" in text(at)


def test_bar_chart_heights_are_the_engines_multiplications():
    at = open_page(PAGE)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    heights = {}
    for trace in spec["data"]:
        heights.update(zip(trace["x"], trace["y"]))
    weighted = [layer for layer in engine.mobilenet_v1() if layer.kind != "average pool"]
    assert heights == {layer.name: layer.cost.multiplications for layer in weighted}
    assert spec["layout"]["xaxis"]["categoryarray"] == [layer.name for layer in weighted]


@pytest.fixture
def media_files(monkeypatch):
    """The in-memory media stores AppTest creates, so a download button's bytes can be read back."""
    stores = []

    class Recording(app_test.MemoryMediaFileStorage):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            stores.append(self)

    monkeypatch.setattr(app_test, "MemoryMediaFileStorage", Recording)
    return stores


@pytest.mark.parametrize("alpha, resolution", [(1.0, 224), (0.5, 160)])
def test_csv_download_parses_back_to_the_engines_numbers(media_files, alpha, resolution):
    at = open_page(PAGE, {"alpha": str(alpha), "res": str(resolution)})
    button = at.get("download_button")[0].proto
    assert button.label.startswith("Download the table")
    stored = media_files[-1].get_file(button.url.rsplit("/", 1)[1])
    assert stored.mimetype == "text/csv"
    assert stored.filename == f"mobilenet_v1_alpha{alpha:g}_{resolution}.csv"
    table = pd.read_csv(io.BytesIO(stored.content))
    layers = engine.mobilenet_v1(alpha, resolution)
    assert table["layer"].tolist() == [layer.name for layer in layers]
    assert table["type"].tolist() == [layer.kind for layer in layers]
    assert table["stride"].tolist() == [layer.stride for layer in layers]
    assert table["mult-adds"].tolist() == [layer.cost.multiplications for layer in layers]
    assert table["parameters"].tolist() == [layer.cost.params for layer in layers]
    total = engine.network_totals(layers)
    assert table.loc[table["in the totals"], "mult-adds"].sum() == total.multiplications
    assert table["parameters"].sum() == total.params


def test_the_url_sets_the_controls():
    at = open_page(PAGE, {"alpha": "0.75", "res": "192", "bias": "true", "fcbias": "false"})
    assert at.select_slider(key="alpha").value == 0.75 and at.select_slider(key="res").value == 192
    assert at.checkbox(key="bias").value and not at.checkbox(key="fcbias").value
    total = engine.network_totals(engine.mobilenet_v1(0.75, 192, bias=True, fc_bias=False))
    assert metrics(at)["Mult-adds"] == in_millions(total.multiplications)


@pytest.mark.parametrize("query", [{"alpha": "3"}, {"alpha": "abc"}, {"res": "8"}, {"bias": "maybe"},
                                   {"fcbias": "<b>x</b>"}])
def test_tampered_url_values_fall_back_without_an_exception(query):
    at = open_page(PAGE, query)
    assert not at.exception
    assert metrics(at)["Mult-adds"] == "569 M"
    assert len(at.get("plotly_chart")) == 2
