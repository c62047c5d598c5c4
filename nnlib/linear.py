# Generated from chapters/04_linear.ipynb by tools/export.py. Do not edit.
"""The fully connected layer ``Linear`` (Y = XW + b) and the initializers of its weights:
Xavier/Glorot and He/Kaiming, uniform and normal.

Derived in chapter 4, "The fully connected layer" (chapters/04_linear.ipynb)."""

import math
import numpy as np
from nnlib.module import Module, Parameter
from nnlib import checks

__all__ = ["xavier_uniform", "xavier_normal", "he_uniform", "he_normal", "Linear"]


def _check_fans(name, fan_in, fan_out):
    """Raise ValueError, naming the initializer, unless both fans are positive integers."""
    for value in (fan_in, fan_out):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name}: fan_in and fan_out must be positive integers, got {fan_in!r} and {fan_out!r}")


def _draw(name, distribution, variance, fan_in, fan_out, rng, dtype):
    """Draw a (fan_in, fan_out) array with mean 0 and the given variance; shared by the initializers."""
    dtype = np.dtype(dtype)
    if not np.issubdtype(dtype, np.floating):
        raise TypeError(f"{name}: dtype must be a floating dtype, got {dtype.name}")
    rng = np.random.default_rng(rng)            # a Generator is used as it is; an int seeds a new one
    if distribution == "uniform":
        bound = math.sqrt(3.0 * variance)       # U[-a, a] has variance a^2 / 3
        weights = rng.uniform(-bound, bound, size=(fan_in, fan_out))
    else:
        weights = rng.normal(0.0, math.sqrt(variance), size=(fan_in, fan_out))
    return weights.astype(dtype, copy=False)


def xavier_uniform(fan_in, fan_out, rng=None, dtype=np.float64):
    """Xavier (Glorot) uniform initialization: U[-a, a] with a = sqrt(6 / (fan_in + fan_out)).

    Derived in chapter 4, "The fully connected layer": the variance 2 / (fan_in + fan_out) is the
    compromise between keeping the variance of the activations (forward) and of the gradients
    (backward) constant through a layer followed by tanh; U[-a, a] has variance a^2 / 3.

    Parameters
    ----------
    fan_in, fan_out : int
        The number of inputs and of outputs of the layer.
    rng : numpy.random.Generator, int or None
        The generator to draw from, or the seed of a new one; None draws from an unseeded generator.
    dtype : floating dtype
        The dtype of the result (the numbers are drawn in float64, then rounded).

    Returns
    -------
    numpy.ndarray
        Shape (fan_in, fan_out), the given dtype.
    """
    _check_fans("xavier_uniform", fan_in, fan_out)
    return _draw("xavier_uniform", "uniform", 2.0 / (fan_in + fan_out), fan_in, fan_out, rng, dtype)


def xavier_normal(fan_in, fan_out, rng=None, dtype=np.float64):
    """Xavier (Glorot) normal initialization: N(0, 2 / (fan_in + fan_out)).

    Derived in chapter 4, "The fully connected layer". Arguments and result as for
    ``xavier_uniform``: an array of shape (fan_in, fan_out) and the given dtype.
    """
    _check_fans("xavier_normal", fan_in, fan_out)
    return _draw("xavier_normal", "normal", 2.0 / (fan_in + fan_out), fan_in, fan_out, rng, dtype)


def he_uniform(fan_in, fan_out, rng=None, dtype=np.float64):
    """He (Kaiming) uniform initialization: U[-a, a] with a = sqrt(6 / fan_in).

    Derived in chapter 4, "The fully connected layer": the variance 2 / fan_in keeps the variance
    of the pre-activations constant through layers followed by ReLU, because
    E[relu(z)^2] = Var(z) / 2 for z symmetric around zero. The default of ``Linear``.

    Parameters
    ----------
    fan_in, fan_out : int
        The number of inputs and of outputs of the layer.
    rng : numpy.random.Generator, int or None
        The generator to draw from, or the seed of a new one; None draws from an unseeded generator.
    dtype : floating dtype
        The dtype of the result (the numbers are drawn in float64, then rounded).

    Returns
    -------
    numpy.ndarray
        Shape (fan_in, fan_out), the given dtype.
    """
    _check_fans("he_uniform", fan_in, fan_out)
    return _draw("he_uniform", "uniform", 2.0 / fan_in, fan_in, fan_out, rng, dtype)


def he_normal(fan_in, fan_out, rng=None, dtype=np.float64):
    """He (Kaiming) normal initialization: N(0, 2 / fan_in).

    Derived in chapter 4, "The fully connected layer". Arguments and result as for ``he_uniform``:
    an array of shape (fan_in, fan_out) and the given dtype.
    """
    _check_fans("he_normal", fan_in, fan_out)
    return _draw("he_normal", "normal", 2.0 / fan_in, fan_in, fan_out, rng, dtype)


class Linear(Module):
    """A fully connected layer: ``y = x @ weight + bias``.

    Derived in chapter 4, "The fully connected layer". The weight has shape
    ``(in_features, out_features)`` so that a batch of row vectors is multiplied from the left,
    Y = X W + b, as in the book's derivations. PyTorch's ``torch.nn.Linear`` stores the transpose,
    ``(out_features, in_features)``, and computes X W^T + b: transpose a PyTorch weight to use it here.
    (Only ``Linear`` differs from PyTorch in this way; ``Conv2d``, chapter 12, stores its weight as
    PyTorch does, ``(out_channels, in_channels, kh, kw)``.)

    The default initialization also differs from PyTorch's. ``init="he"`` draws the weight from
    U[-a, a] with a = sqrt(6 / in_features), variance 2 / in_features, and starts the bias at zero.
    ``torch.nn.Linear`` draws weight and bias from U[-c, c] with c = 1 / sqrt(in_features), a weight
    variance of 1 / (3 in_features), six times smaller. To draw weights from PyTorch's distribution,
    pass ``init=lambda fan_in, fan_out, rng, dtype:
    rng.uniform(-1, 1, (fan_in, fan_out)).astype(dtype) / math.sqrt(fan_in)``, and fill the bias
    in the same way if you need it.

    Parameters
    ----------
    in_features : int
        The number of inputs, n.
    out_features : int
        The number of outputs (neurons), m.
    bias : bool
        Whether the layer has a learnable bias. It starts at zero.
    init : {"he", "xavier"} or callable
        How to draw the initial weight: ``"he"`` is ``he_uniform`` (the default, for layers followed
        by ReLU), ``"xavier"`` is ``xavier_uniform`` (for tanh), or a function
        ``(fan_in, fan_out, rng, dtype) -> array`` of shape (in_features, out_features).
    rng : numpy.random.Generator, int or None
        The generator for the initial weight, or the seed of a new one; None: unseeded.
    dtype : floating dtype
        The dtype of the parameters, and the only dtype of input the layer accepts.

    Attributes
    ----------
    weight : Parameter
        Shape (in_features, out_features).
    bias : Parameter or None
        Shape (out_features,); None when ``bias=False``.
    """

    def __init__(self, in_features, out_features, bias=True, init="he", rng=None, dtype=np.float64):
        for value in (in_features, out_features):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"Linear: in_features and out_features must be positive integers, "
                                 f"got {in_features!r} and {out_features!r}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        initializers = {"he": he_uniform, "xavier": xavier_uniform}
        if callable(init):
            initializer = init
        elif init in initializers:
            initializer = initializers[init]
        else:
            raise ValueError(f"Linear: init must be 'he', 'xavier' or a function "
                             f"(fan_in, fan_out, rng, dtype) -> array, got {init!r}")
        rng = np.random.default_rng(rng)
        weight = np.asarray(initializer(self.in_features, self.out_features, rng, dtype), dtype=dtype)
        if weight.shape != (self.in_features, self.out_features):
            raise ValueError(f"Linear: init returned an array of shape {weight.shape}, expected "
                             f"{(self.in_features, self.out_features)}")
        self.weight = Parameter(weight)
        self.bias = Parameter(np.zeros(self.out_features, dtype=dtype)) if bias else None

    def forward(self, x):
        """Y = X W + b.

        Parameters
        ----------
        x : numpy.ndarray
            Shape (N, in_features), the dtype of the weight. Kept (not copied) for ``backward``.

        Returns
        -------
        numpy.ndarray
            Shape (N, out_features), the same dtype.
        """
        checks.array(x, "x", self, shape=(None, self.in_features))     # self: its repr is built only on failure
        checks.array(x, "x", self, dtype=self.weight.dtype)
        self.save_for_backward(x)
        y = x @ self.weight.data
        if self.bias is not None:
            y += self.bias.data                 # in place: no second (N, out_features) array
        return y

    def backward(self, grad_output, input_grad=True):
        """Add dL/dW = X^T G to ``weight.grad`` and dL/db = sum_k G_k to ``bias.grad``; return G W^T.

        Parameters
        ----------
        grad_output : numpy.ndarray
            G = dL/dY, shape (N, out_features) with the N of the last forward pass, the layer's dtype.
        input_grad : bool, default True
            Whether to compute dL/dX. The first layer of a network may skip it: nothing before it
            learns, and G W^T is one of the backward pass's two matrix products.

        Returns
        -------
        numpy.ndarray or None
            dL/dX, shape (N, in_features), the layer's dtype; None if ``input_grad`` is False.
        """
        x, = self.saved
        expected = (x.shape[0], self.out_features)
        if not isinstance(grad_output, np.ndarray):
            raise TypeError(f"{self!r}: expected grad_output to be a NumPy array, got {type(grad_output).__name__}")
        if grad_output.shape != expected:
            raise ValueError(f"{self!r}: expected grad_output of shape {expected} (the shape of the last "
                             f"output), got {grad_output.shape}")
        if grad_output.dtype != self.weight.dtype:
            raise ValueError(f"{self!r}: expected grad_output of dtype {self.weight.dtype.name}, "
                             f"got {grad_output.dtype.name}")
        self.weight.accumulate(x.T @ grad_output)
        if self.bias is not None:
            self.bias.accumulate(grad_output.sum(axis=0))
        return grad_output @ self.weight.data.T if input_grad else None

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
