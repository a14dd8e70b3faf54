"""'Predict, then reveal' (issue 6) through AppTest: a question before the chart, feedback after it.

Every expected answer is worked out here independently of the app: output sizes by the Dumoulin &
Visin formula written out, counts by plain loops or the lecture's figures, flattening by
np.unravel_index, the 1×1 share from the MobileNet paper's Table 2.
"""

import math

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT

PAGES = ["pages/convolution.py", "pages/spatially_separable.py", "pages/depthwise.py", "pages/pointwise.py",
         "pages/depthwise_separable.py", "pages/flattening.py", "pages/network_costs.py"]


def output_size(i, k, s=1, p_before=0, p_after=0, d=1):
    """Dumoulin & Visin (2016), relation 15, with the padding on each side apart."""
    return math.floor((i + p_before + p_after - k - (k - 1) * (d - 1)) / s) + 1


def depthwise_loop(c, h, w, k):
    """Multiplications of a depthwise convolution (stride 1, no padding), one by one."""
    count = 0
    for _channel in range(c):
        for _y in range(output_size(h, k)):
            for _x in range(output_size(w, k)):
                for _i in range(k):
                    for _j in range(k):
                        count += 1
    return count


def pointwise_loop(c, h, w, n):
    count = 0
    for _kernel in range(n):
        for _y in range(h):
            for _x in range(w):
                for _channel in range(c):
                    count += 1
    return count


def flatten_source(i, shape, order):
    """(channel, row, column) of entry i, by NumPy's own index arithmetic; all counted from 1, as the
    page counts (NumPy's index is i − 1)."""
    c, h, w = shape
    if order == "CHW":
        return tuple(int(v) + 1 for v in np.unravel_index(i - 1, (c, h, w)))
    row, col, channel = np.unravel_index(i - 1, (h, w, c))
    return int(channel) + 1, int(row) + 1, int(col) + 1


# page -> the answer at its default settings; the lecture's figures where the lecture has them
EXPECTED = {
    "pages/convolution.py": [output_size(5, 3), output_size(5, 3)],  # 5×5 image, 3×3 Sobel: 3×3
    "pages/spatially_separable.py": [81, 72],  # 81 against 45 + 27
    "pages/depthwise.py": [depthwise_loop(16, 6, 6, 3)],  # the lecture's 6×6×16, 3×3
    "pages/pointwise.py": [pointwise_loop(3, 5, 5, 128)],  # lecture table 1's pointwise stage: 9,600
    "pages/depthwise_separable.py": [10_275],  # lecture table 1: 675 + 9,600
    "pages/flattening.py": list(flatten_source(4, (2, 2, 3), "CHW")),
    "pages/network_costs.py": [94.86],  # Howard et al. 2017, Table 2
}
# something the revealed page shows that the question must not
REVEALED = {
    "pages/convolution.py": "Output size",
    "pages/spatially_separable.py": "Can this kernel be split?",
    "pages/depthwise.py": "Step 1",
    "pages/pointwise.py": "Step by step",
    "pages/depthwise_separable.py": "The lecture's table, computed",
    "pages/flattening.py": "Why the order matters",
    "pages/network_costs.py": "Where the mult-adds go",
}


def open_page(page, query=None, predict=True):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if predict is not None:
        at.session_state["predict"] = predict
    if query:
        at.query_params.update(query)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


QUESTION_FIGURE = "-question_figure"  # the end of the question figure's element id (ui.vote.show_question_figure)


def chart_ids(at):
    return [chart.proto.id for chart in at.get("plotly_chart")]


def only_the_question_figure(at):
    """While the question is open: one chart, the question's figure (the configuration, none of the answer)."""
    ids = chart_ids(at)
    return len(ids) == 1 and ids[0].endswith(QUESTION_FIGURE)


def the_pages_charts(at):
    """Once the answer is out: the page's own charts, and the question's figure gone."""
    ids = chart_ids(at)
    return bool(ids) and not any(i.endswith(QUESTION_FIGURE) for i in ids)


def answer_fields(at):
    return [w for w in at.number_input if (w.key or "").startswith("predict-")]


def press(at, ending):
    next(b for b in at.button if (b.key or "").startswith("predict-") and b.key.endswith(ending)).click().run()
    assert not at.exception, at.exception
    return at


def answer(at, values):
    fields = answer_fields(at)
    assert len(fields) == len(values)
    for field, value in zip(fields, values):
        field.set_value(value)
    return press(at, "-check")


def texts(at):
    return [e.value for kind in ("markdown", "subheader", "latex", "caption", "success", "warning", "info")
            for e in getattr(at, kind)]


def asks(at):
    return any("Predict, then reveal" in t for t in texts(at)) and answer_fields(at)


def feedback(at, kind):
    return [e.value for e in getattr(at, kind) if e.value.startswith(("Right", "Not quite", "The answer"))]


def rounded(values):
    return [round(v) for v in values]


@pytest.mark.parametrize("page", PAGES)
def test_the_question_comes_first_and_hides_the_chart_and_the_answer(page):
    at = open_page(page)
    assert asks(at)
    assert len(answer_fields(at)) == len(EXPECTED[page])
    assert only_the_question_figure(at) and not at.metric
    assert not any(REVEALED[page] in t for t in texts(at))
    assert not feedback(at, "success") and not feedback(at, "warning")


@pytest.mark.parametrize("page", PAGES)
def test_a_right_answer_is_confirmed_and_the_chart_appears(page):
    at = open_page(page)
    expected = EXPECTED[page]
    answer(at, rounded(expected) if page.endswith("network_costs.py") else expected)
    assert feedback(at, "success"), texts(at)
    assert not feedback(at, "warning")
    assert the_pages_charts(at)
    assert not answer_fields(at)
    assert any(REVEALED[page] in t for t in texts(at))


def hints(at):
    return [e.value for e in at.warning if e.value.startswith("Not yet")]


@pytest.mark.parametrize("page", PAGES)
def test_a_wrong_answer_gets_a_hint_then_a_second_wrong_one_the_answer(page):
    at = open_page(page)
    expected = EXPECTED[page]
    wrong = [v + 11 for v in rounded(expected)] if page.endswith("network_costs.py") else [v + 1 for v in expected]
    answer(at, wrong)
    (hint,) = hints(at)
    assert "too high" in hint and "One more try" in hint
    assert not feedback(at, "warning") and only_the_question_figure(at)  # nothing revealed yet
    assert [f.value for f in answer_fields(at)] == wrong  # the first try stays in the fields
    answer(at, wrong)
    (message,) = feedback(at, "warning")
    assert message.startswith("Not quite")
    if len(expected) == 1 and isinstance(expected[0], int):
        assert f"the answer is **{expected[0]:,}**" in message and f"you said {wrong[0]:,}" in message
    assert the_pages_charts(at)


def test_a_second_try_can_be_right():
    at = open_page("pages/spatially_separable.py")
    full, passes = EXPECTED["pages/spatially_separable.py"]
    answer(at, [full, passes - 9])  # 81 and 63: counted the second pass on the 5×5 input
    (hint,) = hints(at)
    assert f"you said full 3×3 kernel {full} and two passes in all {passes - 9}" in hint.lower()
    assert "Two passes in all is too low; the full 3×3 kernel is right." in hint
    answer(at, [full, passes])
    assert feedback(at, "success") and the_pages_charts(at)
    assert any("Right on try 2" in c.value for c in at.caption)


def test_the_lecturer_can_reveal_after_a_wrong_try():
    at = open_page("pages/depthwise.py")
    answer(at, [1])
    (hint,) = hints(at)
    assert "It is too low." in hint
    press(at, "-show")
    (message,) = feedback(at, "info")
    assert message == f"The answer: **{EXPECTED['pages/depthwise.py'][0]:,}**."
    assert the_pages_charts(at)


def test_the_answers_are_written_out_with_their_fields():
    at = open_page("pages/flattening.py")
    answer(at, [2, 2, 1])
    assert "Channel is too high; the row and column are right." in hints(at)[0]
    answer(at, [2, 2, 1])
    (message,) = feedback(at, "warning")
    c, h, w = EXPECTED["pages/flattening.py"]
    assert (c, h, w) != (2, 2, 1) and (h, w) == (2, 1)
    assert "you said channel 2, row 2 and column 1" in message
    assert f"the answer is **channel {c}, row {h} and column {w}** (the row and column were right)" in message


def test_the_explanation_fills_in_the_pages_formula():
    at = open_page("pages/convolution.py")
    answer(at, [3, 3])
    explanation = " ".join(m.value for m in at.markdown)
    assert "Dumoulin & Visin" in explanation
    assert r"\frac{5 + 0 + 0 - 3 - 2\cdot0}{1}" in explanation and "= 3" in explanation
    at = open_page("pages/depthwise_separable.py")
    answer(at, [10_275])
    explanation = " ".join(m.value for m in at.markdown)
    assert "3 × 3 × 1 × 5 × 5 × 3 = **675**" in explanation
    assert "1 × 1 × 3 × 5 × 5 × 128 = **9,600**" in explanation
    assert "675 + 9,600 = **10,275**" in explanation and "86,400" in explanation
    at = open_page("pages/spatially_separable.py")
    answer(at, [81, 72])
    explanation = " ".join(m.value for m in at.markdown)
    assert "3 × (3×5) + 3 × (3×3) = 45 + 27 = **72**" in explanation


def test_just_show_me_reveals_the_answer_and_the_chart():
    at = press(open_page("pages/pointwise.py"), "-show")
    (message,) = feedback(at, "info")
    assert f"**{EXPECTED['pages/pointwise.py'][0]:,}**" in message
    assert the_pages_charts(at) and not answer_fields(at)


def test_an_empty_answer_asks_again():
    at = press(open_page("pages/depthwise.py"), "-check")
    assert asks(at) and only_the_question_figure(at)
    assert any("Type a number" in w.value for w in at.warning)


def test_the_share_counts_within_five_points():
    at = open_page("pages/network_costs.py")
    answer(at, [91])
    (message,) = feedback(at, "success")
    assert "You said 91%" in message and "±5" in message
    shown = float(message.split("**")[1].rstrip("%"))
    assert shown == pytest.approx(94.86, abs=0.01)
    at = open_page("pages/network_costs.py")
    answer(at, [89])
    assert "It is too low." in hints(at)[0]


def test_a_new_configuration_asks_anew_and_an_answered_one_stays_answered():
    at = open_page("pages/convolution.py")
    answer(at, [3, 3])
    assert the_pages_charts(at)
    at.select_slider(key="speed").set_value("fast").run()  # play speed: same question, still answered
    assert the_pages_charts(at) and not answer_fields(at)
    at.slider(key="h").set_value(8).run()
    assert asks(at) and only_the_question_figure(at)
    answer(at, [output_size(8, 3), output_size(5, 3)])
    assert feedback(at, "success") and the_pages_charts(at)


def test_a_new_entry_asks_anew_on_the_flattening_page():
    at = open_page("pages/flattening.py", {"order": "HWC (Keras Flatten)"})
    answer(at, list(flatten_source(4, (2, 2, 3), "HWC")))
    assert feedback(at, "success")
    at.number_input(key="entry").set_value(7).run()
    assert asks(at) and only_the_question_figure(at)
    answer(at, list(flatten_source(7, (2, 2, 3), "HWC")))
    assert feedback(at, "success") and the_pages_charts(at)


def test_a_configuration_from_the_url_is_asked_about():
    query = {"h": "7", "w": "6", "kh": "3", "kw": "2", "stride": "2", "pad": "1", "dil": "2", "kernel": "random"}
    at = open_page("pages/convolution.py", query)
    answer(at, [output_size(7, 3, 2, 1, 1, 2), output_size(6, 2, 2, 1, 1, 2)])
    assert feedback(at, "success")


@pytest.mark.parametrize("page", PAGES)
def test_with_the_mode_off_nothing_changes(page):
    untouched = open_page(page, predict=None)
    off = open_page(page, predict=False)
    for at in (untouched, off):
        assert not answer_fields(at)
        assert not any("Predict, then reveal" in t for t in texts(at))
        assert the_pages_charts(at)
    assert texts(off) == texts(untouched)
    assert len(off.get("plotly_chart")) == len(untouched.get("plotly_chart"))
