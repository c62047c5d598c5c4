# Generated from chapters/10_regularization.ipynb by tools/export.py. Do not edit.
"""Dropout: the regularizing layer that switches units off at random in training.

Derived in chapter 10, "Regularization" (chapters/10_regularization.ipynb)."""

import numpy as np
from nnlib import checks
from nnlib.module import Module

__all__ = ["Dropout"]


class Dropout(Module):
    """Inverted dropout: in training mode each entry is zeroed with probability ``p``
    and the survivors are multiplied by ``1 / (1 - p)``; in evaluation mode the layer
    is the identity.

    Derived in chapter 10, "Regularization". With a mask ``m`` of independent
    Bernoulli(1 - p) entries, ``y = m * x / (1 - p)``, so that ``E[y] = x`` and
    ``Var[y] = x**2 * p / (1 - p)``; the backward pass multiplies dL/dy by the same
    ``m / (1 - p)``. As ``torch.nn.Dropout``, the layer drops every entry of every
    sample independently, and ``model.eval()`` switches it off.

    ``forward`` takes x of shape (N, *), any number of dimensions >= 1, float32 or
    float64, and returns y of the same shape and dtype; ``backward`` takes dL/dy of
    that shape and dtype and returns dL/dx (None with ``input_grad=False``: the layer
    has no parameters).

    Parameters
    ----------
    p : float, default 0.5
        The probability of zeroing an entry (PyTorch's convention, not TensorFlow 1's
        ``keep_prob``), in [0, 1). ``p = 0`` makes the layer the identity. ``p = 1``,
        which PyTorch accepts and which zeroes every output, is refused with a
        ``ValueError``: such a layer cuts the network in two, and ``Dropout(1.0)`` is
        most often meant as "keep everything".
    rng : numpy.random.Generator, int or None
        The generator of the masks, or the seed of a new one; None: unseeded. A
        Generator is used as it is (shared with the caller), so one generator can drive
        every layer of a model.

    Notes
    -----
    In training mode the mask is drawn in the input's precision,
    ``rng.random(x.shape) >= p`` (float32 random numbers for float32 input), and kept
    as a boolean array until ``backward``; with ``p = 0`` no random numbers are drawn.
    In evaluation mode, and with ``p = 0``, ``forward`` returns its input itself, not a
    copy, as PyTorch does.
    """

    def __init__(self, p: float = 0.5,
                 rng: np.random.Generator | int | None = None) -> None:
        self.p = checks.real(p, "p", self, "[0, 1)", fix=_P_MEANS)
        self.rng = np.random.default_rng(rng)

    def extra_repr(self) -> str:
        return f"p={self.p:g}"

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``y = mask * x / (1 - p)`` in training mode; ``x`` itself in evaluation mode
        or when ``p = 0``. The mask is kept for ``backward``."""
        checks.array(x, "x", self, shape=(None, ...), dtype="floating")
        if not self.training or self.p == 0:
            self.save_for_backward(None, x.shape, x.dtype)
            return x
        # each entry is kept with probability 1 - p
        keep = self.rng.random(x.shape, dtype=x.dtype) >= self.p
        self.save_for_backward(keep, x.shape, x.dtype)
        y = np.multiply(x, keep)
        y *= 1 / (1 - self.p)                        # a Python float: x's dtype is kept
        return y

    def backward(self, grad_output: np.ndarray,
                 input_grad: bool = True) -> np.ndarray | None:
        """dL/dx = dL/dy * mask / (1 - p), with the mask of the last forward pass (dL/dy
        itself in evaluation mode); None with ``input_grad=False``."""
        keep, shape, dtype = self.saved
        checks.gradient(grad_output, self, shape, dtype)
        if not input_grad:
            return None
        if keep is None:                                   # evaluation mode, or p = 0
            return grad_output
        grad_input = np.multiply(grad_output, keep)
        grad_input *= 1 / (1 - self.p)
        return grad_input


_P_MEANS = ("p is the probability of dropping an entry: Dropout(0) keeps everything, "
            "p = 1 would zero every output")
