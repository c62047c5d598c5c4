# Generated from chapters/03_activations/ by tools/export.py. Do not edit.
"""Activation layers: Sigmoid, Tanh, ReLU, LeakyReLU and Softmax, each with its backward
pass.

Derived in chapter 3, "Activations" (chapters/03_activations)."""

import numbers
import numpy as np
from nnlib import checks
from nnlib.module import Module

__all__ = ["Sigmoid", "Tanh", "ReLU", "LeakyReLU", "Softmax"]


class Sigmoid(Module):
    """The logistic sigmoid, elementwise: ``y = 1 / (1 + exp(-x))``, with values in
    [0, 1].

    Derived in chapter 3, "Activations". Computed in the stable form
    ``exp(min(x, 0)) / (1 + exp(-|x|))``, which never overflows and raises no warning,
    in float32 and float64 alike (very negative inputs give exactly 0, very positive
    ones exactly 1: the correctly rounded values). The backward pass uses
    ``sigma' = y (1 - y)`` with the output ``y`` saved by ``forward``.

    Notes
    -----
    What every activation layer of nnlib accepts and returns (the other four refer
    here). ``forward(x)`` takes ``x`` of shape (N, *), any number of dimensions >= 1,
    float32 or float64, and returns ``y`` of the same shape and dtype.
    ``backward(grad_output, input_grad=True)`` takes dL/dy, of ``y``'s shape and dtype,
    and returns dL/dx, of ``x``'s shape and dtype, or None if ``input_grad`` is False
    (an activation has no parameters: there is nothing else to compute). The array
    saved for the backward pass (``x`` or ``y``) is not a copy: do not modify it in
    place in between. A NaN entry of the input gives a NaN entry of the output, as
    NumPy's own functions do; the losses of chapter 5 refuse non-finite predictions, so
    a NaN is caught there.
    """

    def forward(self, x: np.ndarray) -> np.ndarray:
        """y = exp(min(x, 0)) / (1 + exp(-|x|)), the sigmoid in a form that cannot
        overflow."""
        checks.array(x, "x", self, shape=(None, ...), dtype="floating")
        e = np.abs(x)
        np.negative(e, out=e)
        with np.errstate(under="ignore"):   # exp(-|x|) rounding to 0 is intended
            np.exp(e, out=e)                # e = exp(-|x|), in [0, 1]: cannot overflow
        y = np.maximum(e, x >= 0)           # exp(min(x, 0)): 1 where x >= 0, else e
        e += 1
        y /= e                              # divided by 1 + exp(-|x|), between 1 and 2
        self.save_for_backward(y)
        return y

    def backward(self, grad_output: np.ndarray,
                 input_grad: bool = True) -> np.ndarray | None:
        """dL/dx = dL/dy * y (1 - y), entry by entry, with the output y = sigma(x) saved
        by ``forward``."""
        if not input_grad:
            return None
        y, = self.saved
        checks.gradient(grad_output, self, y.shape, y.dtype)
        return y * (1 - y) * grad_output        # sigma'(x) = y (1 - y), times G


class _Elementwise(Module):
    """An activation applied entry by entry, y = phi(x), and its backward pass.

    Derived in chapter 3, "Activations". A subclass writes ``forward``, which saves the
    array that phi' needs (x, or y when phi' is a function of y), and ``_derivative``,
    which returns phi'(x) computed from that array, as a new array. Tanh, ReLU and
    LeakyReLU derive from it; Sigmoid writes the same backward pass out in full.
    """

    def backward(self, grad_output: np.ndarray,
                 input_grad: bool = True) -> np.ndarray | None:
        """dL/dx = dL/dy * phi'(x), entry by entry."""
        if not input_grad:
            return None
        saved, = self.saved             # x or y: either has the shape and dtype of y
        checks.gradient(grad_output, self, saved.shape, saved.dtype)
        grad_input = self._derivative(saved)
        grad_input *= grad_output
        return grad_input

    def _derivative(self, saved: np.ndarray) -> np.ndarray:
        """phi'(x), a new array, from what ``forward`` saved; each activation writes
        its own."""
        raise NotImplementedError(f"{type(self).__name__} does not implement "
                                  "_derivative()")


class Tanh(_Elementwise):
    """The hyperbolic tangent, elementwise: ``y = tanh(x)``, with values in [-1, 1].

    Derived in chapter 3, "Activations". ``np.tanh`` is stable for every input (no
    overflow, no warning); the backward pass uses ``tanh' = 1 - y**2`` with the output
    ``y`` saved by ``forward``. Shapes, dtypes, ``input_grad`` and NaN as for
    ``Sigmoid``.
    """

    def forward(self, x: np.ndarray) -> np.ndarray:
        """y = tanh(x), elementwise."""
        checks.array(x, "x", self, shape=(None, ...), dtype="floating")
        y = np.tanh(x)
        self.save_for_backward(y)
        return y

    def _derivative(self, y: np.ndarray) -> np.ndarray:
        """tanh'(x) = 1 - y**2, from the saved output y = tanh(x)."""
        return 1 - y**2


class ReLU(_Elementwise):
    """The rectified linear unit, elementwise: ``y = max(0, x)``.

    Derived in chapter 3, "Activations". The derivative is 1 where ``x > 0`` and 0 where
    ``x <= 0``: at the kink ``x = 0`` the gradient is 0, as in PyTorch. The backward
    pass reads the sign from the output ``y`` saved by ``forward`` (``y > 0`` exactly
    where ``x > 0``). Shapes, dtypes, ``input_grad`` and NaN as for ``Sigmoid``.
    """

    def forward(self, x: np.ndarray) -> np.ndarray:
        """y = max(x, 0), elementwise."""
        checks.array(x, "x", self, shape=(None, ...), dtype="floating")
        y = np.maximum(x, 0)
        self.save_for_backward(y)
        return y

    def _derivative(self, y: np.ndarray) -> np.ndarray:
        """1 where y > 0 (that is, where x > 0), 0 elsewhere, in y's dtype."""
        return (y > 0).astype(y.dtype)


class LeakyReLU(_Elementwise):
    """The leaky ReLU, elementwise: ``y = x`` where ``x > 0``, else
    ``negative_slope * x``.

    Derived in chapter 3, "Activations". The derivative is 1 where ``x > 0`` and
    ``negative_slope`` where ``x <= 0`` (at the kink ``x = 0`` it is
    ``negative_slope``, as in PyTorch). The backward pass reads the sign from the input
    saved by ``forward`` (the output's sign would not do for a slope < 0). Shapes,
    dtypes, ``input_grad`` and NaN as for ``Sigmoid``.

    Parameters
    ----------
    negative_slope : float
        The slope ``a`` for negative inputs, default 0.01 (PyTorch's default). Any
        finite real number; stored as a Python float so that float32 inputs stay
        float32.
    """

    def __init__(self, negative_slope: float = 0.01) -> None:
        self.negative_slope = checks.real(negative_slope, "negative_slope", self)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"

    def forward(self, x: np.ndarray) -> np.ndarray:
        """y = max(x, 0) + negative_slope * min(x, 0), elementwise."""
        checks.array(x, "x", self, shape=(None, ...), dtype="floating")
        self.save_for_backward(x)
        return np.maximum(x, 0) + self.negative_slope * np.minimum(x, 0)

    def _derivative(self, x: np.ndarray) -> np.ndarray:
        """1 where x > 0 and negative_slope where x <= 0, from the saved input x."""
        slope = (x > 0) + self.negative_slope * (x <= 0)     # [x > 0] + a [x <= 0]
        return slope.astype(x.dtype)                         # float32 stays float32


class Softmax(Module):
    """Softmax along the axis ``dim``: ``y = exp(x) / sum(exp(x), axis=dim)``.

    Derived in chapter 3, "Activations". Every slice of the output along ``dim`` is
    non-negative (positive in exact arithmetic; a score far below the maximum gives 0)
    and sums to 1. The input is shifted by its maximum along ``dim`` before the
    exponential (which does not change the result), so the exponential never overflows
    and no warning is raised for any finite input; where a slice spans more than the
    dtype's range, the shift gives -inf, whose exponential, 0, is the exact result
    rounded. The backward pass computes the vector-Jacobian
    product ``y * (g - sum(g * y, axis=dim))`` from the output ``y`` saved by
    ``forward``, never the Jacobian ``diag(y) - y y^T`` itself. Shapes, dtypes and
    ``input_grad`` as for ``Sigmoid``; ``x`` must have the axis ``dim``, with at least
    one entry along it (PyTorch returns an empty array for an empty axis; nnlib raises a
    ``ValueError``: zero entries cannot sum to 1).

    A NaN entry of the input makes its whole slice along ``dim`` NaN, as the formula
    does in NumPy; so does ``+inf`` (``inf - inf``), with NumPy's "invalid value"
    warning. The losses of chapter 5 refuse non-finite predictions, so a NaN is caught
    there. For classification, chapter 5's ``CrossEntropyLoss`` takes the scores
    themselves and fuses the softmax into the loss, which is more stable than this
    layer followed by a logarithm.

    Parameters
    ----------
    dim : int
        The axis along which the outputs sum to 1; default -1, which for scores of shape
        (N, C) is the class axis. Negative values count from the end, as in NumPy and
        PyTorch.
    """

    def __init__(self, dim: int = -1) -> None:
        self.dim = int(checks.typed(dim, "dim", self, numbers.Integral, "an int"))

    def extra_repr(self) -> str:
        return f"dim={self.dim}"

    def forward(self, x: np.ndarray) -> np.ndarray:
        """y = exp(x - max) / sum(exp(x - max)), maxima and sums taken along ``dim``."""
        checks.array(x, "x", self, shape=(None, ...), dtype="floating")
        if not -x.ndim <= self.dim < x.ndim:
            checks.fail(ValueError, self, "dim", f"in [{-x.ndim}, {x.ndim - 1}] for an "
                        f"input of shape {x.shape}", self.dim)
        if x.shape[self.dim] == 0:                    # no entries to sum to 1
            checks.fail(ValueError, self, "x", f"non-empty along dim={self.dim} (zero "
                        "entries cannot sum to 1)", f"shape {x.shape}")
        # every exponent <= 0; a spread beyond the dtype's range gives -inf, exp -> 0
        with np.errstate(over="ignore", under="ignore"):
            y = x - x.max(axis=self.dim, keepdims=True)
            np.exp(y, out=y)                          # exp(very negative) rounds to 0
            y /= y.sum(axis=self.dim, keepdims=True)  # >= 1: the maximum gives exp(0)
        self.save_for_backward(y)
        return y

    def backward(self, grad_output: np.ndarray,
                 input_grad: bool = True) -> np.ndarray | None:
        """dL/dx = y * (g - sum(g * y, axis=dim)) with g = dL/dy: the vector-Jacobian
        product, without the Jacobian."""
        if not input_grad:
            return None
        y, = self.saved
        checks.gradient(grad_output, self, y.shape, y.dtype)
        with np.errstate(under="ignore"):         # tiny products round to 0: intended
            dot = np.sum(grad_output * y, axis=self.dim, keepdims=True)   # per slice
            grad_input = grad_output - dot
            grad_input *= y
        return grad_input
