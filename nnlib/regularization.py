# Generated from chapters/10_regularization.ipynb by tools/export.py. Do not edit.
"""Regularization layers: ``Dropout`` (inverted dropout).

Derived in chapter 10, "Regularization" (chapters/10_regularization.ipynb)."""

import numbers
import numpy as np
from nnlib.module import Module

__all__ = ["Dropout"]


def _check_floating_input(x, layer):
    """Return ``x`` if it is a NumPy array of a floating dtype with at least one dimension.

    Raises ``TypeError`` if ``x`` is not a NumPy array, ``ValueError`` if its dtype is not floating
    or it has no dimension; the messages name ``layer``.
    """
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{layer!r}: expected a NumPy array, got {type(x).__name__}")
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"{layer!r}: expected a floating-point array, got dtype {x.dtype.name}; "
                         "convert it with .astype(np.float32) or .astype(np.float64)")
    if x.ndim == 0:
        raise ValueError(f"{layer!r}: expected input of shape (N, *), got ()")
    return x


class Dropout(Module):
    """Inverted dropout: in training mode, each entry is zeroed with probability ``p`` and the
    survivors are multiplied by ``1 / (1 - p)``; in evaluation mode the layer is the identity.

    Derived in chapter 10, "Regularization". With a mask ``m`` of independent Bernoulli(1 - p)
    entries, ``y = m * x / (1 - p)``, so that ``E[y] = x`` and ``Var[y] = x**2 * p / (1 - p)``;
    the backward pass multiplies the upstream gradient by the same ``m / (1 - p)``. As
    ``torch.nn.Dropout``, the layer drops entries independently (every entry of every sample),
    and ``model.eval()`` switches it off.

    Parameters
    ----------
    p : float, default 0.5
        The probability of zeroing an entry (PyTorch's convention, not TensorFlow 1's
        ``keep_prob``), in [0, 1). ``p = 0`` makes the layer the identity. ``p = 1``, which PyTorch
        accepts and which zeroes every output, is refused with a ``ValueError``: such a layer cuts
        the network in two, and ``Dropout(1.0)`` is most often meant as "keep everything".
    rng : numpy.random.Generator, int or None
        The generator of the masks, or the seed of a new one; None: unseeded. A Generator is used
        as it is (shared with the caller), so one generator can drive every layer of a model.

    Notes
    -----
    In training mode the mask is drawn in the input's precision, ``rng.random(x.shape) >= p``
    (float32 random numbers for float32 input), and kept as a boolean array until ``backward``;
    with ``p = 0`` no random numbers are drawn. In evaluation mode, and with ``p = 0``, ``forward``
    returns its input itself, not a copy, as PyTorch does.
    """

    def __init__(self, p=0.5, rng=None):
        if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0 <= p < 1:
            hint = ("; p = 1 would zero every output (p is the probability of dropping, "
                    "so Dropout(0) keeps everything)" if isinstance(p, numbers.Real) and p == 1
                    and not isinstance(p, bool) else "")
            raise ValueError(f"Dropout: p must be a number in [0, 1), got {p!r}{hint}")
        self.p = float(p)
        self.rng = np.random.default_rng(rng)

    def forward(self, x):
        """Apply dropout (training mode) or the identity (evaluation mode).

        Parameters
        ----------
        x : numpy.ndarray
            Shape (N, *), any number of dimensions >= 1; float32 or float64.

        Returns
        -------
        numpy.ndarray
            Same shape and dtype as ``x``: ``x * mask / (1 - p)`` in training mode, ``x`` itself in
            evaluation mode or when ``p = 0``.
        """
        x = _check_floating_input(x, self)
        if not self.training or self.p == 0:
            self.save_for_backward(None, 1.0, x.shape, x.dtype)
            return x
        draw_dtype = np.float32 if x.dtype.itemsize <= 4 else np.float64
        keep = self.rng.random(x.shape, dtype=draw_dtype) >= self.p     # each entry kept with prob. 1 - p
        scale = 1.0 / (1.0 - self.p)                                     # a Python float: keeps x's dtype
        y = np.multiply(x, keep)
        y *= scale
        self.save_for_backward(keep, scale, x.shape, x.dtype)
        return y

    def backward(self, grad_output, input_grad=True):
        """dL/dx = dL/dy * mask / (1 - p), with the mask of the last forward pass (identity in eval mode).

        Parameters
        ----------
        grad_output : numpy.ndarray
            dL/dy, of the shape and dtype of the last output.

        Returns
        -------
        numpy.ndarray
            dL/dx, the shape and dtype of ``x``.
        """
        keep, scale, shape, dtype = self.saved
        if not isinstance(grad_output, np.ndarray):
            raise TypeError(f"{self!r}: expected grad_output to be a NumPy array, "
                            f"got {type(grad_output).__name__}")
        if grad_output.shape != shape or grad_output.dtype != dtype:
            raise ValueError(f"{self!r}: expected grad_output of shape {shape} and dtype {dtype.name} "
                             f"(those of the last output), got {grad_output.shape} and "
                             f"{grad_output.dtype.name}")
        if keep is None:
            return grad_output
        grad_input = np.multiply(grad_output, keep)
        grad_input *= scale
        return grad_input

    def extra_repr(self):
        return f"p={self.p:g}"
