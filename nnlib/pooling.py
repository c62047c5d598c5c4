# Generated from chapters/12_convolution/ by tools/export.py. Do not edit.
"""Max and average pooling of batches of images of shape (N, C, H, W): ``MaxPool2d`` and
``AvgPool2d``.

Derived in chapter 12, "Convolution and pooling" (chapters/12_convolution)."""

import numpy as np
from nnlib.module import Module
from nnlib import checks
from nnlib.conv import _output_size, _window_view

__all__ = ["MaxPool2d", "AvgPool2d"]


class _Pool2d(Module):
    """What max and average pooling share: their arguments and the kernel offsets they
    loop over."""

    def __init__(self, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] | None = None) -> None:
        self._kernel = checks.int_pair(kernel_size, "kernel_size", self)
        self._stride = (self._kernel if stride is None
                        else checks.int_pair(stride, "stride", self))
        self.kernel_size = kernel_size                 # as given, for the repr
        self.stride = kernel_size if stride is None else stride

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}"

    def _offsets(self):
        """The kernel offsets (i, j) row by row: the order that decides which of equal
        maxima is first."""
        return [(i, j) for i in range(self._kernel[0]) for j in range(self._kernel[1])]


class MaxPool2d(_Pool2d):
    """Max pooling: the largest value of each kh x kw window, windows ``stride`` apart,
    no padding.

    Derived in chapter 12, "Convolution and pooling".

    Parameters
    ----------
    kernel_size : int or (int, int)
        (kh, kw).
    stride : int or (int, int), optional
        (s_h, s_w); defaults to ``kernel_size`` (windows side by side).

    Notes
    -----
    ``forward(x)`` takes x of shape (N, C, H, W), float32 or float64, and returns y of
    shape (N, C, H_out, W_out) in the same dtype, H_out = floor((H - kh) / s_h) + 1 and
    W_out likewise. ``backward(grad_output)`` (shape and dtype of y) returns dL/dx
    (shape and dtype of x): each window's gradient goes to one element, its maximum,
    the first in row-major order when several are equal (as in PyTorch); an element
    that is the maximum of several overlapping windows receives the sum.
    """

    def forward(self, x: np.ndarray) -> np.ndarray:
        """The maximum of each window: (N, C, H_out, W_out) for x (N, C, H, W)."""
        checks.array(x, "x", self, shape=(None, None, None, None), dtype="floating")
        Ho, Wo = _output_size(self, x.shape[2:], self._kernel, self._stride)
        offsets = self._offsets()
        out = _window_view(x, 0, 0, (Ho, Wo), self._stride).copy()
        # the offset of each window's maximum, in the smallest integer type for it
        index = np.zeros(out.shape, np.min_scalar_type(len(offsets) - 1))
        for k, (i, j) in enumerate(offsets[1:], start=1):
            candidate = np.maximum(out, _window_view(x, i, j, (Ho, Wo), self._stride))
            improved = candidate > out    # strictly larger: a tie keeps the earlier one
            # k grows, so the offset of the last improvement is the largest k * improved
            np.maximum(index, improved * index.dtype.type(k), out=index)
            out = candidate
        self.save_for_backward(x.shape, x.dtype, index)
        return out

    def backward(self, grad_output: np.ndarray,
                 input_grad: bool = True) -> np.ndarray | None:
        """dL/dx: each window's gradient goes to its first maximum."""
        x_shape, dtype, index = self.saved
        checks.gradient(grad_output, self, index.shape, dtype)
        if not input_grad:
            return None
        grad = np.zeros(x_shape, dtype)
        for k, (i, j) in enumerate(self._offsets()):
            window = _window_view(grad, i, j, index.shape[2:], self._stride)
            window += grad_output * (index == k)
        return grad


class AvgPool2d(_Pool2d):
    """Average pooling: the mean of each kh x kw window, windows ``stride`` apart, no
    padding.

    Derived in chapter 12, "Convolution and pooling". Arguments, shapes and dtypes as
    for ``MaxPool2d``. ``backward(grad_output)`` gives every element of a window
    1 / (kh kw) of the window's gradient, summed over the windows that contain the
    element.
    """

    def forward(self, x: np.ndarray) -> np.ndarray:
        """The mean of each window: (N, C, H_out, W_out) for x (N, C, H, W)."""
        checks.array(x, "x", self, shape=(None, None, None, None), dtype="floating")
        Ho, Wo = _output_size(self, x.shape[2:], self._kernel, self._stride)
        offsets = self._offsets()
        out = _window_view(x, 0, 0, (Ho, Wo), self._stride).copy()
        for i, j in offsets[1:]:
            out += _window_view(x, i, j, (Ho, Wo), self._stride)
        self.save_for_backward(x.shape, out.shape, x.dtype)
        out /= len(offsets)                     # the sum of each window, then its mean
        return out

    def backward(self, grad_output: np.ndarray,
                 input_grad: bool = True) -> np.ndarray | None:
        """dL/dx: every element of a window receives 1 / (kh kw) of its gradient."""
        x_shape, out_shape, dtype = self.saved
        checks.gradient(grad_output, self, out_shape, dtype)
        if not input_grad:
            return None
        share = grad_output / len(self._offsets())
        grad = np.zeros(x_shape, dtype)
        for i, j in self._offsets():
            window = _window_view(grad, i, j, out_shape[2:], self._stride)
            window += share
        return grad
