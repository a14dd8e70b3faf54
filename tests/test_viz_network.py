"""The Network costs figures and table: bar heights, shares and CSV are the engine's numbers."""

import io

import pandas as pd
import pytest

import engine
from viz import network

SETTINGS = [dict(), dict(alpha=0.25, resolution=128), dict(alpha=0.75, resolution=192, bias=True, fc_bias=False)]


def weighted(layers):
    return [layer for layer in layers if layer.kind != "average pool"]


@pytest.mark.parametrize("settings", SETTINGS)
def test_one_bar_per_weighted_layer_as_high_as_its_multiplications(settings):
    layers = engine.mobilenet_v1(**settings)
    fig = network.layer_costs_figure(layers)
    bars = [(x, y) for trace in fig.data for x, y in zip(trace.x, trace.y)]
    assert len(bars) == len(weighted(layers)) == 28
    assert dict(bars) == {layer.name: layer.cost.multiplications for layer in weighted(layers)}
    assert list(fig.layout.xaxis.categoryarray) == [layer.name for layer in weighted(layers)]
    assert sum(y for _, y in bars) == engine.network_totals(layers).multiplications


def test_bars_are_grouped_by_type_with_a_pattern_and_a_name_besides_the_colour():
    fig = network.layer_costs_figure(engine.mobilenet_v1())
    assert [trace.name for trace in fig.data] == list(network.KINDS)
    colours = [trace.marker.color for trace in fig.data]
    patterns = [trace.marker.pattern.shape for trace in fig.data]
    assert len(set(colours)) == len(colours) and len(set(patterns)) == len(patterns)
    for trace in fig.data:
        assert all(layer_kind == trace.name for layer_kind, *_ in trace.customdata)
        assert "mult-adds" in trace.hovertemplate and "parameters" in trace.hovertemplate


def test_hover_carries_each_layers_numbers():
    layers = weighted(engine.mobilenet_v1())
    fig = network.layer_costs_figure(layers)
    pointwise = next(trace for trace in fig.data if trace.name == "pointwise 1×1")
    first = next(layer for layer in layers if layer.name == pointwise.x[0])
    kind, shape_in, kernel, shape_out, mults, params, share, stride = pointwise.customdata[0]
    assert (kind, shape_in, kernel, shape_out) == ("pointwise 1×1", "112×112×32", "1×1×32×64", "112×112×64")
    assert (mults, params, stride) == (f"{first.cost.multiplications:,}", f"{first.cost.params:,}", 1)
    total = engine.network_totals(layers).multiplications
    assert share == pytest.approx(100 * first.cost.multiplications / total)


def test_linear_and_log_axis_buttons():
    layers = engine.mobilenet_v1()
    assert network.layer_costs_figure(layers).layout.yaxis.type == "linear"
    fig = network.layer_costs_figure(layers, log=True)
    assert fig.layout.yaxis.type == "log"
    heights = [y for trace in fig.data for y in trace.y]
    ticks = list(fig.layout.yaxis.tickvals)
    assert ticks[0] <= min(heights) < ticks[1] and ticks[-2] < max(heights) <= ticks[-1]
    buttons = fig.layout.updatemenus[0].buttons
    assert [b.args[0]["yaxis.type"] for b in buttons] == ["linear", "log"]
    assert fig.layout.updatemenus[0].active == 1


@pytest.mark.parametrize("settings", SETTINGS + [dict(fc_bias=False)])
def test_shares_chart_sums_to_100_percent_in_both_panels(settings):
    shares = engine.shares_by_kind(engine.mobilenet_v1(**settings))
    fig = network.shares_figure(shares)
    assert len(fig.data) == 2
    for index, trace in enumerate(fig.data):
        assert sum(trace.x) == pytest.approx(100)
        assert list(trace.y) == list(network.KINDS)
        assert list(trace.x) == pytest.approx([100 * shares[kind][index] for kind in network.KINDS])
        assert list(trace.text) == [f"{v:.2f}%" for v in trace.x]


def test_shares_chart_shows_pointwise_near_95_percent_of_the_mult_adds():
    fig = network.shares_figure(engine.shares_by_kind(engine.mobilenet_v1()))
    mult_adds = dict(zip(fig.data[0].y, fig.data[0].x))
    assert round(mult_adds["pointwise 1×1"], 2) == 94.86
    assert round(mult_adds["standard 3×3"], 2) == 1.91  # Table 2 prints 1.19


@pytest.mark.parametrize("settings", SETTINGS)
def test_layer_table_and_its_csv_are_the_engines_numbers(settings):
    layers = engine.mobilenet_v1(**settings)
    table = network.layer_table(layers)
    assert list(table.columns) == network.COLUMNS and len(table) == len(layers) == 29
    back = pd.read_csv(io.StringIO(network.layer_csv(layers)))
    for frame in (table, back):
        assert frame["mult-adds"].tolist() == [layer.cost.multiplications for layer in layers]
        assert frame["parameters"].tolist() == [layer.cost.params for layer in layers]
        assert frame["kernel"].tolist() == [layer.kernel_shape for layer in layers]
        assert frame["in the totals"].tolist() == [layer.kind != "average pool" for layer in layers]
        total = engine.network_totals(layers)
        assert frame.loc[frame["in the totals"], "mult-adds"].sum() == total.multiplications
        assert frame["parameters"].sum() == total.params


def test_shapes_are_written_as_the_paper_writes_them():
    assert network.paper_shape((3, 224, 224)) == "224×224×3"
    assert network.paper_shape((1024,)) == "1×1×1024"
    rows = network.layer_table(engine.mobilenet_v1()).set_index("layer")
    assert rows.loc["dw 13", "input (H×W×C)"] == "7×7×1024"  # Table 1's last depthwise layer
    assert rows.loc["avg pool", "kernel"] == "pool 7×7"


def test_one_two_five_ticks():
    assert network.one_two_five(225_792, 51_380_224) == [200_000, 500_000, 1_000_000, 2_000_000, 5_000_000,
                                                         10_000_000, 20_000_000, 50_000_000, 100_000_000]
    assert network.one_two_five(100, 1000) == [100, 200, 500, 1000]


def test_millions():
    assert network.millions(568_740_352) == "569 M"
    assert network.millions(4_210_088, 1) == "4.2 M"
    assert network.millions(4_867_293_184) == "4,867 M"
