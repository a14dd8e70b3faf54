"""The Measured time page's code: the layer timed in NumPy and in PyTorch, the way the page times it
(warm-up calls, repeats of n calls in a row, the median and the spread), counted through the engine.

Unlike the other pages' code, its timings print what this machine measures, so those print() lines carry no
comment of the value; the counts it prints do. tests/test_codegen_timing.py runs both texts.
"""

from __future__ import annotations

from dataclasses import dataclass

import engine
from engine import timing

from .text import count, multiplications_line, params_line, text, times


@dataclass(frozen=True)
class TimingSnippets:
    """The two texts of one layer (ui.show_code takes them as it takes Snippets)."""

    numpy: str
    pytorch: str
    random_arrays: bool = False  # the page times random data, and so does the code: its caption says so

    def items(self) -> list[tuple[str, str]]:
        return [("NumPy", self.numpy), ("PyTorch", self.pytorch)]


MEDIAN_TIME = f'''

def median_time(function, warmups={timing.WARMUPS}, repeats={timing.REPEATS}, min_seconds={timing.MIN_REPEAT_SECONDS}):
    """Seconds per call: untimed warm-up calls, then repeats; a call faster than min_seconds is timed n times
    in a row. Returns (median, fastest, slowest) over the repeats."""
    for _ in range(warmups):
        start = time.perf_counter()
        function()
        took = time.perf_counter() - start
    calls = max(1, min(1000, math.ceil(min_seconds / max(took, 1e-9))))
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            function()
        seconds.append((time.perf_counter() - start) / calls)
    return statistics.median(seconds), min(seconds), max(seconds)
'''.splitlines()

REPORT = '''
standard_seconds = median_time(standard)
separable_seconds = median_time(separable)
for name, (median, fastest, slowest) in (("standard", standard_seconds), ("separable", separable_seconds)):
    print(f"{{name}}: median {{median * 1e6:.1f}} µs (fastest {{fastest * 1e6:.1f}}, slowest {{slowest * 1e6:.1f}})")
print(f"measured ratio: {{standard_seconds[0] / separable_seconds[0]:.1f}}x; counted: {ratio}x")
'''.splitlines()


def _header(c, h, k, n, stride, padding, standard, separable) -> list[str]:
    ho = standard.out_shape[1]
    return [
        f"# The layer: input {h}×{h}×{c} (held channels first here, {c} × {h} × {h}), {k}×{k} kernels, "
        f"{n} output channels",
        f"C, H, K, N, STRIDE, PADDING = {c}, {h}, {k}, {n}, {stride}, {padding}",
        multiplications_line(f"standard {times(n, ho, ho, c, k, k)}", standard.multiplications),
        multiplications_line(f"separable {times(c, ho, ho, k, k)} + {times(n, ho, ho, c)}",
                             separable.multiplications),
        params_line(f"standard {times(n, c, k, k)}", standard.params),
    ]


def layer(channels: int, size: int, kernel: int, kernels: int, stride: int = 1, padding: int = 0) -> TimingSnippets:
    """Standard k×k against depthwise k×k + pointwise 1×1 over a size×size×channels input, timed."""
    c, h, k, n = channels, size, kernel, kernels
    standard = engine.standard_cost((c, h, h), k, n, stride, padding)
    separable = engine.depthwise_separable_cost((c, h, h), k, n, stride, padding)
    ratio = f"{standard.multiplications / separable.multiplications:.1f}"
    ho = standard.out_shape[1]
    header = _header(c, h, k, n, stride, padding, standard, separable)
    report = [line.format(ratio=ratio) for line in REPORT]
    numpy_code = text([
        "import math", "import statistics", "import time", "", "import numpy as np", "",
        *header,
        "rng = np.random.default_rng(0)",
        "x = rng.standard_normal((C, H, H), dtype=np.float32)",
        "standard_kernels = rng.standard_normal((N, C, K, K), dtype=np.float32)",
        "depthwise_kernels = rng.standard_normal((C, K, K), dtype=np.float32)",
        "pointwise_kernels = rng.standard_normal((N, C), dtype=np.float32)",
        "", "",
        "def windows(x):",
        '    """Every K×K window as a view, (C, Ho, Wo, K, K): no copy."""',
        "    padded = np.pad(x, ((0, 0), (PADDING, PADDING), (PADDING, PADDING)))",
        "    return np.lib.stride_tricks.sliding_window_view(padded, (K, K), axis=(1, 2))[:, ::STRIDE, ::STRIDE]",
        "", "",
        "def standard():",
        "    return np.tensordot(standard_kernels, windows(x), axes=([1, 2, 3], [0, 3, 4]))  # (N, Ho, Wo)",
        "", "",
        "def separable():",
        "    maps = np.einsum('chwij,cij->chw', windows(x), depthwise_kernels)  # depthwise: (C, Ho, Wo)",
        "    return (pointwise_kernels @ maps.reshape(C, -1)).reshape(N, *maps.shape[1:])  # pointwise",
        *MEDIAN_TIME,
        "",
        f"print(standard().shape, separable().shape)  # {(n, ho, ho)} {(n, ho, ho)}",
        *report,
    ])
    pytorch_code = text([
        "import math", "import statistics", "import time", "", "import torch", "",
        f"torch.set_num_threads({timing.TORCH_THREADS})  # as the page measures: one thread",
        *header,
        "torch.manual_seed(0)",
        "x = torch.randn(1, C, H, H)  # a batch of one image",
        "standard_layer = torch.nn.Conv2d(C, N, K, STRIDE, PADDING, bias=False)",
        "depthwise_layer = torch.nn.Conv2d(C, C, K, STRIDE, PADDING, groups=C, bias=False)",
        "pointwise_layer = torch.nn.Conv2d(C, N, 1, bias=False)",
        "print(sum(p.numel() for p in standard_layer.parameters()))  # " + count(standard.params),
        "", "",
        "def standard():",
        "    with torch.inference_mode():",
        "        return standard_layer(x)",
        "", "",
        "def separable():",
        "    with torch.inference_mode():",
        "        return pointwise_layer(depthwise_layer(x))",
        *MEDIAN_TIME,
        "",
        f"print(tuple(standard().shape), tuple(separable().shape))  # {(1, n, ho, ho)} {(1, n, ho, ho)}",
        *report,
    ])
    return TimingSnippets(numpy_code, pytorch_code)
