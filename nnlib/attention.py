# Generated from chapters/15_attention/ by tools/export.py. Do not edit.
"""Attention: ``scaled_dot_product_attention``, its backward pass, and
``MultiheadAttention``.

Derived in chapter 15, "Attention" (chapters/15_attention)."""

import math
import numpy as np
import numpy.typing as npt
from nnlib import Linear, Module, Parameter, checks

__all__ = ["scaled_dot_product_attention", "scaled_dot_product_attention_backward",
           "MultiheadAttention"]


def _check_inputs(query, key, value, owner):
    """Check query (..., L, E), key (..., S, E) and value (..., S, Ev): arrays of one
    floating dtype with the same leading dimensions."""
    checks.array(query, "query", owner, shape=(..., None, None), dtype="floating")
    lead, e = query.shape[:-2], query.shape[-1]
    checks.array(key, "key", owner, shape=(*lead, None, e), dtype=query.dtype,
                 fix=f"key is (..., S, {e}) with query's leading dimensions {lead}")
    checks.array(value, "value", owner, shape=(*key.shape[:-1], None),
                 dtype=query.dtype, fix=f"value is (..., {key.shape[-2]}, Ev) with "
                 f"key's leading dimensions {lead} and S = {key.shape[-2]}")


def _additive_mask(mask, name, owner, dtype, allowed, fix):
    """A boolean mask as 0 where it equals ``allowed`` and -inf elsewhere; a float mask
    of ``dtype`` as it is: what is added to the scores."""
    checks.array(mask, name, owner)
    if mask.dtype == np.bool_:
        return np.where(mask == allowed, 0.0, -np.inf).astype(dtype)
    if mask.dtype != dtype:
        checks.fail(ValueError, owner, name, f"boolean, or {np.dtype(dtype).name} as "
                    "query (added to the scores)", f"dtype {mask.dtype.name}", fix)
    return mask


def _broadcasts(shape, target):
    """Whether an array of ``shape`` broadcasts to ``target`` without growing it."""
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False


def _attend(query, key, value, mask, scale):
    """softmax(Q K^T scale + mask) V and the weights; a row masked entirely (every
    score -inf) gets weights 0."""
    scores = query @ np.swapaxes(key, -1, -2)
    scores *= scale
    if mask is not None:
        scores += mask
    top = scores.max(axis=-1, keepdims=True)
    top[np.isneginf(top)] = 0                     # a row masked entirely: exp(-inf) = 0
    # every exponent <= 0; scores further apart than the dtype's range give -inf,
    # whose exponential, 0, is the exact weight rounded
    with np.errstate(over="ignore", under="ignore"):
        scores -= top
        weights = np.exp(scores, out=scores)      # masked positions: exactly 0
        total = weights.sum(axis=-1, keepdims=True)
        total[total == 0] = 1                     # ... and such a row stays 0
        weights /= total                          # tiny quotients round to 0
    return weights @ value, weights


def scaled_dot_product_attention(
        query: np.ndarray, key: np.ndarray, value: np.ndarray,
        attn_mask: np.ndarray | None = None, is_causal: bool = False,
        scale: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Attention: ``softmax(query key^T scale + mask) value``, and the weights.

    Derived in chapter 15, "Attention". The arguments of
    ``torch.nn.functional.scaled_dot_product_attention``, with its semantics: a
    boolean ``attn_mask`` is True where a query may look at a key (the opposite of
    ``MultiheadAttention``'s masks), a float one is added to the scores;
    ``is_causal=True`` lets query i look at keys j <= i. A row whose every key is
    masked gets weights 0 and output 0, as PyTorch's function gives. Unlike PyTorch's,
    it returns the weights too: ``scaled_dot_product_attention_backward`` needs them.
    Attention dropout and grouped-query attention are not supported.

    Parameters
    ----------
    query : numpy.ndarray
        Shape (..., L, E), float32 or float64.
    key : numpy.ndarray
        Shape (..., S, E): query's leading dimensions and E, and its dtype.
    value : numpy.ndarray
        Shape (..., S, Ev), key's leading dimensions and S.
    attn_mask : numpy.ndarray, optional
        Boolean, or of query's dtype; broadcastable to the scores' shape (..., L, S).
    is_causal : bool, default False
        Mask every key j > i for query i (the mask is then built here; pass no
        ``attn_mask``).
    scale : float, optional
        The factor of the scores; default 1 / sqrt(E).

    Returns
    -------
    output : numpy.ndarray
        Shape (..., L, Ev), query's dtype.
    weights : numpy.ndarray
        Shape (..., L, S): each row sums to 1, or is 0 where every key is masked.
    """
    owner = "scaled_dot_product_attention"
    _check_inputs(query, key, value, owner)
    scores_shape = query.shape[:-1] + key.shape[-2:-1]
    mask = None
    if attn_mask is not None:
        mask = _additive_mask(attn_mask, "attn_mask", owner, query.dtype, True,
                              "a boolean mask is True where a query may look at a key")
        if not _broadcasts(mask.shape, scores_shape):
            checks.fail(ValueError, owner, "attn_mask", "broadcastable to the scores' "
                        f"shape (..., L, S) = {scores_shape}", mask.shape)
    if is_causal:
        if attn_mask is not None:
            checks.fail(ValueError, owner, "attn_mask", "None when is_causal=True",
                        "a mask", "pass one or the other (PyTorch refuses both too)")
        allowed = np.tril(np.ones(scores_shape[-2:], dtype=bool))
        mask = _additive_mask(allowed, "attn_mask", owner, query.dtype, True, "")
    if scale is None:
        scale = 1 / math.sqrt(query.shape[-1])
    scale = checks.real(scale, "scale", owner)
    return _attend(query, key, value, mask, scale)


def scaled_dot_product_attention_backward(
        grad_output: np.ndarray, query: np.ndarray, key: np.ndarray,
        value: np.ndarray, weights: np.ndarray, scale: float | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The gradients of ``scaled_dot_product_attention`` with respect to its inputs.

    Derived in chapter 15, "Attention". With G = dL/d(output), P the weights and c the
    scale: dL/dvalue = P^T G, dL/dP = G value^T, dL/dZ = P * (dL/dP - rowsum(dL/dP * P))
    for the scores Z (the softmax's Jacobian, never built), dL/dquery = c dL/dZ key and
    dL/dkey = c dL/dZ^T query, in batched matrix products. Masked positions (weight 0)
    get gradient exactly 0. The mask itself gets no gradient.

    Parameters
    ----------
    grad_output : numpy.ndarray
        dL/d(output), shape (..., L, Ev), query's dtype.
    query, key, value : numpy.ndarray
        The forward pass's inputs, shapes (..., L, E), (..., S, E), (..., S, Ev).
    weights : numpy.ndarray
        The weights the forward pass returned, shape (..., L, S).
    scale : float, optional
        The forward pass's scale; default 1 / sqrt(E).

    Returns
    -------
    tuple of numpy.ndarray
        (dL/dquery, dL/dkey, dL/dvalue), of the inputs' shapes.
    """
    owner = "scaled_dot_product_attention_backward"
    _check_inputs(query, key, value, owner)
    checks.array(weights, "weights", owner, shape=query.shape[:-1] + key.shape[-2:-1],
                 dtype=query.dtype)
    checks.gradient(grad_output, owner, weights.shape[:-1] + value.shape[-1:],
                    query.dtype)
    c = 1 / math.sqrt(query.shape[-1]) if scale is None else scale
    grad_value = np.swapaxes(weights, -1, -2) @ grad_output
    grad_scores = grad_output @ np.swapaxes(value, -1, -2)         # dL/dP
    grad_scores -= np.sum(grad_scores * weights, axis=-1, keepdims=True)
    grad_scores *= weights                                         # dL/dZ
    grad_scores *= c
    return grad_scores @ key, np.swapaxes(grad_scores, -1, -2) @ query, grad_value


def _uniform_fan_in(fan_in, fan_out, rng, dtype):
    """U(-1/sqrt(fan_in), 1/sqrt(fan_in)): PyTorch's initial weight of a Linear, here
    in nnlib's (in, out) layout."""
    bound = 1 / math.sqrt(fan_in)
    return rng.uniform(-bound, bound, (fan_in, fan_out)).astype(dtype)


class MultiheadAttention(Module):
    """Multi-head attention with PyTorch's arguments, parameters and masks.

    Derived in chapter 15, "Attention". As ``torch.nn.MultiheadAttention``: the inputs
    are projected, ``q = query @ W_q^T + b_q`` (and k, v likewise) with ``W_q, W_k,
    W_v`` the row blocks [0, E), [E, 2E), [2E, 3E) of ``in_proj_weight``; each of the
    ``num_heads`` heads attends with its ``head_dim = embed_dim / num_heads`` columns
    and scale 1 / sqrt(head_dim); the heads' outputs, side by side, go through
    ``out_proj``. Differences from PyTorch: ``batch_first`` defaults to True; inputs
    must be batched; a query whose every key is masked gets weights 0 and the output
    ``out_proj.bias`` (PyTorch: NaN); ``dropout``, ``add_bias_kv``, ``add_zero_attn``,
    ``kdim`` and ``vdim`` only at their defaults.

    Parameter mapping: ``in_proj_weight`` (3E, E), ``in_proj_bias`` (3E,) and
    ``out_proj.bias`` (E,) are PyTorch's arrays as they are; ``out_proj`` is an nnlib
    ``Linear``, whose ``weight`` (E, E) is stored (in, out): PyTorch's
    ``out_proj.weight`` transposed. The state dict keys are PyTorch's.

    ``forward(query, key, value, ...)`` returns ``(output, weights)``; ``backward``
    takes dL/d(output) and returns ``(dL/dquery, dL/dkey, dL/dvalue)`` (None with
    ``input_grad=False``); in self-attention, where one array is passed three times,
    its gradient is the sum of the three. The returned weights get no gradient.

    Parameters
    ----------
    embed_dim : int
        E, the width of the inputs and the output.
    num_heads : int
        H; it must divide E.
    dropout : float, default 0.0
        Must be 0 (attention dropout is not supported).
    bias : bool, default True
        Whether the projections have biases (``in_proj_bias``, ``out_proj.bias``).
    add_bias_kv, add_zero_attn : bool, default False
        Must be False.
    kdim, vdim : int or None
        Must be None or E.
    batch_first : bool, default True
        Whether inputs and output are (N, T, E); otherwise (T, N, E).
    rng, dtype
        The generator (or seed) of the initial weights, and the dtype of the
        parameters, as for ``Linear``; inputs must have that dtype already.

    Attributes
    ----------
    in_proj_weight : Parameter
        Shape (3E, E), PyTorch's (out, in) layout.
    in_proj_bias : Parameter or None
        Shape (3E,).
    out_proj : Linear
        E to E; its ``weight`` is (in, out).
    head_dim : int
        E / H.
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0,
                 bias: bool = True, add_bias_kv: bool = False,
                 add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = True,
                 rng: np.random.Generator | int | None = None,
                 dtype: npt.DTypeLike = np.float64) -> None:
        e = self.embed_dim = checks.positive_int(embed_dim, "embed_dim", self)
        h = self.num_heads = checks.positive_int(num_heads, "num_heads", self)
        if e % h:
            divisors = [d for d in range(1, e + 1) if e % d == 0]
            checks.fail(ValueError, self, "embed_dim", f"divisible by num_heads = {h}",
                        e, f"choose num_heads among {divisors}")
        self.head_dim = e // h
        self._refuse_options(dropout, add_bias_kv, add_zero_attn, kdim, vdim)
        self.batch_first = bool(batch_first)
        dtype = checks.floating_dtype(dtype, "dtype", self)
        rng = np.random.default_rng(rng)
        bound = math.sqrt(6 / (3 * e + e))                  # Xavier uniform, (3E, E)
        weight = rng.uniform(-bound, bound, (3 * e, e)).astype(dtype)
        self.in_proj_weight = Parameter(weight)
        self.in_proj_bias = Parameter(np.zeros(3 * e, dtype)) if bias else None
        self.out_proj = Linear(e, e, bias=bias, init=_uniform_fan_in, rng=rng,
                               dtype=dtype)

    def __call__(self, *args, **kwargs) -> tuple[np.ndarray, np.ndarray | None]:
        """``forward``, with its arguments."""
        return self.forward(*args, **kwargs)

    def __repr__(self) -> str:
        return (f"MultiheadAttention(embed_dim={self.embed_dim}, num_heads="
                f"{self.num_heads}, bias={self.in_proj_bias is not None}, "
                f"batch_first={self.batch_first})")

    def _refuse_options(self, dropout, add_bias_kv, add_zero_attn, kdim, vdim):
        """Refuse PyTorch's options that nnlib does not implement."""
        fix = "nnlib's MultiheadAttention does not implement this option of PyTorch's"
        checks.one_of(dropout, "dropout", self, (0.0,), "attention dropout is not "
                      "implemented; apply Dropout to the output")
        checks.one_of(add_bias_kv, "add_bias_kv", self, (False,), fix)
        checks.one_of(add_zero_attn, "add_zero_attn", self, (False,), fix)
        width = "keys and values must have the query's width, embed_dim"
        checks.one_of(kdim, "kdim", self, (None, self.embed_dim), width)
        checks.one_of(vdim, "vdim", self, (None, self.embed_dim), width)

    def _sequences(self, query, key, value):
        """Check query (N, L, E), key and value (N, S, E) (or (L, N, E) and (S, N, E) if
        not batch_first); return the three batch first."""
        e, dtype = self.embed_dim, self.in_proj_weight.dtype
        first = self.batch_first      # the names: (N, L, E) or (L, N, E)
        checks.array(query, "query", self, shape=(None, None, e), dtype=dtype,
                     fix="nnlib takes batches only", names="NLE" if first else "LNE")
        n = query.shape[0 if first else 1]
        checks.array(key, "key", self,
                     shape=(n, None, e) if first else (None, n, e), dtype=dtype,
                     fix=f"with query's N = {n}", names="NSE" if first else "SNE")
        checks.array(value, "value", self, shape=key.shape, dtype=dtype)
        if not self.batch_first:
            query, key, value = (x.swapaxes(0, 1) for x in (query, key, value))
        return query, key, value

    def _masks(self, key_padding_mask, attn_mask, n, l, s, dtype):
        """The masks as one additive array that broadcasts to (N, H, L, S), or None."""
        mask, fix = None, "a boolean mask is True where attention is not allowed"
        if key_padding_mask is not None:
            checks.array(key_padding_mask, "key_padding_mask", self, shape=(n, s))
            mask = _additive_mask(key_padding_mask, "key_padding_mask", self, dtype,
                                  False, fix).reshape(n, 1, 1, s)
        if attn_mask is not None:
            checks.array(attn_mask, "attn_mask", self)
            h = self.num_heads
            checks.one_of(attn_mask.shape, "attn_mask's shape", self,
                          [(l, s), (n * h, l, s)], "(L, S) or (N * num_heads, L, S)")
            add = _additive_mask(attn_mask, "attn_mask", self, dtype, False, fix)
            add = add.reshape(n, h, l, s) if add.ndim == 3 else add
            mask = add if mask is None else mask + add
        return mask

    def _project(self, x, i):
        """x (N, T, d) times the text's W_q, W_k or W_v (i = 0, 1, 2), plus its bias,
        split into heads: (N, H, T, d_k)."""
        d_model = self.embed_dim
        rows = slice(i * d_model, (i + 1) * d_model)
        w = self.in_proj_weight.data[rows].T     # the text's W_q (i = 0), (in, out)
        y = x @ w                                # Q = X_q W_q
        if self.in_proj_bias is not None:
            y += self.in_proj_bias.data[rows]
        n, t, _ = x.shape
        return y.reshape(n, t, self.num_heads, self.head_dim).transpose(0, 2, 1, 3)

    def forward(self, query: np.ndarray, key: np.ndarray, value: np.ndarray,
                key_padding_mask: np.ndarray | None = None, need_weights: bool = True,
                attn_mask: np.ndarray | None = None, average_attn_weights: bool = True
                ) -> tuple[np.ndarray, np.ndarray | None]:
        """Attention of each head, the heads side by side, then ``out_proj``. Returns
        ``(output, weights)``: output (N, L, E) (or (L, N, E)); weights (N, L, S)
        averaged over the heads, (N, H, L, S) with ``average_attn_weights=False``, None
        with ``need_weights=False``."""
        query, key, value = self._sequences(query, key, value)
        (n, t_q, d_model), t_k = query.shape, key.shape[1]
        mask = self._masks(key_padding_mask, attn_mask, n, t_q, t_k, query.dtype)
        q, k, v = (self._project(x, i) for i, x in enumerate((query, key, value)))
        heads, weights = _attend(q, k, v, mask, 1 / math.sqrt(self.head_dim))
        self.save_for_backward(query, key, value, q, k, v, weights)
        merged = heads.transpose(0, 2, 1, 3).reshape(n * t_q, d_model)  # [O_1 ... O_H]
        output = self.out_proj(merged).reshape(n, t_q, d_model)
        if not self.batch_first:
            output = output.swapaxes(0, 1)
        if not need_weights:
            return output, None
        return output, weights.mean(axis=1) if average_attn_weights else weights.copy()

    def backward(self, grad_output: np.ndarray,  # type: ignore[override]
                 input_grad: bool = True
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """Accumulate the gradients of ``in_proj_weight``, ``in_proj_bias`` and
        ``out_proj``; return (dL/dquery, dL/dkey, dL/dvalue) in the inputs' layout, or
        None with ``input_grad=False``.

        Three inputs, three gradients: not Module.backward's one array, so the layer is
        used on its own, as TransformerBlock uses it, never inside a Sequential."""
        # query (N, T_q, d), key and value (N, T_k, d); their heads q (N, H, T_q, d_k),
        # k and v (N, H, T_k, d_k); weights (N, H, T_q, T_k)
        query, key, value, q, k, v, weights = self.saved
        (n, t_q, d_model), h, d_k = query.shape, self.num_heads, self.head_dim
        shape = (n, t_q, d_model) if self.batch_first else (t_q, n, d_model)
        g = checks.gradient(grad_output, self, shape, query.dtype)
        g = g if self.batch_first else g.swapaxes(0, 1)             # (N, T_q, d)
        g_out = self.out_proj.backward(g.reshape(n * t_q, d_model), input_grad=True)
        assert g_out is not None                                    # input_grad=True
        g = g_out.reshape(n, t_q, h, d_k).transpose(0, 2, 1, 3)     # (N, H, T_q, d_k)
        head_grads = scaled_dot_product_attention_backward(g, q, k, v, weights,
                                                           1 / math.sqrt(d_k))
        # dL/dQ, dL/dK, dL/dV, heads side by side: (N·T_q, d), (N·T_k, d), (N·T_k, d)
        merged = [g.transpose(0, 2, 1, 3).reshape(-1, d_model) for g in head_grads]
        inputs = [x.reshape(-1, d_model) for x in (query, key, value)]  # X_q, X_k, X_v
        # dL/dW_q = X_q^T dL/dQ; in_proj_weight holds W_q^T, so it gets the transpose,
        # (dL/dQ)^T X_q: (d, N·T) @ (N·T, d), and the same for K and V
        self.in_proj_weight.accumulate(np.concatenate(              # (3d, d)
            [g.T @ x for g, x in zip(merged, inputs)]))
        if self.in_proj_bias is not None:
            bias_grads = [g.sum(axis=0) for g in merged]            # (d,) each
            self.in_proj_bias.accumulate(np.concatenate(bias_grads))  # (3d,)
        if not input_grad:
            return None
        packed = self.in_proj_weight.data
        w = [packed[i * d_model:(i + 1) * d_model].T for i in range(3)]  # W_q, W_k, W_v
        dq, dk, dv = ((g @ w_i.T).reshape(x.shape)        # dL/dX_q = dL/dQ W_q^T
                      for g, w_i, x in zip(merged, w, (query, key, value)))
        if not self.batch_first:
            dq, dk, dv = dq.swapaxes(0, 1), dk.swapaxes(0, 1), dv.swapaxes(0, 1)
        return dq, dk, dv
