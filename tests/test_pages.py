"""Every page through AppTest: every control at its range ends, errors shown, never an exception."""

import re

import pytest
from streamlit.testing.v1 import AppTest

import engine
from conftest import ROOT

PAGES = ["pages/welcome.py", "pages/convolution.py", "pages/spatially_separable.py", "pages/depthwise.py"]
WORKING_PAGES = PAGES[1:]


def open_page(page, query=None):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if query:
        at.query_params.update(query)
    at.run()
    if page != "pages/welcome.py":
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def metric(at, label):
    return int(next(m for m in at.metric if m.label == label).value.replace(",", ""))


@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens_without_an_exception(page):
    at = open_page(page)
    assert at.title


@pytest.mark.parametrize("page", sorted(f"pages/{path.name}" for path in (ROOT / "pages").glob("*.py")))
def test_every_page_draws_in_presenter_mode(page):
    """Presenter mode redraws every chart for a projector (viz.presentation.enlarge), each figure type its own
    way: every page, not only those a browser test opens, draws with it on."""
    at = open_page(page, {"present": "true"})
    assert at.toggle(key="present").value is True and at.title


def test_welcome_lists_the_learning_goals():
    at = open_page("pages/welcome.py")
    text = " ".join(m.value for m in at.markdown)
    assert "Separable convolutions" in text or "separable" in text
    assert "Flattening" in text


def test_convolution_defaults_are_the_lectures_example():
    at = open_page("pages/convolution.py")
    assert metric(at, "Multiplications") == 81
    assert metric(at, "Parameters") == 9
    assert len(at.get("plotly_chart")) == 1
    assert not at.error


# pages whose example presets disable some sliders: their sliders are driven with the preset off
UNLOCKED = {"pages/depthwise.py": {"preset": "custom (use the sliders)"}}


@pytest.mark.parametrize("page", WORKING_PAGES)
def test_every_slider_at_both_range_ends(page):
    at = open_page(page, UNLOCKED.get(page))
    for slider in list(at.slider):
        assert not slider.disabled, slider.key
        key = slider.key
        for value in (slider.min, slider.max):
            at.slider(key=key).set_value(value).run()
            assert not at.exception, (key, value, at.exception)
            # either a chart with the engine's numbers, or a message that says what to fix
            if at.error:
                assert "cannot be computed" in at.error[0].value
            else:
                assert len(at.get("plotly_chart")) >= 1
        at.slider(key=key).set_value(slider.value).run()


@pytest.mark.parametrize("page", WORKING_PAGES)
def test_every_choice_of_every_select_box(page):
    at = open_page(page)
    for box in list(at.selectbox):
        for option in box.options:
            at.selectbox(key=box.key).set_value(option).run()
            assert not at.exception, (box.key, option, at.exception)
        at.selectbox(key=box.key).set_value(box.value).run()
    for option in at.select_slider(key="speed").options:
        at.select_slider(key="speed").set_value(option).run()
        assert not at.exception


def test_all_controls_at_their_maximum_match_the_engine():
    at = open_page("pages/convolution.py")
    for key, value in dict(h=16, w=16, c=4, kh=7, kw=7, n=4, stride=3, dil=3).items():
        at.slider(key=key).set_value(value)
    at.selectbox(key="pad").set_value("3").run()
    assert not at.exception and not at.error
    cost = engine.standard_cost((4, 16, 16), (7, 7), 4, 3, 3, 3)
    assert metric(at, "Multiplications") == cost.multiplications
    assert metric(at, "Parameters") == cost.params
    assert re.search(rf"Output size: {cost.out_shape[1]}×{cost.out_shape[2]}×4", at.subheader[0].value)


def test_an_impossible_configuration_shows_the_fix_and_the_page_recovers():
    at = open_page("pages/convolution.py")
    at.slider(key="h").set_value(3)
    at.slider(key="kh").set_value(7).run()
    assert not at.exception
    assert len(at.error) == 1
    message = at.error[0].value
    assert "kernel 7 spans 7 cells but the padded input is 3" in message and "more padding" in message
    assert len(at.get("plotly_chart")) == 0
    at.selectbox(key="pad").set_value("full").run()
    assert not at.error and len(at.get("plotly_chart")) == 1


def test_a_sobel_kernel_one_cell_wide_is_explained():
    at = open_page("pages/convolution.py")
    at.slider(key="kw").set_value(1).run()
    assert not at.exception
    assert "at least 2 wide" in at.error[0].value


def test_the_url_sets_the_controls():
    at = open_page("pages/convolution.py", {"h": "7", "w": "7", "c": "3", "n": "2", "pad": "same", "kernel": "random"})
    assert at.slider(key="h").value == 7 and at.slider(key="c").value == 3
    assert at.selectbox(key="pad").value == "same"
    assert metric(at, "Multiplications") == engine.standard_cost((3, 7, 7), 3, 2, padding="same").multiplications


@pytest.mark.parametrize("query", [{"h": "abc"}, {"h": "-4"}, {"h": "99999"}, {"pad": "half"}, {"kernel": "<b>x</b>"}])
def test_tampered_url_values_fall_back_without_an_exception(query):
    at = open_page("pages/convolution.py", query)
    assert not at.exception
    assert len(at.get("plotly_chart")) == 1


def test_a_full_garbage_collection_runs_once_the_process_has_grown(monkeypatch):
    """Streamlit's collection after every rerun is off; app.py collects once memory has grown by
    housekeeping.GC_GROWTH_BYTES since the last collection, and on every rerun where memory cannot be read,
    but never sooner after the last than GC_SHARE of the time allows."""
    import gc

    import housekeeping

    calls, memory, now = [], [100 * 2**20], [1000.0]

    def collect(*args):  # a collection that takes 0.2 s
        calls.append(memory[0])
        now[0] += 0.2
        return 0

    monkeypatch.setattr(gc, "collect", collect)
    monkeypatch.setattr(housekeeping, "_clock", lambda: now[0])
    monkeypatch.setattr(housekeeping, "_rss", lambda: memory[0])
    monkeypatch.setattr(housekeeping, "_after_collection", [memory[0]])
    monkeypatch.setattr(housekeeping, "_next_collection", [0.0])
    housekeeping.collect_garbage_when_grown()
    memory[0] += housekeeping.GC_GROWTH_BYTES - 1
    housekeeping.collect_garbage_when_grown()
    assert calls == []  # not grown enough
    memory[0] += 1
    housekeeping.collect_garbage_when_grown()
    assert len(calls) == 1 and housekeeping._after_collection[0] == memory[0]
    housekeeping.collect_garbage_when_grown()
    assert len(calls) == 1  # measured from the last collection
    memory[0] += 10 * housekeeping.GC_GROWTH_BYTES  # a class arriving: grown, but the last took 0.2 s
    wait = 0.2 * (1 / housekeeping.GC_SHARE - 1)
    now[0] += wait - 0.01
    housekeeping.collect_garbage_when_grown()
    assert len(calls) == 1  # too soon: more than GC_SHARE of the time would go to collecting
    now[0] += 0.02
    housekeeping.collect_garbage_when_grown()
    assert len(calls) == 2
    monkeypatch.setattr(housekeeping, "_rss", lambda: 0)  # no /proc
    now[0] += wait + 0.01
    housekeeping.collect_garbage_when_grown()
    assert len(calls) == 3


def test_what_is_loaded_is_frozen_once_before_the_first_page(monkeypatch):
    import gc

    import housekeeping

    done = []
    monkeypatch.setattr(gc, "collect", lambda *a: done.append("collect") or 0)
    monkeypatch.setattr(gc, "freeze", lambda: done.append("freeze"))
    monkeypatch.setattr(housekeeping, "_frozen", [False])
    housekeeping.freeze_what_is_loaded()
    housekeeping.freeze_what_is_loaded()
    assert done == ["collect", "freeze"]


@pytest.mark.parametrize("page", ["pages/convolution.py", "pages/depthwise.py", "pages/depthwise_separable.py"])
def test_the_padding_help_names_only_the_modes_the_page_offers(page):
    # the lecture's tables fix the padding of Depthwise separable: its choices show under custom
    box = open_page(page, {"preset": "custom"} if page.endswith("depthwise_separable.py") else None).selectbox(key="pad")
    for mode in ("valid", "same", "full"):
        assert (f"{mode} (" in box.help) == (mode in box.options), (mode, box.options, box.help)
