"""The class vote on the pages, through AppTest: the Join page, a student's view of a vote, and a
database that cannot be reached (one clear message, the rest of the page as always, no traceback).
The live parts (the presenter's counts, the reveal reaching students) are in test_browser_vote.py."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

import votes
from conftest import ROOT
from votes import store


@pytest.fixture
def database(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("CLASSROOM_DATA_DIR", str(tmp_path))
    yield votes.ballots()
    store.forget_engines()


def app(query=None, page=None):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params.update(query or {})
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def texts(at) -> str:
    return " ".join(str(e.value) for kind in ("markdown", "warning", "info", "success", "caption")
                    for e in getattr(at, kind))


def in_order(node):
    """The page's elements, top to bottom."""
    children = getattr(node, "children", None)
    if not children:
        yield node
        return
    for index in sorted(children):
        yield from in_order(children[index])


def sees_the_question_figure_above_the_form(at) -> bool:
    """An open vote: one chart, the question's figure (the configuration, none of the answer), above the fields."""
    shown = [(element.type, getattr(element, "key", None) or "") for element in in_order(at.main)]
    charts = [i for i, (kind, _) in enumerate(shown) if kind == "plotly_chart"]
    fields = [i for i, (kind, key) in enumerate(shown) if kind == "number_input" and key.startswith("_vote_field_")]
    return len(charts) == 1 and shown[charts[0]][1] == "question_figure" and bool(fields) and charts[0] < fields[0]


def sees_the_page(at) -> bool:
    """A closed vote: the page's own charts, the question's figure gone."""
    keys = [getattr(chart, "key", None) for chart in at.get("plotly_chart")]
    return bool(keys) and "question_figure" not in keys


def test_a_student_answers_a_percentage_with_decimals(database):
    started = database.start("network_costs", {}, votes.Question.of("Share?", [("Share of the mult-adds (%)", 74.9)],
                                                                      "why", tolerance=5, unit="%"))
    at = app({"code": started.vote.code}, "pages/join.py")
    at.switch_page("pages/network_costs.py")
    at.number_input(key="_vote_field_0").set_value(71.5)
    next(b for b in at.button if "my answer" in b.label).click().run()
    assert not at.exception, at.exception
    assert "Recorded: 71.5%" in texts(at)
    assert database.tally(started.vote.code, started.token).right == 1


@pytest.mark.parametrize("code, message", [("ZZZZZ", "There is no vote with the code ZZZZZ"),
                                           ("<b>x</b>", "There is no vote"), ("", ""), ("   ", ""),
                                           ("x';DROP TABLE--", "There is no vote with that code"),
                                           ("1e400", "There is no vote"), ("ＡＢＣＤＥ", "There is no vote"),
                                           ("$x$ **y**", "There is no vote with that code")])
def test_the_join_page_says_what_is_wrong_with_a_code(database, code, message):
    at = app({"code": code} if code else None, "pages/join.py")
    assert at.text_input(key="code").value == code
    assert message in texts(at)
    assert not at.exception


def test_joining_opens_the_votes_page_at_its_configuration_with_the_question(database):
    started = database.start("convolution", {"h": "7", "kw": "5", "stride": "2"},
                             votes.Question.of("How many multiplications?", [("Multiplications", 675)], "why"))
    at = app({"code": started.vote.code.lower()}, "pages/join.py")
    assert f"Class vote {started.vote.code}" in texts(at)
    assert (at.slider(key="h").value, at.slider(key="kw").value, at.slider(key="stride").value) == (7, 5, 2)
    assert sees_the_question_figure_above_the_form(at)  # the input and the kernel; the output stays hidden
    at.switch_page("pages/convolution.py")  # AppTest runs its own page next, not the one the script switched to
    at.number_input(key="_vote_field_0").set_value(700)
    next(b for b in at.button if "my answer" in b.label).click().run()
    assert "Recorded: 700" in texts(at)
    database.close(started.vote.code, started.token)
    at.run()
    assert "The vote is closed. The answer: **675**. You said 700." in texts(at)
    assert sees_the_page(at)


def test_an_unreachable_database_is_one_message_and_the_page_goes_on(monkeypatch):
    import postgres

    monkeypatch.setenv("DATABASE_URL", f"postgresql://nobody@127.0.0.1:{postgres.free_port()}/none")
    at = app({"present": "true"}, "pages/convolution.py")
    charts = len(at.get("plotly_chart"))
    at.button(key="_vote_start").click().run()
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert warnings == ["The class vote cannot reach its database just now, so voting is paused; the rest of the "
                        "page works. Try again in a moment."]
    assert len(at.get("plotly_chart")) == charts > 0
    at = app({"code": "ABCDE"}, "pages/join.py")
    assert "cannot reach its database" in texts(at)
    store.forget_engines()


def test_a_tab_cannot_start_votes_faster_than_one_in_five_seconds(database):
    at = app({"present": "true"}, "pages/convolution.py")
    at.button(key="_vote_start").click().run()
    assert at.session_state["_vote_owned"]["page"] == "convolution"
    at.switch_page("pages/flattening.py").run()
    at.button(key="_vote_start").click().run()
    assert "wait a few seconds" in texts(at)
    assert at.session_state["_vote_owned"]["page"] == "convolution"


QUESTION_PAGES = ["convolution", "spatially_separable", "depthwise", "pointwise", "depthwise_separable", "flattening",
                  "network_costs"]


@pytest.mark.parametrize("page", QUESTION_PAGES)
def test_every_pages_question_can_be_voted_on_and_revealed(database, page):
    presenter = app({"present": "true"}, f"pages/{page}.py")
    presenter.button(key="_vote_start").click().run()
    assert not presenter.exception, presenter.exception
    owned = presenter.session_state["_vote_owned"]
    vote = database.find(owned["code"])
    assert vote.page == page

    student = app({"code": owned["code"]}, "pages/join.py")
    student.switch_page(f"pages/{page}.py")
    assert sees_the_question_figure_above_the_form(student)
    for i, field in enumerate(vote.question.fields):
        student.number_input(key=f"_vote_field_{i}").set_value(field.answer)
    next(b for b in student.button if "my answer" in b.label).click().run()
    assert not student.exception, student.exception
    assert "Recorded" in texts(student)

    database.close(owned["code"], owned["token"])
    student.run()
    presenter.run()
    assert not student.exception and not presenter.exception
    assert ": right." in texts(student)
    assert sees_the_page(student)
    assert "1 of 1 right" in texts(presenter)
