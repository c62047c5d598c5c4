"""Dropout (chapter 10, nnlib/dropout.py): gradients with a fixed mask, statistics, modes,
seeding, dtypes, input_grad and errors."""
import math

import numpy as np
import pytest

from nnlib import Dropout, Linear, Module, ReLU, Sequential, gradient_errors


class SameMask(Module):
    """Re-seeds the wrapped Dropout's generator before each forward pass, so that gradcheck
    sees a fixed function of the input."""

    def __init__(self, layer, seed=0):
        self.layer, self.seed = layer, seed

    def forward(self, x):
        self.layer.rng = np.random.default_rng(self.seed)
        return self.layer(x)

    def backward(self, grad_output, input_grad=True):
        return self.layer.backward(grad_output, input_grad)


@pytest.mark.parametrize("p", [0.0, 0.1, 0.5, 0.9])
@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (5, 3), (2, 3, 4), (3, 2, 3, 5)])
def test_gradient_with_a_fixed_mask_matches_finite_differences(shape, p):
    x = np.random.default_rng(1).normal(size=shape)
    errors = gradient_errors(SameMask(Dropout(p), seed=sum(shape)), x)
    assert errors["input"] < 1e-7, errors


def test_a_backward_pass_with_another_mask_fails_the_gradient_check():
    class Wrong(Dropout):
        def backward(self, grad_output, input_grad=True):
            keep = self.rng.random(grad_output.shape) >= self.p
            return grad_output * keep / (1 - self.p)

    x = np.random.default_rng(2).normal(size=(6, 5))
    assert gradient_errors(SameMask(Wrong(0.5)), x)["input"] > 0.1


@pytest.mark.parametrize("p", [0.2, 0.5, 0.75])
def test_forward_and_backward_use_the_saved_mask_and_scale(p):
    rng = np.random.default_rng(3)
    layer = Dropout(p, rng=4)
    x, g = rng.normal(size=(9, 11)), rng.normal(size=(9, 11))
    y = layer(x)
    keep = layer.saved[0]
    assert keep.dtype == bool and keep.shape == x.shape
    np.testing.assert_allclose(y, x * keep / (1 - p), rtol=1e-15, atol=0)
    np.testing.assert_allclose(layer.backward(g), g * keep / (1 - p), rtol=1e-15, atol=0)
    assert 0 < keep.sum() < keep.size


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_expectation_variance_and_drop_rate(p):
    # y = m x / (1 - p) with m ~ Bernoulli(1 - p): E[y] = x, Var[y] = x^2 p / (1 - p),
    # P(y = 0) = p. Each sample statistic must lie within 5 of its standard errors (fails
    # by chance with p < 1e-6).
    n = 100_000
    row = np.array([1.0, -3.0, 0.25])
    y = Dropout(p, rng=5)(np.tile(row, (n, 1)))
    variance = row**2 * p / (1 - p)
    assert np.all(np.abs(y.mean(axis=0) - row) < 5 * np.sqrt(variance / n))
    # the sample variance: standard error Var |1 - 2p| / sqrt(p (1 - p) n), plus
    # (mean - x)^2 < 25 Var / n
    bound = 5 * variance * abs(1 - 2 * p) / np.sqrt(p * (1 - p) * n) + 25 * variance / n
    assert np.all(np.abs(y.var(axis=0) - variance) < bound)
    assert np.all(np.abs(np.mean(y == 0, axis=0) - p) < 5 * math.sqrt(p * (1 - p) / n))


def test_entries_are_dropped_independently():
    keep = Dropout(0.5, rng=6)(np.ones((20_000, 2))) != 0
    both = np.mean(keep[:, 0] & keep[:, 1])
    assert abs(both - 0.25) < 5 * math.sqrt(0.25 * 0.75 / 20_000)


def test_evaluation_mode_is_the_identity_forward_and_backward():
    x = np.random.default_rng(7).normal(size=(4, 6))
    layer = Dropout(0.5, rng=8).eval()
    y = layer(x)
    assert y is x
    g = np.ones_like(x)
    assert layer.backward(g) is g
    layer.train()
    assert not np.array_equal(layer(x), x)


def test_p_zero_is_the_identity_and_draws_no_random_numbers():
    rng = np.random.default_rng(9)
    state = rng.bit_generator.state
    x = np.arange(12.0).reshape(3, 4)
    layer = Dropout(0.0, rng=rng)
    assert layer(x) is x
    assert np.array_equal(layer.backward(np.ones_like(x)), np.ones_like(x))
    assert rng.bit_generator.state == state


def test_same_seed_same_masks_and_new_mask_every_call():
    x = np.ones((8, 16))
    a, b = Dropout(0.5, rng=10), Dropout(0.5, rng=10)
    first_a, first_b = a(x), b(x)
    assert np.array_equal(first_a, first_b)
    assert np.array_equal(a(x), b(x))
    assert not np.array_equal(first_a, a(x))
    assert not np.array_equal(Dropout(0.5, rng=11)(x), Dropout(0.5, rng=12)(x))


def test_a_generator_is_shared_not_copied():
    rng = np.random.default_rng(13)
    one, two = Dropout(0.5, rng=rng), Dropout(0.5, rng=rng)
    assert one.rng is rng and two.rng is rng
    x = np.ones((4, 32))
    assert not np.array_equal(one(x), two(x))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept_forward_and_backward(dtype):
    rng = np.random.default_rng(14)
    x = rng.normal(size=(5, 7)).astype(dtype)
    layer = Dropout(0.3, rng=15)
    y = layer(x)
    dx = layer.backward(rng.normal(size=x.shape).astype(dtype))
    assert y.dtype == dx.dtype == dtype
    survivors = y != 0
    np.testing.assert_allclose(y[survivors], x[survivors] / dtype(0.7),
                               rtol=4 * np.finfo(dtype).eps)


def test_inside_a_network_model_eval_switches_it_off():
    model = Sequential(Linear(3, 8, rng=0), ReLU(), Dropout(0.5, rng=1), Linear(8, 2, rng=2))
    x = np.random.default_rng(16).normal(size=(5, 3))
    assert not np.array_equal(model(x), model(x))
    model.eval()
    assert np.array_equal(model(x), model(x))
    assert list(model.state_dict()) == ["0.weight", "0.bias", "3.weight", "3.bias"]


def test_backward_without_input_grad_returns_none_in_both_modes():
    layer = Dropout(0.5, rng=0)
    x = np.ones((3, 4))
    for mode in (layer.train, layer.eval):
        mode()
        layer(x)
        assert layer.backward(np.ones_like(x), input_grad=False) is None
        assert layer.backward(np.ones_like(x), input_grad=True) is not None


@pytest.mark.parametrize("p", [-0.1, 1.5, float("nan"), float("inf"), np.float32(1.0)])
def test_p_out_of_range_is_a_value_error(p):
    with pytest.raises(ValueError, match=r"Dropout: p must be a real number in \[0, 1\), got"):
        Dropout(p)


@pytest.mark.parametrize("p", [True, "0.5", None, [0.5]])
def test_p_of_the_wrong_type_is_a_type_error(p):
    with pytest.raises(TypeError, match=r"Dropout: p must be a real number in \[0, 1\), got"):
        Dropout(p)


@pytest.mark.parametrize("p", [1, 1.0, np.float64(1.0)])
def test_p_one_explains_itself(p):
    with pytest.raises(ValueError, match=r"Dropout: p must be a real number in \[0, 1\), got "
                                         r".*1.*; p is the probability of dropping an "
                                         r"entry: Dropout\(0\) keeps everything, p = 1 "
                                         r"would zero every output$"):
        Dropout(p)


def test_p_is_stored_as_a_float():
    assert type(Dropout(0).p) is float and Dropout(np.float32(0.5)).p == 0.5


def test_bad_inputs_are_refused_naming_the_layer():
    layer = Dropout(0.5, rng=0)
    with pytest.raises(TypeError, match=r"Dropout\(p=0.5\): x must be a NumPy array, got list; "
                                        r"convert it with np.asarray\(x\)"):
        layer([[1.0, 2.0]])
    with pytest.raises(ValueError, match=r"Dropout\(p=0.5\): x must be float32 or float64, "
                                         r"got int64; convert it with x.astype"):
        layer(np.ones((2, 3), dtype=np.int64))
    with pytest.raises(ValueError, match=r"Dropout\(p=0.5\): x must be float32 or float64, "
                                         r"got float16"):
        layer(np.ones((2, 3), dtype=np.float16))
    with pytest.raises(ValueError, match=r"Dropout\(p=0.5\): x must be of shape \(N, \*\), "
                                         r"got \(\)"):
        layer(np.array(1.0))


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_bad_grad_output_is_refused_naming_the_layer_and_shapes(mode):
    layer = getattr(Dropout(0.5, rng=0), mode)()
    layer(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"Dropout\(p=0.5\): grad_output must be of the last "
                                         r"output's shape \(2, 3\), dtype float64, got "
                                         r"\(3, 2\) and float64"):
        layer.backward(np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"got \(2, 3\) and float32"):
        layer.backward(np.ones((2, 3), dtype=np.float32))
    with pytest.raises(ValueError, match=r"got \(2, 3\) and float32"):
        layer.backward(np.ones((2, 3), dtype=np.float32), input_grad=False)
    with pytest.raises(TypeError, match="grad_output must be a NumPy array, got list"):
        layer.backward([[1.0, 1.0, 1.0]] * 2)


def test_backward_before_forward_is_a_runtime_error():
    with pytest.raises(RuntimeError, match="before forward"):
        Dropout(0.5).backward(np.ones((2, 2)))


def test_repr_and_no_parameters():
    layer = Dropout(0.25)
    assert repr(layer) == "Dropout(p=0.25)"
    assert layer.parameters() == [] and layer.state_dict() == {}
