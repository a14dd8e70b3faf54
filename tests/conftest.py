import gc
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def assert_plotly_js_ready(spec: dict) -> None:
    """A figure built from plain dicts, without plotly.py's checks (viz.style.plain_figure), must be
    what plotly.py itself would send: valid (plotly.py raises on any invalid property) and already in
    the form plotly.js reads (no shorthand such as title="k" that plotly.py would expand)."""
    import json

    import plotly.graph_objects as go
    import plotly.io as pio

    checked = json.loads(pio.to_json(go.Figure(data=spec["data"], layout=spec["layout"]), validate=False))
    assert checked["data"] == spec["data"]
    assert checked["layout"] == spec["layout"]


# Modules whose tests are independent, spread one by one over the README's two workers (pytest-xdist,
# --dist loadgroup): the fuzzing of each page takes a minute (one AppTest each); the presenter and
# readability browser tests open a fresh browser context each, two to three minutes a module (each
# worker then starts its own server for them, ~5 s).
SPREAD = {"test_fuzz", "test_browser_presenter", "test_browser_channels"}


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups (its own hook, in each worker)
def pytest_collection_modifyitems(items):
    """The tests that run PyTorch and Keras last (in their order): once imported, the frameworks stay in
    the process, their threads and their hundreds of thousands of objects slowing every test after them.
    Every other module's tests stay together on one worker (its module-scoped server, browser and
    AppTests set up once), apart from SPREAD's."""
    items.sort(key=lambda item: bool({"torch", "keras"} & set(getattr(item, "fixturenames", ()))))
    for item in items:
        module = item.module.__name__ if item.module else item.nodeid
        if module not in SPREAD:
            item.add_marker(pytest.mark.xdist_group(module))


@pytest.fixture(autouse=True, scope="module")
def frameworks_frozen_after_use():
    """After a module that ran PyTorch or Keras: what they keep for the rest of the session (modules,
    compiled functions, layer registries) frozen out of the garbage collector's reach. Left to it,
    every full collection the app's housekeeping makes in the page tests that follow walks them all
    (0.2 s each, a page test's rerun taking ten times as long)."""
    yield
    if "torch" in sys.modules or "keras" in sys.modules:
        gc.collect()
        gc.freeze()


@pytest.fixture(scope="session")
def torch():
    """The real PyTorch, for the tests that run the code views (skipped without it, failed under CI=true)."""
    import frameworks

    return frameworks.torch()


@pytest.fixture(scope="session")
def keras():
    """The real Keras 3 on JAX, for the tests that run the code views (as `torch`)."""
    import frameworks

    return frameworks.keras()


@pytest.fixture(scope="session")
def postgres_cluster():
    """A throwaway PostgreSQL cluster (tests/postgres.py) for the whole run: skipped without PostgreSQL's
    binaries, failed under CI=true."""
    import postgres

    cluster = postgres.cluster_or_skip()
    yield cluster
    cluster.remove()
