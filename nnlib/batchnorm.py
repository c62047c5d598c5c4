# Generated from chapters/11_batchnorm.ipynb by tools/export.py. Do not edit.
"""Batch normalization: ``BatchNorm1d`` for vectors, ``BatchNorm2d`` for images.

Derived in chapter 11, "Batch normalization" (chapters/11_batchnorm.ipynb)."""

import numpy as np
import numpy.typing as npt
from nnlib import checks
from nnlib.module import Module, Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d"]


_NO_CUMULATIVE = "nnlib has no cumulative average (PyTorch's momentum=None)"


class _BatchNorm(Module):
    """What BatchNorm1d and BatchNorm2d share; they differ only in the input's shape.

    Statistics are taken per channel (axis 1) over every other axis: (0,) for (N, C)
    input, (0, 2, 3) for (N, C, H, W) input, so each channel has M = N (resp. N * H * W)
    values."""

    _pixels: tuple[None, ...] = ()      # the input's axes after (N, C): none, or (H, W)
    running_mean: np.ndarray | None     # buffers, or None without running statistics
    running_var: np.ndarray | None

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1,
                 affine: bool = True, track_running_stats: bool = True,
                 dtype: npt.DTypeLike = np.float64) -> None:
        c = self.num_features = checks.positive_int(num_features, "num_features", self)
        self.eps = checks.real(eps, "eps", self, "(0, inf)")
        self.momentum = checks.real(momentum, "momentum", self, "[0, 1]",
                                    fix=_NO_CUMULATIVE if momentum is None else "")
        dtype = checks.floating_dtype(dtype, "dtype", self)
        self.affine, self.track_running_stats = bool(affine), bool(track_running_stats)
        self.weight = Parameter(np.ones(c, dtype)) if affine else None       # gamma
        self.bias = Parameter(np.zeros(c, dtype)) if affine else None        # beta
        if track_running_stats:
            self.register_buffer("running_mean", np.zeros(c, dtype))
            self.register_buffer("running_var", np.ones(c, dtype))
        else:
            self.running_mean = self.running_var = None

    def _dtype(self):
        """The dtype of the layer's arrays, which its input must have; "floating"
        (float32 or float64) for a layer without arrays."""
        arrays = [a for a in (self.weight, self.running_mean) if a is not None]
        return arrays[0].dtype if arrays else "floating"

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")

    def _check_input(self, x: np.ndarray) -> int:
        """Check x's shape and dtype; return M, the values per channel, refusing M <= 1
        where the batch's statistics are used."""
        checks.array(x, "x", self, shape=(None, self.num_features, *self._pixels),
                     dtype=self._dtype())
        m = x.size // self.num_features
        if m <= 1 and (self.training or not self.track_running_stats):
            # a variance of one value is 0: every output would be beta
            checks.fail(ValueError, self, "x", _ONE_VALUE, f"shape {x.shape}",
                        _ONE_VALUE_FIX[self.track_running_stats])
        return m

    def _running_stats(self) -> tuple[np.ndarray, np.ndarray]:
        """running_mean and running_var, which exist whenever they are used."""
        assert self.running_mean is not None and self.running_var is not None
        return self.running_mean, self.running_var

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Normalize each channel with the batch's statistics (training mode, or without
        running statistics; training mode updates the running ones) or with the running
        statistics (evaluation mode); then scale by ``weight`` and shift by ``bias``."""
        m = self._check_input(x)                        # M, the values per channel
        axes = (0, *range(2, x.ndim))                   # every axis but the channels'
        shape = (1, -1) + (1,) * (x.ndim - 2)           # a broadcast per-channel vector
        batch_statistics = self.training or not self.track_running_stats
        if batch_statistics:
            mean = x.mean(axis=axes)
            x_hat = x - mean.reshape(shape)             # centred; normalized below
            var = np.mean(np.square(x_hat), axis=axes)  # biased: divided by M
            inv_std = 1.0 / np.sqrt(var + self.eps)
            if self.training and self.track_running_stats:
                running_mean, running_var = self._running_stats()
                a = self.momentum
                running_mean *= 1.0 - a
                running_mean += a * mean
                running_var *= 1.0 - a
                running_var += (a * m / (m - 1)) * var  # unbiased: M / (M - 1)
        else:                                           # evaluation mode
            running_mean, running_var = self._running_stats()
            x_hat = x - running_mean.reshape(shape)
            inv_std = 1.0 / np.sqrt(running_var + self.eps)
        x_hat *= inv_std.reshape(shape)
        self.save_for_backward(x_hat, inv_std, batch_statistics)
        if self.weight is None or self.bias is None:    # affine=False
            return x_hat.copy()                         # x_hat stays for backward
        y = x_hat * self.weight.data.reshape(shape)
        y += self.bias.data.reshape(shape)
        return y

    def backward(self, grad_output: np.ndarray,
                 input_grad: bool = True) -> np.ndarray | None:
        """Accumulate dL/dweight = sum(G x_hat) and dL/dbias = sum(G) per channel;
        return dL/dx, ``weight / sigma_hat * (G - mean(G) - x_hat * mean(G x_hat))``
        with the batch's statistics, ``weight / sqrt(running_var + eps) * G`` with the
        running ones (None with ``input_grad=False``)."""
        x_hat, inv_std, batch_statistics = self.saved
        g = checks.gradient(grad_output, self, x_hat.shape, x_hat.dtype)
        axes = (0, *range(2, g.ndim))
        shape = (1, -1) + (1,) * (g.ndim - 2)
        g_x_hat = g * x_hat
        sum_g, sum_g_x_hat = g.sum(axis=axes), g_x_hat.sum(axis=axes)
        if self.weight is not None and self.bias is not None:   # affine=True
            self.weight.accumulate(sum_g_x_hat)                 # dL/dgamma
            self.bias.accumulate(sum_g)                         # dL/dbeta
        if not input_grad:
            return None
        gamma = 1.0 if self.weight is None else self.weight.data
        scale = gamma * inv_std                                 # gamma / sigma_hat
        if not batch_statistics:                                # evaluation mode
            return g * scale.reshape(shape)
        m = g.size // self.num_features
        grad_input = g - (sum_g / m).reshape(shape)
        grad_input -= np.multiply(x_hat, (sum_g_x_hat / m).reshape(shape), out=g_x_hat)
        grad_input *= scale.reshape(shape)
        return grad_input


class BatchNorm1d(_BatchNorm):
    """Batch normalization of the features of a batch of vectors, shape (N, C).

    Derived in chapter 11, "Batch normalization". As ``torch.nn.BatchNorm1d``: in
    training mode, each feature c is normalized with the mean and the biased variance
    of the batch, ``y = weight[c] * (x - mean) / sqrt(var + eps) + bias[c]``, and the
    running statistics are updated as
    ``running = (1 - momentum) * running + momentum * batch``, with the *unbiased*
    batch variance (var * N / (N - 1)) for ``running_var``. In evaluation mode
    ``running_mean`` and ``running_var`` take the place of the batch's statistics, so
    each sample's output depends on that sample only. Whenever the batch's statistics
    are used (training mode, and both modes with ``track_running_stats=False``) the
    batch needs N >= 2 (ValueError otherwise, as in PyTorch).

    ``forward`` takes x of shape (N, C) and of the layer's dtype, and returns y of the
    same shape and dtype; ``backward`` takes dL/dy of that shape and dtype, accumulates
    the gradients of ``weight`` and ``bias`` and returns dL/dx (None with
    ``input_grad=False``). PyTorch's BatchNorm1d also accepts (N, C, L); nnlib's does
    not.

    Parameters
    ----------
    num_features : int
        C, the number of features (channels).
    eps : float, default 1e-5
        Added to the variance inside the square root; positive.
    momentum : float, default 0.1
        The weight of the newest batch in the running statistics, in [0, 1].
        (PyTorch's ``momentum=None``, a cumulative average, is not supported.)
    affine : bool, default True
        Whether the layer has the learnable ``weight`` (gamma, starts at 1) and
        ``bias`` (beta, starts at 0).
    track_running_stats : bool, default True
        Whether to keep running statistics. If False, the layer has no buffers and
        normalizes with the batch's statistics in both modes.
    dtype : floating dtype, default np.float64
        The dtype of the parameters and buffers, float32 or float64, and the only
        dtype of input the layer accepts.

    Attributes
    ----------
    weight, bias : Parameter or None
        Shape (C,); None when ``affine=False``.
    running_mean, running_var : numpy.ndarray or None
        Buffers of shape (C,), starting at 0 and 1 (saved by ``state_dict``); None when
        ``track_running_stats=False``. PyTorch also keeps ``num_batches_tracked``;
        nnlib does not need it, so its state dicts have the keys ``weight``, ``bias``,
        ``running_mean`` and ``running_var``.
    """


class BatchNorm2d(_BatchNorm):
    """Batch normalization of the channels of a batch of images, shape (N, C, H, W).

    Derived in chapter 11, "Batch normalization". As ``torch.nn.BatchNorm2d``: the same
    layer as ``BatchNorm1d``, with each channel's statistics taken over the batch *and*
    every pixel, that is over M = N * H * W values (the unbiased variance of the running
    statistics uses M / (M - 1)); where the batch's statistics are used, M >= 2.
    Parameters and attributes as for ``BatchNorm1d``: ``weight``, ``bias``,
    ``running_mean`` and ``running_var`` have shape (C,).

    ``forward`` takes x of shape (N, C, H, W) and returns y of the same shape and dtype;
    ``backward`` takes dL/dy of that shape and dtype and returns dL/dx.
    """

    _pixels = (None, None)


_ONE_VALUE = ("a batch of more than 1 value per channel when the batch's statistics "
              "are used (training mode, or track_running_stats=False)")
_ONE_VALUE_FIX = {
    True: "train on larger batches, or predict in evaluation mode (.eval())",
    False: "use larger batches: without running statistics the layer normalizes with "
           "the batch's in evaluation mode too"}
