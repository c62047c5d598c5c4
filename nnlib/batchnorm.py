# Generated from chapters/11_batchnorm.ipynb by tools/export.py. Do not edit.
"""Batch normalization: ``BatchNorm1d`` for (N, C) and ``BatchNorm2d`` for (N, C, H, W).

Derived in chapter 11, "Batch normalization" (chapters/11_batchnorm.ipynb)."""

import numbers
import numpy as np
from nnlib.module import Module, Parameter
from nnlib import checks

__all__ = ["BatchNorm1d", "BatchNorm2d"]


class _BatchNorm(Module):
    """The code BatchNorm1d and BatchNorm2d share; they differ only in the input's shape.

    Statistics are taken per channel (axis 1) over every other axis: (0,) for (N, C) input,
    (0, 2, 3) for (N, C, H, W) input, so each channel has M = N (resp. N * H * W) values.
    """

    _input_dims = None           # the expected input shape, with None for free dimensions

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 dtype=np.float64):
        name = type(self).__name__
        if isinstance(num_features, bool) or not isinstance(num_features, (int, np.integer)) \
                or num_features < 1:
            raise ValueError(f"{name}: num_features must be a positive integer, got {num_features!r}")
        if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not 0 < eps < float("inf"):
            raise ValueError(f"{name}: eps must be a positive number, got {eps!r}")
        if isinstance(momentum, bool) or not isinstance(momentum, numbers.Real) or not 0 <= momentum <= 1:
            raise ValueError(f"{name}: momentum must be a number in [0, 1], got {momentum!r} "
                             "(nnlib has no cumulative average, PyTorch's momentum=None)")
        if not np.issubdtype(np.dtype(dtype), np.floating):
            raise ValueError(f"{name}: dtype must be a floating dtype, got {np.dtype(dtype).name}")
        self.num_features = int(num_features)
        self.eps, self.momentum = float(eps), float(momentum)
        self.affine, self.track_running_stats = bool(affine), bool(track_running_stats)
        c = self.num_features
        self.weight = Parameter(np.ones(c, dtype=dtype)) if affine else None     # gamma
        self.bias = Parameter(np.zeros(c, dtype=dtype)) if affine else None      # beta
        if self.track_running_stats:
            self.register_buffer("running_mean", np.zeros(c, dtype=dtype))
            self.register_buffer("running_var", np.ones(c, dtype=dtype))
        else:
            self.running_mean = self.running_var = None

    def _dtype(self):
        """The dtype of the layer's arrays (None if it has none: affine=False, no running stats)."""
        for array in (self.weight, self.running_mean):
            if array is not None:
                return array.dtype
        return None

    def _check_input(self, x):
        checks.array(x, "x", self, shape=(None, self.num_features) + self._input_dims[2:])
        dtype = self._dtype()
        if dtype is not None:
            checks.array(x, "x", self, dtype=dtype)
        elif not np.issubdtype(x.dtype, np.floating):
            raise ValueError(f"{self!r}: expected a floating-point array, got dtype {x.dtype.name}")
        return x

    def forward(self, x):
        """Normalize each channel, then scale by ``weight`` and shift by ``bias``.

        In training mode (or when ``track_running_stats`` is False) the mean and the biased variance
        of the batch normalize, and in training mode they also update the running statistics; in
        evaluation mode ``running_mean`` and ``running_var`` normalize.

        Parameters
        ----------
        x : numpy.ndarray
            Shape (N, C) for BatchNorm1d, (N, C, H, W) for BatchNorm2d, with C = num_features; the
            layer's dtype.

        Returns
        -------
        numpy.ndarray
            ``weight * (x - mean) / sqrt(var + eps) + bias``, per channel; same shape and dtype as ``x``.
        """
        x = self._check_input(x)
        axes = (0,) + tuple(range(2, x.ndim))                 # every axis but the channels'
        shape = (1, self.num_features) + (1,) * (x.ndim - 2)  # a per-channel vector, broadcastable
        count = x.size // self.num_features                   # M: values per channel
        batch_statistics = self.training or not self.track_running_stats
        if batch_statistics:
            if self.training and count <= 1:
                raise ValueError(f"{self!r}: expected more than 1 value per channel when training, "
                                 f"got input of shape {x.shape}")
            mean = x.mean(axis=axes)
            x_hat = x - mean.reshape(shape)                   # centred, normalized in place below
            var = np.mean(np.square(x_hat), axis=axes)        # biased: divided by M
            inv_std = 1.0 / np.sqrt(var + self.eps)
            x_hat *= inv_std.reshape(shape)
            if self.training and self.track_running_stats:
                a = self.momentum
                self.running_mean *= 1.0 - a
                self.running_mean += a * mean
                self.running_var *= 1.0 - a
                self.running_var += (a * count / (count - 1)) * var       # unbiased: M / (M - 1)
        else:
            inv_std = 1.0 / np.sqrt(self.running_var + self.eps)
            x_hat = x - self.running_mean.reshape(shape)
            x_hat *= inv_std.reshape(shape)
        self.save_for_backward(x_hat, inv_std, batch_statistics)
        if not self.affine:
            return x_hat.copy()                                # x_hat itself stays for backward
        y = x_hat * self.weight.data.reshape(shape)
        y += self.bias.data.reshape(shape)
        return y

    def backward(self, grad_output, input_grad=True):
        """Add dL/dweight = sum G x_hat and dL/dbias = sum G to the gradients; return dL/dx.

        With batch statistics (training mode), per channel with M values,
        ``dx = weight / sqrt(var + eps) * (G - mean(G) - x_hat * mean(G * x_hat))``, the compact
        form of chapter 11; with running statistics (evaluation mode) the layer is affine and
        ``dx = weight / sqrt(running_var + eps) * G``.

        Parameters
        ----------
        grad_output : numpy.ndarray
            G = dL/dy, of the shape and dtype of the last output.

        Returns
        -------
        numpy.ndarray
            dL/dx, the shape and dtype of ``x``.
        """
        x_hat, inv_std, batch_statistics = self.saved
        g = grad_output
        if not isinstance(g, np.ndarray):
            raise TypeError(f"{self!r}: expected grad_output to be a NumPy array, got {type(g).__name__}")
        if g.shape != x_hat.shape or g.dtype != x_hat.dtype:
            raise ValueError(f"{self!r}: expected grad_output of shape {x_hat.shape} and dtype "
                             f"{x_hat.dtype.name} (those of the last output), got {g.shape} and "
                             f"{g.dtype.name}")
        axes = (0,) + tuple(range(2, g.ndim))
        shape = (1, self.num_features) + (1,) * (g.ndim - 2)
        count = g.size // self.num_features
        g_x_hat = g * x_hat
        sum_g_x_hat = g_x_hat.sum(axis=axes)                  # dL/dweight
        sum_g = g.sum(axis=axes)                              # dL/dbias
        if self.affine:
            self.weight.accumulate(sum_g_x_hat)
            self.bias.accumulate(sum_g)
            scale = inv_std * self.weight.data                # gamma / sigma_hat, per channel
        else:
            scale = inv_std
        if not batch_statistics:
            return g * scale.reshape(shape)
        # dx = gamma / sigma_hat * (G - mean(G) - x_hat * mean(G x_hat)), per channel
        grad_input = g - (sum_g / count).reshape(shape)
        np.multiply(x_hat, (sum_g_x_hat / count).reshape(shape), out=g_x_hat)
        grad_input -= g_x_hat
        grad_input *= scale.reshape(shape)
        return grad_input

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalization of the features of a batch of vectors, shape (N, C).

    Derived in chapter 11, "Batch normalization". As ``torch.nn.BatchNorm1d``: in training mode,
    each feature c is normalized with the mean and the biased variance of the batch,
    ``y = weight[c] * (x - mean) / sqrt(var + eps) + bias[c]``, and the running statistics are
    updated as ``running = (1 - momentum) * running + momentum * batch``, with the *unbiased*
    batch variance (var * N / (N - 1)) for ``running_var``. In evaluation mode ``running_mean``
    and ``running_var`` take the place of the batch's statistics, so each sample's output depends
    on that sample only. Training mode needs N >= 2 (ValueError otherwise, as in PyTorch).

    Parameters
    ----------
    num_features : int
        C, the number of features (channels).
    eps : float, default 1e-5
        Added to the variance inside the square root.
    momentum : float, default 0.1
        The weight of the newest batch in the running statistics, in [0, 1]. (PyTorch's
        ``momentum=None``, a cumulative average, is not supported.)
    affine : bool, default True
        Whether the layer has the learnable ``weight`` (gamma, starts at 1) and ``bias`` (beta,
        starts at 0).
    track_running_stats : bool, default True
        Whether to keep running statistics. If False, the layer has no buffers and normalizes with
        the batch's statistics in both modes.
    dtype : floating dtype, default np.float64
        The dtype of the parameters and buffers, and the only dtype of input the layer accepts.

    Attributes
    ----------
    weight, bias : Parameter or None
        Shape (C,); None when ``affine=False``.
    running_mean, running_var : numpy.ndarray or None
        Buffers of shape (C,), starting at 0 and 1 (saved by ``state_dict``); None when
        ``track_running_stats=False``. PyTorch also keeps ``num_batches_tracked``; nnlib does not
        need it, so its state dicts have the keys ``weight, bias, running_mean, running_var``.

    ``forward`` takes x of shape (N, C) and returns y of the same shape and dtype; ``backward``
    takes dL/dy of that shape and dtype and returns dL/dx (PyTorch's BatchNorm1d also accepts
    (N, C, L); nnlib's does not).
    """

    _input_dims = (None, None)


class BatchNorm2d(_BatchNorm):
    """Batch normalization of the channels of a batch of images, shape (N, C, H, W).

    Derived in chapter 11, "Batch normalization". As ``torch.nn.BatchNorm2d``: the same layer as
    ``BatchNorm1d``, with each channel's statistics taken over the batch *and* every pixel, that is
    over M = N * H * W values (the unbiased variance of the running statistics uses M / (M - 1)).
    Training mode needs M >= 2. Parameters and attributes as for ``BatchNorm1d``: ``weight``,
    ``bias``, ``running_mean`` and ``running_var`` have shape (C,).

    ``forward`` takes x of shape (N, C, H, W) and returns y of the same shape and dtype;
    ``backward`` takes dL/dy of that shape and dtype and returns dL/dx.
    """

    _input_dims = (None, None, None, None)
