"""Join a class vote: the code on the lecturer's screen (or its link or QR code) opens the vote's page,
at the vote's configuration, with its question."""

import streamlit as st

import ui
import votes
from ui import vote

ui.classroom.require_navigation()
st.title("Join a class vote")
st.markdown("Type the code on the lecturer's screen, or open the link or the QR code shown there. "
            "Nothing about you is stored: no name, no account.")

code = st.text_input("Code", key="code", max_chars=16, placeholder="e.g. K7MPX", bind="query-params", width=320)
st.button("Join", type="primary", icon=":material/how_to_vote:")
if code.strip():
    try:
        joined = vote.join(code)
    except votes.VoteError as error:
        st.warning(str(error), icon=":material/error:")
    else:
        pages = [page for page in st.session_state.get("_pages", []) if page.url_path == joined.page]
        if not pages:
            st.warning("This vote is on a page this server does not have: check the code against the screen.",
                       icon=":material/error:")
        else:
            st.switch_page(pages[0], query_params=joined.query)
