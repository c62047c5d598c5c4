# Generated from chapters/04_linear/ by tools/export.py. Do not edit.
"""The fully connected layer ``Linear``: Y = X W + b.

Derived in chapter 4, "The fully connected layer" (chapters/04_linear)."""

from collections.abc import Callable
import numpy as np
import numpy.typing as npt
from nnlib import checks
from nnlib.init import he_uniform, xavier_uniform
from nnlib.module import Module, Parameter

__all__ = ["Linear"]


_INITIALIZERS = {"he": he_uniform, "xavier": xavier_uniform}


class Linear(Module):
    """A fully connected layer: ``y = x @ weight + bias``.

    Derived in chapter 4, "The fully connected layer". The weight has shape
    ``(in_features, out_features)`` so that a batch of row vectors is multiplied from
    the left, Y = X W + b, as in the book's derivations. PyTorch's ``torch.nn.Linear``
    stores the transpose, ``(out_features, in_features)``, and computes X W^T + b:
    transpose a PyTorch weight to use it here. (Only ``Linear`` differs from PyTorch in
    this way; ``Conv2d``, chapter 12, stores its weight as PyTorch does,
    ``(out_channels, in_channels, kh, kw)``.)

    The default initialization also differs from PyTorch's. ``init="he"`` draws the
    weight from U[-a, a] with a = sqrt(6 / in_features), variance 2 / in_features, and
    starts the bias at zero. ``torch.nn.Linear`` draws weight and bias from U[-c, c]
    with c = 1 / sqrt(in_features), a weight variance of 1 / (3 in_features), six times
    smaller. To draw weights from PyTorch's distribution, pass
    ``init=lambda fan_in, fan_out, rng, dtype:
    rng.uniform(-1, 1, (fan_in, fan_out)).astype(dtype) / np.sqrt(fan_in)``, and fill
    the bias in the same way if you need it.

    ``forward(x)`` takes x of shape (N, in_features) in the layer's dtype and returns
    (N, out_features). ``backward(grad_output, input_grad=True)`` takes dL/dY of the
    last output's shape and dtype, accumulates dL/dW and dL/db into ``weight.grad`` and
    ``bias.grad``, and returns dL/dX, (N, in_features), or None if ``input_grad`` is
    False.

    Parameters
    ----------
    in_features : int
        The number of inputs, n.
    out_features : int
        The number of outputs (neurons), m.
    bias : bool
        Whether the layer has a learnable bias. It starts at zero.
    init : {"he", "xavier"} or callable
        How to draw the initial weight: ``"he"`` is ``he_uniform`` (the default, for
        layers followed by ReLU), ``"xavier"`` is ``xavier_uniform`` (Glorot and
        Bengio's choice for tanh; in a deep tanh stack the forward signal keeps
        shrinking with ``"xavier"``, and settles with ``"he"`` while the gradient
        grows, chapter 4), or a function
        ``(fan_in, fan_out, rng, dtype) -> array`` of shape (in_features, out_features).
    rng : numpy.random.Generator, int or None
        The generator for the initial weight, or the seed of a new one; None: unseeded.
    dtype : floating dtype
        The dtype of the parameters (float32 or float64), and the only dtype of input
        the layer accepts.

    Attributes
    ----------
    weight : Parameter
        Shape (in_features, out_features).
    bias : Parameter or None
        Shape (out_features,); None when ``bias=False``.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 init: str | Callable[..., np.ndarray] = "he",
                 rng: np.random.Generator | int | None = None,
                 dtype: npt.DTypeLike = np.float64) -> None:
        self.in_features = checks.positive_int(in_features, "in_features", self)
        self.out_features = checks.positive_int(out_features, "out_features", self)
        dtype = checks.floating_dtype(dtype, "dtype", self)
        # W: random, (n, m), drawn by init and checked (_initial_weight); b: zeros, (m,)
        self.weight = Parameter(_initial_weight(self, init, rng, dtype))
        self.bias = Parameter(np.zeros(self.out_features, dtype)) if bias else None

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Y = X W + b; x is kept (not copied) for ``backward``."""
        checks.array(x, "x", self, shape=(None, self.in_features),
                     dtype=self.weight.dtype)
        self.save_for_backward(x)
        y = x @ self.weight.data
        if self.bias is not None:
            y += self.bias.data         # in place: no second (N, out_features) array
        return y

    def backward(self, grad_output: np.ndarray,
                 input_grad: bool = True) -> np.ndarray | None:
        """Accumulate dL/dW = X^T G and dL/db = sum_k G_k into the parameters'
        ``.grad``; return dL/dX = G W^T, or None if ``input_grad`` is False."""
        x, = self.saved
        checks.gradient(grad_output, self, (len(x), self.out_features),
                        self.weight.dtype)
        self.weight.accumulate(x.T @ grad_output)
        if self.bias is not None:
            self.bias.accumulate(grad_output.sum(axis=0))
        return grad_output @ self.weight.data.T if input_grad else None


def _initial_weight(layer: Linear, init: str | Callable[..., np.ndarray],
                    rng: np.random.Generator | int | None,
                    dtype: np.dtype) -> np.ndarray:
    """The initial weight of ``layer``, (in_features, out_features): drawn by ``init``
    ("he", "xavier" or a function (fan_in, fan_out, rng, dtype) -> array) from a
    generator made from ``rng``, in ``dtype``, and checked."""
    function = "a function (fan_in, fan_out, rng, dtype) -> array"
    if isinstance(init, str):
        init = _INITIALIZERS[checks.one_of(init, "init", layer, tuple(_INITIALIZERS),
                                           fix=f"or pass {function}")]
    checks.function(init, "init", layer, fix=f"pass 'he', 'xavier' or {function}")
    shape = (layer.in_features, layer.out_features)
    weight = init(*shape, np.random.default_rng(rng), dtype)
    weight = np.asarray(weight, dtype=dtype)
    checks.array(weight, "the weight init returned", layer, shape=shape)
    return weight
