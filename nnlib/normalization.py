# Generated from chapters/15_attention/ by tools/export.py. Do not edit.
"""Layer normalization: ``LayerNorm``.

Derived in chapter 15, "Attention" (chapters/15_attention)."""

import numpy as np
import numpy.typing as npt
from nnlib import Module, Parameter, checks

__all__ = ["LayerNorm"]


class LayerNorm(Module):
    """Standardize each vector over its last dimensions, then scale and shift.

    Derived in chapter 15, "Attention". As ``torch.nn.LayerNorm``: over the last
    ``len(normalized_shape)`` dimensions of x, ``y = (x - mean) / sqrt(var + eps) *
    weight + bias`` with the mean and the *biased* variance of those dimensions, so
    every position of every sample is normalized on its own, in training and in
    evaluation alike (no running statistics). ``forward`` takes x of shape (*, D...)
    where D... is ``normalized_shape``, in the layer's dtype, and returns y of the same
    shape; ``backward`` takes dL/dy of that shape and dtype, accumulates the gradients
    of ``weight`` and ``bias`` (summed over the leading dimensions) and returns dL/dx
    (None with ``input_grad=False``).

    Parameters
    ----------
    normalized_shape : int or tuple of int
        The shape of the trailing dimensions to normalize over, D or (D1, D2, ...).
    eps : float, default 1e-5
        Added to the variance inside the square root; positive.
    elementwise_affine : bool, default True
        Whether the layer has the learnable ``weight`` (starts at 1) and ``bias``.
    bias : bool, default True
        Whether it has the ``bias`` (starts at 0), when ``elementwise_affine``.
    dtype : floating dtype, default np.float64
        The dtype of the parameters (float32 or float64). With parameters, the only
        dtype of input the layer accepts; without, either.

    Attributes
    ----------
    weight, bias : Parameter or None
        Shape ``normalized_shape``; None without ``elementwise_affine`` (or ``bias``).
    """

    def __init__(self, normalized_shape: int | tuple[int, ...] | list[int],
                 eps: float = 1e-5, elementwise_affine: bool = True, bias: bool = True,
                 dtype: npt.DTypeLike = np.float64) -> None:
        dims = normalized_shape
        dims = (dims,) if isinstance(dims, (int, np.integer)) else dims
        dims = tuple(dims) if isinstance(dims, list) else dims
        checks.instance(dims, "normalized_shape", self, tuple,
                        "pass an int D, or a tuple (D1, D2) for two dimensions")
        self.normalized_shape = tuple(checks.positive_int(d, "normalized_shape", self)
                                      for d in dims)
        self.eps = checks.real(eps, "eps", self, "(0, inf)")
        dtype = checks.floating_dtype(dtype, "dtype", self)
        self.elementwise_affine = bool(elementwise_affine)
        affine, shape = self.elementwise_affine, self.normalized_shape
        self.weight = Parameter(np.ones(shape, dtype)) if affine else None
        self.bias = Parameter(np.zeros(shape, dtype)) if affine and bias else None

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Normalize over the trailing ``normalized_shape`` dimensions; scale, shift."""
        dtype = "floating" if self.weight is None else self.weight.dtype
        checks.array(x, "x", self, shape=(..., *self.normalized_shape), dtype=dtype)
        axes = tuple(range(-len(self.normalized_shape), 0))
        x_hat = x - x.mean(axis=axes, keepdims=True)        # centred, then normalized
        var = np.mean(np.square(x_hat), axis=axes, keepdims=True)      # biased: / D
        inv_std = 1.0 / np.sqrt(var + self.eps)
        x_hat *= inv_std
        self.save_for_backward(x_hat, inv_std)
        if self.weight is None:
            return x_hat.copy()                               # x_hat stays for backward
        y = x_hat * self.weight.data
        if self.bias is not None:
            y += self.bias.data
        return y

    def backward(self, grad_output: np.ndarray,
                 input_grad: bool = True) -> np.ndarray | None:
        """Accumulate dL/dweight = sum(G x_hat) and dL/dbias = sum(G) over the leading
        dimensions; return dL/dx = (H - mean(H) - x_hat mean(H x_hat)) / sigma_hat with
        H = weight G and the means over the normalized dimensions."""
        x_hat, inv_std = self.saved
        g = checks.gradient(grad_output, self, x_hat.shape, x_hat.dtype)
        axes = tuple(range(-len(self.normalized_shape), 0))
        leading = tuple(range(x_hat.ndim - len(self.normalized_shape)))
        if self.weight is not None:
            self.weight.accumulate(np.sum(g * x_hat, axis=leading))
        if self.bias is not None:
            self.bias.accumulate(g.sum(axis=leading))
        if not input_grad:
            return None
        h = g * self.weight.data if self.weight is not None else g      # dL/dx_hat
        grad_input = h - h.mean(axis=axes, keepdims=True)
        grad_input -= x_hat * np.mean(h * x_hat, axis=axes, keepdims=True)
        grad_input *= inv_std
        return grad_input
