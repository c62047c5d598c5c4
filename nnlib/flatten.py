# Generated from chapters/12_convolution/ by tools/export.py. Do not edit.
"""``Flatten``: from batches of images (N, C, H, W) to rows of features (N, C H W), the
input of fully connected layers.

Derived in chapter 12, "Convolution and pooling" (chapters/12_convolution)."""

import math
import numpy as np
from nnlib.module import Module
from nnlib import checks

__all__ = ["Flatten"]


class Flatten(Module):
    """(N, C, H, W) -> (N, C * H * W); more generally (N, d1, d2, ...) ->
    (N, d1 * d2 * ...).

    Derived in chapter 12, "Convolution and pooling". ``forward(x)`` takes any array
    with at least two dimensions, the first being the batch, and returns a view of it
    when it is contiguous, in x's dtype. ``backward(grad_output)``, of the output's
    shape and dtype, returns it reshaped to x's shape.
    """

    def forward(self, x: np.ndarray) -> np.ndarray:
        checks.array(x, "x", self, shape=(None, None, ...), fix=_TWO_DIMENSIONS)
        y = x.reshape(x.shape[0], math.prod(x.shape[1:]))
        self.save_for_backward(x.shape, y.shape, y.dtype)
        return y

    def backward(self, grad_output: np.ndarray,
                 input_grad: bool = True) -> np.ndarray | None:
        x_shape, y_shape, dtype = self.saved
        checks.gradient(grad_output, self, y_shape, dtype)
        return grad_output.reshape(x_shape) if input_grad else None


_TWO_DIMENSIONS = "at least 2 dimensions: a batch of N samples, each an array"
