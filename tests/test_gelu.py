"""GELU and erf (chapter 15): erf against math.erf, both GELU forms against closed forms, central
differences and PyTorch (live, if installed; the recorded cases are in tests/test_attention.py),
dtypes, errors."""
import math

import numpy as np
import pytest

from nnlib import GELU, erf, gradient_errors


def test_erf_against_math_erf_and_special_values():
    x = np.concatenate([np.linspace(-30, 30, 60_001), np.logspace(-310, 1, 500)])
    expected = np.array([math.erf(v) for v in x])
    assert np.abs(erf(x) - expected).max() < 5e-16
    small = np.abs(x) < 0.5
    assert (np.abs(erf(x[small]) - expected[small]) / np.maximum(np.abs(expected[small]),
                                                                  1e-320)).max() < 5e-16
    assert np.array_equal(erf(np.array([-np.inf, np.inf, 0.0])), [-1.0, 1.0, 0.0])
    assert np.isnan(erf(np.array([np.nan]))).all()
    x32 = np.linspace(-5, 5, 1001, dtype=np.float32)
    assert erf(x32).dtype == np.float32
    assert np.abs(erf(x32) - np.array([math.erf(v) for v in x32])).max() < 1e-6
    assert erf(np.zeros((2, 0, 3))).shape == (2, 0, 3)


def test_erf_refuses_what_is_not_a_float_array():
    with pytest.raises(TypeError, match="erf: x must be a NumPy array, got float"):
        erf(0.5)
    with pytest.raises(ValueError, match="erf: x must be float32 or float64, got int64"):
        erf(np.arange(3))


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_closed_form_and_gradients(approximate):
    layer = GELU(approximate)
    x = np.random.default_rng(0).normal(scale=3, size=(4, 3, 5))
    if approximate == "none":
        expected = np.array([v * 0.5 * (1 + math.erf(v / math.sqrt(2))) for v in x.ravel()])
    else:
        expected = np.array([0.5 * v * (1 + math.tanh(math.sqrt(2 / math.pi) * (v + 0.044715 * v ** 3)))
                             for v in x.ravel()])
    assert np.abs(layer(x).ravel() - expected).max() < 1e-14
    assert gradient_errors(layer, x)["input"] < 1e-7
    assert layer.backward(np.ones_like(x), input_grad=False) is None


def test_gelu_matches_live_torch_and_float32():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    for approximate in ["none", "tanh"]:
        for dtype, tol in [(np.float64, 1e-12), (np.float32, 1e-6)]:
            x = rng.normal(scale=4, size=(5, 9)).astype(dtype)
            g = rng.normal(size=(5, 9)).astype(dtype)
            xt = torch.from_numpy(x).requires_grad_(True)
            y = torch.nn.GELU(approximate=approximate)(xt)
            y.backward(torch.from_numpy(g))
            layer = GELU(approximate)
            out = layer(x)
            grad = layer.backward(g)
            assert out.dtype == grad.dtype == dtype
            assert np.abs(out - y.detach().numpy()).max() < tol
            assert np.abs(grad - xt.grad.numpy()).max() < tol


def test_gelu_errors_and_repr():
    with pytest.raises(ValueError, match="approximate must be one of 'none', 'tanh', got 'erf'"):
        GELU("erf")
    with pytest.raises(ValueError, match="x must be float32 or float64, got int64"):
        GELU()(np.arange(3))
    layer = GELU()
    layer(np.zeros(3))
    with pytest.raises(ValueError, match=r"grad_output must be of the last output's shape \(3,\)"):
        layer.backward(np.zeros(4))
    assert repr(GELU("tanh")) == "GELU(approximate='tanh')"


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_a_0d_input_is_one_value(approximate):
    """A 0-d array (x * sqrt(1/2) of it is a NumPy scalar) gives what the same value in
    a 1-element array gives."""
    scalar = GELU(approximate)(np.array(0.5))
    assert np.shape(scalar) == () and scalar == GELU(approximate)(np.array([0.5]))[0]
    exact = 0.5 * (1 + math.erf(0.5 / math.sqrt(2))) * 0.5
    assert scalar == pytest.approx(exact, rel=1e-12 if approximate == "none" else 1e-3)
