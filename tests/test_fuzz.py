"""Bad input, everywhere (issue 7): every page fuzzed through AppTest with random combinations of all
its controls, every range end and every option of every choice.

The controls are found on the page itself after every run (sliders, select sliders, select boxes,
checkboxes, toggles including app.py's "present" and "predict", number inputs, text inputs, radios,
and the answer fields of "Predict, then reveal"), so a new control is fuzzed without a change here.
One AppTest per page; a combination is one run with several controls changed at once.

After every run: no uncaught exception, and every error shown says what to change (it names a
control or parameter and gives a fix). The seed is fixed and printed in every failure message;
set FUZZ_SEED to another number to explore further, FUZZ_COMBINATIONS for more or fewer runs.
"""

import os
import random
import re
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT

SEED = int(os.environ.get("FUZZ_SEED", "7"))
COMBINATIONS = int(os.environ.get("FUZZ_COMBINATIONS", "200"))  # random combinations per page
PAGES = ["pages/welcome.py", "pages/convolution.py", "pages/spatially_separable.py", "pages/depthwise.py",
         "pages/pointwise.py", "pages/depthwise_separable.py", "pages/flattening.py", "pages/network_costs.py",
         "pages/measured_time.py"]
KINDS = ("slider", "select_slider", "selectbox", "checkbox", "toggle", "number_input", "text_input", "radio")
CHOICES = ("selectbox", "radio", "select_slider")
RANGES = ("slider", "number_input")
ANSWER = "predict-"  # the answer fields and buttons of "Predict, then reveal" start with this

# An error must say what to change: the thing to change (a control or parameter) ...
PARAMETER = re.compile(r"\b(kernels?|padding|padded|stride|dilation|input|channels?|groups|rows?|columns?|units|"
                       r"entry|image|file|numbers?)\b", re.I)
# ... and the fix, an instruction after a colon or a semicolon, as the engine's ConvConfigError messages word it
FIX = re.compile(r"[:;(]\s*(use|choose|remove|widen|make|type|keep|give|shorten|set|add|save|export)\b", re.I)
HEADLINES = ("**This configuration cannot be computed.**", "**This image cannot be used:**")


def kernel_text(rng: random.Random) -> str:
    """A custom kernel as a student might type it: valid most of the time, broken otherwise."""
    if rng.random() < 0.6:
        rows, cols = rng.randint(1, 7), rng.randint(1, 7)
        cells = [[rng.choice([str(rng.randint(-9, 9)), f"{rng.uniform(-5, 5):.2f}", "1/16", "−2", "+3", "0", "1e3",
                              "-0.5", " 4 "]) for _ in range(cols)] for _ in range(rows)]
        joiner = rng.choice([" ", ", ", ",", "  "])
        split = rng.choice(["; ", ";", "\n", " ;\n", "; ;"])
        return split.join(joiner.join(row) for row in cells) + rng.choice(["", ";", "\n", " "])
    return rng.choice([
        "", "   ", ";;;", "1 2; 3 x", "1 2; 3", "1 2 3\n4 5", "a b c", "1/0", "1e400", "-1e400", "nan", "inf",
        "99999999999999999999", "1e300", "1" * 350, "0." + "0" * 300 + "1", "<b>1</b> 2; 3 4", "**1** 2", "`1`",
        "1 2; 3 4; " * 20, "; ".join(["1 " * 8] * 8), "1 2 3 4 5 6 7 8", "١ ٢; ٣ ٤", "0x10", "1_000", "∞", "½",
        "1 2\t3; 4 5 6", "[[1, 2], [3, 4]]", "\x00", "1;;2", "𝟙 2; 3 4", "x" * 2500, "-", "/", "1/", "--1",
    ])


def controls(at) -> dict:
    """Every keyed control on the page now, by key; the answer fields of a question apart."""
    found = {}
    for kind in KINDS:
        for widget in getattr(at, kind):
            key = widget.key
            if key and not key.startswith(("FormSubmitter", "$$", ANSWER)):
                found[key] = (kind, widget)
    return found


def bounds(kind, widget) -> tuple:
    if kind == "slider":
        return int(widget.min), int(widget.max)
    return int(widget.proto.min), int(widget.proto.max)


def random_value(rng: random.Random, kind, widget):
    if kind in RANGES:
        low, high = bounds(kind, widget)
        roll = rng.random()
        return low if roll < 0.2 else high if roll < 0.4 else rng.randint(low, high)
    if kind in CHOICES:
        # the last option a fifth of the time: an example preset's or the kernel's last option is "custom",
        # which unlocks other controls (the size sliders, the custom kernel's text)
        return widget.options[-1] if rng.random() < 0.2 else rng.choice(list(widget.options))
    if kind in ("checkbox", "toggle"):
        # "Predict, then reveal" stops a page at its question: on a quarter of the time, so the rest is
        # reached; presenter mode enlarges every figure (a deep copy, the costliest step): on a fifth
        return rng.random() < {"predict": 0.25, "present": 0.2}.get(widget.key, 0.5)
    if kind == "text_input":
        return kernel_text(rng)
    raise AssertionError(f"no random value for a {kind}")


def ends(kind, widget) -> list:
    """Every range end and every option of a control, in a sweep."""
    if kind in RANGES:
        return list(bounds(kind, widget))
    if kind in CHOICES:
        return list(widget.options)
    if kind in ("checkbox", "toggle"):
        return [not widget.value, widget.value]  # both, and back, so "predict" does not stop what follows
    return ["", "1 2; 3 x", "1 2 1; 0 0 0; -1 -2 -1"] if kind == "text_input" else []


def state(at) -> dict:
    return {key: widget.value for key, (kind, widget) in sorted(controls(at).items())}


def shown(at) -> dict:
    """What each control shows after a run: its kind, value and range."""
    return {key: (kind, widget.value, bounds(kind, widget) if kind in RANGES else None)
            for key, (kind, widget) in controls(at).items()}


def kept(old, new) -> bool:
    """A control the run did not change keeps its value; one whose range moved past it takes the
    nearest end (the design's rule: bounds that depend on another control clamp, never reset)."""
    kind, value, _ = old
    _, now, limits = new
    if limits is not None and not limits[0] <= value <= limits[1]:
        return now == min(max(value, limits[0]), limits[1])
    return now == value


class Fuzz:
    """One AppTest on one page, run after run, checked after every run."""

    def __init__(self, page: str):
        self.page = page
        self.rng = random.Random(f"{SEED}:{page}")
        self.runs = 0
        self.shown = {}
        self.at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        self.at.run()
        if page != "pages/welcome.py":
            self.at.switch_page(page)
        self.run({})

    def run(self, changed: dict, what: str = "combination") -> None:
        before = state(self.at)
        self.at.run()
        self.runs += 1
        where = (f"FUZZ_SEED={SEED}, page {self.page}, run {self.runs} ({what}): changed {changed!r}; every control "
                 f"as the run got it: {before!r} (again: FUZZ_SEED={SEED} python -m pytest tests/test_fuzz.py "
                 f"-k {Path(self.page).stem})")
        assert not self.at.exception, f"{where}\nexception: {[e.value for e in self.at.exception]}"
        for error in self.at.error:
            text = error.value
            assert text.startswith(HEADLINES), f"{where}\nerror without a headline: {text!r}"
            assert PARAMETER.search(text), f"{where}\nerror naming no control or parameter: {text!r}"
            assert FIX.search(text), f"{where}\nerror giving no fix: {text!r}"
            assert len(text) < 600, f"{where}\nerror too long to read: {text!r}"
        asked = any((w.key or "").startswith(ANSWER) for w in self.at.number_input)
        assert self.page == "pages/welcome.py" or self.at.error or self.at.get("plotly_chart") or asked, \
            f"{where}\na page with no chart, no question and no error"
        notices = [w.value for w in self.at.warning if "The link's" in w.value]
        assert not notices, f"{where}\na notice about a link, though no link was opened: {notices}"
        now = shown(self.at)
        for key, old in self.shown.items():
            if key not in changed and key in now and not kept(old, now[key]):
                raise AssertionError(f"{where}\n{key} changed by itself: {old[1]!r} -> {now[key][1]!r}")
        self.shown = now

    def set(self, key: str, value) -> bool:
        """Set one control, if the page shows it enabled now."""
        found = controls(self.at).get(key)
        if found is None or getattr(found[1], "disabled", False):
            return False
        found[1].set_value(value)
        return True

    def sweep(self) -> None:
        """Every option of every choice (in turn, leaving the last: an example preset's last option is
        custom, which unlocks its sliders), then both ends of every range, one control at a time."""
        for kinds in (CHOICES + ("checkbox", "toggle", "text_input"), RANGES):
            for key, (kind, widget) in sorted(controls(self.at).items()):
                if kind in kinds:
                    for value in ends(kind, widget):
                        if self.set(key, value):
                            self.run({key: value}, "sweep")

    def answer(self) -> bool:
        """Answer the question of "Predict, then reveal", if one is asked: some numbers (or none), then
        one of the two buttons."""
        fields = [w for w in self.at.number_input if (w.key or "").startswith(ANSWER)]
        buttons = [b for b in self.at.button if (b.key or "").startswith(ANSWER)]
        if not fields or not buttons or self.rng.random() < 0.4:
            return False
        given = {}
        for field in fields:
            value = self.rng.choice([None, 0, 1, self.rng.randint(0, 10_000), round(self.rng.uniform(0, 100), 2)])
            field.set_value(value)
            given[field.key] = value
        button = self.rng.choice(buttons)
        button.click()
        self.run({**given, button.key: "clicked"}, "an answer")
        return True

    def combination(self) -> None:
        """Several controls changed at once (each with probability 1/3, at least one), then one run."""
        found = [(key, kind, widget) for key, (kind, widget) in sorted(controls(self.at).items())
                 if not getattr(widget, "disabled", False)]
        chosen = [item for item in found if self.rng.random() < 1 / 3] or [self.rng.choice(found)]
        changed = {}
        for key, kind, widget in chosen:
            value = random_value(self.rng, kind, widget)
            widget.set_value(value)
            changed[key] = value
        self.run(changed)


MEASURING_SECONDS = 0.1  # Measured time's budget per request here: every layer still measured, in short steps


@pytest.mark.parametrize("page", PAGES)
def test_fuzz_every_control_of_the_page(page, monkeypatch):
    started, cpu = time.perf_counter(), time.process_time()
    if page == "pages/measured_time.py":  # its follow-up reruns measure each new layer for up to 1.5 s
        from lessons import bench

        monkeypatch.setattr(bench.shared()[0], "budget", MEASURING_SECONDS)
    fuzz = Fuzz(page)
    fuzz.sweep()
    swept = fuzz.runs
    for _ in range(COMBINATIONS):
        fuzz.answer()
        fuzz.combination()
    print(f"{page}: {swept} sweep runs, {COMBINATIONS} random combinations, {fuzz.runs} runs in all, "
          f"{time.perf_counter() - started:.1f} s ({time.process_time() - cpu:.1f} s of processor time; FUZZ_SEED={SEED})")
