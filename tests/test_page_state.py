"""Each page owns its state: moving to another page opens it at its lecture example, and "Reset to the lecture's example" takes a page back there."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest
from test_classroom import open_page as open_app

ROOT = Path(__file__).resolve().parent.parent

def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_a_changed_convolution_page_leaves_spatially_separable_at_the_lectures_81_and_72():
    at = open_app("pages/convolution.py")
    at.slider(key="stride").set_value(2).run()
    at.slider(key="h").set_value(7).run()
    assert metrics(at)["Multiplications"] == "54"  # 3×2 positions × 9: the change took
    at.switch_page("pages/spatially_separable.py").run()
    assert not at.exception, at.exception
    shown = metrics(at)
    assert shown["Full 3×3 kernel"] == "81" and shown["Two passes in all"] == "72", shown
    assert at.slider(key="stride").value == 1 and at.slider(key="h").value == 5


def test_the_classroom_switches_stay_on_across_pages():
    at = open_app("pages/convolution.py")
    at.toggle(key="present").set_value(True).run()
    at.slider(key="h").set_value(7).run()
    at.switch_page("pages/depthwise.py").run()
    assert at.toggle(key="present").value is True
    fresh = open_app("pages/depthwise.py")

    def height(app):  # the lecture's example shows its height greyed out, under a key of its own
        return next(slider.value for slider in app.slider if slider.label == "Input height")

    assert height(at) == height(fresh) == 6 != 7  # the depthwise page's own example, the lecture's 6×6×16


def test_a_link_opens_its_page_with_its_values():
    at = AppTest.from_file(str(ROOT / "pages" / "convolution.py"), default_timeout=60)
    at.query_params["h"] = "7"
    at.query_params["stride"] = "2"
    at.run()
    assert not at.exception and at.slider(key="h").value == 7 and at.slider(key="stride").value == 2


def test_reset_takes_the_page_back_to_the_lectures_example():
    at = open_app("pages/convolution.py")
    at.slider(key="h").set_value(9).run()
    at.selectbox(key="pad").set_value("same").run()
    assert metrics(at)["Multiplications"] != "81"
    at.button(key="_reset").click().run()
    assert not at.exception, at.exception
    assert at.slider(key="h").value == 5 and at.selectbox(key="pad").value == "0"
    assert metrics(at)["Multiplications"] == "81"
