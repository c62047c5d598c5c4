# Generated from chapters/16_transformer.ipynb by tools/export.py. Do not edit.
"""A decoder-only transformer: ``TransformerBlock`` and ``TransformerLM``.

Derived in chapter 16, "A small transformer" (chapters/16_transformer.ipynb)."""

import numpy as np
import numpy.typing as npt
from nnlib import (GELU, Embedding, LayerNorm, LearnedPositionalEncoding, Linear,
                   Module, MultiheadAttention, checks)

__all__ = ["TransformerBlock", "TransformerLM"]


class TransformerBlock(Module):
    """A pre-norm transformer block: ``h = x + attn(norm1(x))``, then
    ``y = h + linear2(gelu(linear1(norm2(h))))``.

    Derived in chapter 16, "A small transformer". The numbers of PyTorch's
    ``TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout=0.0,
    activation="gelu", batch_first=True, norm_first=True)`` called with a causal mask
    (``causal=True``) or none; the parameters have its names, and its layouts except
    the ``Linear`` weights, which nnlib stores (in, out): transpose ``linear1.weight``,
    ``linear2.weight`` and ``self_attn.out_proj.weight``. ``forward`` takes x of
    shape (N, T, d_model) in the block's dtype and returns y of that shape;
    ``backward`` takes dL/dy, accumulates every parameter's gradient and returns dL/dx
    (None with ``input_grad=False``).

    Parameters
    ----------
    d_model : int
        The width of each position's vector.
    nhead : int
        The number of attention heads; it must divide d_model.
    dim_feedforward : int, optional
        The MLP's hidden width; default 4 d_model.
    layer_norm_eps : float, default 1e-5
        The eps of both ``LayerNorm`` layers.
    causal : bool, default True
        Whether position i attends only to positions j <= i.
    rng, dtype
        As for ``MultiheadAttention``.

    Attributes
    ----------
    norm1, norm2 : LayerNorm
    self_attn : MultiheadAttention
    linear1, linear2 : Linear
        d_model to dim_feedforward, and back.
    activation : GELU
    """

    def __init__(self, d_model: int, nhead: int,
                 dim_feedforward: int | None = None,
                 layer_norm_eps: float = 1e-5, causal: bool = True,
                 rng: np.random.Generator | int | None = None,
                 dtype: npt.DTypeLike = np.float64) -> None:
        d = self.d_model = checks.positive_int(d_model, "d_model", self)
        width = 4 * d if dim_feedforward is None else dim_feedforward
        self.dim_feedforward = checks.positive_int(width, "dim_feedforward", self)
        self.causal = bool(causal)
        rng = np.random.default_rng(rng)
        self.norm1 = LayerNorm(d, eps=layer_norm_eps, dtype=dtype)
        self.self_attn = MultiheadAttention(d, nhead, rng=rng, dtype=dtype)
        self.norm2 = LayerNorm(d, eps=layer_norm_eps, dtype=dtype)
        self.linear1 = Linear(d, self.dim_feedforward, rng=rng, dtype=dtype)
        self.activation = GELU()
        self.linear2 = Linear(self.dim_feedforward, d, rng=rng, dtype=dtype)

    def __repr__(self) -> str:
        return (f"TransformerBlock(d_model={self.d_model}, nhead="
                f"{self.self_attn.num_heads}, dim_feedforward={self.dim_feedforward}, "
                f"causal={self.causal})")

    def forward(self, x: np.ndarray) -> np.ndarray:
        """The attention sublayer, then the MLP sublayer, each added to its input."""
        checks.array(x, "x", self, shape=(None, None, self.d_model),
                     dtype=self.linear1.weight.dtype,
                     fix="a batch of N sequences of T positions", names="NTD")
        n, t, d = x.shape
        self.save_for_backward(x.shape)
        mask = np.triu(np.ones((t, t), dtype=bool), k=1) if self.causal else None
        a = self.norm1(x)
        h = x + self.self_attn(a, a, a, attn_mask=mask, need_weights=False)[0]
        m = self.linear1(self.norm2(h).reshape(n * t, d))
        return h + self.linear2(self.activation(m)).reshape(n, t, d)

    def backward(self, grad_output: np.ndarray,
                 input_grad: bool = True) -> np.ndarray | None:
        """dL/dh = g + the MLP branch's gradient; dL/dx = dL/dh + the attention branch's
        (the sum of its query, key and value gradients). None with input_grad=False."""
        shape, = self.saved
        g = checks.gradient(grad_output, self, shape, self.linear1.weight.dtype)
        n, t, d = shape
        # each layer below returns its dL/dx (input_grad=True): the asserts say so
        branch = self.linear2.backward(g.reshape(n * t, d))
        assert branch is not None
        branch = self.activation.backward(branch)
        assert branch is not None
        branch = self.linear1.backward(branch)
        assert branch is not None
        g = g + self.norm2.backward(branch.reshape(n, t, d))        # dL/dh
        grads = self.self_attn.backward(g)
        assert grads is not None
        dq, dk, dv = grads                          # one array as query, key and value
        g = g + self.norm1.backward(dq + dk + dv)                   # dL/dx
        return g if input_grad else None


class TransformerLM(Module):
    """A decoder-only transformer: token and position embeddings, ``num_layers``
    causal ``TransformerBlock`` layers, a final ``LayerNorm`` and a ``Linear`` head to
    the vocabulary.

    Derived in chapter 16, "A small transformer". ``forward(tokens)`` takes integer
    tokens of shape (N, T), T <= max_len, and returns logits of shape (N, T,
    vocab_size) in the model's dtype: the logits at position i predict token i + 1 from
    tokens 0..i. ``backward(grad_output)`` takes dL/dlogits of that shape and dtype,
    accumulates every parameter's gradient and returns None (tokens have no gradient).
    ``generate`` continues sequences greedily.

    Parameters
    ----------
    vocab_size : int
        The number of tokens.
    d_model, nhead, dim_feedforward
        As for ``TransformerBlock``.
    num_layers : int
        The number of blocks.
    max_len : int
        The longest sequence the position embeddings cover.
    rng, dtype
        As for ``TransformerBlock``; the logits have that dtype too.

    Attributes
    ----------
    embedding : Embedding
    position : LearnedPositionalEncoding
    blocks : list of TransformerBlock
    norm : LayerNorm
    head : Linear
        d_model to vocab_size.
    """

    def __init__(self, vocab_size: int, d_model: int, nhead: int, num_layers: int,
                 max_len: int, dim_feedforward: int | None = None,
                 rng: np.random.Generator | int | None = None,
                 dtype: npt.DTypeLike = np.float64) -> None:
        rng = np.random.default_rng(rng)
        num_layers = checks.positive_int(num_layers, "num_layers", self)
        self.embedding = Embedding(vocab_size, d_model, rng=rng, dtype=dtype)
        self.position = LearnedPositionalEncoding(max_len, d_model, rng=rng,
                                                  dtype=dtype)
        self.blocks = [TransformerBlock(d_model, nhead, dim_feedforward, rng=rng,
                                        dtype=dtype) for _ in range(num_layers)]
        self.norm = LayerNorm(d_model, dtype=dtype)
        self.head = Linear(d_model, vocab_size, rng=rng, dtype=dtype)

    def forward(self, tokens: np.ndarray) -> np.ndarray:
        """Logits (N, T, vocab_size) for tokens (N, T)."""
        x = self.position(self.embedding(tokens))
        for block in self.blocks:
            x = block(x)
        n, t, d = x.shape
        self.save_for_backward((n, t, self.head.out_features))
        return self.head(self.norm(x).reshape(n * t, d)).reshape(n, t, -1)

    def backward(self, grad_output: np.ndarray, input_grad: bool = False) -> None:
        """Accumulate every parameter's gradient from dL/dlogits; return None."""
        shape, = self.saved
        g = checks.gradient(grad_output, self, shape, self.head.weight.dtype)
        n, t, v = shape
        dx = self.head.backward(g.reshape(n * t, v))
        for layer in [self.norm, *reversed(self.blocks), self.position]:
            assert dx is not None                                   # input_grad=True
            dx = layer.backward(dx.reshape(n, t, -1))
        assert dx is not None
        self.embedding.backward(dx)
        return None

    def generate(self, tokens: np.ndarray, steps: int) -> np.ndarray:
        """Append ``steps`` tokens to each sequence of ``tokens`` (N, T), each the
        argmax of the logits at the last position; returns (N, T + steps)."""
        steps = checks.positive_int(steps, "steps", self)
        for _ in range(steps):
            next_token = self.forward(tokens)[:, -1].argmax(axis=-1)
            tokens = np.concatenate([tokens, next_token[:, None]], axis=1)
        return tokens
