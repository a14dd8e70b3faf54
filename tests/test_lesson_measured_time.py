"""The Measured time lesson as plain functions, with an injected clock so that no test depends on timing:
engine.timing's warm-up and repeats, lessons.bench's budget, lock, bounded store and "measure again", and
the lesson's numbers and text from made-up measurements."""

import threading

import pytest

import engine
from engine import timing
from engine.memory import Roofline
from engine.timing import NUMPY, PYTORCH, Timing
from lessons import bench as benches
from lessons import measured_time as topic
from lessons.blocks import Chart, Columns, GoingFurther, Metrics, Notice, Section, Text
from lessons.measured_time import CUSTOM, EXAMPLES, Config, Results


class FakeClock:
    """A clock that moves only when a timed function says so."""

    def __init__(self, start=100.0):
        self.now = start

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


def slow_function(clock, seconds):
    calls = []

    def function():
        calls.append(clock())
        clock.advance(seconds)
    return function, calls


# ---- engine.timing.time_call --------------------------------------------------------------------------

def test_a_slow_call_is_warmed_up_then_timed_once_per_repeat():
    clock = FakeClock()
    function, calls = slow_function(clock, 0.01)
    t = timing.time_call(function, clock, repeats=5, warmups=2)
    assert len(calls) == 2 + 5
    assert t.seconds == pytest.approx((0.01,) * 5) and t.calls == 1 and t.warmups == 2
    assert t.median == pytest.approx(0.01)


def test_a_fast_call_is_timed_many_in_a_row():
    clock = FakeClock()
    function, calls = slow_function(clock, 0.0001)
    t = timing.time_call(function, clock, repeats=3, warmups=1, min_repeat_seconds=0.002)
    assert t.calls == 20  # 2 ms / 0.1 ms
    assert len(calls) == 1 + 3 * 20
    assert t.median == pytest.approx(0.0001)


def test_the_deadline_stops_the_repeats_but_one_is_always_timed():
    clock = FakeClock()
    function, calls = slow_function(clock, 0.5)
    t = timing.time_call(function, clock, deadline=clock() + 1.2, repeats=5, warmups=1)
    assert t.repeats == 2  # warm-up ends at 0.5, repeats at 1.0 and 1.5: past 1.2, stop
    t = timing.time_call(function, clock, deadline=clock() - 1, repeats=5, warmups=1)
    assert t.repeats == 1


def test_median_and_spread():
    t = Timing((3.0, 1.0, 2.0, 10.0, 2.5), calls=1, warmups=1)
    assert (t.median, t.fastest, t.slowest, t.repeats) == (2.5, 1.0, 10.0, 5)


def test_the_roofs_are_measured_from_their_fastest_repeat():
    rate, t = timing.peak_rate(FakeClock(), size=8)  # a clock that never moves: a bounded rate, not a crash
    assert t.repeats == 5 and rate == 8 ** 3 / 1e-9
    ticks = iter([0.0, 0.5, 0.5, 1.0, 1.0, 1.25, 1.25, 1.75, 1.75, 2.0, 2.0, 2.5, 2.5, 3.0, 3.0, 3.5])
    rate, t = timing.peak_rate(lambda: next(ticks), size=8)
    assert t.seconds == (0.25, 0.5, 0.25, 0.5, 0.5) and rate == 8 ** 3 / 0.25


def test_the_numpy_routes_compute_the_layer():
    data = timing.layer_data((3, 7, 7), 3, 128)
    standard = timing.stage_call(NUMPY, data, "standard")()
    separable = timing.stage_call(NUMPY, data, "separable")()
    assert standard.shape == separable.shape == (128, 5, 5)
    assert (standard == engine.conv2d(data.x, data.standard)).all()
    with pytest.raises(ValueError):
        timing.stage_call("Fortran", data, "standard")


def test_pytorch_routes_agree_with_the_engine(torch):
    data = timing.layer_data((4, 9, 9), 3, 6, stride=2, padding=1)
    for stage in ("standard", "separable", "depthwise"):
        got = timing.stage_call(PYTORCH, data, stage)()[0].numpy()
        expected = timing.stage_call(NUMPY, data, stage)()
        assert got == pytest.approx(expected, abs=1e-4), stage


def test_every_mobilenet_layer_has_a_route_but_the_pool():
    for layer in engine.mobilenet_v1():
        call = timing.network_layer_call(layer, NUMPY)
        assert (call is None) == (layer.kind == "average pool"), layer.name
        if call is not None and layer.kind != "fully connected":
            assert call().shape == layer.cost.out_shape, layer.name


# ---- lessons.bench: one at a time, bounded, shared, paced --------------------------------------------

def job(clock, key, seconds, log):
    def measure(job_clock, deadline):
        log.append((key, deadline))
        clock.advance(seconds)
        return key
    return key, measure


def test_a_request_measures_within_its_budget_and_the_next_goes_on():
    clock, log = FakeClock(), []
    bench = benches.Bench(clock=clock, wall=clock, budget=1.5)
    jobs = [job(clock, f"j{i}", 0.4, log) for i in range(6)]
    progress = bench.measure(jobs)
    assert (progress.measured, progress.pending, progress.busy) == (4, 2, False)  # starts at 0, .4, .8, 1.2
    assert progress.seconds == pytest.approx(1.6)  # the last job runs on a little past the budget
    assert all(deadline == pytest.approx(101.5) for _, deadline in log)
    progress = bench.measure(jobs)
    assert (progress.measured, progress.pending) == (2, 0)
    assert bench.measure(jobs) == benches.Progress(0, 0, False, 0.0)  # all cached: nothing measured
    assert [k for k, _ in log] == [f"j{i}" for i in range(6)]
    assert bench.get("j3").value == "j3" and bench.get("j3").at == pytest.approx(101.6)  # when it was done


def test_a_second_request_waits_for_the_first_then_finds_the_results():
    clock = FakeClock()
    bench = benches.Bench(clock=clock, wall=clock, wait=5)
    started, release = threading.Event(), threading.Event()

    def blocking(job_clock, deadline):
        started.set()
        release.wait(5)
        return "measured"

    first = threading.Thread(target=bench.measure, args=([("a", blocking)],))
    first.start()
    started.wait(5)
    other = []
    second = threading.Thread(target=lambda: other.append(bench.measure([("a", lambda c, d: "again")])))
    second.start()
    release.set()
    first.join(5)
    second.join(5)
    assert other == [benches.Progress(0, 0, False, 0.0)]
    assert bench.get("a").value == "measured"


def test_a_request_that_cannot_get_the_lock_says_busy():
    clock = FakeClock()
    bench = benches.Bench(clock=clock, wall=clock, wait=0.01)
    with bench._lock:
        progress = bench.measure([("a", lambda c, d: 1)])
    assert progress == benches.Progress(0, 1, True, 0.0)


def test_the_store_is_bounded():
    clock = FakeClock()
    bench = benches.Bench(clock=clock, wall=clock, capacity=3)
    bench.measure([(i, lambda c, d, i=i: i) for i in range(5)])
    assert [bench.get(i) is not None for i in range(5)] == [False, False, True, True, True]


def test_measure_again_is_paced_and_keeps_the_old_values_until_replaced():
    clock = FakeClock()
    bench = benches.Bench(clock=clock, wall=clock, again_every=60)
    values = iter(range(10))
    jobs = [("a", lambda c, d: next(values))]
    bench.measure(jobs)
    assert bench.again() == 0 and bench.round == 1
    assert bench.get("a").value == 0 and bench.pending(jobs) == 1  # shown until measured anew
    clock.advance(20)
    assert bench.again() == pytest.approx(40) and bench.round == 1  # too soon: refused, with the wait
    bench.measure(jobs)
    assert bench.get("a").value == 1 and bench.pending(jobs) == 0
    clock.advance(40)
    assert bench.again() == 0 and bench.round == 2


# ---- the lesson ----------------------------------------------------------------------------------------

def test_the_examples_are_the_lectures_and_mobilenets_pairs():
    first, second = EXAMPLES[topic.LAYERS[0]], EXAMPLES[topic.LAYERS[1]]
    assert first.cost("standard").multiplications == 86_400 and first.cost("separable").multiplications == 10_275
    assert first.cost("standard").out_shape == (128, 5, 5)
    assert second.cost("standard").multiplications == 1_228_800
    assert second.cost("separable").multiplications == 53_952 and second.cost("standard").out_shape == (256, 8, 8)
    pairs = [spec for name, spec in EXAMPLES.items() if name.startswith("MobileNet")]
    layers = engine.mobilenet_v1()
    assert len(pairs) == 13
    assert sum(p.cost("separable").multiplications for p in pairs) == sum(
        layer.cost.multiplications for layer in layers if layer.kind in ("depthwise 3×3", "pointwise 1×1"))
    assert topic.LAYERS[-1] == CUSTOM


def test_a_custom_layer_the_engine_cannot_compute_names_the_fix():
    with pytest.raises(engine.ConvConfigError):
        Config(CUSTOM, size=3, kernel=7).spec


def test_a_layer_too_large_to_time_is_counted_but_not_measured():
    config = Config(CUSTOM, channels=256, size=112, kernel=7, kernels=256)
    assert not config.measurable
    keys = [key for key, _ in topic.jobs(config, (NUMPY,))]
    assert not [key for key in keys if key[0] == "layer"]
    section = topic.measured_section(config.spec, Results(), (NUMPY,), config.measurable)
    assert isinstance(section.blocks[0], Notice) and "500,000,000" in section.blocks[0].markdown


def test_jobs_come_in_order_roofs_layer_network():
    keys = [key for key, _ in topic.jobs(Config(), (NUMPY, PYTORCH))]
    assert keys[:3] == [topic.MACHINE[0], topic.peak_key(PYTORCH), topic.MACHINE[1]]
    assert [key[2:] for key in keys[3:11]] == [(f, s) for f in (NUMPY, PYTORCH) for s in topic.STAGES]
    assert len(keys) == 3 + 8 + 2 * 28
    assert len(topic.jobs(Config(), (NUMPY,))) == 2 + 4 + 28


def test_the_roof_is_the_faster_matrix_product():
    config = Config()
    results = made_up_results(config, (NUMPY,), SECONDS)
    faster = Results(results.pairs + ((topic.peak_key(PYTORCH), benches.Measured((20e9, Timing((0.1,), 1, 1)),
                                                                                   1.8e9, 0)),))
    assert topic.roofline_of(results, (NUMPY, PYTORCH)).peak == 10e9
    assert topic.roofline_of(faster, (NUMPY, PYTORCH)).peak == 20e9
    assert topic.roofline_of(faster, (NUMPY,)).peak == 10e9  # PyTorch's counts only where it ran


def made_up_results(config, available, seconds, peak=10e9, bandwidth=5e9):
    """Results as the bench would store them, with the times chosen here: seconds[stage] per framework."""
    spec, pairs = config.spec, []
    pairs.append((topic.MACHINE[0], benches.Measured((peak, Timing((0.1,), 1, 1)), 1.8e9, 0)))
    pairs.append((topic.MACHINE[1], benches.Measured((bandwidth, Timing((0.1,), 1, 1)), 1.8e9, 0)))
    for framework in available:
        for stage in topic.STAGES:
            t = seconds[framework][stage]
            pairs.append((topic.layer_key(spec, framework, stage),
                          benches.Measured(Timing((t, t * 0.9, t * 1.5), 10, 2), 1.8e9, 0)))
        for layer in topic.network_layers():
            t = layer.cost.multiplications / 1e12 + (1e-3 if layer.kind.startswith("depthwise") else 0)
            pairs.append((topic.network_key(layer.name, framework), benches.Measured(Timing((t,), 1, 2), 1.8e9, 0)))
    return Results(tuple(pairs))


def blocks_of(items):
    """Every block, walking into sections, columns and Going further."""
    for item in items:
        if isinstance(item, Section):
            yield from blocks_of(item.blocks)
        elif isinstance(item, GoingFurther):
            yield from blocks_of([s for s in item.sections if s is not None])
        elif isinstance(item, Columns):
            yield from blocks_of([b for column in item.columns for b in column])
        elif item is not None:
            yield item


def metrics_of(sections):
    return {m.label: m.value for block in blocks_of(sections) if isinstance(block, Metrics) for m in block.metrics}


def texts_of(sections):
    return " ".join(block.markdown for block in blocks_of(sections) if isinstance(block, Text))


SECONDS = {NUMPY: {"standard": 40e-6, "depthwise": 30e-6, "pointwise": 3e-6, "separable": 33e-6},
           PYTORCH: {"standard": 10e-6, "depthwise": 50e-6, "pointwise": 6e-6, "separable": 60e-6}}


def test_the_counts_section_shows_the_engines_numbers():
    counts = topic.build_counts(Config())
    values = metrics_of([counts])
    assert values["Multiplications: standard"] == "86,400" and values["Multiplications: separable"] == "10,275"
    assert values["Counted ratio"] == "8.4×"
    assert values["Bytes moved: standard"] == "27,212" and values["Bytes moved: separable"] == "15,632"
    table = texts_of([counts])
    assert "| **depthwise + pointwise** | 10,275 | 588 | 1,644 | 12,800 | 600 | 15,632 | 0.66 |" in table


def test_the_measured_sections_from_made_up_times():
    config = Config()
    sections = topic.build_measured(config, made_up_results(config, (NUMPY, PYTORCH), SECONDS), (NUMPY, PYTORCH))
    assert [s.title for s in sections] == [
        "Measured time", "MobileNet v1, layer by layer: the count against the clock", "How it was measured",
        "Going further · Every repeat's spread · Predicted against measured"]
    values = metrics_of(sections)
    assert values["NumPy: standard"] == "40 µs" and values["NumPy: separable"] == "33 µs"
    assert values["NumPy: measured ratio"] == "1.2×"  # 40 / 33
    assert values["PyTorch: measured ratio"] == "0.2×"  # 10 / 60
    assert values["Peak (matrix product)"] == "10.0 G mult-adds/s" and values["Bandwidth (copy)"] == "5.0 GB/s"
    assert values["Ridge point (mult-adds per byte)"] == "2.00"
    text = texts_of(sections)
    # the roofline's predictions, as worked by hand in test_engine_memory: 8.64 µs and 0.199 + 2.93 µs
    assert "| standard (NumPy) | 3.18 | arithmetic | 8.64 µs | 40 µs | 5× |" in text
    assert "| depthwise (NumPy) | 0.68 | memory | 199 ns | 30 µs | 151× |" in text
    assert "| depthwise + pointwise (NumPy) | 0.66 | — | 3.13 µs | 33 µs | 11× |" in text
    assert "Counted ratio 8.4×" in text
    assert "2026" not in text or "UTC" in text
    assert "A GPU, a phone or another processor" in text
    charts = [b.key for b in blocks_of(sections) if isinstance(b, Chart)]
    assert charts == ["times", "roofline", "network"]


def test_mobilenet_shares_from_made_up_times():
    config = Config()
    sections = topic.build_measured(config, made_up_results(config, (NUMPY,), SECONDS), (NUMPY,))
    network = next(s for s in sections if s.title.startswith("MobileNet"))  # noqa: F841
    text = " ".join(b.markdown for b in network.blocks if isinstance(b, Text))
    layers = topic.network_layers()
    mults = sum(layer.cost.multiplications for layer in layers)
    depthwise = sum(layer.cost.multiplications for layer in layers if layer.kind.startswith("depthwise"))
    assert f"do **{depthwise / mults:.1%}** of the mult-adds" in text
    # made-up: each layer takes 1 ps per mult-add, the depthwise ones 1 ms more
    times = [layer.cost.multiplications / 1e12 + (1e-3 if layer.kind.startswith("depthwise") else 0) for layer in layers]
    share = sum(t for t, layer in zip(times, layers) if layer.kind.startswith("depthwise")) / sum(times)
    assert f"take **{share:.1%}** of the time with NumPy" in text
    assert "Most time with NumPy: dw" in text  # each depthwise layer's extra millisecond tops the clock


def test_nothing_measured_yet_shows_the_counts_and_a_notice():
    sections = topic.build_measured(Config(), Results(), (NUMPY,))
    assert [s.title for s in sections] == ["Measured time", "How it was measured"]
    assert isinstance(sections[0].blocks[0], Notice)
    assert "not yet" in texts_of(sections)


def test_without_pytorch_the_page_says_only_numpy_ran():
    config = Config()
    section = topic.measured_section(config.spec, made_up_results(config, (NUMPY,), SECONDS), (NUMPY,), True)
    assert "PyTorch is not installed" in section.blocks[0].markdown and "**NumPy**" in section.blocks[0].markdown


def test_the_roofline_prediction_is_the_engines():
    spec, roof = Config().spec, Roofline(10e9, 5e9)
    assert topic.predicted_time(spec, "standard", roof) == pytest.approx(8.64e-6)
    assert topic.predicted_time(spec, "separable", roof) == pytest.approx(3.1264e-6)
    assert topic.roofline_blocks(spec, Results(), (NUMPY,)) is None
    assert isinstance(topic.counts_section(spec), Section)


# ---- the worker process ---------------------------------------------------------------------------------

def test_the_worker_measures_in_its_own_process_and_a_late_value_is_stored_when_it_comes():
    worker = benches.Worker()
    clock = FakeClock()
    bench = benches.Bench(clock=clock, wall=clock)
    key = topic.layer_key(Config().spec, NUMPY, "separable")
    try:
        # no time left: the worker (still starting) answers after the request, which goes on without it
        progress = bench.measure([(key, lambda c, d: worker.measure(key, c, c()))])
        assert progress.running and progress.measured == 0 and progress.pending == 1
        for _ in range(600):  # up to a minute for the worker to start and answer
            if bench.get(key) is not None:
                break
            threading.Event().wait(0.1)
        found = bench.get(key)
        assert isinstance(found.value, Timing) and found.value.repeats >= 1 and found.value.median > 0
        assert bench.pending([(key, None)]) == 0
        # a key the worker cannot measure is an error it answers, and the worker goes on
        with pytest.raises(RuntimeError, match="nothing to measure"):
            worker.submit(("nonsense",), 1.0).result(timeout=60)
        rate, t = worker.submit(topic.MACHINE[1], 1.0).result(timeout=60)
        assert rate > 0 and t.repeats >= 1
    finally:
        worker.stop()


def test_a_failed_measurement_stops_the_request_without_an_exception():
    clock = FakeClock()
    bench = benches.Bench(clock=clock, wall=clock)

    def broken(c, d):
        raise RuntimeError("the measuring process ended")

    progress = bench.measure([("a", broken), ("b", lambda c, d: 1)])
    assert (progress.measured, progress.pending) == (0, 2)
    assert bench.measure([("b", lambda c, d: 1)]).measured == 1
