"""The Measured time page's "Show the code" (codegen.timing), run for real: the NumPy text with NumPy, the
PyTorch text with the real PyTorch (CPU). Each computes the layer the page times (checked against the
engine), states the engine's counts, and times both routes; the times themselves are not asserted."""

import re

import numpy as np
import pytest

import codegen
import engine
from frameworks import MULTIPLICATIONS, PARAMS, stated

LAYERS = [(3, 7, 3, 128, 1, 0), (3, 12, 5, 256, 1, 0), (8, 9, 3, 6, 2, 1)]


def run(code: str) -> tuple[dict, list[str]]:
    """Execute a snippet as a student would paste it; returns (its namespace, what it printed)."""
    printed = []
    namespace = {"print": lambda *args, **kwargs: printed.append(" ".join(str(a) for a in args)),
                 "__name__": "snippet"}
    exec(compile(code, "<snippet>", "exec"), namespace)
    return namespace, printed


def check_counts(code, c, h, k, n, s, p):
    standard = engine.standard_cost((c, h, h), k, n, s, p)
    separable = engine.depthwise_separable_cost((c, h, h), k, n, s, p)
    counts = [int(v.replace(",", "")) for v in MULTIPLICATIONS.findall(code)]
    assert counts == [standard.multiplications, separable.multiplications]
    assert stated(PARAMS, code) == standard.params
    return standard, separable


def check_report(printed, standard, separable):
    ratio = standard.multiplications / separable.multiplications
    assert re.fullmatch(r"standard: median [\d.]+ µs \(fastest [\d.]+, slowest [\d.]+\)", printed[-3])
    assert re.fullmatch(r"separable: median [\d.]+ µs \(fastest [\d.]+, slowest [\d.]+\)", printed[-2])
    assert re.fullmatch(rf"measured ratio: [\d.]+x; counted: {ratio:.1f}x", printed[-1])


@pytest.mark.parametrize("c, h, k, n, s, p", LAYERS)
def test_the_numpy_timing_code_computes_the_layer_and_times_it(c, h, k, n, s, p):
    code = codegen.timing.layer(c, h, k, n, s, p).numpy
    standard, separable = check_counts(code, c, h, k, n, s, p)
    namespace, printed = run(code)
    out = standard.out_shape
    assert printed[0] == f"{out} {out}"
    x = namespace["x"]
    assert namespace["standard"]() == pytest.approx(engine.conv2d(x, namespace["standard_kernels"], s, p), abs=1e-3)
    maps = engine.depthwise_conv2d(x, namespace["depthwise_kernels"], s, p)
    assert namespace["separable"]() == pytest.approx(engine.pointwise_conv2d(maps, namespace["pointwise_kernels"]),
                                                     abs=1e-3)
    check_report(printed, standard, separable)
    assert all(t > 0 for t in namespace["standard_seconds"] + namespace["separable_seconds"])


@pytest.mark.parametrize("c, h, k, n, s, p", LAYERS)
def test_the_pytorch_timing_code_computes_the_layer_and_times_it(c, h, k, n, s, p, torch):
    code = codegen.timing.layer(c, h, k, n, s, p).pytorch
    standard, separable = check_counts(code, c, h, k, n, s, p)
    namespace, printed = run(code)
    assert printed[0] == f"{standard.params:,}".replace(",", "")
    assert printed[1] == f"{(1, *standard.out_shape)} {(1, *standard.out_shape)}"
    x = namespace["x"][0].numpy()
    weights = namespace["standard_layer"].weight.detach().numpy()
    assert namespace["standard"]()[0].numpy() == pytest.approx(engine.conv2d(x, weights, s, p), abs=1e-4)
    depthwise = namespace["depthwise_layer"].weight.detach().numpy()[:, 0]
    pointwise = namespace["pointwise_layer"].weight.detach().numpy()[:, :, 0, 0]
    expected = engine.pointwise_conv2d(engine.depthwise_conv2d(x, depthwise, s, p), pointwise)
    assert namespace["separable"]()[0].numpy() == pytest.approx(expected, abs=1e-4)
    check_report(printed, standard, separable)


def test_the_code_is_shown_in_two_tabs():
    snippets = codegen.timing.layer(3, 7, 3, 128)
    assert [name for name, _ in snippets.items()] == ["NumPy", "PyTorch"]
    assert snippets.numpy.startswith("import math") and "import torch" in snippets.pytorch
    assert np.all(["measured ratio" in text for _, text in snippets.items()])
