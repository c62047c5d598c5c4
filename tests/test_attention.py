"""scaled_dot_product_attention, its backward pass and MultiheadAttention (chapter 15): PyTorch's
recorded answers (tests/data/attention_reference.npz, written by tests/attention_reference.py) for
every layer of chapter 15, live PyTorch on other shapes, gradient checks, masks, float32, errors."""
import math
import warnings

import numpy as np
import pytest

from nnlib import (GELU, Embedding, LayerNorm, Module, MultiheadAttention, gradient_errors,
                   numerical_gradient, relative_error, scaled_dot_product_attention,
                   scaled_dot_product_attention_backward)
import recorded
from whole_range import DTYPE_RANGES, no_warning, rows_across_the_range
from attention_reference import (EMBEDDING_CASES, GELU_CASES, LAYERNORM_CASES, MHA_CASES,
                                 SDPA_CASES, cases)

REFERENCE, META = recorded.read("attention_reference")
TOL = 1e-10


def ref(key):
    return REFERENCE[key]


def close(a, b, tol=TOL):
    assert a.shape == b.shape
    assert np.abs(a - b).max() <= tol * max(1.0, np.abs(b).max()), np.abs(a - b).max()


def load_mha_from_torch_layout(layer, params):
    """PyTorch's parameters into nnlib's MultiheadAttention: out_proj.weight transposed."""
    layer.in_proj_weight.data[...] = params["in_proj_weight"]
    layer.out_proj.weight.data[...] = params["out_proj.weight"].T
    if layer.in_proj_bias is not None:
        layer.in_proj_bias.data[...] = params["in_proj_bias"]
        layer.out_proj.bias.data[...] = params["out_proj.bias"]


def mha_grads_torch_layout(layer):
    grads = {"in_proj_weight": layer.in_proj_weight.grad,
             "out_proj.weight": layer.out_proj.weight.grad.T}
    if layer.in_proj_bias is not None:
        grads.update({"in_proj_bias": layer.in_proj_bias.grad,
                      "out_proj.bias": layer.out_proj.bias.grad})
    return grads


# ---------------------------------------------------------------- the recording

def test_the_recording_covers_every_case():
    meta = META
    assert meta["cases"] == cases(), "re-run tests/attention_reference.py with torch installed"
    recorded = {"/".join(key.split("/")[:2]) for key in REFERENCE.files if key != "__meta__"}
    assert recorded == set(cases())


@pytest.mark.parametrize("i", range(len(EMBEDDING_CASES)))
def test_embedding_matches_recorded_torch(i):
    v, d, _ = EMBEDDING_CASES[i]
    layer = Embedding(v, d)
    layer.weight.data[...] = ref(f"embedding/{i}/param/weight")
    close(layer(ref(f"embedding/{i}/indices")), ref(f"embedding/{i}/y"))
    assert layer.backward(ref(f"embedding/{i}/grad_output")) is None
    close(layer.weight.grad, ref(f"embedding/{i}/grad/weight"))


@pytest.mark.parametrize("i", range(len(LAYERNORM_CASES)))
def test_layernorm_matches_recorded_torch(i):
    shape, _, eps, affine = LAYERNORM_CASES[i]
    layer = LayerNorm(shape, eps=eps, elementwise_affine=affine)
    for name, p in layer.named_parameters():
        p.data[...] = ref(f"layernorm/{i}/param/{name}")
    close(layer(ref(f"layernorm/{i}/x")), ref(f"layernorm/{i}/y"))
    close(layer.backward(ref(f"layernorm/{i}/grad_output")), ref(f"layernorm/{i}/dx"))
    for name, p in layer.named_parameters():
        close(p.grad, ref(f"layernorm/{i}/grad/{name}"))


@pytest.mark.parametrize("name", GELU_CASES)
def test_gelu_matches_recorded_torch(name):
    layer = GELU(approximate=name)
    close(layer(ref(f"gelu/{name}/x")), ref(f"gelu/{name}/y"))
    close(layer.backward(ref(f"gelu/{name}/grad_output")), ref(f"gelu/{name}/dx"))


@pytest.mark.parametrize("i", range(len(SDPA_CASES)))
def test_sdpa_matches_recorded_torch(i):
    q, k, v = (ref(f"sdpa/{i}/{name}") for name in ("query", "key", "value"))
    kind = SDPA_CASES[i][3]
    mask = ref(f"sdpa/{i}/mask") if f"sdpa/{i}/mask" in REFERENCE.files else None
    out, weights = scaled_dot_product_attention(q, k, v, attn_mask=mask,
                                                is_causal=kind == "causal")
    close(out, ref(f"sdpa/{i}/output"))
    grads = scaled_dot_product_attention_backward(ref(f"sdpa/{i}/grad_output"), q, k, v, weights)
    for name, grad in zip(("query", "key", "value"), grads):
        close(grad, ref(f"sdpa/{i}/d{name}"))


@pytest.mark.parametrize("i", range(len(MHA_CASES)))
def test_mha_matches_recorded_torch(i):
    e, h, n, l, s, options = MHA_CASES[i]
    prefix = f"mha/{i}"
    layer = MultiheadAttention(e, h, bias=options.get("bias", True),
                               batch_first=options.get("batch_first", True))
    params = {name: ref(f"{prefix}/param/{name}")
              for name in ("in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias")
              if f"{prefix}/param/{name}" in REFERENCE.files}
    load_mha_from_torch_layout(layer, params)
    inputs = [ref(f"{prefix}/{name}") for name in ("query", "key", "value")]
    if options.get("self_attention"):
        inputs = [inputs[0]] * 3
    masks = {name: ref(f"{prefix}/{name}") for name in ("key_padding_mask", "attn_mask")
             if f"{prefix}/{name}" in REFERENCE.files}
    out, weights = layer(*inputs, average_attn_weights=options.get("average_attn_weights", True),
                         **masks)
    close(out, ref(f"{prefix}/output"))
    close(weights, ref(f"{prefix}/weights"))
    grads = layer.backward(ref(f"{prefix}/grad_output"))
    if options.get("self_attention"):
        close(sum(grads), ref(f"{prefix}/dquery"))
    else:
        for name, grad in zip(("query", "key", "value"), grads):
            close(grad, ref(f"{prefix}/d{name}"))
    for name, grad in mha_grads_torch_layout(layer).items():
        close(grad, ref(f"{prefix}/grad/{name}"))


# ---------------------------------------------------------------- live PyTorch, other shapes

def torch_mha(torch, layer):
    """A torch.nn.MultiheadAttention with the parameters of nnlib's ``layer``."""
    t = torch.nn.MultiheadAttention(layer.embed_dim, layer.num_heads,
                                    bias=layer.in_proj_bias is not None,
                                    batch_first=layer.batch_first, dtype=torch.float64)
    with torch.no_grad():
        t.in_proj_weight.copy_(torch.from_numpy(layer.in_proj_weight.data))
        t.out_proj.weight.copy_(torch.from_numpy(layer.out_proj.weight.data.T.copy()))
        if layer.in_proj_bias is not None:
            t.in_proj_bias.copy_(torch.from_numpy(layer.in_proj_bias.data))
            t.out_proj.bias.copy_(torch.from_numpy(layer.out_proj.bias.data))
    return t


def randomized_mha(e, h, seed, **options):
    layer = MultiheadAttention(e, h, rng=seed, **options)
    rng = np.random.default_rng(seed)
    for p in layer.parameters():
        p.data[...] = rng.normal(scale=0.5, size=p.shape)
    return layer


@pytest.mark.parametrize("e, h, n, l, s, self_attention, masks, batch_first", [
    (15, 3, 3, 7, 7, True, "causal", True),
    (14, 2, 3, 5, 9, False, "padding", True),
    (16, 4, 1, 6, 3, False, "both", False),
    (7, 1, 2, 4, 4, True, "float", True),
])
def test_mha_matches_live_torch(e, h, n, l, s, self_attention, masks, batch_first):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(e * 100 + s)
    layer = randomized_mha(e, h, seed=e, batch_first=batch_first)
    t_layer = torch_mha(torch, layer)
    query = rng.normal(size=(n, l, e))
    key, value = (query, query) if self_attention else rng.normal(size=(2, n, s, e))
    padding = np.arange(s) >= rng.integers(1, s + 1, size=n)[:, None]
    kwargs = {"causal": dict(attn_mask=np.triu(np.ones((l, s), dtype=bool), k=1)),
              "padding": dict(key_padding_mask=padding),
              "both": dict(key_padding_mask=padding,
                           attn_mask=np.triu(np.ones((l, s), dtype=bool), k=1) & (
                               np.arange(s) > 0)),
              "float": dict(attn_mask=rng.normal(size=(n * h, l, s)))}[masks]
    arrays = [a if batch_first else np.ascontiguousarray(a.swapaxes(0, 1))
              for a in (query, key, value)]
    if self_attention:
        arrays = [arrays[0]] * 3
    tensors = [torch.from_numpy(a).requires_grad_(True) for a in arrays]
    if self_attention:
        tensors = [tensors[0]] * 3
    t_out, t_w = t_layer(*tensors, **{k: torch.from_numpy(v) for k, v in kwargs.items()})
    out, w = layer(*arrays, **kwargs)
    close(out, t_out.detach().numpy())
    close(w, t_w.detach().numpy())
    g = rng.normal(size=out.shape)
    t_out.backward(torch.from_numpy(g))
    grads = layer.backward(g)
    if self_attention:
        close(sum(grads), tensors[0].grad.numpy())
    else:
        for grad, tensor in zip(grads, tensors):
            close(grad, tensor.grad.numpy())
    t_grads = {name: p.grad.numpy() for name, p in t_layer.named_parameters()}
    for name, grad in mha_grads_torch_layout(layer).items():
        close(grad, t_grads[name])


def test_mha_state_dict_moves_between_torch_and_nnlib():
    torch = pytest.importorskip("torch")
    t_layer = torch.nn.MultiheadAttention(10, 5, batch_first=True, dtype=torch.float64)
    state = {k: v.numpy() for k, v in t_layer.state_dict().items()}
    layer = MultiheadAttention(10, 5)
    assert list(layer.state_dict()) == list(state)
    state["out_proj.weight"] = state["out_proj.weight"].T       # the one transposed array
    layer.load_state_dict(state)
    x = np.random.default_rng(0).normal(size=(3, 4, 10))
    close(layer(x, x, x)[0], t_layer(*[torch.from_numpy(x)] * 3)[0].detach().numpy())


def test_mha_initialization_follows_torch():
    layer = MultiheadAttention(64, 4, rng=0)
    bound = math.sqrt(6 / (4 * 64))
    w = layer.in_proj_weight.data
    assert w.shape == (192, 64) and np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert np.abs(layer.out_proj.weight.data).max() <= 1 / 8
    assert np.array_equal(layer.in_proj_bias.data, np.zeros(192))
    assert np.array_equal(layer.out_proj.bias.data, np.zeros(64))
    assert layer.in_proj_weight.grad is None


@pytest.mark.parametrize("q_shape, k_shape, v_shape, mask, causal", [
    ((3, 7, 5), (3, 9, 5), (3, 9, 2), "bool", False),
    ((2, 3, 4, 6), (2, 3, 4, 6), (2, 3, 4, 6), None, True),
    ((5, 3), (8, 3), (8, 4), "float", False),
    ((3, 7, 5), (3, 4, 5), (3, 4, 5), None, True),       # L > S: the first rows see one key
])
def test_sdpa_matches_live_torch(q_shape, k_shape, v_shape, mask, causal):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(len(q_shape) * 10 + q_shape[-2])
    q, k, v = rng.normal(size=q_shape), rng.normal(size=k_shape), rng.normal(size=v_shape)
    scores_shape = q_shape[:-1] + k_shape[-2:-1]
    m = {"bool": rng.random(scores_shape) < 0.5, "float": rng.normal(size=scores_shape),
         None: None}[mask]
    tensors = [torch.from_numpy(a).requires_grad_(True) for a in (q, k, v)]
    t_out = torch.nn.functional.scaled_dot_product_attention(
        *tensors, attn_mask=None if m is None else torch.from_numpy(m), is_causal=causal)
    out, w = scaled_dot_product_attention(q, k, v, attn_mask=m, is_causal=causal)
    close(out, t_out.detach().numpy())
    g = rng.normal(size=out.shape)
    t_out.backward(torch.from_numpy(g))
    for grad, tensor in zip(scaled_dot_product_attention_backward(g, q, k, v, w), tensors):
        close(grad, tensor.grad.numpy())


def test_float32_matches_torch_float32():
    torch = pytest.importorskip("torch")
    layer = randomized_mha(12, 3, seed=1)
    t_layer = torch_mha(torch, layer).float()
    layer.to(np.float32)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 6, 12)).astype(np.float32)
    mask = np.triu(np.ones((6, 6), dtype=bool), k=1)
    xt = torch.from_numpy(x).requires_grad_(True)
    t_out, _ = t_layer(xt, xt, xt, attn_mask=torch.from_numpy(mask))
    out, _ = layer(x, x, x, attn_mask=mask)
    assert out.dtype == np.float32
    close(out, t_out.detach().numpy(), tol=1e-5)
    g = rng.normal(size=out.shape).astype(np.float32)
    t_out.backward(torch.from_numpy(g))
    grads = layer.backward(g)
    assert all(a.dtype == np.float32 for a in grads)
    close(sum(grads), xt.grad.numpy(), tol=1e-5)
    close(layer.in_proj_weight.grad, t_layer.in_proj_weight.grad.numpy(), tol=1e-5)


# ---------------------------------------------------------------- behaviour without PyTorch

class SelfAttention(Module):
    def __init__(self, attention, **masks):
        self.attention, self.masks = attention, masks

    def forward(self, x):
        return self.attention(x, x, x, need_weights=False, **self.masks)[0]

    def backward(self, grad_output, input_grad=True):
        grads = self.attention.backward(grad_output, input_grad)
        return None if grads is None else sum(grads)


class OneOfThree(Module):
    def __init__(self, attention, inputs, i, **masks):
        self.attention, self.inputs, self.i, self.masks = attention, inputs, i, masks

    def forward(self, x):
        inputs = [x if j == self.i else a for j, a in enumerate(self.inputs)]
        return self.attention(*inputs, need_weights=False, **self.masks)[0]

    def backward(self, grad_output, input_grad=True):
        return self.attention.backward(grad_output, input_grad)[self.i]


@pytest.mark.parametrize("batch_first", [True, False])
def test_mha_gradients_against_central_differences(batch_first):
    layer = randomized_mha(6, 2, seed=3, batch_first=batch_first)
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3, 5, 6) if batch_first else (5, 3, 6))
    causal = np.triu(np.ones((5, 5), dtype=bool), k=1)
    assert max(gradient_errors(SelfAttention(layer, attn_mask=causal), x).values()) < 1e-7
    memory = rng.normal(size=(3, 4, 6) if batch_first else (4, 3, 6))
    pad = np.array([[False] * 4, [False, False, True, True], [False, True, True, True]])
    inputs = [x, memory, memory + 1]
    for i in range(3):
        errors = gradient_errors(OneOfThree(layer, inputs, i, key_padding_mask=pad), inputs[i])
        assert max(errors.values()) < 1e-7, (i, errors)


def test_sdpa_gradients_against_central_differences_and_exact_zeros():
    rng = np.random.default_rng(4)
    q, k, v = rng.normal(size=(2, 3, 5, 4)), rng.normal(size=(2, 3, 6, 4)), rng.normal(size=(2, 3, 6, 3))
    allowed = np.ones((2, 1, 5, 6), dtype=bool)
    allowed[1, :, :, 4:] = False                         # keys 4, 5 of sequence 1: padding
    allowed[0, :, 3] = False                             # query 3 of sequence 0: nothing
    g = rng.normal(size=(2, 3, 5, 3))
    out, w = scaled_dot_product_attention(q, k, v, attn_mask=allowed, scale=0.7)
    grads = scaled_dot_product_attention_backward(g, q, k, v, w, scale=0.7)
    for array, grad in zip((q, k, v), grads):
        f = lambda: float(np.sum(scaled_dot_product_attention(  # noqa: E731
            q, k, v, attn_mask=allowed, scale=0.7)[0] * g))
        assert relative_error(grad, numerical_gradient(f, array)) < 1e-7
    assert np.all(w[~np.broadcast_to(allowed, w.shape)] == 0)
    assert np.all(grads[1][1, :, 4:] == 0) and np.all(grads[2][1, :, 4:] == 0)
    assert np.all(out[0, :, 3] == 0) and np.all(grads[0][0, :, 3] == 0)
    assert not np.isnan(out).any()


def test_a_query_that_may_look_at_nothing_gets_the_output_bias():
    layer = randomized_mha(8, 2, seed=5)
    x = np.random.default_rng(5).normal(size=(2, 3, 8))
    mask = np.zeros((3, 3), dtype=bool)
    mask[1] = True                                       # query 1 may look at nothing
    out, w = layer(x, x, x, attn_mask=mask)
    assert np.all(w[:, 1] == 0)
    assert np.allclose(out[:, 1], layer.out_proj.bias.data, rtol=0, atol=0)
    grads = layer.backward(np.ones_like(out))
    assert not any(np.isnan(g).any() for g in grads)


def test_float_minus_inf_masks_equal_boolean_masks():
    layer = randomized_mha(8, 2, seed=6)
    x = np.random.default_rng(6).normal(size=(2, 5, 8))
    causal = np.triu(np.ones((5, 5), dtype=bool), k=1)
    as_float = np.where(causal, -np.inf, 0.0)
    assert np.array_equal(layer(x, x, x, attn_mask=causal)[0], layer(x, x, x, attn_mask=as_float)[0])
    out, w = scaled_dot_product_attention(x, x, x, attn_mask=~causal)
    out2, _ = scaled_dot_product_attention(x, x, x, is_causal=True)
    assert np.array_equal(out, out2) and np.all(w[:, causal] == 0)


@pytest.mark.parametrize("dtype, top", [(np.float32, 3e38), (np.float64, 1.7e308)], ids=["float32", "float64"])
def test_scores_further_apart_than_the_largest_float_give_exact_weights_without_a_warning(dtype, top):
    q = np.array([[[top], [-top], [0.0]]], dtype=dtype)      # E = 1: scores q_i k_j, scale 1
    k = np.array([[[1.0], [-1.0], [0.5]]], dtype=dtype)      # row 0: (top, -top, top / 2)
    v = np.arange(6, dtype=dtype).reshape(1, 3, 2)
    g = np.ones((1, 3, 2), dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):         # the shift's overflow to -inf included
            out, w = scaled_dot_product_attention(q, k, v)
            grads = scaled_dot_product_attention_backward(g, q, k, v, w)
    expected_w = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1 / 3, 1 / 3, 1 / 3]], dtype=dtype)
    assert w.dtype == out.dtype == dtype and np.array_equal(w[0], expected_w)
    assert np.array_equal(out[0, :2], v[0, :2]) and np.allclose(out[0, 2], v[0].mean(axis=0))
    assert all(np.all(np.isfinite(grad)) for grad in grads)


@DTYPE_RANGES
def test_attention_weights_raise_no_warning_anywhere_in_the_range_of_the_dtype(dtype, low, high):
    scores = rows_across_the_range(dtype, low, high)
    q = scores[:, None, :]                     # one query per row; keys = the identity: scores as given
    k = np.broadcast_to(np.eye(4, dtype=dtype), (len(scores), 4, 4))
    v = np.broadcast_to(np.eye(4, dtype=dtype), (len(scores), 4, 4))
    with no_warning():
        out, w = scaled_dot_product_attention(q, k, v, scale=1.0)
    w = w[:, 0]
    assert np.array_equal(out[:, 0], w)       # the values are the identity: the output is the weights
    assert np.all((0 <= w) & (w <= 1)) and np.max(np.abs(w.sum(axis=1) - 1)) <= 2 * np.finfo(dtype).eps
    assert np.array_equal(w[np.arange(len(w)), scores.argmax(axis=1)], w.max(axis=1))


def test_need_weights_average_and_input_grad():
    layer = randomized_mha(8, 4, seed=7)
    x = np.random.default_rng(7).normal(size=(2, 5, 8))
    out, w = layer(x, x, x, need_weights=False)
    assert w is None
    out2, w_heads = layer(x, x, x, average_attn_weights=False)
    _, w_mean = layer(x, x, x)
    assert np.array_equal(out, out2) and w_heads.shape == (2, 4, 5, 5)
    assert np.allclose(w_heads.mean(axis=1), w_mean) and np.allclose(w_mean.sum(-1), 1)
    layer.zero_grad()
    g = np.ones_like(out)
    assert layer.backward(g, input_grad=False) is None
    first = {name: p.grad.copy() for name, p in layer.named_parameters()}
    layer.backward(g)                                    # accumulates
    for name, p in layer.named_parameters():
        assert np.allclose(p.grad, 2 * first[name])


def test_heads_are_a_reshape_not_a_loop():
    """Each head equals single-head attention on its own columns of the projections."""
    layer = randomized_mha(12, 4, seed=8)
    x = np.random.default_rng(8).normal(size=(2, 3, 12))
    _, w = layer(x, x, x, average_attn_weights=False)
    W, b = layer.in_proj_weight.data, layer.in_proj_bias.data
    for h in range(4):
        rows = slice(3 * h, 3 * h + 3)
        q = x @ W[:12][rows].T + b[:12][rows]
        k = x @ W[12:24][rows].T + b[12:24][rows]
        _, w_h = scaled_dot_product_attention(q, k, k)
        assert np.allclose(w[:, h], w_h)


def test_float32_end_to_end():
    layer = MultiheadAttention(8, 2, rng=0, dtype=np.float32)
    x = np.random.default_rng(0).normal(size=(2, 4, 8)).astype(np.float32)
    out, w = layer(x, x, x)
    assert out.dtype == w.dtype == np.float32
    grads = layer.backward(np.ones_like(out))
    assert all(g.dtype == np.float32 for g in grads)
    assert all(p.grad.dtype == np.float32 for p in layer.parameters())
    q = x[:, :, :4]
    out, w = scaled_dot_product_attention(q, q, q, is_causal=True)
    assert out.dtype == w.dtype == np.float32
    assert all(g.dtype == np.float32 for g in scaled_dot_product_attention_backward(out, q, q, q, w))


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(embed_dim=10, num_heads=3), ValueError, r"embed_dim must be divisible by num_heads = 3, "
                                                  r"got 10; choose num_heads among \[1, 2, 5, 10\]"),
    (dict(embed_dim=0, num_heads=1), ValueError, "embed_dim must be a positive integer"),
    (dict(embed_dim=8, num_heads=2.0), TypeError, "num_heads must be a positive integer"),
    (dict(embed_dim=8, num_heads=2, dropout=0.1), ValueError, "dropout must be one of 0.0, got 0.1; "
                                                                "attention dropout is not implemented"),
    (dict(embed_dim=8, num_heads=2, add_bias_kv=True), ValueError, "add_bias_kv must be one of False, got True"),
    (dict(embed_dim=8, num_heads=2, add_zero_attn=True), ValueError, "add_zero_attn must be one of False, got True"),
    (dict(embed_dim=8, num_heads=2, kdim=4), ValueError, "kdim must be one of None, 8, got 4; keys and values "
                                                           "must have the query's width"),
    (dict(embed_dim=8, num_heads=2, vdim=4), ValueError, "vdim must be one of None, 8, got 4"),
    (dict(embed_dim=8, num_heads=2, dtype=np.int32), ValueError, "dtype must be float32 or float64"),
])
def test_construction_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        MultiheadAttention(**kwargs)


def test_forward_errors_name_the_argument():
    layer = MultiheadAttention(8, 2, rng=0)
    x = np.zeros((2, 5, 8))
    causal = np.triu(np.ones((5, 5), dtype=bool), k=1)
    with pytest.raises(ValueError, match=r"query must be of shape \(N, L, 8\), got \(5, 8\); "
                                         r"nnlib takes batches only"):
        layer(x[0], x[0], x[0])
    with pytest.raises(ValueError, match=r"key must be of shape \(2, S, 8\), got \(3, 5, 8\); "
                                         r"with query's N = 2"):
        layer(x, np.zeros((3, 5, 8)), np.zeros((3, 5, 8)))
    with pytest.raises(ValueError, match=r"value must be of shape \(2, 5, 8\), got \(2, 4, 8\)"):
        layer(x, x, x[:, :4])
    with pytest.raises(ValueError, match="query must be float64, got float32"):
        layer(x.astype(np.float32), x, x)
    with pytest.raises(TypeError, match="query must be a NumPy array, got list"):
        layer(x.tolist(), x, x)
    with pytest.raises(ValueError, match="attn_mask must be boolean, or float64 as query .*got "
                                         "dtype int64; a boolean mask is True where attention "
                                         "is not allowed"):
        layer(x, x, x, attn_mask=causal.astype(np.int64))
    with pytest.raises(ValueError, match=r"attn_mask's shape must be one of \(5, 5\), \(4, 5, 5\), "
                                         r"got \(2, 5, 5\); \(L, S\) or \(N \* num_heads, L, S\)"):
        layer(x, x, x, attn_mask=np.zeros((2, 5, 5), dtype=bool))
    with pytest.raises(ValueError, match=r"key_padding_mask must be of shape \(2, 5\), got \(5,\)"):
        layer(x, x, x, key_padding_mask=np.zeros(5, dtype=bool))
    with pytest.raises(ValueError, match="key_padding_mask must be boolean, or float64"):
        layer(x, x, x, key_padding_mask=np.zeros((2, 5), dtype=np.float32))
    layer(x, x, x)
    with pytest.raises(ValueError, match=r"grad_output must be of the last output's shape \(2, 5, 8\)"):
        layer.backward(np.zeros((2, 4, 8)))


def test_backward_before_forward_is_refused():
    with pytest.raises(RuntimeError, match="backward\\(\\) was called before forward\\(\\)"):
        MultiheadAttention(4, 2).backward(np.zeros((1, 2, 4)))


def test_sdpa_errors():
    q = np.zeros((2, 3, 4))
    with pytest.raises(ValueError, match=r"key must be of shape \(2, C, 4\), got \(2, 5, 3\); key is "
                                         r"\(\.\.\., S, 4\) with query's leading dimensions \(2,\)"):
        scaled_dot_product_attention(q, np.zeros((2, 5, 3)), np.zeros((2, 5, 3)))
    with pytest.raises(ValueError, match=r"value must be of shape \(2, 3, L\), got \(2, 4, 4\); "
                                         r"value is \(\.\.\., 3, Ev\)"):
        scaled_dot_product_attention(q, q, np.zeros((2, 4, 4)))
    with pytest.raises(ValueError, match="key must be float64, got float32"):
        scaled_dot_product_attention(q, q.astype(np.float32), q)
    with pytest.raises(ValueError, match=r"attn_mask must be broadcastable to the scores' shape "
                                         r"\(\.\.\., L, S\) = \(2, 3, 3\), got \(4, 3\)"):
        scaled_dot_product_attention(q, q, q, attn_mask=np.ones((4, 3), dtype=bool))
    with pytest.raises(ValueError, match="attn_mask must be boolean, or float64 as query.*True "
                                         "where a query may look at a key"):
        scaled_dot_product_attention(q, q, q, attn_mask=np.ones((3, 3), dtype=np.int8))
    with pytest.raises(ValueError, match="attn_mask must be None when is_causal=True"):
        scaled_dot_product_attention(q, q, q, attn_mask=np.ones((3, 3), dtype=bool), is_causal=True)
    with pytest.raises(TypeError, match="scale must be a real number"):
        scaled_dot_product_attention(q, q, q, scale="0.5")
    _, w = scaled_dot_product_attention(q, q, q)
    with pytest.raises(ValueError, match=r"grad_output must be of the last output's shape \(2, 3, 4\)"):
        scaled_dot_product_attention_backward(np.zeros((2, 3, 3)), q, q, q, w)
    with pytest.raises(ValueError, match=r"weights must be of shape \(2, 3, 3\)"):
        scaled_dot_product_attention_backward(q, q, q, q, w[:, :2])
