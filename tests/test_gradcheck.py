"""The gradient checker (chapter 2) on modules whose gradients are known right or known wrong."""
import numpy as np
import pytest

from nnlib import Module, Parameter, gradcheck, gradient_errors, numerical_gradient, relative_error


class Cube(Module):
    """y = x**3 * w (elementwise), with a learnable w of shape (D,); optionally a wrong backward."""

    def __init__(self, d, wrong=None):
        self.w = Parameter(np.linspace(-1.0, 2.0, d))
        self.wrong = wrong

    def forward(self, x):
        self.save_for_backward(x)
        return x**3 * self.w.data

    def backward(self, grad_output, input_grad=True):
        x, = self.saved
        self.w.accumulate((grad_output * x**3).sum(axis=0) * (1.1 if self.wrong == "w" else 1.0))
        factor = 2.0 if self.wrong == "x" else 3.0
        return grad_output * factor * x**2 * self.w.data


class MeanSquare(Module):
    def forward(self, prediction, target):
        self.save_for_backward(prediction, target)
        return float(np.mean((prediction - target) ** 2))

    def backward(self):
        prediction, target = self.saved
        return 2 * (prediction - target) / prediction.size


def test_numerical_gradient_of_a_known_function_and_input_restored():
    x = np.array([[0.5, -1.0], [2.0, 3.0]])
    before = x.copy()
    grad = numerical_gradient(lambda: float(np.sum(np.sin(x))), x)
    assert np.allclose(grad, np.cos(before), atol=1e-9)
    assert np.array_equal(x, before)


def test_relative_error_is_scaled_by_the_whole_gradient():
    assert relative_error([1.0, 0.0], [1.0, 0.0]) == 0.0
    assert relative_error([2.0, 1e-12], [2.0, 2e-12]) == pytest.approx(1e-12 / 4)
    assert relative_error([0.0], [1e-12]) == pytest.approx(1e-4)     # the 1e-8 floor
    with pytest.raises(ValueError, match=r"numerical must be of shape \(2,\), got \(3,\); analytic has that shape"):
        relative_error(np.zeros(2), np.zeros(3))


@pytest.mark.parametrize("shape", [(1, 3), (5, 3), (2, 7)])
def test_correct_layer_passes(shape):
    x = np.random.default_rng(0).normal(size=shape)
    errors = gradient_errors(Cube(shape[1]), x)
    assert set(errors) == {"input", "w"} and max(errors.values()) < 1e-7
    assert gradcheck(Cube(shape[1]), x) < 1e-7


@pytest.mark.parametrize("wrong, bad", [("x", "input"), ("w", "w")])
def test_wrong_gradient_is_caught_and_located(wrong, bad):
    x = np.random.default_rng(1).normal(size=(4, 3))
    errors = gradient_errors(Cube(3, wrong=wrong), x)
    assert errors[bad] > 1e-2
    assert all(err < 1e-7 for name, err in errors.items() if name != bad)


def test_loss_mode():
    rng = np.random.default_rng(2)
    p, t = rng.normal(size=(6, 2)), rng.normal(size=(6, 2))
    assert gradcheck(MeanSquare(), p, t) < 1e-7


def test_float32_is_refused():
    with pytest.raises(ValueError, match="input must be float64, whose digits the check needs, got float32"):
        gradcheck(Cube(2), np.ones((2, 2), dtype=np.float32))
    layer = Cube(2)
    layer.w.data = layer.w.data.astype(np.float32)
    with pytest.raises(ValueError, match="w must be float64, whose digits the check needs, got float32"):
        gradcheck(layer, np.ones((2, 2)))
