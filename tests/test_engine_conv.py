"""conv2d and its loop twin against scipy, on seeded random configurations."""

import numpy as np
import pytest
from scipy.signal import correlate2d

from engine import ConvConfigError, conv2d, conv2d_loop, output_size
from oracle import reference_conv2d


def random_configs(count, seed=2024):
    """Seeded configurations covering stride, every padding form, dilation and non-square shapes."""
    rng = np.random.default_rng(seed)
    paddings = [0, 1, 2, 3, "valid", "same", "full", (1, 0), (0, 2)]
    made = 0
    while made < count:
        c, n = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        h, w = int(rng.integers(2, 10)), int(rng.integers(2, 10))
        kh, kw = int(rng.integers(1, 5)), int(rng.integers(1, 5))
        stride = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        dilation = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        padding = paddings[int(rng.integers(len(paddings)))]
        try:
            out_h = output_size(h, kh, stride[0], padding[0] if isinstance(padding, tuple) else padding, dilation[0])
            out_w = output_size(w, kw, stride[1], padding[1] if isinstance(padding, tuple) else padding, dilation[1])
        except ConvConfigError:
            continue
        x = rng.integers(-5, 6, size=(c, h, w)).astype(float)
        k = rng.integers(-3, 4, size=(n, c, kh, kw)).astype(float)
        made += 1
        yield x, k, stride, padding, dilation, (n, out_h, out_w)


def explicit_pads(h, w, kh, kw, stride, padding, dilation):
    """Padding written out independently of the engine, as PyTorch/TensorFlow define it."""
    def one(i, k, s, p, d):
        span = (k - 1) * d + 1
        if p == "valid":
            return 0, 0
        if p == "full":
            return span - 1, span - 1
        if p == "same":
            o = -(-i // s)
            total = max((o - 1) * s + span - i, 0)
            return total // 2, total - total // 2
        return p, p
    ph, pw = padding if isinstance(padding, tuple) else (padding, padding)
    return one(h, kh, stride[0], ph, dilation[0]), one(w, kw, stride[1], pw, dilation[1])


CONFIGS = list(random_configs(220))


@pytest.mark.parametrize("index", range(len(CONFIGS)))
def test_conv2d_and_loop_twin_match_scipy(index):
    x, k, stride, padding, dilation, shape = CONFIGS[index]
    pads = explicit_pads(x.shape[1], x.shape[2], k.shape[2], k.shape[3], stride, padding, dilation)
    expected = reference_conv2d(x, k, stride, pads, dilation)
    fast = conv2d(x, k, stride=stride, padding=padding, dilation=dilation)
    slow = conv2d_loop(x, k, stride=stride, padding=padding, dilation=dilation)
    assert fast.shape == expected.shape == shape
    np.testing.assert_allclose(fast, expected, atol=1e-9)
    np.testing.assert_allclose(slow, expected, atol=1e-9)


def test_configs_cover_every_padding_mode_stride_and_dilation():
    seen = {str(p) for *_, p, _, _ in ((x, k, s, p, d, o) for x, k, s, p, d, o in CONFIGS)}
    assert {"0", "1", "valid", "same", "full", "(1, 0)"} <= seen
    assert any(s != (1, 1) for _, _, s, _, _, _ in CONFIGS)
    assert any(d != (1, 1) for _, _, _, _, d, _ in CONFIGS)
    assert any(x.shape[1] != x.shape[2] for x, *_ in CONFIGS)


@pytest.mark.parametrize("mode", ["same", "full", "valid"])
@pytest.mark.parametrize("kernel_shape", [(3, 3), (2, 4), (4, 1), (1, 1)])
def test_padding_modes_match_scipy_modes(mode, kernel_shape):
    """scipy's own modes, including an even kernel under "same" (one more zero after)."""
    rng = np.random.default_rng(7)
    x = rng.integers(0, 9, size=(1, 5, 6)).astype(float)
    k = rng.integers(-2, 3, size=(1, 1) + kernel_shape).astype(float)
    np.testing.assert_allclose(conv2d(x, k, padding=mode)[0], correlate2d(x[0], k[0, 0], mode=mode))


def test_bias_is_added_once_per_output_value():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 5, 5))
    k = rng.normal(size=(3, 2, 3, 3))
    bias = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(conv2d(x, k, bias=bias), conv2d(x, k) + bias[:, None, None])
    np.testing.assert_allclose(conv2d_loop(x, k, bias=bias), conv2d(x, k, bias=bias))


def test_float32_input_stays_float32_and_integers_compute_exactly():
    x = np.arange(25, dtype=np.float32).reshape(1, 5, 5)
    k = np.ones((1, 1, 3, 3), dtype=np.float32)
    assert conv2d(x, k).dtype == np.float32
    xi = np.arange(25).reshape(1, 5, 5)
    assert conv2d(xi, k.astype(int))[0, 0, 0] == 0 + 1 + 2 + 5 + 6 + 7 + 10 + 11 + 12


@pytest.mark.parametrize(
    "x_shape, w_shape, kwargs, message",
    [
        ((1, 5, 5), (1, 1, 7, 7), dict(dilation=2, padding=2), "kernel 7 with dilation 2 spans 13 cells but the padded input is 9"),
        ((1, 3, 3), (1, 1, 5, 5), {}, "kernel 5 spans 5 cells but the padded input is 3"),
        ((2, 5, 5), (1, 3, 3, 3), {}, "each kernel has 3 channels but the input has 2"),
        ((5, 5), (1, 1, 3, 3), {}, "input must have shape (channels, height, width)"),
        ((1, 5, 5), (1, 3, 3), {}, "kernels must have shape (kernels, channels, height, width)"),
        ((1, 5, 5), (1, 1, 3, 3), dict(stride=0), "stride (rows) must be at least 1"),
        ((1, 5, 5), (1, 1, 3, 3), dict(dilation=0), "dilation (rows) must be at least 1"),
        ((1, 5, 5), (1, 1, 3, 3), dict(padding=-1), "padding (rows) must be 0 or more"),
        ((1, 5, 5), (1, 1, 3, 3), dict(padding="half"), "padding (rows) must be a whole number or one of valid, same, full"),
        ((1, 5, 5), (1, 1, 3, 3), dict(stride=1.5), "stride must be a whole number"),
        ((1, 5, 5), (1, 1, 3, 3), dict(stride=(1, 2, 3)), "stride must be one number or a (rows, cols) pair"),
    ],
)
def test_impossible_configurations_name_the_parameter_and_the_fix(x_shape, w_shape, kwargs, message):
    for function in (conv2d, conv2d_loop):
        with pytest.raises(ConvConfigError) as raised:
            function(np.zeros(x_shape), np.zeros(w_shape), **kwargs)
        assert message in str(raised.value)
        assert isinstance(raised.value, ValueError)


def test_kernel_too_large_message_says_how_to_fix_it():
    with pytest.raises(ConvConfigError, match="use a smaller kernel or dilation, more padding, or a larger input"):
        conv2d(np.zeros((1, 5, 5)), np.zeros((1, 1, 3, 3)), dilation=3)
