"""Flatten (chapter 12): order, round trip, gradient, dtypes, input_grad and errors."""
import numpy as np
import pytest

from nnlib import Flatten, gradcheck


def test_flatten_round_trip_and_order():
    x = np.random.default_rng(12).normal(size=(3, 2, 4, 5))
    layer = Flatten()
    y = layer(x)
    assert y.shape == (3, 40) and np.array_equal(y[2], x[2].ravel())
    assert np.array_equal(layer.backward(y), x)
    assert gradcheck(layer, x) < 1e-7
    assert Flatten()(np.zeros((0, 2, 3))).shape == (0, 6)
    assert Flatten()(np.zeros((4, 7))).shape == (4, 7)


def test_flatten_returns_a_view_of_a_contiguous_input():
    x = np.zeros((2, 3, 4))
    assert np.shares_memory(Flatten()(x), x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_flatten_keeps_the_dtype(dtype):
    layer = Flatten()
    y = layer(np.ones((2, 3, 2), dtype))
    assert y.dtype == dtype and layer.backward(np.ones_like(y)).dtype == dtype


def test_without_input_grad_backward_returns_none():
    layer = Flatten()
    y = layer(np.zeros((2, 3, 4)))
    assert layer.backward(np.ones_like(y), input_grad=False) is None


def test_flatten_has_no_parameters_and_a_plain_repr():
    assert Flatten().parameters() == [] and repr(Flatten()) == "Flatten()"


def test_flatten_rejects_one_dimensional_input_and_non_arrays():
    with pytest.raises(ValueError, match=r"^Flatten\(\): x must be of shape \(N, D, \*\), "
                                         r"got \(5,\); at least 2 dimensions: a batch of "
                                         r"N samples, each an array$"):
        Flatten()(np.zeros(5))
    with pytest.raises(TypeError, match=r"^Flatten\(\): x must be a NumPy array, got list"):
        Flatten()([[1.0, 2.0]])


def test_backward_refuses_a_gradient_of_the_right_size_but_another_shape():
    layer = Flatten()
    y = layer(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match=r"^Flatten\(\): grad_output must be of the last "
                       r"output's shape \(2, 12\), dtype float64, got \(2, 3, 4\) and "
                       r"float64$"):
        layer.backward(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match=r"got \(2, 12\) and float32"):
        layer.backward(np.zeros((2, 12), np.float32))
    with pytest.raises(TypeError, match=r"grad_output must be a NumPy array, got list"):
        layer.backward(y.tolist())
    assert layer.backward(np.ones_like(y)).shape == (2, 3, 4)


def test_backward_before_forward_is_a_runtime_error():
    with pytest.raises(RuntimeError, match=r"Flatten\(\): backward\(\) was called before "
                                           r"forward\(\)"):
        Flatten().backward(np.zeros((1, 4)))
