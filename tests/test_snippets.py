"""Every page's "Show the code", as the page shows it: three blocks that run, and state the page's own counts.

The code views themselves are checked configuration by configuration against the engine and the real
frameworks in tests/test_codegen_convolutions.py and tests/test_codegen_networks.py; here, through
AppTest, the code a page actually shows (with the arguments the page passes) is run too.
"""

from __future__ import annotations

import functools

import pytest

import engine
import ui
import frameworks
from frameworks import PARAMS, run, stated

PAGES = ["pages/convolution.py", "pages/spatially_separable.py", "pages/depthwise.py", "pages/pointwise.py",
         "pages/depthwise_separable.py", "pages/flattening.py", "pages/network_costs.py"]


def shown_code(at) -> dict[str, str]:
    """The snippets a page shows, by framework, once its "Show the code" expander is opened (the code
    is written only while it is open)."""
    assert any(e.label.startswith("Show the code") for e in at.expander), [e.label for e in at.expander]
    assert not at.code, "code was written while the expander was closed"
    at.session_state[ui.code_view.SHOW_CODE] = True  # as a click on the expander does: it reruns the page
    at.run()
    assert not at.exception, at.exception
    blocks = [c.value for c in at.code]
    found = {"pytorch": [b for b in blocks if "import torch" in b], "keras": [b for b in blocks if "import keras" in b],
             "numpy": [b for b in blocks if b.startswith(("import numpy", "# plain Python"))]}
    assert all(len(v) == 1 for v in found.values()), {k: len(v) for k, v in found.items()}
    assert all(c.language == "python" for c in at.code)
    return {k: v[0] for k, v in found.items()}


@functools.cache
def opened(page: str, query: tuple = ()) -> tuple[dict[str, int], dict[str, str]]:
    """(the page's metrics as numbers, the code it shows), the page opened once with the address's `query`
    (key, value) pairs for all the tests here."""
    from test_pages import open_page

    at = open_page(page, dict(query) or None)
    at.session_state["going_further"] = True  # the side topics' counts too, as a click on "Going further" shows them
    at.run()
    metrics = {}
    for m in at.metric:
        metrics.setdefault(m.label, m.value)  # the first of each label
    code = shown_code(at)
    return metrics, code


def page_code(page: str) -> dict[str, str]:
    """The code a page shows at its lecture example."""
    return opened(page, ())[1]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_shows_code_that_runs(page):
    code = page_code(page)
    for text in code.values():
        stated(PARAMS, text)
    run(code["numpy"])


@pytest.mark.parametrize("page", PAGES)
def test_every_pages_framework_code_runs(page, torch, keras):
    code = page_code(page)
    run(code["pytorch"])  # every print() prints what its comment says
    run(code["keras"])
    assert stated(PARAMS, code["pytorch"]) == stated(PARAMS, code["numpy"])  # at the lecture's example


@pytest.mark.parametrize("page, query, label", [
    ("pages/convolution.py", None, "Parameters"),
    ("pages/convolution.py", {"c": "3", "n": "4", "kh": "5", "kw": "2", "pad": "same", "stride": "2"}, "Parameters"),
    ("pages/depthwise_separable.py", None, "Separable: parameters"),
    ("pages/depthwise_separable.py", {"preset": "custom", "c": "8", "n": "16", "k": "5", "bias": "true",
                                      "groups": "4"}, "Separable: parameters"),
    ("pages/flattening.py", None, "Weights and biases"),
    ("pages/flattening.py", {"example": "VGG-16: 7×7×512 → 4096 units"}, "Weights and biases"),
    ("pages/depthwise.py", None, "Parameters"),
    ("pages/pointwise.py", None, "Parameters"),
])
def test_the_code_states_the_pages_parameter_count(page, query, label):
    metrics, code = opened(page, tuple((query or {}).items()))
    shown = int(metrics[label].replace(",", ""))
    assert stated(PARAMS, code["pytorch"]) == shown
    assert stated(PARAMS, code["keras"]) == shown
    if page == "pages/depthwise_separable.py" and query:
        assert "bias=True" in code["pytorch"] and "groups=4" in code["pytorch"]


def test_the_network_page_states_the_engines_count():
    _, code = opened("pages/network_costs.py", (("alpha", "0.5"), ("res", "160"), ("bias", "true")))
    total = engine.network_totals(engine.mobilenet_v1(0.5, 160, bias=True))
    assert stated(PARAMS, code["pytorch"]) == total.params
    assert f"{total.multiplications:,} mult-adds" in code["numpy"]
    assert "this page counts" in code["keras"]


@pytest.mark.parametrize("ci, outcome", [("true", pytest.fail.Exception), ("", pytest.skip.Exception),
                                         ("false", pytest.skip.Exception)])
def test_a_missing_framework_skips_except_under_ci(ci, outcome, monkeypatch):
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="pip install -r requirements-frameworks.txt"):
        frameworks.require("numpy", "a_framework_that_is_not_installed")
