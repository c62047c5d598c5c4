# Generated from chapters/12_convolution/ by tools/export.py. Do not edit.
"""The convolutional layer for batches of images of shape (N, C, H, W), ``Conv2d``, and
the size of its output, ``conv_output_size``.

Derived in chapter 12, "Convolution and pooling" (chapters/12_convolution)."""

import math
import numpy as np
import numpy.typing as npt
from nnlib.module import Module, Parameter
from nnlib import checks

__all__ = ["conv_output_size", "Conv2d"]


def conv_output_size(size: int, kernel_size: int, stride: int = 1,
                     padding: int = 0) -> int:
    """The number of positions of a window sliding along one dimension:
    floor((size + 2p - k) / s) + 1.

    Derived in chapter 12, "Convolution and pooling".

    Parameters
    ----------
    size : int
        The input's length along the dimension (H or W), >= 0.
    kernel_size, stride, padding : int
        k >= 1, s >= 1 and p >= 0 along the same dimension.

    Returns
    -------
    int
        H_out (or W_out); 0 or less when the kernel is larger than the padded input.
    """
    owner = "conv_output_size"
    size = checks.count(size, "size", owner)
    kernel_size = checks.positive_int(kernel_size, "kernel_size", owner)
    stride = checks.positive_int(stride, "stride", owner)
    padding = checks.count(padding, "padding", owner)
    return (size + 2 * padding - kernel_size) // stride + 1


def _output_size(owner, size, kernel_size, stride, padding=(0, 0)):
    """(H_out, W_out) for an input of height and width ``size``, or a ValueError naming
    ``owner`` when the kernel does not fit into the (padded) input. The four arguments
    after ``owner`` are pairs: (H, W), (kh, kw), (s_h, s_w), (p_h, p_w)."""
    out = tuple(map(conv_output_size, size, kernel_size, stride, padding))
    if min(out) < 1:
        padded = tuple(n + 2 * p for n, p in zip(size, padding))
        got = f"{tuple(size)}" + (f", padded {padded}" if any(padding) else "")
        checks.fail(ValueError, owner, "x", "at least as high and wide as the kernel "
                    f"{kernel_size}", f"height and width {got}",
                    "use a smaller kernel_size or a larger input")
    return out


class Conv2d(Module):
    """2-D convolution (a cross-correlation) of a batch of images, with stride, zero
    padding and bias.

    Derived in chapter 12, "Convolution and pooling":
    ``y[n, o, h, w] = bias[o] + sum_{c,i,j} weight[o, c, i, j] * xpad[n, c, s_h h + i,
    s_w w + j]``, computed as one matrix product with an im2col column matrix.

    Parameters
    ----------
    in_channels, out_channels : int
        C_in and C_out.
    kernel_size, stride, padding : int or (int, int)
        (kh, kw), (s_h, s_w) and (p_h, p_w); an int means the same value in both
        directions. The input is padded with p_h rows of zeros above and below and p_w
        columns left and right.
    bias : bool
        Whether to add a learnable bias per output channel.
    rng : numpy.random.Generator or int or None
        Source of the initial weights (an int is a seed; None draws an unseeded
        generator).
    dtype : numpy dtype
        float64 (default) or float32: the parameters' dtype; the layer refuses input of
        another dtype.

    Attributes
    ----------
    weight : Parameter, shape (C_out, C_in, kh, kw)
        He-uniform initialization U(-sqrt(6 / fan_in), sqrt(6 / fan_in)), fan_in = C_in
        kh kw, so that Var(weight) = 2 / fan_in (PyTorch's default bound is
        1 / sqrt(fan_in)).
    bias : Parameter, shape (C_out,), or None
        Initialized to zero.

    Notes
    -----
    ``forward(x)`` takes x of shape (N, C_in, H, W) and returns y of shape (N, C_out,
    H_out, W_out) in x's dtype, H_out = floor((H + 2 p_h - kh) / s_h) + 1 and W_out
    likewise (``conv_output_size``). ``backward(grad_output, input_grad=True)`` takes
    dL/dy of y's shape and dtype, returns dL/dx of x's shape and dtype, and accumulates
    dL/dweight and dL/dbias into the parameters' ``.grad``; with ``input_grad=False``
    (the first layer of a network, whose input is the data) it skips dL/dx, a matrix
    product and col2im, and returns None. To save memory it writes the gradient of the
    column matrix into the forward pass's column matrix, so it runs once per forward
    pass.
    """

    def __init__(self, in_channels: int, out_channels: int,
                 kernel_size: int | tuple[int, int], stride: int | tuple[int, int] = 1,
                 padding: int | tuple[int, int] = 0, bias: bool = True,
                 rng: np.random.Generator | int | None = None,
                 dtype: npt.DTypeLike = np.float64) -> None:
        self.in_channels = checks.positive_int(in_channels, "in_channels", self)
        self.out_channels = checks.positive_int(out_channels, "out_channels", self)
        self.kernel_size = checks.int_pair(kernel_size, "kernel_size", self)
        self.stride = checks.int_pair(stride, "stride", self)
        self.padding = checks.int_pair(padding, "padding", self, minimum=0)
        dtype = checks.floating_dtype(dtype, "dtype", self)
        kh, kw = self.kernel_size
        bound = math.sqrt(6 / (self.in_channels * kh * kw))       # He-uniform
        shape = (self.out_channels, self.in_channels, kh, kw)
        weight = np.random.default_rng(rng).uniform(-bound, bound, size=shape)
        self.weight = Parameter(weight.astype(dtype))
        self.bias = Parameter(np.zeros(self.out_channels, dtype)) if bias else None

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, "
                f"kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding}, bias={self.bias is not None}")

    def forward(self, x: np.ndarray) -> np.ndarray:
        """The output y (N, C_out, H_out, W_out) for x of shape (N, C_in, H, W)."""
        checks.array(x, "x", self, shape=(None, self.in_channels, None, None),
                     dtype=self.weight.dtype)
        N, C, H, W = x.shape
        (kh, kw), (ph, pw), O = self.kernel_size, self.padding, self.out_channels
        Ho, Wo = _output_size(self, (H, W), self.kernel_size, self.stride, self.padding)
        padded = np.zeros((C, N, H + 2 * ph, W + 2 * pw), x.dtype)  # X bar, C first
        padded[:, :, ph:ph + H, pw:pw + W] = x.transpose(1, 0, 2, 3)
        cols = np.empty((C, kh, kw, N, Ho, Wo), x.dtype)            # U, with 6 axes
        for i in range(kh):                               # im2col: one copy per offset
            for j in range(kw):
                cols[:, i, j] = _window_view(padded, i, j, (Ho, Wo), self.stride)
        # Y2 = K2 U, (O, N Ho Wo); then Y2 + b 1^T, moved to (N, O, Ho, Wo)
        Y2 = self.weight.data.reshape(O, -1) @ cols.reshape(C * kh * kw, N * Ho * Wo)
        Y = Y2.reshape(O, N, Ho, Wo).transpose(1, 0, 2, 3)    # a view, not yet a copy
        y = np.empty((N, O, Ho, Wo), x.dtype)
        if self.bias is None:
            y[...] = Y
        else:                                       # the transposing copy adds the bias
            np.add(Y, self.bias.data[:, None, None], out=y)
        self.save_for_backward(x.shape, cols)
        return y

    def backward(self, grad_output: np.ndarray,
                 input_grad: bool = True) -> np.ndarray | None:
        """Accumulate dL/dweight and dL/dbias and return dL/dx (None if ``input_grad``
        is False) from ``grad_output``, dL/dy; once per forward pass."""
        x_shape, cols = self.saved
        if cols is None:
            raise RuntimeError(f"{self!r}: backward() was already called for the last "
                               "forward(); call the layer on an input again first")
        (N, C, H, W), (kh, kw), (ph, pw) = x_shape, self.kernel_size, self.padding
        O, (Ho, Wo) = self.out_channels, cols.shape[4:]
        checks.gradient(grad_output, self, (N, O, Ho, Wo), self.weight.dtype)
        # G2: G with its batch and channel axes exchanged, (O, N Ho Wo); U as a matrix
        G2 = np.ascontiguousarray(grad_output.transpose(1, 0, 2, 3)).reshape(O, -1)
        cols2d = cols.reshape(C * kh * kw, N * Ho * Wo)
        if self.bias is not None:
            self.bias.accumulate(G2.sum(axis=1))                          # G2 1
        self.weight.accumulate((G2 @ cols2d.T).reshape(self.weight.shape))  # G2 U^T
        self.save_for_backward(x_shape, None)       # the columns are overwritten below
        if not input_grad:
            return None
        # dL/dU = K2^T G2, written into U's memory; col2im adds it up into dL/dX bar
        np.matmul(self.weight.data.reshape(O, -1).T, G2, out=cols2d)
        grad_padded = np.zeros((C, N, H + 2 * ph, W + 2 * pw), cols.dtype)
        for i in range(kh):                                 # col2im: one add per offset
            for j in range(kw):
                window = _window_view(grad_padded, i, j, (Ho, Wo), self.stride)
                window += cols[:, i, j]
        grad_x = grad_padded[:, :, ph:ph + H, pw:pw + W].transpose(1, 0, 2, 3)  # dL/dX
        return np.ascontiguousarray(grad_x)


def _window_view(array, i, j, out_size, stride):
    """The entries array[..., s_h h + i, s_w w + j], h < H_out, w < W_out, that
    kernel offset (i, j) reads: a strided view of shape (..., H_out, W_out) of an
    array whose last two axes are (H, W)."""
    (Ho, Wo), (sh, sw) = out_size, stride
    return array[..., i:i + sh * (Ho - 1) + 1:sh, j:j + sw * (Wo - 1) + 1:sw]
