"""Presets: the lecture's Sobel kernel, and every preset at every size the page allows."""

import itertools

import numpy as np
import pytest

from engine import INPUT_PATTERNS, KERNEL_PRESETS, ConvConfigError, input_pattern, kernel_bank, kernel_preset


def test_sobel_x_is_the_lectures_kernel_and_its_outer_product():
    lecture_gx = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]])
    np.testing.assert_array_equal(kernel_preset("Sobel x", 3, 3), lecture_gx)
    np.testing.assert_array_equal(kernel_preset("Sobel x", 3, 3), np.outer([1, 2, 1], [1, 0, -1]))
    np.testing.assert_array_equal(kernel_preset("Sobel y", 3, 3), lecture_gx.T)


def test_five_by_five_sobel_is_the_known_extension():
    np.testing.assert_array_equal(kernel_preset("Sobel x", 5, 5), np.outer([1, 4, 6, 4, 1], [1, 2, 0, -2, -1]))


@pytest.mark.parametrize("name", KERNEL_PRESETS)
def test_every_preset_at_every_size_is_a_finite_kernel_or_a_clear_refusal(name):
    for kh, kw in itertools.product(range(1, 8), range(1, 8)):
        try:
            k = kernel_preset(name, kh, kw, seed=1)
        except ConvConfigError as error:
            assert name.startswith("Sobel") and ("widen" in str(error) or "taller" in str(error))
            continue
        assert k.shape == (kh, kw) and np.isfinite(k).all()


def test_identity_box_and_sharpen():
    np.testing.assert_array_equal(kernel_preset("identity", 3, 3), np.eye(3)[1][:, None] * np.eye(3)[1])
    assert kernel_preset("box blur", 3, 3).sum() == pytest.approx(1.0)
    np.testing.assert_array_equal(kernel_preset("sharpen", 3, 3), [[0, -1, 0], [-1, 5, -1], [0, -1, 0]])
    assert kernel_preset("sharpen", 1, 1).tolist() == [[1.0]]


def test_random_kernels_are_seeded_and_differ_between_kernels():
    a = kernel_bank("random", 3, 2, 3, 3, seed=4)
    np.testing.assert_array_equal(a, kernel_bank("random", 3, 2, 3, 3, seed=4))
    assert not np.array_equal(a[0], a[1])
    named = kernel_bank("Sobel x", 4, 3, 3, 3)
    assert named.shape == (4, 3, 3, 3) and (named[0] == named[0, 0]).all()
    np.testing.assert_array_equal(named[1, 0], kernel_preset("Sobel y", 3, 3))  # turned 90° clockwise
    np.testing.assert_array_equal(named[2, 0], -kernel_preset("Sobel x", 3, 3))


@pytest.mark.parametrize("name", INPUT_PATTERNS)
def test_input_patterns_have_the_requested_shape(name):
    x = input_pattern(name, 3, 4, 7, seed=2)
    assert x.shape == (3, 4, 7) and np.isfinite(x).all()


def test_vertical_edge_is_an_edge():
    x = input_pattern("vertical edge", 1, 4, 6)
    assert (x[0, :, :3] == 0).all() and (x[0, :, 3:] == 9).all()


def test_unknown_names_are_refused_with_the_choices():
    with pytest.raises(ConvConfigError, match="choose one of"):
        kernel_preset("emboss", 3, 3)
    with pytest.raises(ConvConfigError, match="choose one of"):
        input_pattern("noise", 1, 3, 3)
