# Generated from chapters/12_convolution.ipynb by tools/export.py. Do not edit.
"""Convolution and pooling layers for batches of images of shape (N, C, H, W): ``Conv2d``,
``MaxPool2d``, ``AvgPool2d``, ``Flatten``, and the output-size formula ``conv_output_size``.

Derived in chapter 12, "Convolution and pooling" (chapters/12_convolution.ipynb)."""

import math
import numpy as np
from nnlib.module import Module, Parameter
from nnlib import checks

__all__ = ["conv_output_size", "Conv2d", "MaxPool2d", "AvgPool2d", "Flatten"]


def conv_output_size(size, kernel_size, stride=1, padding=0):
    """The number of positions of a window sliding along one dimension: floor((size + 2p - k) / s) + 1.

    Derived in chapter 12, "Convolution and pooling".

    Parameters
    ----------
    size : int
        The input's length along the dimension (H or W).
    kernel_size, stride, padding : int
        k >= 1, s >= 1 and p >= 0 along the same dimension.

    Returns
    -------
    int
        H_out (or W_out); 0 or less when the kernel is larger than the padded input.
    """
    return (size + 2 * padding - kernel_size) // stride + 1


def _pair(value, name, minimum):
    """(a, b) from an int or a pair of ints, each at least ``minimum``; a ValueError otherwise."""
    pair = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                 and v >= minimum for v in pair):
        raise ValueError(f"{name} must be an int or a pair of ints >= {minimum}, got {value!r}")
    return int(pair[0]), int(pair[1])


def _window_view(array, i, j, out_size, stride):
    """The entries array[..., s_h h + i, s_w w + j] for h < H_out, w < W_out that kernel offset (i, j)
    reads, as a strided view of shape (..., H_out, W_out) of an array whose last two axes are (H, W)."""
    (Ho, Wo), (sh, sw) = out_size, stride
    return array[..., i:i + sh * (Ho - 1) + 1:sh, j:j + sw * (Wo - 1) + 1:sw]


class Conv2d(Module):
    """2-D convolution (a cross-correlation) of a batch of images, with stride, zero padding and bias.

    Derived in chapter 12, "Convolution and pooling":
    ``y[n, o, h, w] = bias[o] + sum_{c,i,j} weight[o, c, i, j] * xpad[n, c, s_h h + i, s_w w + j]``,
    computed as one matrix product with an im2col column matrix.

    Parameters
    ----------
    in_channels, out_channels : int
        C_in and C_out.
    kernel_size, stride, padding : int or (int, int)
        (kh, kw), (s_h, s_w) and (p_h, p_w); an int means the same value in both directions. The input
        is padded with p_h rows of zeros above and below and p_w columns left and right.
    bias : bool
        Whether to add a learnable bias per output channel.
    rng : numpy.random.Generator or int or None
        Source of the initial weights (an int is a seed; None draws an unseeded generator).
    dtype : numpy dtype
        float64 (default) or float32: the parameters' dtype; the layer refuses input of another dtype.

    Attributes
    ----------
    weight : Parameter, shape (C_out, C_in, kh, kw)
        He-uniform initialization U(-sqrt(6 / fan_in), sqrt(6 / fan_in)), fan_in = C_in kh kw, so that
        Var(weight) = 2 / fan_in (PyTorch's default bound is 1 / sqrt(fan_in)).
    bias : Parameter, shape (C_out,), or None
        Initialized to zero.

    Notes
    -----
    ``forward(x)`` takes x of shape (N, C_in, H, W) and returns y of shape (N, C_out, H_out, W_out) in
    x's dtype, H_out = floor((H + 2 p_h - kh) / s_h) + 1 and W_out likewise (``conv_output_size``).
    ``backward(grad_output, input_grad=True)`` takes dL/dy of y's shape, returns dL/dx of x's shape
    and dtype, and adds dL/dweight and dL/dbias to the parameters' ``.grad``; with
    ``input_grad=False`` (the first layer of a network, whose input is the data) it skips dL/dx, a
    matrix product and col2im, and returns None. To save memory it writes the gradient of the column
    matrix into the forward pass's column matrix, so it runs once per forward pass.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True,
                 rng=None, dtype=np.float64):
        for name, value in (("in_channels", in_channels), ("out_channels", out_channels)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
                raise ValueError(f"Conv2d: {name} must be a positive int, got {value!r}")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = _pair(kernel_size, "kernel_size", 1)
        self.stride = _pair(stride, "stride", 1)
        self.padding = _pair(padding, "padding", 0)
        kh, kw = self.kernel_size
        bound = math.sqrt(6.0 / (self.in_channels * kh * kw))
        weight = np.random.default_rng(rng).uniform(-bound, bound, size=(self.out_channels, self.in_channels, kh, kw))
        self.weight = Parameter(weight.astype(dtype))
        self.bias = Parameter(np.zeros(self.out_channels, dtype=dtype)) if bias else None

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}, bias={self.bias is not None}")

    def _output_size(self, H, W):
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.stride, self.padding
        if H + 2 * ph < kh or W + 2 * pw < kw:
            raise ValueError(f"{self!r}: the kernel ({kh}, {kw}) is larger than the padded input "
                             f"({H + 2 * ph}, {W + 2 * pw}) (input ({H}, {W}) with padding ({ph}, {pw}))")
        return conv_output_size(H, kh, sh, ph), conv_output_size(W, kw, sw, pw)

    def forward(self, x):
        checks.array(x, "x", self, shape=(None, self.in_channels, None, None))   # self: its repr is built only on failure
        checks.array(x, "x", self, dtype=self.weight.dtype)
        N, C, H, W = x.shape
        (kh, kw), (ph, pw), O = self.kernel_size, self.padding, self.out_channels
        Ho, Wo = self._output_size(H, W)
        padded = np.zeros((C, N, H + 2 * ph, W + 2 * pw), x.dtype)      # channels first
        padded[:, :, ph:ph + H, pw:pw + W] = x.transpose(1, 0, 2, 3)
        cols = np.empty((C, kh, kw, N, Ho, Wo), x.dtype)               # the column matrix
        for i in range(kh):                                           # im2col: one copy per offset
            for j in range(kw):
                cols[:, i, j] = _window_view(padded, i, j, (Ho, Wo), self.stride)
        out = self.weight.data.reshape(O, -1) @ cols.reshape(C * kh * kw, N * Ho * Wo)   # (O, N Ho Wo)
        out = out.reshape(O, N, Ho, Wo).transpose(1, 0, 2, 3)
        y = np.empty((N, O, Ho, Wo), x.dtype)
        if self.bias is None:
            y[...] = out
        else:
            np.add(out, self.bias.data[:, None, None], out=y)        # the transposing copy adds the bias
        self.save_for_backward(x.shape, cols)
        return y

    def backward(self, grad_output, input_grad=True):
        x_shape, cols = self.saved
        if cols is None:
            raise RuntimeError(f"{self!r}: backward() was already called for the last forward(); "
                               "call the layer on an input again first")
        N, C, H, W = x_shape
        (kh, kw), (ph, pw), O = self.kernel_size, self.padding, self.out_channels
        Ho, Wo = self._output_size(H, W)
        checks.array(grad_output, "grad_output", self, shape=(N, O, Ho, Wo))
        grad = np.empty((O, N, Ho, Wo), self.weight.dtype)
        grad[...] = grad_output.transpose(1, 0, 2, 3)
        grad = grad.reshape(O, N * Ho * Wo)                           # G2
        cols2d = cols.reshape(C * kh * kw, N * Ho * Wo)
        if self.bias is not None:
            self.bias.accumulate(grad.sum(axis=1))
        self.weight.accumulate((grad @ cols2d.T).reshape(self.weight.shape))
        self.save_for_backward(x_shape, None)
        if not input_grad:
            return None
        np.matmul(self.weight.data.reshape(O, -1).T, grad, out=cols2d)   # dL/dcols replaces the columns
        grad_padded = np.zeros((C, N, H + 2 * ph, W + 2 * pw), self.weight.dtype)
        for i in range(kh):                                           # col2im: one add per offset
            for j in range(kw):
                window = _window_view(grad_padded, i, j, (Ho, Wo), self.stride)
                window += cols[:, i, j]
        return np.ascontiguousarray(grad_padded[:, :, ph:ph + H, pw:pw + W].transpose(1, 0, 2, 3))


class _Pool2d(Module):
    """What max and average pooling share: arguments, checks and the windows of one kernel offset."""

    def __init__(self, kernel_size, stride=None):
        self._kernel = _pair(kernel_size, "kernel_size", 1)
        self._stride = self._kernel if stride is None else _pair(stride, "stride", 1)
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}"

    def _offsets(self):
        """The kernel offsets (i, j) row by row: the order that decides which of equal maxima is first."""
        return [(i, j) for i in range(self._kernel[0]) for j in range(self._kernel[1])]

    def _output_size(self, x):
        if not isinstance(x, np.ndarray) or x.ndim != 4:
            got = tuple(x.shape) if isinstance(x, np.ndarray) else type(x).__name__
            raise ValueError(f"{self!r}: expected input of shape (N, C, H, W), got {got}")
        if not np.issubdtype(x.dtype, np.floating):
            raise ValueError(f"{self!r}: expected a floating-point input, got {x.dtype.name}")
        (kh, kw), (sh, sw), (H, W) = self._kernel, self._stride, x.shape[2:]
        if H < kh or W < kw:
            raise ValueError(f"{self!r}: the window ({kh}, {kw}) is larger than the input ({H}, {W})")
        return conv_output_size(H, kh, sh), conv_output_size(W, kw, sw)


class MaxPool2d(_Pool2d):
    """Max pooling: the largest value of each kh x kw window, windows ``stride`` apart, no padding.

    Derived in chapter 12, "Convolution and pooling".

    Parameters
    ----------
    kernel_size : int or (int, int)
        (kh, kw).
    stride : int or (int, int), optional
        (s_h, s_w); defaults to ``kernel_size`` (windows side by side).

    Notes
    -----
    ``forward(x)`` takes x of shape (N, C, H, W), any floating dtype, and returns y of shape
    (N, C, H_out, W_out) in the same dtype, H_out = floor((H - kh) / s_h) + 1 and W_out likewise.
    ``backward(grad_output)`` (shape of y) returns dL/dx (shape and dtype of x): each window's gradient
    goes to one element, its maximum, the first in row-major order when several are equal (as in
    PyTorch); an element that is the maximum of several overlapping windows receives the sum.
    """

    def forward(self, x):
        Ho, Wo = self._output_size(x)
        offsets = self._offsets()
        out = _window_view(x, 0, 0, (Ho, Wo), self._stride).copy()
        index = np.zeros(out.shape, np.min_scalar_type(len(offsets) - 1))   # offset of each window's maximum
        for k, (i, j) in enumerate(offsets[1:], start=1):
            candidate = np.maximum(out, _window_view(x, i, j, (Ho, Wo), self._stride))
            improved = candidate > out                 # strictly larger: a tie keeps the earlier offset
            np.maximum(index, improved * index.dtype.type(k), out=index)
            out = candidate
        self.save_for_backward(x.shape, x.dtype, index)
        return out

    def backward(self, grad_output, input_grad=True):
        x_shape, dtype, index = self.saved
        checks.array(grad_output, "grad_output", self, shape=index.shape)
        Ho, Wo = index.shape[2:]
        grad = np.zeros(x_shape, dtype)
        for k, (i, j) in enumerate(self._offsets()):
            window = _window_view(grad, i, j, (Ho, Wo), self._stride)
            window += grad_output * (index == k)
        return grad


class AvgPool2d(_Pool2d):
    """Average pooling: the mean of each kh x kw window, windows ``stride`` apart, no padding.

    Derived in chapter 12, "Convolution and pooling". Arguments, shapes and dtypes as for
    ``MaxPool2d``. ``backward(grad_output)`` gives every element of a window 1 / (kh kw) of the
    window's gradient, summed over the windows that contain the element.
    """

    def forward(self, x):
        Ho, Wo = self._output_size(x)
        offsets = self._offsets()
        out = _window_view(x, 0, 0, (Ho, Wo), self._stride).copy()
        for i, j in offsets[1:]:
            out += _window_view(x, i, j, (Ho, Wo), self._stride)
        out /= len(offsets)
        self.save_for_backward(x.shape, x.dtype, (Ho, Wo))
        return out

    def backward(self, grad_output, input_grad=True):
        x_shape, dtype, (Ho, Wo) = self.saved
        checks.array(grad_output, "grad_output", self, shape=(*x_shape[:2], Ho, Wo))
        share = grad_output / len(self._offsets())
        grad = np.zeros(x_shape, dtype)
        for i, j in self._offsets():
            window = _window_view(grad, i, j, (Ho, Wo), self._stride)
            window += share
        return grad


class Flatten(Module):
    """(N, C, H, W) -> (N, C * H * W); more generally (N, d1, d2, ...) -> (N, d1 * d2 * ...).

    Derived in chapter 12, "Convolution and pooling". ``forward(x)`` takes any array with at least two
    dimensions, the first being the batch, and returns a view of it when it is contiguous, in x's
    dtype. ``backward(grad_output)`` of shape (N, d1 * d2 * ...) returns it reshaped to x's shape.
    """

    def forward(self, x):
        if not isinstance(x, np.ndarray) or x.ndim < 2:
            got = tuple(x.shape) if isinstance(x, np.ndarray) else type(x).__name__
            raise ValueError(f"{self!r}: expected input of shape (N, ...) with at least 2 dimensions, got {got}")
        self.save_for_backward(x.shape)
        return x.reshape(x.shape[0], math.prod(x.shape[1:]))

    def backward(self, grad_output, input_grad=True):
        x_shape, = self.saved
        return grad_output.reshape(x_shape)
