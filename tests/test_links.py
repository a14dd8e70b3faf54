"""Bad input, everywhere (issue 7): tampered links on every page, and the server's and the HTML's
hardening.

A link is opened the way a browser opens it: a fresh session straight on the page's address, with
the query string given. Every control the page shows (found on the page, so new ones are covered
too) and every animation's step parameter get the same bad value at once; the page must open with
no exception, with every control at its default, and with a notice naming each key whose value was
not used. A notice quotes the value cut short and inert: no HTML from the link, no markdown.
"""

import ast
import io
import json
import re
import tokenize

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

PAGES = ["pages/welcome.py", "pages/convolution.py", "pages/spatially_separable.py", "pages/depthwise.py",
         "pages/pointwise.py", "pages/depthwise_separable.py", "pages/flattening.py", "pages/network_costs.py",
         "pages/measured_time.py"]
KINDS = ("slider", "select_slider", "selectbox", "checkbox", "toggle", "number_input", "text_input", "radio")
HTML = "<b>x</b><script>alert(1)</script>"
# name -> (the value for every control, the value for a text box, which takes a custom kernel)
BAD = {
    "letters": ("abc", "1 2; 3 x"),
    "1e400": ("1e400", "1e400"),
    "a 20-digit number": ("99999999999999999999", "99999999999999999999"),
    "a negative number": ("-3", "-1e400"),
    "a repeated key": (["3", "4"], ["1 2; 3 4", "1"]),
    "10,000 characters": ("7" * 10_000, "7" * 10_000),
    "unicode": ("五ö😀²", "五 ö; 😀 ²"),
    "an empty value": ("", ""),
    "HTML": (HTML, HTML),
    "a malformed kernel": ("1 2; 3", "1 2; 3"),
    "markdown": ("**x** [a](//e.co) $x$ :red[y]", "[a](//e.co)"),
}
UNKNOWN = {"zzz": "1", "utm_source": "mail"}  # keys no page has: ignored


def open_link(page, query=None):
    """A fresh session opening the page's address with this query string."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.switch_page(page).run()
    return at


def controls(at) -> dict:
    found = {}
    for kind in KINDS:
        for widget in getattr(at, kind):
            if widget.key and not widget.key.startswith(("FormSubmitter", "$$", "predict-", "_shows_")):
                found[widget.key] = (kind, widget)
    return found


def step_parameters(at) -> list[str]:
    """The step parameter of every animation on the page ("step" for the main scan, "step_<key>" else; the
    two layouts of one animation, "scan" and "scan__narrow", share one)."""
    names = []
    for chart in at.get("plotly_chart"):
        if json.loads(chart.proto.spec).get("frames"):
            key = chart.proto.id.split("-", 2)[2].removesuffix("__narrow")
            names.append("step" if key == "scan" else f"step_{key}")
    return list(dict.fromkeys(names))


def shows(at) -> dict:
    """What the page shows apart from its notices: the controls, the numbers, the charts."""
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    for chart in charts:
        chart.get("layout", {}).pop("template", None)
    return {"controls": {key: widget.value for key, (kind, widget) in controls(at).items()},
            "metrics": [(m.label, m.value) for m in at.metric], "errors": [e.value for e in at.error],
            "charts": charts}


@pytest.fixture(scope="module")
def plain():
    """Each page opened with no query string: its defaults, and the keys a link can set."""
    return {page: open_link(page) for page in PAGES}


def link_notices(at) -> list[str]:
    return [w.value for w in at.warning if "The link's" in w.value]


@pytest.mark.parametrize("case", list(BAD))
@pytest.mark.parametrize("page", PAGES)
def test_a_link_with_bad_values_opens_the_defaults_and_names_every_key(page, case, plain):
    value, text = BAD[case]
    default = plain[page]
    query = {key: text if kind == "text_input" else value for key, (kind, widget) in controls(default).items()}
    steps = step_parameters(default)
    query.update({name: value for name in steps}, **UNKNOWN)
    at = open_link(page, query)

    assert not at.exception, (page, case, [e.value for e in at.exception])
    assert shows(at) == shows(default), (page, case)  # every control at its default, the same page
    notices = link_notices(at)
    named = " ".join(notices)
    for key in [*controls(default), *steps]:
        assert f"`{key}=`" in named, (page, case, key, notices)
    for key in UNKNOWN:
        assert f"`{key}=`" not in named
    for notice in notices:
        # the link's value is inline code, which markdown shows as it is: outside it, no HTML and no markdown
        outside = re.sub(r"(`+) .*? \1", "", notice)
        assert not re.search(r"(?<!\\)[<>]", outside), notice
        assert "](" not in outside and "**x**" not in outside and ":red[" not in outside, notice
        assert "7" * 41 not in notice and len(notice) < 500, notice  # the value is cut to about 40 characters


def test_a_link_with_only_unknown_keys_opens_the_defaults_without_a_notice(plain):
    at = open_link("pages/convolution.py", UNKNOWN)
    assert not at.exception and not at.warning
    assert shows(at) == shows(plain["pages/convolution.py"])


def test_values_a_control_takes_in_part_keep_every_notice():
    """2.5 for a whole number is taken as 2 and put back to the default on a rerun straight after; the
    notices of the controls handled before that rerun are still shown after it."""
    query = {"present": "abc", "h": "2.5", "w": "2.5", "c": "2.5", "kernel": "no such kernel", "step": "0"}
    at = open_link("pages/convolution.py", query)
    assert not at.exception
    named = " ".join(link_notices(at))
    for key in query:
        assert f"`{key}=`" in named, (key, named)
    assert (at.slider(key="h").value, at.slider(key="w").value, at.slider(key="c").value) == (5, 5, 1)
    # the next run the student starts no longer shows them
    at.slider(key="h").set_value(6).run()
    assert not link_notices(at) and not at.exception


def test_a_bad_custom_kernel_keeps_the_other_notices():
    query = {"custom": "1 2; 3 x", "kernel": "custom", "ksize": "abc", "present": "maybe"}
    at = open_link("pages/spatially_separable.py", query)
    assert not at.exception
    named = " ".join(link_notices(at))
    for key in ("custom", "ksize", "present"):
        assert f"`{key}=`" in named, (key, named)
    assert at.text_input(key="custom").value == "1 2 1; 0 0 0; -1 -2 -1" and not at.error


@pytest.mark.parametrize("step", ["²", "9" * 5000, "1e400", "+3", " 3x"])  # int("²") and int("9" * 5000) raise
def test_a_step_no_int_can_read_gets_a_notice(step):
    at = open_link("pages/convolution.py", {"step": step})
    assert not at.exception, [e.value for e in at.exception]
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["sliders"][0]["active"] == 0
    assert "`step=`" in " ".join(link_notices(at))


@pytest.mark.parametrize("value", ["1e400", "-1e400", "inf", "nan", "9" * 400])
def test_a_number_box_given_a_number_too_large_for_a_float(value):
    at = open_link("pages/flattening.py", {"entry": value})
    assert not at.exception, [e.value for e in at.exception]
    assert at.number_input(key="entry").value == 4
    assert "`entry=`" in " ".join(link_notices(at))


# ---------------------------------------------------------------- the server's settings

CONFIG = ROOT / ".streamlit" / "config.toml"
MB = 1024 * 1024  # Streamlit's megabyte for server.maxUploadSize
# A photograph saved as JPEG at ordinary quality takes about 1.5 to 2 bits a pixel; a very high
# quality one about 4. The upload limit must take the first at the pixel limit and stop well before
# anything that large would have to be (8,000×5,000 pixels at 1.6 bits is 8 MB; at 4 bits, 20 MB).
PHOTO_BITS, MOST_BITS = 1.6, 4.0


def config() -> dict:
    return tomllib.loads(CONFIG.read_text(encoding="utf-8"))


def test_the_server_protects_against_cross_site_requests_and_reports_nothing():
    settings = config()
    assert settings["server"]["enableXsrfProtection"] is True
    assert settings["server"].get("enableCORS", True) is True  # XSRF protection needs CORS protection on
    assert settings["browser"]["gatherUsageStats"] is False
    assert settings["client"]["toolbarMode"] == "viewer"  # no developer options for a student


def test_the_upload_limit_fits_the_pixel_limit():
    import uploads

    limit = config()["server"]["maxUploadSize"] * MB
    assert limit >= uploads.MAX_DECLARED_PIXELS * PHOTO_BITS / 8, "a photo at the pixel limit must upload"
    assert limit >= uploads.MAX_SIDE ** 2 * 3, "an uncompressed image of the size the app shows must upload"
    assert limit <= uploads.MAX_DECLARED_PIXELS * MOST_BITS / 8, "a file far larger than any image the app decodes"
    # the app's own check says the number the browser enforces: Streamlit's uploader counts a megabyte as
    # 1,000,000 bytes (1,048,576 on Windows, whose larger files the app refuses with its own message)
    assert uploads.MAX_FILE_BYTES == config()["server"]["maxUploadSize"] * 1_000_000


# ---------------------------------------------------------------- HTML only from constants and assets/

SOURCES = sorted([ROOT / "app.py", *(ROOT / "ui").glob("*.py"), *(ROOT / "pages").glob("*.py"), *(ROOT / "viz").glob("*.py")])


def grep_lines(text: str) -> set[int]:
    """Lines whose code (not strings, not comments) has `.html(`, `unsafe_allow_html = True` or
    `unsafe_allow_javascript`: a grep that reads tokens, so a docstring naming st.html is no hit."""
    code = [t for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type in (tokenize.NAME, tokenize.OP)]
    hits = set()
    for before, token, after in zip([None, *code], code, [*code[1:], None]):
        if token.string == "unsafe_allow_javascript" or (
                token.string == "html" and before is not None and before.string == "." and after is not None
                and after.string == "(") or (
                token.string == "unsafe_allow_html" and after is not None and after.string == "="):
            hits.add(token.start[0])
    return hits


def raw_html_calls(tree) -> list[ast.Call]:
    """Calls that put HTML on the page as it is: .html(...), or any call with unsafe_allow_html=True or
    unsafe_allow_javascript."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        named = isinstance(node.func, ast.Attribute) and node.func.attr == "html"
        unsafe = any(k.arg == "unsafe_allow_javascript" or
                     (k.arg == "unsafe_allow_html" and not (isinstance(k.value, ast.Constant) and k.value.value is False))
                     for k in node.keywords)
        if named or unsafe:
            found.append(node)
    return found


def constants(tree) -> dict:
    """Module-level names assigned once, and the functions, by name."""
    names = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            names[node.targets[0].id] = node.value
    return names


def asset_reader(tree) -> set:
    """Functions that return the text of a file in assets/ and nothing else: `(ASSETS / name).read_text(...)`."""
    readers = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and len(node.body) >= 1:
            last = node.body[-1]
            if isinstance(last, ast.Return) and isinstance(last.value, ast.Call) and \
                    isinstance(last.value.func, ast.Attribute) and last.value.func.attr == "read_text":
                path = last.value.func.value
                if isinstance(path, ast.BinOp) and isinstance(path.left, ast.Name) and path.left.id == "ASSETS":
                    readers.add(node.name)
    return readers


def fed_by_constants(node, names, readers, seen=()) -> bool:
    """Whether an expression is built from string constants and files in assets/ only."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return all(fed_by_constants(v, names, readers, seen) for v in node.values)
    if isinstance(node, ast.FormattedValue):
        return fed_by_constants(node.value, names, readers, seen)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return fed_by_constants(node.left, names, readers, seen) and fed_by_constants(node.right, names, readers, seen)
    if isinstance(node, ast.Name) and node.id in names and node.id not in seen:
        return fed_by_constants(names[node.id], names, readers, (*seen, node.id))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in readers:
        return (all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args)
                and not node.keywords and all((ROOT / "assets" / a.value).is_file() for a in node.args))
    return False


def test_raw_html_is_fed_only_by_constants_and_assets():
    found = 0
    for source in SOURCES:
        text = source.read_text(encoding="utf-8")
        tree = ast.parse(text)
        calls = raw_html_calls(tree)
        # every line the grep finds is in a call the syntax tree checks below
        covered = {line for call in calls for line in range(call.lineno, call.end_lineno + 1)}
        assert grep_lines(text) <= covered, (source.name, sorted(grep_lines(text) - covered))
        names, readers = constants(tree), asset_reader(tree)
        for call in calls:
            body = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg in ("body", "html")),
                                                       None)
            where = f"{source.relative_to(ROOT)}:{call.lineno}"
            assert body is not None and fed_by_constants(body, names, readers), \
                f"{where}: raw HTML from something other than constants and assets/: {ast.unparse(call)}"
            found += 1
    assert found >= 2  # the page script and the presenter style sheet, at least


def test_the_check_refuses_html_built_from_a_value():
    tree = ast.parse('ASSETS = 1\n'
                     'def _asset(name):\n    return (ASSETS / name).read_text()\n'
                     'st.html(f"<b>{st.query_params.get(\'h\')}</b>")\n'
                     'st.markdown(label, unsafe_allow_html=True)\n'
                     'st.html(_asset(name))\n'
                     'st.html(_asset("presenter.css"))\n')
    names, readers = constants(tree), asset_reader(tree)
    verdicts = [fed_by_constants(call.args[0], names, readers) for call in raw_html_calls(tree)]
    assert verdicts == [False, False, False, True]
