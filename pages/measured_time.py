"""Measured time: a layer's counted work beside its measured time on this server, the roofline, MobileNet v1."""

import streamlit as st

import codegen
import ui
from ui import measuring
from lessons import bench as benches
from lessons import measured_time as topic
from lessons.measured_time import CUSTOM, LAYERS, Config, Results

ui.header("Measured time", topic.INTRO)

default = Config()  # the controls return their values; each is also written into the page's address
st.sidebar.header("Layer")
layer = ui.choice("Layer", "layer", LAYERS, default.layer,
                  help="The lecture's two examples, each of MobileNet v1's depthwise separable pairs, or your own.")
fixed = None if layer == CUSTOM else topic.EXAMPLES[layer]
channels = ui.int_slider("Input channels C", "c", 1, 256, default.channels, shows=fixed and fixed.channels)
size = ui.int_slider("Input height and width", "h", 3, 112, default.size, shows=fixed and fixed.size)
kernel = ui.int_slider("Kernel size k", "k", 1, 7, default.kernel, shows=fixed and fixed.kernel)
kernels = ui.int_slider("Output channels N", "n", 1, 256, default.kernels, shows=fixed and fixed.kernels)
stride = ui.int_slider("Stride", "stride", 1, 2, default.stride, shows=fixed and fixed.stride)
config = Config(layer, channels, size, kernel, kernels, stride)


@st.cache_resource(max_entries=32, show_spinner=False)
def counts(config: Config):
    return topic.build_counts(config)


@st.cache_resource(max_entries=16, show_spinner=False)
def measured(token: int, _config: Config, _results: Results, _available: tuple):
    return topic.build_measured(_config, _results, _available)


ui.show_blocks([ui.built(lambda: counts(config))])

(store, worker), available = benches.shared(), topic.frameworks()
jobs = topic.jobs(config, available, worker.measure)
measuring.again_button(store)
progress = measuring.measure(store, jobs)
results = Results(tuple((key, found) for key, _ in jobs if (found := store.get(key)) is not None))
ui.show_blocks(measured(hash((config, results, available)), config, results, available))
measuring.follow_up(store, jobs, progress)

spec = config.spec
ui.show_code("This layer timed as the page times it, on random data as the page's; the page itself runs the "
             "engine's routes and PyTorch's functional conv2d.",
             lambda: codegen.timing.layer(spec.channels, spec.size, spec.kernel, spec.kernels, spec.stride,
                                          spec.padding), title="Show the code: NumPy, PyTorch")
