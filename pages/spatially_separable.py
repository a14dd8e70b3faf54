"""Spatially separable convolution: a rank-1 kernel as a column pass then a row pass."""

import streamlit as st

import engine
import ui
import uploads
from engine import ConvConfigError
from lessons import separable_image as image
from lessons.spatially_separable import (CUSTOM_HELP, INTRO, KERNEL_HELP, KERNELS, PADDINGS, TERMS_HELP, TITLE, Config,
                                        build)

ui.header(TITLE, INTRO)
d = Config()
st.sidebar.header("Kernel")
kernel = ui.choice("Kernel", "kernel", KERNELS, d.kernel, help=KERNEL_HELP)
random_size = ui.int_slider("Random kernel size", "ksize", 2, 7, d.random_size, help="Used when the kernel is random.")
custom = ui.parsed_text("Custom kernel (rows split by ;)", "custom", d.custom, engine.parse_kernel, help=CUSTOM_HELP,
                        max_chars=engine.separable.MAX_KERNEL_TEXT)
operation = ui.operation(d.operation)
st.sidebar.header("Input")
height, width = ui.int_slider("Input height", "h", 2, 16, d.height), ui.int_slider("Input width", "w", 2, 16, d.width)
pattern = ui.choice("Input values", "input", engine.INPUT_PATTERNS, d.pattern)
seed = ui.int_slider("Random seed", "seed", 0, 99, d.seed)
st.sidebar.header("Scan")
stride, padding = ui.int_slider("Stride", "stride", 1, 3, d.stride), ui.padding(PADDINGS, d.padding)
terms = ui.int_slider("Separable terms r", "rank", 1, 7, d.terms, help=TERMS_HELP)
frame_ms = ui.speed()

lesson = st.cache_resource(max_entries=16, show_spinner=False)(build)  # a Lesson is never mutated
filtered = st.cache_data(max_entries=8, show_spinner=False)(image.filter_image)  # ImageError is not cached
try:
    shown = lesson(Config(kernel=kernel, random_size=random_size, custom=custom, operation=operation, height=height,
                          width=width, pattern=pattern, seed=seed, stride=stride, padding=padding, terms=terms),
                   frame_ms, ui.presenter())
except ConvConfigError as error:
    ui.explain(error)
    st.stop()
if (asked := shown.question) and not ui.predict(asked.text, asked.fields, asked.explanation, "spatially_separable"):
    st.stop()

st.subheader("Can this kernel be split?")
left, right = st.columns([3, 2], gap="large")
with left:
    ui.show_chart(shown.verdict.kernels_figure, key="kernels")
    st.markdown(shown.verdict.text)
with right:
    ui.show_chart(shown.verdict.singular_values_figure, key="singular")
    st.caption("A kernel is separable exactly when only one singular value is non-zero (rank 1).")

if flip := shown.flip:
    st.subheader("Convolution: the kernel turned by 180°")
    st.info(flip.explanation, icon=":material/flip:")
    given, used = st.columns(2, gap="medium") if flip.side_by_side else (st.container(), st.container())
    given.latex(flip.given_latex)
    used.latex(flip.used_latex)
    for caption in flip.captions:
        st.caption(caption)

st.subheader("Full kernel against two passes")
if shown.error:
    ui.explain(shown.error)
    st.stop()
routes = shown.routes
for column, metric in zip(ui.wrapping_columns(4, "route_costs", 14, gap="small"), routes.metrics):  # 2 a row if narrow
    column.metric(metric.label, metric.value, delta=metric.delta, delta_color="inverse", help=metric.help)
st.markdown(routes.counts)
if routes.agree:
    st.success(routes.agreement, icon=":material/check_circle:")
else:
    st.warning(routes.agreement, icon=":material/warning:")
# Side by side where each gets about half a wide screen; in presenter mode one under the other.
full_side, passes_side = [st.container()] * 2 if ui.presenter() else ui.wrapping_columns(2, "routes", 34, gap="medium")
for side, scan, key in ((full_side, routes.full, "scan_full"), (passes_side, routes.first, "scan_first"),
                        (passes_side, routes.second, "scan_second")):
    with side:
        st.markdown(scan.heading)
        ui.show_chart(scan.figure, key=key)

st.subheader("Any kernel as a sum of separable kernels")
if shown.terms.note:
    st.caption(shown.terms.note)
st.markdown(shown.terms.text)
ui.show_chart(shown.terms.kernels_figure, key="terms")
ui.show_chart(shown.terms.errors_figure, key="errors")

st.subheader("On a real image")
source = ui.radio("Image", "image", image.SOURCES, image.SOURCES[0])
data = image.sample(source)  # None for an upload
if source == image.UPLOAD:
    upload = st.file_uploader("A PNG or JPEG image", type=image.UPLOAD_TYPES, key="upload")
    st.caption(image.UPLOAD_CAPTION)
    data = upload.getvalue() if upload else None
if data is not None:
    try:
        panel = filtered(data, shown.image_filter)
    except uploads.ImageError as error:
        st.error(f"**This image cannot be used:** {error}.", icon=":material/warning:")
    else:
        for notice in panel.notices:
            st.info(notice, icon=":material/info:")
        if panel.error:
            ui.explain(panel.error)
        else:
            for column, picture in zip(st.columns(4), panel.pictures):
                column.image(picture.jpeg, caption=picture.caption, width="stretch")
            st.caption(image.CAPTION)

st.subheader("Multiplications per output pixel")
ui.show_chart(shown.per_pixel_figure, key="per_pixel")
st.caption(shown.per_pixel_caption)
ui.show_code(shown.code_caption, shown.code)
