"""Write tests/data/attention_reference.npz: PyTorch's answers for the layers of chapters 15 and 16.

nnlib's Embedding, LayerNorm, GELU, scaled_dot_product_attention, MultiheadAttention and
TransformerBlock promise PyTorch's semantics. PyTorch is not a dependency of nnlib's tests, so its
answers are recorded here once, and tests/test_attention.py compares nnlib with the recording on every
run (and with live PyTorch when it is installed). Regenerate, with torch installed, when a case is
added or changed:

    python tests/attention_reference.py

Every case stores, under keys "<case>/<name>" and in float64: its inputs, the parameters PyTorch used
(in PyTorch's layout), the gradient of the output it was given, PyTorch's output, and the gradients of
the inputs and of every parameter.
"""

import numpy as np

import recorded


EMBEDDING_CASES = [  # num_embeddings, embedding_dim, shape of the indices
    (11, 5, (3, 7)), (7, 3, (13,)), (5, 4, (2, 3, 4))]
LAYERNORM_CASES = [  # normalized_shape, input shape, eps, elementwise_affine
    (7, (3, 5, 7), 1e-5, True), ((3, 5), (2, 3, 5), 1e-3, True), (9, (4, 9), 1e-5, False),
    (1, (3, 1), 1e-5, True)]
GELU_CASES = ["none", "tanh"]
SDPA_CASES = [  # query, key, value shapes; the mask
    ((3, 5, 4), (3, 5, 4), (3, 5, 4), None),
    ((3, 2, 5, 6), (3, 2, 7, 6), (3, 2, 7, 3), "bool"),
    ((2, 4, 3), (2, 6, 3), (2, 6, 5), "float"),
    ((3, 2, 6, 4), (3, 2, 6, 4), (3, 2, 6, 4), "causal"),
    ((3, 5, 4), (3, 7, 4), (3, 7, 2), "bool-empty-row"),
]
MHA_CASES = [  # embed_dim, num_heads, N, L, S, options
    (6, 2, 3, 5, 5, dict(self_attention=True, attn_mask="causal")),
    (12, 4, 3, 5, 7, dict(key_padding_mask=True)),
    (10, 2, 3, 4, 6, dict(attn_mask="float-3d", average_attn_weights=False)),
    (8, 4, 2, 5, 5, dict(self_attention=True, bias=False, batch_first=False,
                         key_padding_mask=True)),
    (9, 3, 3, 3, 4, dict(attn_mask="bool-3d", key_padding_mask=True)),
]
BLOCK_CASES = [  # d_model, nhead, dim_feedforward, N, T
    (8, 2, 16, 3, 5), (12, 4, 20, 2, 7)]


def cases():
    """Every case's name, in a fixed order (the test reads the same list)."""
    names = [f"embedding/{i}" for i in range(len(EMBEDDING_CASES))]
    names += [f"layernorm/{i}" for i in range(len(LAYERNORM_CASES))]
    names += [f"gelu/{name}" for name in GELU_CASES]
    names += [f"sdpa/{i}" for i in range(len(SDPA_CASES))]
    names += [f"mha/{i}" for i in range(len(MHA_CASES))]
    names += [f"block/{i}" for i in range(len(BLOCK_CASES))]
    return names


def sdpa_mask(kind, query_shape, key_shape, rng):
    """The mask of an SDPA case, in PyTorch's convention for this function (True: take part)."""
    L, S = query_shape[-2], key_shape[-2]
    if kind == "bool":
        mask = rng.random(query_shape[:-1] + (S,)) < 0.6
        mask[..., 0] = True
        return mask
    if kind == "float":
        return rng.normal(size=(L, S))
    if kind == "bool-empty-row":
        mask = rng.random((L, S)) < 0.6
        mask[:, 0], mask[2] = True, False           # query 2 may look at nothing
        return mask
    return None


def mha_masks(options, n, h, l, s, rng):
    """key_padding_mask and attn_mask of an MHA case, PyTorch's convention (True: not allowed)."""
    padding = None
    if options.get("key_padding_mask"):
        lengths = rng.integers(1, s + 1, size=n)
        lengths[0] = s
        padding = np.arange(s) >= lengths[:, None]
    kind, attn = options.get("attn_mask"), None
    if kind == "causal":
        attn = np.triu(np.ones((l, s), dtype=bool), k=1)
    elif kind == "float-3d":
        attn = rng.normal(size=(n * h, l, s))
    elif kind == "bool-3d":
        attn = rng.random((n * h, l, s)) < 0.4
        attn[..., 0] = False                        # every query may look at key 0
    return padding, attn


def record():
    import torch

    torch.manual_seed(0)
    rng = np.random.default_rng(2015)
    data = {}
    t = torch.from_numpy

    def grads(prefix, module):
        for name, p in module.named_parameters():
            data[f"{prefix}/param/{name}"] = p.detach().numpy().copy()
            data[f"{prefix}/grad/{name}"] = p.grad.numpy().copy()

    for i, (v, d, shape) in enumerate(EMBEDDING_CASES):
        layer = torch.nn.Embedding(v, d, dtype=torch.float64)
        idx = rng.integers(0, v, size=shape)
        y = layer(t(idx))
        g = rng.normal(size=y.shape)
        y.backward(t(g))
        data.update({f"embedding/{i}/indices": idx, f"embedding/{i}/grad_output": g,
                     f"embedding/{i}/y": y.detach().numpy()})
        grads(f"embedding/{i}", layer)

    for i, (shape, x_shape, eps, affine) in enumerate(LAYERNORM_CASES):
        layer = torch.nn.LayerNorm(shape, eps=eps, elementwise_affine=affine, dtype=torch.float64)
        if affine:
            with torch.no_grad():
                layer.weight.copy_(t(rng.uniform(0.5, 2.0, size=layer.weight.shape)))
                layer.bias.copy_(t(rng.normal(size=layer.bias.shape)))
        x = rng.normal(loc=1.0, scale=3.0, size=x_shape)
        xt = t(x).requires_grad_(True)
        y = layer(xt)
        g = rng.normal(size=x_shape)
        y.backward(t(g))
        data.update({f"layernorm/{i}/x": x, f"layernorm/{i}/grad_output": g,
                     f"layernorm/{i}/y": y.detach().numpy(), f"layernorm/{i}/dx": xt.grad.numpy()})
        grads(f"layernorm/{i}", layer)

    for name in GELU_CASES:
        x = rng.normal(scale=3.0, size=(3, 5, 7))
        xt = t(x).requires_grad_(True)
        y = torch.nn.GELU(approximate=name)(xt)
        g = rng.normal(size=x.shape)
        y.backward(t(g))
        data.update({f"gelu/{name}/x": x, f"gelu/{name}/grad_output": g,
                     f"gelu/{name}/y": y.detach().numpy(), f"gelu/{name}/dx": xt.grad.numpy()})

    for i, (qs, ks, vs, kind) in enumerate(SDPA_CASES):
        q, k, v = rng.normal(size=qs), rng.normal(size=ks), rng.normal(size=vs)
        mask = sdpa_mask(kind, qs, ks, rng)
        tensors = [t(a).requires_grad_(True) for a in (q, k, v)]
        out = torch.nn.functional.scaled_dot_product_attention(
            *tensors, attn_mask=None if mask is None else t(mask), is_causal=kind == "causal")
        g = rng.normal(size=out.shape)
        out.backward(t(g))
        data.update({f"sdpa/{i}/query": q, f"sdpa/{i}/key": k, f"sdpa/{i}/value": v,
                     f"sdpa/{i}/grad_output": g, f"sdpa/{i}/output": out.detach().numpy()})
        data.update({f"sdpa/{i}/d{name}": a.grad.numpy()
                     for name, a in zip(("query", "key", "value"), tensors)})
        if mask is not None:
            data[f"sdpa/{i}/mask"] = mask

    for i, (e, h, n, l, s, options) in enumerate(MHA_CASES):
        batch_first = options.get("batch_first", True)
        layer = torch.nn.MultiheadAttention(e, h, bias=options.get("bias", True),
                                            batch_first=batch_first, dtype=torch.float64)
        with torch.no_grad():
            for p in layer.parameters():
                p.copy_(t(rng.normal(scale=0.5, size=p.shape)))
        query = rng.normal(size=(n, l, e))
        key = query if options.get("self_attention") else rng.normal(size=(n, s, e))
        value = query if options.get("self_attention") else rng.normal(size=(n, s, e))
        padding, attn = mha_masks(options, n, h, l, s, rng)
        arrays = [a if batch_first else a.swapaxes(0, 1) for a in (query, key, value)]
        tensors = [t(np.ascontiguousarray(a)).requires_grad_(True) for a in arrays]
        if options.get("self_attention"):           # one tensor, three times: dquery is the sum
            tensors = [tensors[0]] * 3
        out, weights = layer(*tensors, key_padding_mask=None if padding is None else t(padding),
                             attn_mask=None if attn is None else t(attn),
                             average_attn_weights=options.get("average_attn_weights", True))
        g = rng.normal(size=out.shape)
        out.backward(t(g))
        prefix = f"mha/{i}"
        data.update({f"{prefix}/query": arrays[0], f"{prefix}/key": arrays[1],
                     f"{prefix}/value": arrays[2], f"{prefix}/grad_output": g,
                     f"{prefix}/output": out.detach().numpy(),
                     f"{prefix}/weights": weights.detach().numpy()})
        data.update({f"{prefix}/d{name}": a.grad.numpy()
                     for name, a in zip(("query", "key", "value"), tensors)})
        if padding is not None:
            data[f"{prefix}/key_padding_mask"] = padding
        if attn is not None:
            data[f"{prefix}/attn_mask"] = attn
        grads(prefix, layer)

    for i, (d, h, ff, n, length) in enumerate(BLOCK_CASES):
        layer = torch.nn.TransformerEncoderLayer(d, h, dim_feedforward=ff, dropout=0.0,
                                                 activation="gelu", batch_first=True,
                                                 norm_first=True, dtype=torch.float64)
        with torch.no_grad():
            for p in layer.parameters():
                p.copy_(t(rng.normal(scale=0.4, size=p.shape)))
        x = rng.normal(size=(n, length, d))
        xt = t(x).requires_grad_(True)
        mask = torch.nn.Transformer.generate_square_subsequent_mask(length, dtype=torch.float64)
        y = layer(xt, src_mask=mask, is_causal=True)
        g = rng.normal(size=y.shape)
        y.backward(t(g))
        data.update({f"block/{i}/x": x, f"block/{i}/grad_output": g,
                     f"block/{i}/y": y.detach().numpy(), f"block/{i}/dx": xt.grad.numpy()})
        grads(f"block/{i}", layer)

    recorded.write("attention_reference", data, cases(), torch.__version__)


if __name__ == "__main__":
    record()
