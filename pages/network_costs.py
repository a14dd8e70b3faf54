"""Network costs: MobileNet v1 counted layer by layer, and with standard convolutions instead."""

import streamlit as st

import ui
from lessons import network_costs as topic
from lessons.network_costs import ALPHAS, RESOLUTIONS, Config, build

ui.header("Network costs", topic.INTRO)

# Interactive elements return their value; every one is also written into the page's address.
default = Config()
st.sidebar.header("Network")
alpha = ui.steps_choice("Width multiplier α", "alpha", ALPHAS, default.alpha,
                        help="Every layer gets α times as many channels (the paper's Table 6).")
resolution = ui.steps_choice("Input resolution (pixels per side)", "res", RESOLUTIONS, default.resolution,
                             help="The input image is resolution × resolution × 3 (the paper's Table 7).")
st.sidebar.header("Counting")
bias = ui.checkbox("count a bias in every convolution", "bias", default.bias, help=topic.BIAS_HELP)
fc_bias = ui.checkbox("count the fully connected layer's biases", "fcbias", default.fc_bias, help=topic.FC_BIAS_HELP)


@st.cache_resource(max_entries=16, show_spinner=False)
def lesson(config: Config) -> topic.Lesson:
    return build(config)


shown = lesson(Config(alpha, resolution, bias, fc_bias))  # every choice offered is a network the engine builds

if not ui.predict(shown.question, [("Share of the mult-adds (%)", shown.pointwise_percent)], shown.explanation,
                  key="network_costs", tolerance=5, unit="%", figure=shown.question_figure):
    st.stop()

st.subheader(shown.title)
# boxes, and the metrics in them, go one under the other where a row would cut their numbers
for column, box in zip(ui.wrapping_columns([2, 2, 1], "totals", 14, gap="small"), shown.totals):
    with column.container(border=True):
        st.markdown(box.title)
        for metric_column, metric in zip(ui.wrapping_columns(len(box.metrics), box.key, 10, gap="small"), box.metrics):
            metric_column.metric(metric.label, metric.value, help=metric.help)
st.markdown(shown.comparison)
st.caption(shown.counting)

st.subheader(shown.table_title)
st.markdown(shown.table_text)
number = st.column_config.NumberColumn
rows_shown = 10 if ui.presenter() else 30  # on a projector the table scrolls inside itself, a third of a screen
st.dataframe(shown.table, hide_index=True, width="stretch", height=38 + 35 * min(len(shown.table), rows_shown),
             key="layers",
             column_config={
                 "stride": number(format="%d", width="small"),
                 "mult-adds": number(format="%,d", help="multiplications of the layer (one multiply-add each)"),
                 "parameters": number(format="%,d", help=shown.parameters_help),
                 "in the totals": st.column_config.CheckboxColumn(help=shown.pool_help),
             })
st.download_button("Download the table (CSV)", shown.csv, file_name=shown.csv_name, mime="text/csv",
                   icon=":material/download:", key="csv")

st.subheader("Where the mult-adds go")
st.markdown(topic.BARS_TEXT)
ui.show_chart(shown.per_layer_figure, key="per_layer")

st.subheader(shown.shares_title)
st.dataframe(shown.shares, hide_index=True, width="content", key="shares")
ui.show_chart(shown.shares_figure, key="shares_chart")
st.markdown(shown.shares_text)
st.markdown(shown.matrix_product_text)

st.subheader("Fewer computations, faster network?")
st.markdown(shown.speed_text)

ui.show_code(topic.CODE_CAPTION, shown.code, title="Show the code: Python, PyTorch, Keras",
             names=["Python", "PyTorch", "Keras"], source=topic.ENGINE_SOURCE)
