# Generated from chapters/03_activations.ipynb by tools/export.py. Do not edit.
"""Activation layers: Sigmoid, Tanh, ReLU, LeakyReLU and Softmax, each with its backward pass.

Derived in chapter 3, "Activations" (chapters/03_activations.ipynb)."""

import numbers
import numpy as np
from nnlib.module import Module

__all__ = ["Sigmoid", "Tanh", "ReLU", "LeakyReLU", "Softmax"]


def _check_input(x, layer):
    """Return ``x`` if it is a NumPy array of a floating dtype with at least one dimension.

    Raises ``TypeError`` if ``x`` is not a NumPy array, and ``ValueError`` if it is not floating
    point or has no dimension, naming ``layer``, the module that checks (formatted only on failure).
    """
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{layer!r}: expected a NumPy array, got {type(x).__name__}")
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"{layer!r}: expected a floating-point array, got dtype {x.dtype.name}; "
                         "convert it with .astype(np.float32) or .astype(np.float64)")
    if x.ndim == 0:
        raise ValueError(f"{layer!r}: expected an array of shape (N, *), got a 0-d array")
    return x


def _check_grad(grad_output, output, layer):
    """Return ``grad_output`` after checking that it has the shape and dtype of ``output``.

    Raises ``TypeError`` (not a NumPy array) or ``ValueError`` (another shape or dtype; never a
    silent conversion), naming ``layer``.
    """
    if not isinstance(grad_output, np.ndarray):
        raise TypeError(f"{layer!r}: expected grad_output to be a NumPy array, got {type(grad_output).__name__}")
    if grad_output.shape != output.shape:
        raise ValueError(f"{layer!r}: expected grad_output of shape {output.shape} (the shape of the last "
                         f"output), got {grad_output.shape}")
    if grad_output.dtype != output.dtype:
        raise ValueError(f"{layer!r}: expected grad_output of dtype {output.dtype.name} (the dtype of the "
                         f"last output), got {grad_output.dtype.name}")
    return grad_output


class Sigmoid(Module):
    """The logistic sigmoid, elementwise: ``y = 1 / (1 + exp(-x))``, with values in [0, 1].

    Derived in chapter 3, "Activations". Computed in the stable form
    ``exp(min(x, 0)) / (1 + exp(-|x|))``, which never overflows and raises no warning, in float32
    and float64 alike (very negative inputs give exactly 0, very positive ones exactly 1: the
    correctly rounded values). The backward pass uses ``sigma' = y (1 - y)`` with the output ``y``
    saved by ``forward`` (do not modify ``y`` in place before calling ``backward``).

    Computes in the dtype of its input (float32 in, float32 out). A NaN entry of the input gives a
    NaN entry of the output, as NumPy's own functions do; the losses of chapter 5 refuse non-finite
    predictions, so a NaN is caught there.
    """

    def forward(self, x):
        """Apply the sigmoid.

        Parameters
        ----------
        x : numpy.ndarray
            Shape (N, *), any number of dimensions >= 1; float32 or float64.

        Returns
        -------
        numpy.ndarray
            ``sigmoid(x)``, same shape and dtype as ``x``.
        """
        x = _check_input(x, self)
        e = np.abs(x)
        np.negative(e, out=e)
        with np.errstate(under="ignore"):   # exp(-|x|) rounding to 0 is intended
            np.exp(e, out=e)                # e = exp(-|x|), in [0, 1]: cannot overflow
        y = np.maximum(e, x >= 0)           # exp(min(x, 0)): x >= 0 counts as 1 (then max is 1) or 0 (then e)
        e += 1
        y /= e                              # divided by 1 + exp(-|x|), between 1 and 2
        self.save_for_backward(y)
        return y

    def backward(self, grad_output, input_grad=True):
        """dL/dx = dL/dy * y * (1 - y).

        Parameters
        ----------
        grad_output : numpy.ndarray
            dL/dy, the shape and dtype of the output of ``forward``.

        Returns
        -------
        numpy.ndarray
            dL/dx, the shape and dtype of ``x``.
        """
        y, = self.saved
        grad_output = _check_grad(grad_output, y, self)
        grad_input = 1 - y
        grad_input *= y
        grad_input *= grad_output
        return grad_input


class Tanh(Module):
    """The hyperbolic tangent, elementwise: ``y = tanh(x)``, with values in [-1, 1].

    Derived in chapter 3, "Activations". ``np.tanh`` is stable for every input (no overflow, no
    warning); the backward pass uses ``tanh' = 1 - y**2`` with the output ``y`` saved by ``forward``
    (do not modify ``y`` in place before calling ``backward``).

    Computes in the dtype of its input (float32 in, float32 out). A NaN entry of the input gives a
    NaN entry of the output, as NumPy's own functions do; the losses of chapter 5 refuse non-finite
    predictions, so a NaN is caught there.
    """

    def forward(self, x):
        """Apply tanh.

        Parameters
        ----------
        x : numpy.ndarray
            Shape (N, *), any number of dimensions >= 1; float32 or float64.

        Returns
        -------
        numpy.ndarray
            ``tanh(x)``, same shape and dtype as ``x``.
        """
        y = np.tanh(_check_input(x, self))
        self.save_for_backward(y)
        return y

    def backward(self, grad_output, input_grad=True):
        """dL/dx = dL/dy * (1 - y**2).

        Parameters
        ----------
        grad_output : numpy.ndarray
            dL/dy, the shape and dtype of the output of ``forward``.

        Returns
        -------
        numpy.ndarray
            dL/dx, the shape and dtype of ``x``.
        """
        y, = self.saved
        grad_output = _check_grad(grad_output, y, self)
        grad_input = np.square(y)
        np.subtract(1, grad_input, out=grad_input)
        grad_input *= grad_output
        return grad_input


class ReLU(Module):
    """The rectified linear unit, elementwise: ``y = max(0, x)``.

    Derived in chapter 3, "Activations". The derivative is 1 where ``x > 0`` and 0 where ``x <= 0``:
    at the kink ``x = 0`` the gradient is 0, as in PyTorch. The backward pass reads the sign from the
    output ``y`` saved by ``forward`` (``y > 0`` exactly where ``x > 0``; do not modify ``y`` in place
    before calling ``backward``).

    Computes in the dtype of its input (float32 in, float32 out). A NaN entry of the input gives a
    NaN entry of the output, as ``np.maximum`` does; the losses of chapter 5 refuse non-finite
    predictions, so a NaN is caught there.
    """

    def forward(self, x):
        """Apply ReLU.

        Parameters
        ----------
        x : numpy.ndarray
            Shape (N, *), any number of dimensions >= 1; float32 or float64.

        Returns
        -------
        numpy.ndarray
            ``max(0, x)``, same shape and dtype as ``x``.
        """
        y = np.maximum(_check_input(x, self), 0)
        self.save_for_backward(y)
        return y

    def backward(self, grad_output, input_grad=True):
        """dL/dx = dL/dy where x > 0, and 0 elsewhere (including x = 0).

        Parameters
        ----------
        grad_output : numpy.ndarray
            dL/dy, the shape and dtype of the output of ``forward``.

        Returns
        -------
        numpy.ndarray
            dL/dx, the shape and dtype of ``x``.
        """
        y, = self.saved
        grad_output = _check_grad(grad_output, y, self)
        return grad_output * (y > 0)


class LeakyReLU(Module):
    """The leaky ReLU, elementwise: ``y = x`` where ``x > 0``, else ``negative_slope * x``.

    Derived in chapter 3, "Activations". The derivative is 1 where ``x > 0`` and ``negative_slope``
    where ``x <= 0`` (at the kink ``x = 0`` it is ``negative_slope``, as in PyTorch). The backward pass
    reads the sign from the input saved by ``forward`` (the output's sign would not do for a slope
    <= 0).

    Computes in the dtype of its input (float32 in, float32 out). A NaN entry of the input gives a
    NaN entry of the output, as NumPy's own functions do; the losses of chapter 5 refuse non-finite
    predictions, so a NaN is caught there.

    Parameters
    ----------
    negative_slope : float
        The slope ``a`` for negative inputs, default 0.01 (PyTorch's default). Any finite real number;
        stored as a Python float so that float32 inputs stay float32.
    """

    def __init__(self, negative_slope=0.01):
        if isinstance(negative_slope, bool) or not isinstance(negative_slope, numbers.Real):
            raise TypeError(f"LeakyReLU: negative_slope must be a real number, got {negative_slope!r}")
        if not np.isfinite(negative_slope):
            raise ValueError(f"LeakyReLU: negative_slope must be finite, got {negative_slope!r}")
        self.negative_slope = float(negative_slope)

    def forward(self, x):
        """Apply the leaky ReLU.

        Parameters
        ----------
        x : numpy.ndarray
            Shape (N, *), any number of dimensions >= 1; float32 or float64.

        Returns
        -------
        numpy.ndarray
            ``max(x, 0) + negative_slope * min(x, 0)``, same shape and dtype as ``x``.
        """
        x = _check_input(x, self)
        self.save_for_backward(x)
        y = np.minimum(x, 0)
        y *= self.negative_slope
        y += np.maximum(x, 0)               # max(x, 0) + a min(x, 0)
        return y

    def backward(self, grad_output, input_grad=True):
        """dL/dx = dL/dy where x > 0, and negative_slope * dL/dy where x <= 0.

        Parameters
        ----------
        grad_output : numpy.ndarray
            dL/dy, the shape and dtype of the output of ``forward``.

        Returns
        -------
        numpy.ndarray
            dL/dx, the shape and dtype of ``x``.
        """
        x, = self.saved
        grad_output = _check_grad(grad_output, x, self)
        slope = np.multiply(x <= 0, self.negative_slope, dtype=x.dtype)   # a where x <= 0, else 0
        slope += x > 0                                                    # 1 where x > 0
        slope *= grad_output
        return slope

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class Softmax(Module):
    """Softmax along the axis ``dim``: ``y = exp(x) / sum(exp(x), axis=dim)``.

    Derived in chapter 3, "Activations". Every slice of the output along ``dim`` is positive and
    sums to 1. The input is shifted by its maximum along ``dim`` before the exponential (which does not
    change the result), so nothing overflows and no warning is raised for any finite input. The
    backward pass computes the vector-Jacobian product ``y * (g - sum(g * y, axis=dim))`` from the
    output ``y`` saved by ``forward``, never the Jacobian ``diag(y) - y y^T`` itself (do not modify
    ``y`` in place before calling ``backward``).

    Computes in the dtype of its input (float32 in, float32 out). A NaN entry of the input makes its
    whole slice along ``dim`` NaN, as the formula does in NumPy; so does ``+inf`` (``inf - inf``), with
    NumPy's "invalid value" warning. The losses of chapter 5 refuse non-finite predictions, so a NaN is
    caught there. For classification, chapter 5's ``CrossEntropyLoss`` takes the scores themselves and
    fuses the softmax into the loss, which is more stable than this layer followed by a logarithm.

    Parameters
    ----------
    dim : int
        The axis along which the outputs sum to 1; default -1, which for scores of shape (N, C) is
        the class axis. Negative values count from the end, as in NumPy and PyTorch.
    """

    def __init__(self, dim=-1):
        if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
            raise TypeError(f"Softmax: dim must be an int, got {dim!r}")
        self.dim = int(dim)

    def forward(self, x):
        """Apply the softmax along ``dim``.

        Parameters
        ----------
        x : numpy.ndarray
            Any shape that has the axis ``dim``, e.g. scores of shape (N, C); float32 or float64.

        Returns
        -------
        numpy.ndarray
            Same shape and dtype as ``x``; positive, summing to 1 along ``dim``.
        """
        x = _check_input(x, self)
        if not -x.ndim <= self.dim < x.ndim:
            raise ValueError(f"{self!r}: dim is out of range for an input of shape {x.shape} "
                             f"(valid: {-x.ndim} to {x.ndim - 1})")
        y = x - x.max(axis=self.dim, keepdims=True)    # every exponent <= 0: no overflow
        with np.errstate(under="ignore"):              # exp of a very negative number rounds to 0
            np.exp(y, out=y)
        y /= y.sum(axis=self.dim, keepdims=True)       # the sum is >= 1: the maximum gives exp(0)
        self.save_for_backward(y)
        return y

    def backward(self, grad_output, input_grad=True):
        """dL/dx = y * (g - sum(g * y, axis=dim)) with g = dL/dy.

        Parameters
        ----------
        grad_output : numpy.ndarray
            dL/dy, the shape and dtype of the output of ``forward``.

        Returns
        -------
        numpy.ndarray
            dL/dx, the shape and dtype of ``x``.
        """
        y, = self.saved
        grad_output = _check_grad(grad_output, y, self)
        dot = np.sum(grad_output * y, axis=self.dim, keepdims=True)   # one number per slice
        grad_input = grad_output - dot
        grad_input *= y
        return grad_input

    def extra_repr(self):
        return f"dim={self.dim}"
