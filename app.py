"""Separable Convolutions, step by step: the app's entry point.

`streamlit run app.py` serves the pages below, in the order of the lecture.
"""

from pathlib import Path

import streamlit as st

import housekeeping
import ui

# The favicon is a file of ours, served by this server: a ":material/...:" page_icon makes the
# browser fetch it from Google's font CDN. The st.Page icons below are drawn with the Material
# font Streamlit ships (no download), but without a page_icon they too would become the favicon,
# from that CDN. assets/make_samples.py draws the file.
FAVICON = Path(__file__).resolve().parent / "assets" / "favicon.png"
# A link in presenter mode opens with the sidebar folded away: the projector's width goes to the charts.
# Switching presenter mode later folds or unfolds it from the page script (assets/classroom.html), which
# also draws the "Controls" button that brings it back.
st.set_page_config(page_title="Separable convolutions, step by step", page_icon=FAVICON, layout="wide",
                   initial_sidebar_state="collapsed" if ui.presenting() else "auto")


def make_pages() -> list:
    return [
        st.Page("pages/welcome.py", title="Welcome", icon=":material/school:", default=True),
        st.Page("pages/convolution.py", title="Convolution", icon=":material/grid_on:", url_path="convolution"),
        st.Page("pages/spatially_separable.py", title="Spatially separable", icon=":material/view_column:",
                url_path="spatially_separable"),
        st.Page("pages/depthwise.py", title="Depthwise", icon=":material/stacks:", url_path="depthwise"),
        st.Page("pages/pointwise.py", title="Pointwise", icon=":material/scatter_plot:", url_path="pointwise"),
        st.Page("pages/depthwise_separable.py", title="Depthwise separable", icon=":material/layers:",
                url_path="depthwise_separable"),
        st.Page("pages/flattening.py", title="Flattening", icon=":material/view_stream:", url_path="flattening"),
        st.Page("pages/network_costs.py", title="Network costs", icon=":material/bar_chart:", url_path="network_costs"),
        st.Page("pages/measured_time.py", title="Measured time", icon=":material/timer:", url_path="measured_time"),
        st.Page("pages/join.py", title="Join a class vote", icon=":material/how_to_vote:", url_path="join"),
    ]


# A session keeps its Page objects: making them resolves every page's path on disk, which on a
# busy server (every syscall hands the interpreter lock to the thread serving the websockets)
# cost a few ms of every rerun. Per session, not per process: st.navigation and Page.run mark the
# page they return, and sessions run at the same time.
housekeeping.freeze_what_is_loaded()
if "_pages" not in st.session_state:
    st.session_state["_pages"] = make_pages()
page = st.navigation(st.session_state["_pages"])
ui.classroom_controls(page)  # this page's own state, presenter mode, predict-then-reveal, the page script
try:
    page.run()
finally:
    housekeeping.collect_garbage_when_grown()
