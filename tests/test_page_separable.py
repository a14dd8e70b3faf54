"""The Spatially separable page through AppTest: the lecture's numbers, every kernel, custom kernels."""

import json
import re

import numpy as np
import pytest

import engine
from test_pages import open_page
from conftest import assert_plotly_js_ready

PAGE = "pages/spatially_separable.py"


def metrics(at):
    return {m.label: int(m.value.replace(",", "")) for m in at.metric}


def test_the_lectures_example_81_against_45_plus_27():
    at = open_page(PAGE)
    values = metrics(at)
    assert values["Full 3×3 kernel"] == 81
    assert values["Pass 1: 3×1"] == 45
    assert values["Pass 2: 1×3"] == 27
    assert values["Two passes in all"] == 72
    assert "Same output by both routes" in at.success[0].value
    assert any("Rank 1: separable" in m.value for m in at.markdown)
    assert any(r"\begin{bmatrix}1 \\ 2 \\ 1\end{bmatrix}" in l.value and "1 & 0 & -1" in l.value for l in at.markdown)
    # full scan, pass 1 and pass 2 charts among the page's charts
    assert len(at.get("plotly_chart")) >= 3


@pytest.mark.parametrize("name", [*engine.SEPARABLE_PRESETS, "random"])
def test_every_kernel_gets_the_engines_verdict(name):
    at = open_page(PAGE, {"kernel": name})
    assert not at.exception
    kernel = engine.separable_preset(name)
    rank = engine.kernel_rank(kernel)
    text = " ".join(m.value for m in at.markdown)
    if rank == 1:
        assert "Rank 1: separable" in text
        assert at.success and not at.warning
    else:
        assert f"Rank {rank}: not separable" in text
        assert at.warning and "best rank-1 kernel" in at.warning[0].value


def test_a_custom_kernel_from_the_url():
    at = open_page(PAGE, {"kernel": "custom", "custom": "1 2 3; 2 4 6"})
    assert not at.exception and not at.error
    values = metrics(at)
    cost = engine.standard_cost((1, 5, 5), (2, 3), 1)
    assert values["Full 2×3 kernel"] == cost.multiplications
    assert values["Two passes in all"] == engine.spatially_separable_cost((5, 5), (2, 3)).multiplications
    assert "Rank 1: separable" in " ".join(m.value for m in at.markdown)


def as_shown(markdown: str) -> str:
    """Markdown as a reader sees it: escapes removed, inline code as its text."""
    return re.sub(r"(`+) (.*?) \1", r"\2", markdown).replace("\\", "")


@pytest.mark.parametrize("text, message", [("1 2; 3", "these rows have 2, 1"), ("a b c", '"a" is not a number'),
                                           ("; ".join(["1"] * 9), "larger than 7×7")])
def test_a_broken_custom_kernel_says_what_is_wrong(text, message):
    # in a link: a notice that says what is wrong, and the default kernel
    at = open_page(PAGE, {"kernel": "custom", "custom": text})
    assert not at.exception and not at.error
    assert message in as_shown(" ".join(w.value for w in at.warning))
    assert at.text_input(key="custom").value == "1 2 1; 0 0 0; -1 -2 -1"
    # typed: the page explains it
    at.text_input(key="custom").set_value(text).run()
    assert not at.exception
    assert message in as_shown(at.error[0].value)
    at.text_input(key="custom").set_value("1 0 -1").run()
    assert not at.error and metrics(at)["Full 1×3 kernel"] == engine.standard_cost((1, 5, 5), (1, 3), 1).multiplications == 45


def test_a_typed_kernel_is_quoted_as_typed_never_rendered():
    """The message quotes the typed text; markdown, HTML or LaTeX in it must show as typed."""
    at = open_page(PAGE, {"kernel": "custom"})
    at.text_input(key="custom").set_value("**2** <b>x</b> $y$").run()
    assert not at.exception
    message = at.error[0].value
    assert message.startswith("**This configuration cannot be computed.** ")
    quoted = message.removeprefix("**This configuration cannot be computed.** ")
    outside = re.sub(r"(`+) .*? \1", "", quoted)  # the typed text is inline code, which markdown shows as it is
    assert "**" not in outside.replace("\\*", "") and "<b>" not in outside and "$" not in outside.replace("\\$", "")
    assert '"**2**" is not a number' in as_shown(quoted)


def open_going_further(at):
    """As a click on "Going further" does: it reruns the page with the side topics drawn."""
    at.session_state["going_further"] = True
    return at.run()


def test_rank_slider_beyond_the_kernel_is_clamped_with_a_note():
    at = open_going_further(open_page(PAGE, {"kernel": "Laplacian", "rank": "7"}))
    assert not at.exception
    assert any("at most 3 terms" in c.value for c in at.caption)
    text = " ".join(m.value for m in at.markdown)
    assert "r = 3" in text and "leaves an error of **0**" in text


def test_stride_and_padding_reach_both_routes():
    at = open_page(PAGE, {"stride": "2", "pad": "same", "h": "7", "w": "8"})
    values = metrics(at)
    full = engine.standard_cost((1, 7, 8), 3, 1, 2, "same")
    first, second = engine.separable_pass_costs((1, 7, 8), 3, 2, "same")
    assert values["Full 3×3 kernel"] == full.multiplications
    assert (values["Pass 1: 3×1"], values["Pass 2: 1×3"]) == (first.multiplications, second.multiplications)
    assert any("pass 1 adds 1 row(s) above" in m.value for m in at.markdown)
    assert "Same output by both routes" in at.success[0].value


def test_the_sample_images_are_filtered_with_counts():
    at = open_page(PAGE)
    for choice in ("shapes (colour)", "rings (grey)"):
        at.radio(key="image").set_value(choice).run()
        assert not at.exception
        assert len(at.get("image")) == 4, "the input, both filtered images and the difference"
        captions = " ".join(c.value for c in at.caption)
        assert "Counts are for every channel" in captions


def test_the_pages_small_figures_pass_plotly_validation():
    """Built from plain dicts without plotly.py's checks (for speed); plotly.py must accept them."""
    import plotly.io as pio

    from viz import separable as figures

    k = np.array([[1.0, 0, -1], [2, 0, -2], [1, 0, -1]])
    built = [figures.kernels_figure([k, k[:, :1], k[:1], np.eye(4)], ["kernel", "column 3×1", "row", "term 1"]),
             figures.singular_values_figure(np.array([3.0, 1.0, 0.0])),
             figures.error_by_rank_figure([1.0, 0.5, 0.0], 81, [72, 144, 216], 2),
             figures.cost_per_pixel_figure(3, 5)]
    for fig in built:
        spec = json.loads(pio.to_json(fig, validate=False))
        assert_plotly_js_ready(spec)


def test_a_kernel_larger_than_the_input_explains_itself_and_the_rest_of_the_page_is_drawn():
    """A random 7×7 kernel on the 5×5 input: the routes' section says why, and the verdict, the real image,
    the low-rank terms and the per-pixel chart are all still there."""
    at = open_page(PAGE, {"kernel": "random", "ksize": "7"})
    assert not at.exception and not at.error
    (warning,) = [w.value for w in at.warning if "cannot be computed" in w.value]
    assert "spans 7 cells" in as_shown(warning) and "padded input is 5" in as_shown(warning)
    assert "Rank " in " ".join(m.value for m in at.markdown)  # the verdict
    assert len(at.get("image")) == 4  # the real image, filtered
    at = open_going_further(at)
    assert not at.exception
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    titles = [(c["layout"].get("yaxis", {}).get("title") or {}).get("text") for c in charts]
    assert "multiplications per output pixel" in titles and "error" in titles
    text = " ".join(m.value for m in at.markdown)
    assert "what the terms cost needs an input the kernel fits" in text


def test_a_link_opens_the_comparison_at_its_step_and_the_whole_comparison_downloads():
    at = open_page(PAGE, {"step": "24"})
    assert not at.exception
    # the comparison in its two layouts (a CSS rule shows one, by the screen's width): ?step= opens both at its
    # step, and is then dropped from the address
    stacked, spec = [s for s in (json.loads(c.proto.spec) for c in at.get("plotly_chart")) if s.get("frames")]
    for layout in (stacked, spec):
        assert len(layout["frames"]) == 24 and layout["layout"]["sliders"][0]["active"] == 23
    assert "step" not in at.query_params
    assert "Two passes 45 + 27 = 72 multiplications against the full kernel's 81" in spec["layout"]["annotations"][0]["text"]
    # the one animation holds both routes: the full kernel's grids and the two passes'
    names = {trace.get("name") for trace in spec["data"]}
    assert {"kernel", "column", "row", "intermediate", "output", "output of the two passes"} <= names
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels.count("Download this animation (HTML, plays offline)") == 2, labels  # one a layout, one shown
