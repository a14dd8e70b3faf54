"""The class vote in Chromium: a presenter tab and three student tabs on one server (SQLite in a
temporary folder). Answers arrive on the presenter's screen without anyone touching it, the histogram
shows them, a changed answer replaces the old one, and "Close and reveal" reaches every student.

Students see the question's figure (the configuration, none of the answer) above the answer fields until
the reveal. Screenshots: test-artifacts/vote-*.png (the presenter at 1280×720 before and after the reveal, a
student at 1280×800 before and after answering, and on a 390×844 phone).
"""

from __future__ import annotations

import re
import time

import pytest
from test_browser import (  # noqa: F401  (the chromium fixture is found by name)
    ARTIFACTS,
    IDLE,
    PLOT,
    app_server,
    chromium,
    new_tab,
    no_exception,
)

CODE = ".st-key-vote_code [data-testid=stText]"
COUNT = ".st-key-vote_count"
HISTOGRAM = ".st-key-vote_presenter [data-testid=stPlotlyChart] .js-plotly-plot"
FIELD = "[data-testid=stNumberInputField]"
QUESTION_FIGURE = ".st-key-vote_student [data-testid=stPlotlyChart]"
SEND = ".st-key-vote_student button:has-text('Send my answer')"


@pytest.fixture(scope="module")
def vote_server(chromium, tmp_path_factory):
    """`streamlit run app.py` with its votes in a SQLite file of a temporary folder."""
    folder = tmp_path_factory.mktemp("votes")
    with app_server(ARTIFACTS / "vote-streamlit.log", {"CLASSROOM_DATA_DIR": str(folder), "DATABASE_URL": ""}) as base:
        yield base


def tab_of(chromium, base: str, width: int, height: int):
    context = chromium.new_context(viewport={"width": width, "height": height})
    context.base_url = base
    return new_tab(context)


def start_vote(tab, path: str = "/convolution?present=true") -> str:
    """Open a page in presenter mode and start a vote on its question; the join code."""
    tab.goto(tab.base_url + path)
    tab.wait_for_selector(IDLE, state="attached")
    tab.get_by_role("button", name=re.compile("Start a class vote")).click()
    tab.wait_for_selector(CODE, timeout=20_000)
    return tab.locator(CODE).inner_text().strip()


def answer(tab, values, recorded: str = "Recorded") -> None:
    """Type the answer and send it; again if a rerun replaced the fields as they were filled."""
    for attempt in range(4):
        tab.wait_for_selector(FIELD)
        tab.wait_for_selector(IDLE, state="attached")
        fields = tab.locator(FIELD)
        for i, value in enumerate(values):
            fields.nth(i).fill(str(value))
        tab.get_by_role("button", name=re.compile("(Send|Change) my answer")).click()
        try:
            tab.wait_for_selector(f"text={recorded}", timeout=5_000)
            return
        except Exception:
            if attempt == 3:
                raise
            time.sleep(1)


def presenter_count(tab) -> int:
    return int(re.match(r"\d+", tab.locator(COUNT).inner_text()).group())


def bars(tab) -> dict:
    data = tab.evaluate(f"() => {{ const gd = document.querySelector('{HISTOGRAM}'); "
                        "return gd && gd.data ? [gd.data[0].x, gd.data[0].y, gd.data[0].marker.color] : null; }")
    xs, ys, colours = data
    return {x: (y, c) for x, y, c in zip(xs, ys, colours)}


def wait_for_bars(tab, expected: dict) -> dict:
    """Wait until the histogram shows `expected` ({answer: count}); its bars, {answer: (count, colour)}."""
    tab.wait_for_function(f"""expected => {{ const d = document.querySelector('{HISTOGRAM}')?.data?.[0];
        return !!d && JSON.stringify(Object.fromEntries(d.x.map((x, i) => [x, d.y[i]]))) === JSON.stringify(expected);
    }}""", arg=expected, timeout=6_000)
    return bars(tab)


def wait_for_count(tab, count: int, seconds: float = 6) -> float:
    """Wait, touching nothing, until the presenter's screen counts `count` answers; the seconds it took."""
    started = time.monotonic()
    tab.wait_for_function(f"() => document.querySelector('{COUNT}')?.innerText.trim()"
                          f".startsWith('{count} answer')", timeout=seconds * 1000)
    return time.monotonic() - started


def in_view(tab, selector: str, height: int) -> bool:
    box = tab.locator(selector).first.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def sees_the_question_figure(tab) -> None:
    """One chart on the page, the question's figure, drawn above the answer fields with numbers of 15 px or more."""
    tab.wait_for_selector(f"{QUESTION_FIGURE} .main-svg", timeout=30_000)
    assert tab.locator("[data-testid=stPlotlyChart]").count() == 1  # the page's own, the answer's, stay hidden
    assert tab.locator(QUESTION_FIGURE).bounding_box()["y"] < tab.locator(FIELD).first.bounding_box()["y"]
    sizes = tab.evaluate(f"""() => [...document.querySelectorAll('{QUESTION_FIGURE} .main-svg text')]
        .filter(t => t.textContent.trim()).map(t => parseFloat(getComputedStyle(t).fontSize))""")
    assert sizes and min(sizes) >= 15, sizes


def test_a_room_votes_and_the_presenter_reveals(chromium, vote_server):
    presenter = tab_of(chromium, vote_server, 1280, 720)
    code = start_vote(presenter)
    assert re.fullmatch(r"[A-Z2-9]{5}", code)
    assert presenter_count(presenter) == 0

    # one student scans the QR code (the link), one types the code on the Join page, one a phone
    link = presenter.locator(".st-key-vote_link [data-testid=stText]").inner_text().strip()
    assert link.endswith(f"/join?code={code}")
    laptop = tab_of(chromium, vote_server, 1280, 800)
    laptop.goto(link)
    typed = tab_of(chromium, vote_server, 1280, 800)
    typed.goto(vote_server + "/join")
    typed.wait_for_selector(IDLE, state="attached")
    box = typed.get_by_label("Code")
    box.fill("ZZZZZ")
    box.press("Enter")
    typed.wait_for_selector("text=There is no vote with the code ZZZZZ")
    box.fill(f"{code[:2].lower()} {code[2:].lower()}")
    box.press("Enter")
    phone = tab_of(chromium, vote_server, 390, 844)
    phone.goto(vote_server + f"/join?code={code}")
    students = [laptop, typed, phone]
    for student in students:
        student.wait_for_selector(f"text=Class vote {code}", timeout=30_000)
        assert "/convolution" in student.url
        sees_the_question_figure(student)  # the input and the kernel; the output filling in stays hidden
    assert in_view(laptop, SEND, 800)  # the question, its figure and the form on one laptop screen
    laptop.screenshot(path=str(ARTIFACTS / "vote-student-question-1280.png"))

    answer(laptop, [3, 3])
    answer(typed, [3, 3])
    answer(phone, [4, 4])
    wait_for_count(presenter, 3)  # no one touches the presenter's tab
    shown = wait_for_bars(presenter, {"3 × 3": 2, "4 × 4": 1})
    assert len({colour for _, colour in shown.values()}) == 1  # nothing marks the right bar yet
    assert in_view(presenter, CODE, 720) and in_view(presenter, ".st-key-vote_presenter img", 720)
    assert in_view(presenter, HISTOGRAM, 720)
    code_px = float(presenter.evaluate(f"() => parseFloat(getComputedStyle(document.querySelector('{CODE}')).fontSize)"))
    qr_px = presenter.locator(".st-key-vote_presenter img").bounding_box()["width"]
    assert code_px >= 60 and qr_px >= 240, (code_px, qr_px)
    presenter.screenshot(path=str(ARTIFACTS / "vote-presenter-open.png"))
    laptop.screenshot(path=str(ARTIFACTS / "vote-student-1280.png"))
    phone.screenshot(path=str(ARTIFACTS / "vote-student-phone.png"))

    time.sleep(1.1)  # one answer a second per student
    answer(phone, [3, 3])  # a changed answer replaces the first
    wait_for_bars(presenter, {"3 × 3": 3})
    assert presenter_count(presenter) == 3

    presenter.get_by_role("button", name="Close and reveal").click()
    presenter.wait_for_selector("text=The answer: 3 × 3 · 3 of 3 right")
    presenter.wait_for_function(f"() => (document.querySelector('{HISTOGRAM}')?.data?.[0]?.text || [])"
                                ".some(t => t.includes('✓'))")
    assert presenter.locator(".st-key-vote_presenter .katex").count() > 0  # the page's formula beside it
    assert in_view(presenter, HISTOGRAM, 720)
    presenter.wait_for_selector(PLOT + ":not(.st-key-vote_presenter *)", state="attached")  # the page goes on
    presenter.screenshot(path=str(ARTIFACTS / "vote-presenter-revealed.png"))
    for student in students:  # within a few of the students' 3 s looks, touching nothing
        student.wait_for_selector("text=The vote is closed", timeout=20_000)
        student.wait_for_selector(PLOT + ":not(.st-key-vote_student *)", state="attached", timeout=20_000)
        student.wait_for_selector(QUESTION_FIGURE, state="detached")  # the page's own figures take its place
        assert student.locator("text=The answer: 3 × 3").count() or student.locator("text=3 × 3").count()
        no_exception(student)
    phone.screenshot(path=str(ARTIFACTS / "vote-student-phone-revealed.png"))
    no_exception(presenter)
    for tab in [presenter, *students]:
        tab.context.close()
