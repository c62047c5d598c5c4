# Generated from chapters/15_attention/ by tools/export.py. Do not edit.
"""Token embeddings and positional encodings: ``Embedding``,
``SinusoidalPositionalEncoding`` and ``LearnedPositionalEncoding``.

Derived in chapter 15, "Attention" (chapters/15_attention)."""

import numpy as np
import numpy.typing as npt
from nnlib import Module, Parameter, checks

__all__ = ["Embedding", "SinusoidalPositionalEncoding", "LearnedPositionalEncoding"]


class Embedding(Module):
    """A table of learned vectors, one per token: ``y[..., :] = weight[indices[...]]``.

    Derived in chapter 15, "Attention". As ``torch.nn.Embedding``: the weight has shape
    (num_embeddings, embedding_dim), PyTorch's layout, and starts from N(0, 1).
    ``forward(indices)`` takes integer indices of any shape S, each in
    [0, num_embeddings), and returns their rows, of shape S + (embedding_dim,) and the
    layer's dtype. ``backward(grad_output)`` takes dL/dy of that shape and dtype and
    accumulates dL/dweight, whose row i is the sum of dL/dy over every position that
    holds token i (a token that occurs twice collects both gradients); it returns None:
    integer indices have no gradient. PyTorch's ``padding_idx``, ``max_norm`` and
    ``sparse`` options are not supported.

    Parameters
    ----------
    num_embeddings : int
        V, the number of tokens.
    embedding_dim : int
        d, the length of each token's vector.
    rng : numpy.random.Generator, int or None
        The generator for the initial weight, or the seed of a new one.
    dtype : floating dtype, default np.float64
        The dtype of the weight and of the output.

    Attributes
    ----------
    weight : Parameter
        Shape (num_embeddings, embedding_dim).
    """

    def __init__(self, num_embeddings: int, embedding_dim: int,
                 rng: np.random.Generator | int | None = None,
                 dtype: npt.DTypeLike = np.float64) -> None:
        self.num_embeddings = checks.positive_int(num_embeddings, "num_embeddings",
                                                  self)
        self.embedding_dim = checks.positive_int(embedding_dim, "embedding_dim", self)
        floating = checks.floating_dtype(dtype, "dtype", self)
        shape = (self.num_embeddings, self.embedding_dim)
        weight = np.random.default_rng(rng).standard_normal(shape, dtype=floating)
        self.weight = Parameter(weight)

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"

    def forward(self, indices: np.ndarray) -> np.ndarray:
        """The rows ``weight[indices]``; the indices are kept for ``backward``."""
        checks.array(indices, "indices", self)
        if not np.issubdtype(indices.dtype, np.integer):
            checks.fail(ValueError, self, "indices", "integer token indices",
                        f"dtype {indices.dtype.name}",
                        "convert them with indices.astype(np.int64)")
        low, high = (int(indices.min()), int(indices.max())) if indices.size else (0, 0)
        if low < 0 or high >= self.num_embeddings:
            checks.fail(ValueError, self, "indices", f"in [0, {self.num_embeddings})",
                        f"values from {low} to {high}", _UNKNOWN_TOKEN)
        self.save_for_backward(indices)
        return self.weight.data[indices]

    def backward(self, grad_output: np.ndarray, input_grad: bool = True) -> None:
        """Accumulate dL/dweight: row i is the sum of dL/dy over the positions holding
        token i (``np.add.at``, so repeated indices add). Returns None: integer indices
        have no gradient."""
        indices, = self.saved
        shape = indices.shape + (self.embedding_dim,)
        checks.gradient(grad_output, self, shape, self.weight.dtype)
        grad = np.zeros_like(self.weight.data)
        rows = grad_output.reshape(-1, self.embedding_dim)
        np.add.at(grad, indices.reshape(-1), rows)
        self.weight.accumulate(grad)
        return None


_UNKNOWN_TOKEN = ("a token outside the table has no vector: enlarge num_embeddings or "
                  "map it to a known token")


def _check_sequences(x, owner, d_model, max_len, dtype):
    """Check that x is a batch (N, T, d_model) of ``dtype`` with T <= max_len: the
    input of both positional encodings."""
    checks.array(x, "x", owner, shape=(None, None, d_model), dtype=dtype,
                 fix="a batch of N sequences of T positions", names="NTD")
    if x.shape[1] > max_len:
        checks.fail(ValueError, owner, "x", f"at most max_len = {max_len} positions",
                    x.shape[1], "build the layer with a larger max_len")
    return x


class SinusoidalPositionalEncoding(Module):
    """Add the fixed sinusoidal vector of each position: ``y[n, j] = x[n, j] + pe[j]``.

    Derived in chapter 15, "Attention". As in Vaswani et al. (2017), with frequencies
    ``w_i = 10000 ** (-2 i / d_model)``, ``pe[j, 2i] = sin(w_i j)`` and
    ``pe[j, 2i + 1] = cos(w_i j)`` (an odd d_model ends with a sine). The layer has no
    parameters; PyTorch has no such layer (its tutorials write this one).
    ``forward(x)`` takes x of shape (N, T, d_model), float32 or float64, T <=
    max_len, and returns x + pe[:T] in x's dtype; ``backward(grad_output)`` returns
    dL/dx = dL/dy (None with ``input_grad=False``).

    Parameters
    ----------
    d_model : int
        The length of each vector.
    max_len : int, default 5000
        The number of positions in the table.

    Attributes
    ----------
    pe : numpy.ndarray
        The table, float64, shape (max_len, d_model); not a parameter or buffer (it is
        recomputed by the constructor).
    """

    def __init__(self, d_model: int, max_len: int = 5000) -> None:
        self.d_model = checks.positive_int(d_model, "d_model", self)
        self.max_len = checks.positive_int(max_len, "max_len", self)
        frequencies = 10000.0 ** (-np.arange(0, d_model, 2) / d_model)
        angles = np.arange(max_len)[:, None] * frequencies              # (max_len, .)
        self.pe = np.empty((self.max_len, self.d_model))
        self.pe[:, 0::2] = np.sin(angles)
        self.pe[:, 1::2] = np.cos(angles[:, :d_model // 2])

    def extra_repr(self) -> str:
        return f"d_model={self.d_model}, max_len={self.max_len}"

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x plus the table's first T rows, in x's dtype."""
        _check_sequences(x, self, self.d_model, self.max_len, "floating")
        self.save_for_backward(x.shape, x.dtype)
        return x + self.pe[:x.shape[1]].astype(x.dtype, copy=False)

    def backward(self, grad_output: np.ndarray,
                 input_grad: bool = True) -> np.ndarray | None:
        """dL/dx = dL/dy: adding a constant does not change the gradient."""
        shape, dtype = self.saved
        checks.gradient(grad_output, self, shape, dtype)
        return grad_output if input_grad else None


class LearnedPositionalEncoding(Module):
    """Add a learned vector per position: ``y[n, j] = x[n, j] + weight[j]``.

    Derived in chapter 15, "Attention". The position vectors of GPT-2, written as a
    layer: in PyTorch, an ``nn.Embedding(max_len, d_model)`` applied to
    ``arange(T)`` and added. ``weight`` starts from N(0, 1), as an Embedding's.
    ``forward(x)`` takes x of shape (N, T, d_model) in the layer's dtype, T <=
    max_len, and returns x + weight[:T]; ``backward(grad_output)`` accumulates
    dL/dweight (row j: the sum over the batch of dL/dy at position j; zero for
    j >= T) and returns dL/dx = dL/dy (None with ``input_grad=False``).

    Parameters
    ----------
    max_len : int
        The number of positions.
    d_model : int
        The length of each vector.
    rng, dtype
        As for ``Embedding``; an input must have the weight's dtype already.

    Attributes
    ----------
    weight : Parameter
        Shape (max_len, d_model): row t is added at position t.
    """

    def __init__(self, max_len: int, d_model: int,
                 rng: np.random.Generator | int | None = None,
                 dtype: npt.DTypeLike = np.float64) -> None:
        self.max_len = checks.positive_int(max_len, "max_len", self)
        self.d_model = checks.positive_int(d_model, "d_model", self)
        floating = checks.floating_dtype(dtype, "dtype", self)
        rng = np.random.default_rng(rng)
        weight = rng.standard_normal((self.max_len, self.d_model), dtype=floating)
        self.weight = Parameter(weight)

    def extra_repr(self) -> str:
        return f"max_len={self.max_len}, d_model={self.d_model}"

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x plus the first T rows of ``weight``."""
        _check_sequences(x, self, self.d_model, self.max_len, self.weight.dtype)
        self.save_for_backward(x.shape)
        return x + self.weight.data[:x.shape[1]]

    def backward(self, grad_output: np.ndarray,
                 input_grad: bool = True) -> np.ndarray | None:
        """Accumulate dL/dweight (the batch's sum at each position j < T, zero beyond);
        return dL/dx = dL/dy."""
        shape, = self.saved
        checks.gradient(grad_output, self, shape, self.weight.dtype)
        grad = np.zeros_like(self.weight.data)
        grad[:shape[1]] = grad_output.sum(axis=0)
        self.weight.accumulate(grad)
        return grad_output if input_grad else None
