"""Measuring on the server (the Measured time page): "Measure again", paced for the whole class, and what a
request does after measuring: the one that measured goes on in the next request, the others wait for it."""

from __future__ import annotations

import time

import streamlit as st

from lessons import bench as benches

AGAIN_NOTICE, CONTINUES, POLLS = "_again_notice", "_measure_continues", "_measure_polls"


def again_button(store: benches.Bench) -> None:
    """ "Measure again": a new round for the whole class, unless one started less than a minute ago; then a
    notice says when, kept through the reruns that measure."""
    def again() -> None:
        waiting = store.again()
        st.session_state[AGAIN_NOTICE] = waiting and (
            f"Measured again less than {benches.AGAIN_EVERY_SECONDS} s ago for the whole class: the results below "
            f"are current. Measuring again is possible in {waiting:.0f} s.")

    continuing = st.session_state.pop(CONTINUES, False)  # a rerun follow_up asked for
    clicked = st.button("Measure again", icon=":material/timer:", key="again", on_click=again,
                        help=f"At most once every {benches.AGAIN_EVERY_SECONDS} s on this server, for the whole class.")
    if not (clicked or continuing):
        st.session_state.pop(AGAIN_NOTICE, None)
    if st.session_state.get(AGAIN_NOTICE):
        st.warning(st.session_state[AGAIN_NOTICE], icon=":material/schedule:")


def measure(store: benches.Bench, jobs) -> benches.Progress:
    with st.spinner("Measuring on this server (at most 2 s)…"):  # drawn only if it takes a moment
        return store.measure(jobs)


def follow_up(store: benches.Bench, jobs, progress: benches.Progress) -> None:
    """Call at the end of the page. The request that measured (or handed the worker a measurement) goes on in
    the next one, within its own 2 s, and so shows the results as they come. Another session's page does not
    wait for it: it shows what is measured so far, and looks again every LOOK_EVERY seconds in a small rerun
    of its own (a fragment), which takes over the measuring if nobody is at it; once everything is measured
    the whole page runs again, with the results."""
    polling = st.session_state.pop(POLLS, False) and progress.running
    if progress.measured or progress.late or polling:
        st.session_state[CONTINUES], st.session_state[POLLS] = True, progress.late or polling
        time.sleep(0 if progress.measured else 0.5)  # the worker still measuring: look again in a moment
        st.rerun()
    elif progress.pending:
        _look_again(store, jobs)


LOOK_EVERY = 2.0  # s between the looks of a page waiting for another session's measurements


@st.fragment(run_every=LOOK_EVERY)
def _look_again(store: benches.Bench, jobs) -> None:
    progress = store.measure(jobs)  # returns at once while another session measures
    if progress.measured or progress.late or not (progress.pending or progress.running):
        st.session_state[CONTINUES] = bool(progress.measured or progress.late)
        st.rerun(scope="app")  # this page measures now, or everything is measured: the whole page again
    st.info(f"Measuring on this server now, for the whole class: {len(jobs) - progress.pending} of {len(jobs)} "
            "measurements made. The results appear here when they are in.", icon=":material/hourglass_top:")
