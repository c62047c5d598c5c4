"""TransformerBlock and TransformerLM (chapter 16): PyTorch's TransformerEncoderLayer (norm_first,
GELU, no dropout, causal mask), recorded by tests/attention_reference.py and live; gradient checks,
causality, generation, float32, errors."""

import numpy as np
import pytest

from nnlib import TransformerBlock, TransformerLM, gradient_errors, numerical_gradient, relative_error
import recorded
from attention_reference import BLOCK_CASES

REFERENCE, META = recorded.read("attention_reference")
TRANSPOSED = {"linear1.weight", "linear2.weight", "self_attn.out_proj.weight"}   # nnlib's Linear


def close(a, b, tol=1e-10):
    assert a.shape == b.shape
    assert np.abs(a - b).max() <= tol * max(1.0, np.abs(b).max()), np.abs(a - b).max()


def load_torch_state(block, state):
    """A TransformerEncoderLayer's parameters (numpy arrays by name) into a TransformerBlock."""
    block.load_state_dict({k: v.T if k in TRANSPOSED else v for k, v in state.items()})


@pytest.mark.parametrize("i", range(len(BLOCK_CASES)))
def test_block_matches_recorded_torch(i):
    d, h, ff, _, _ = BLOCK_CASES[i]
    block = TransformerBlock(d, h, dim_feedforward=ff)
    prefix = f"block/{i}"
    names = [k[len(prefix) + 7:] for k in REFERENCE.files if k.startswith(prefix + "/param/")]
    assert sorted(names) == sorted(block.state_dict())
    load_torch_state(block, {name: REFERENCE[f"{prefix}/param/{name}"] for name in names})
    close(block(REFERENCE[f"{prefix}/x"]), REFERENCE[f"{prefix}/y"])
    close(block.backward(REFERENCE[f"{prefix}/grad_output"]), REFERENCE[f"{prefix}/dx"])
    for name, p in block.named_parameters():
        grad = p.grad.T if name in TRANSPOSED else p.grad
        close(grad, REFERENCE[f"{prefix}/grad/{name}"])


def test_block_matches_live_torch_in_float64_and_float32():
    torch = pytest.importorskip("torch")
    d, h, ff, n, t = 20, 4, 36, 3, 9
    layer = torch.nn.TransformerEncoderLayer(d, h, dim_feedforward=ff, dropout=0.0,
                                             activation="gelu", batch_first=True, norm_first=True,
                                             dtype=torch.float64)
    rng = np.random.default_rng(0)
    with torch.no_grad():
        for p in layer.parameters():
            p.copy_(torch.from_numpy(rng.normal(scale=0.3, size=p.shape)))
    state = {k: v.numpy().copy() for k, v in layer.state_dict().items()}
    mask = torch.nn.Transformer.generate_square_subsequent_mask(t, dtype=torch.float64)
    x, g = rng.normal(size=(n, t, d)), rng.normal(size=(n, t, d))
    for dtype, tol in [(np.float64, 1e-10), (np.float32, 2e-5)]:
        t_layer = layer if dtype == np.float64 else layer.float()
        xt = torch.from_numpy(x.astype(dtype)).requires_grad_(True)
        t_layer.zero_grad()
        y = t_layer(xt, src_mask=mask.to(xt.dtype), is_causal=True)
        y.backward(torch.from_numpy(g.astype(dtype)))
        block = TransformerBlock(d, h, dim_feedforward=ff, dtype=dtype)
        load_torch_state(block, state)
        out = block(x.astype(dtype))
        assert out.dtype == dtype
        close(out, y.detach().numpy(), tol)
        dx = block.backward(g.astype(dtype))
        assert dx.dtype == dtype
        close(dx, xt.grad.numpy(), tol)
        t_grads = {k: p.grad.numpy() for k, p in t_layer.named_parameters()}
        for name, p in block.named_parameters():
            close(p.grad.T if name in TRANSPOSED else p.grad, t_grads[name], tol)


def test_block_without_causal_mask_matches_torch():
    torch = pytest.importorskip("torch")
    layer = torch.nn.TransformerEncoderLayer(6, 3, dim_feedforward=10, dropout=0.0,
                                             activation="gelu", batch_first=True, norm_first=True,
                                             dtype=torch.float64)
    block = TransformerBlock(6, 3, dim_feedforward=10, causal=False)
    load_torch_state(block, {k: v.numpy() for k, v in layer.state_dict().items()})
    x = np.random.default_rng(1).normal(size=(2, 5, 6))
    close(block(x), layer(torch.from_numpy(x)).detach().numpy())


@pytest.mark.parametrize("causal", [True, False])
def test_block_gradients_against_central_differences(causal):
    block = TransformerBlock(6, 2, dim_feedforward=10, causal=causal, rng=2)
    errors = gradient_errors(block, np.random.default_rng(2).normal(size=(2, 4, 6)))
    assert len(errors) == 13 and max(errors.values()) < 1e-7


def test_block_is_causal_and_accumulates():
    block = TransformerBlock(8, 2, rng=3)
    assert block.dim_feedforward == 32
    x = np.random.default_rng(3).normal(size=(2, 6, 8))
    changed = x.copy()
    changed[:, 4] = 0.0
    assert np.array_equal(block(x)[:, :4], block(changed)[:, :4])
    block.zero_grad()
    block(x)
    assert block.backward(np.ones_like(x), input_grad=False) is None
    first = {k: p.grad.copy() for k, p in block.named_parameters()}
    block.backward(np.ones_like(x))
    for k, p in block.named_parameters():
        assert np.allclose(p.grad, 2 * first[k])


def test_block_errors():
    with pytest.raises(ValueError, match="embed_dim must be divisible by num_heads = 3"):
        TransformerBlock(8, 3)
    with pytest.raises(ValueError, match="dim_feedforward must be a positive integer, got 0"):
        TransformerBlock(8, 2, dim_feedforward=0)
    block = TransformerBlock(8, 2)
    with pytest.raises(ValueError, match=r"TransformerBlock\(d_model=8, nhead=2, dim_feedforward=32, "
                                         r"causal=True\): x must be of shape \(N, T, 8\), got \(2, 8\); "
                                         r"a batch of N sequences of T positions"):
        block(np.zeros((2, 8)))
    with pytest.raises(ValueError, match="x must be float64, got float32"):
        block(np.zeros((1, 2, 8), dtype=np.float32))
    block(np.zeros((1, 2, 8)))
    with pytest.raises(ValueError, match=r"grad_output must be of the last output's shape \(1, 2, 8\)"):
        block.backward(np.zeros((1, 3, 8)))


def test_language_model_gradients_causality_and_generation():
    model = TransformerLM(vocab_size=7, d_model=6, nhead=2, num_layers=2, max_len=8,
                          dim_feedforward=8, rng=4)
    rng = np.random.default_rng(4)
    tokens = rng.integers(0, 7, size=(2, 5))
    R = rng.normal(size=(2, 5, 7))
    logits = model(tokens)
    assert logits.shape == (2, 5, 7)
    assert model.backward(R) is None
    for name, p in model.named_parameters():
        numeric = numerical_gradient(lambda: float(np.sum(model(tokens) * R)), p.data)
        assert relative_error(p.grad, numeric) < 1e-7, name
    changed = tokens.copy()
    changed[:, 3] = (changed[:, 3] + 1) % 7
    assert np.array_equal(model(tokens)[:, :3], model(changed)[:, :3])
    out = model.generate(tokens[:, :2], steps=3)
    assert out.shape == (2, 5) and np.array_equal(out[:, :2], tokens[:, :2])
    assert np.array_equal(out[:, 2], model(tokens[:, :2])[:, -1].argmax(axis=-1))
    assert len(model.state_dict()) == 2 + 2 * 12 + 2 + 2


def test_language_model_float32_and_errors():
    model = TransformerLM(5, 4, 2, 1, max_len=4, rng=0, dtype=np.float32)
    logits = model(np.zeros((3, 4), dtype=np.int64))
    assert logits.dtype == np.float32
    model.backward(np.ones_like(logits))
    assert all(p.grad.dtype == np.float32 for p in model.parameters())
    with pytest.raises(ValueError, match="x must be at most max_len = 4 positions, got 5"):
        model(np.zeros((1, 5), dtype=np.int64))
    with pytest.raises(ValueError, match=r"indices must be in \[0, 5\), got values from 0 to 5"):
        model(np.array([[0, 5]]))
    with pytest.raises(ValueError, match="num_layers must be a positive integer, got 0"):
        TransformerLM(5, 4, 2, 0, max_len=4)
    with pytest.raises(TypeError, match="steps must be a positive integer"):
        model.generate(np.zeros((1, 2), dtype=np.int64), steps=1.5)
    model(np.zeros((1, 2), dtype=np.int64))
    with pytest.raises(ValueError, match="grad_output must be of the last output's shape"):
        model.backward(np.ones((1, 2, 4), dtype=np.float32))
