"""Embedding, SinusoidalPositionalEncoding and LearnedPositionalEncoding (chapter 15): lookups,
np.add.at gradients with repeated indices, PyTorch (live, if installed), gradient checks, dtypes,
errors. The recorded PyTorch cases are in tests/test_attention.py."""
import numpy as np
import pytest

from nnlib import (Embedding, LearnedPositionalEncoding, SinusoidalPositionalEncoding,
                   gradient_errors, numerical_gradient, relative_error)


def test_embedding_is_the_one_hot_product_and_repeated_indices_add():
    layer = Embedding(6, 3, rng=0)
    idx = np.array([[1, 1, 1], [5, 0, 1]])
    y = layer(idx)
    assert y.shape == (2, 3, 3) and np.array_equal(y, np.eye(6)[idx] @ layer.weight.data)
    g = np.random.default_rng(0).normal(size=y.shape)
    assert layer.backward(g) is None and layer.backward(g, input_grad=False) is None
    assert np.allclose(layer.weight.grad[1], 2 * (g[0].sum(axis=0) + g[1, 2]))   # two passes
    assert np.array_equal(layer.weight.grad[[2, 3, 4]], np.zeros((3, 3)))


@pytest.mark.parametrize("shape", [(7,), (2, 5), (3, 2, 4), ()])
def test_embedding_gradient_against_central_differences(shape):
    layer = Embedding(5, 4, rng=1)
    idx = np.random.default_rng(1).integers(0, 5, size=shape)
    g = np.random.default_rng(2).normal(size=shape + (4,))
    layer(idx)
    layer.backward(g)
    numeric = numerical_gradient(lambda: float(np.sum(layer(idx) * g)), layer.weight.data)
    assert relative_error(layer.weight.grad, numeric) < 1e-7


def test_embedding_matches_live_torch():
    torch = pytest.importorskip("torch")
    t = torch.nn.Embedding(13, 7, dtype=torch.float64)
    layer = Embedding(13, 7)
    layer.weight.data[...] = t.weight.detach().numpy()
    rng = np.random.default_rng(3)
    idx = rng.integers(0, 13, size=(3, 9))
    g = rng.normal(size=(3, 9, 7))
    y = t(torch.from_numpy(idx))
    y.backward(torch.from_numpy(g))
    assert np.array_equal(layer(idx), y.detach().numpy())
    layer.backward(g)
    assert np.abs(layer.weight.grad - t.weight.grad.numpy()).max() < 1e-12


def test_embedding_initialization_dtype_and_state():
    layer = Embedding(1000, 50, rng=0, dtype=np.float32)
    w = layer.weight.data
    assert w.dtype == np.float32 and abs(w.std() - 1) < 0.02 and abs(w.mean()) < 0.02
    assert layer(np.array([3, 4], dtype=np.int32)).dtype == np.float32
    assert list(layer.state_dict()) == ["weight"] and repr(layer) == "Embedding(1000, 50)"
    assert layer.weight.grad is None


@pytest.mark.parametrize("indices, error, match", [
    (np.array([0, -1]), ValueError, r"indices must be in \[0, 5\), got values from -1 to 0"),
    (np.array([[0, 5]]), ValueError, r"indices must be in \[0, 5\), got values from 0 to 5; a "
                                     "token outside the table has no vector"),
    (np.array([0.0, 1.0]), ValueError, "indices must be integer token indices, got dtype float64; "
                                       r"convert them with indices.astype\(np.int64\)"),
    (np.array([True, False]), ValueError, "indices must be integer token indices, got dtype bool"),
    ([0, 1], TypeError, "indices must be a NumPy array, got list"),
])
def test_embedding_refuses_bad_indices(indices, error, match):
    with pytest.raises(error, match=match):
        Embedding(5, 2)(indices)


def test_embedding_constructor_and_gradient_errors():
    with pytest.raises(ValueError, match="num_embeddings must be a positive integer, got 0"):
        Embedding(0, 3)
    with pytest.raises(TypeError, match="embedding_dim must be a positive integer, got 2.5"):
        Embedding(3, 2.5)
    layer = Embedding(5, 2)
    layer(np.array([1, 2]))
    with pytest.raises(ValueError, match=r"grad_output must be of the last output's shape \(2, 2\)"):
        layer.backward(np.zeros((2, 3)))


def test_sinusoidal_table_closed_form_and_properties():
    enc = SinusoidalPositionalEncoding(7, max_len=50)             # odd: ends with a sine
    j = np.arange(50)[:, None]
    for c in range(7):
        w = 10000.0 ** (-(c - c % 2) / 7)
        expected = np.sin(w * j[:, 0]) if c % 2 == 0 else np.cos(w * j[:, 0])
        assert np.allclose(enc.pe[:, c], expected, rtol=0, atol=1e-12)
    x = np.random.default_rng(4).normal(size=(3, 10, 7)).astype(np.float32)
    y = enc(x)
    assert y.dtype == np.float32 and np.allclose(y, x + enc.pe[:10], atol=1e-6)
    g = np.ones_like(x)
    assert enc.backward(g) is g and enc.backward(g, input_grad=False) is None
    assert enc.parameters() == []


def test_learned_positional_encoding_gradients_and_errors():
    layer = LearnedPositionalEncoding(9, 4, rng=5)
    x = np.random.default_rng(5).normal(size=(2, 6, 4))
    assert max(gradient_errors(layer, x).values()) < 1e-7
    assert np.array_equal(layer.weight.grad[6:], np.zeros((3, 4)))
    layer.zero_grad()
    layer(x)
    assert layer.backward(np.ones_like(x), input_grad=False) is None
    assert np.array_equal(layer.weight.grad[:6], 2 * np.ones((6, 4)))
    with pytest.raises(ValueError, match="x must be at most max_len = 9 positions, got 10; build "
                                         "the layer with a larger max_len"):
        layer(np.zeros((1, 10, 4)))
    with pytest.raises(ValueError, match=r"x must be of shape \(N, T, 4\), got \(1, 3, 5\); a batch "
                                         r"of N sequences of T positions"):
        layer(np.zeros((1, 3, 5)))
    with pytest.raises(ValueError, match="x must be float64, got float32"):
        layer(np.zeros((1, 3, 4), dtype=np.float32))
    with pytest.raises(ValueError, match="x must be at most max_len = 4 positions"):
        SinusoidalPositionalEncoding(4, max_len=4)(np.zeros((1, 5, 4)))
