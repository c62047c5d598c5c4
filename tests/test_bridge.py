"""nnlib.bridge: to_torch and from_torch, against PyTorch itself.

Every test that converts needs PyTorch and asks for it with pytest.importorskip inside the test, since
nnlib's tests also run where only NumPy is installed; in the book's environment PyTorch is installed
and none of them is skipped. The tests of what happens without PyTorch hide it instead.

A network of every layer nnlib has is converted in float64 and float32 and compared with PyTorch in
training and in evaluation mode: outputs, the loss, the gradients of every parameter and of the input,
and the running statistics of batch normalization, to 1e-12 (float64) and 1e-5 (float32), both
relative to the size of the values compared. Converting to PyTorch and back is exact, a network
trained by nnlib trains on in PyTorch with the same steps, and every setting that nnlib cannot
represent is refused with a message naming the layer.
"""
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nnlib
from nnlib import (AvgPool2d, BatchNorm1d, BatchNorm2d, BCELoss, BCEWithLogitsLoss, Conv2d,
                   CrossEntropyLoss, Dropout, Embedding, Flatten, GELU, HuberLoss, L1Loss,
                   LayerNorm, LeakyReLU, LearnedPositionalEncoding, Linear, MaxPool2d, Module,
                   ModuleDict, ModuleList, MSELoss, MultiheadAttention, ReLU, SGD, Sequential,
                   Sigmoid, SinusoidalPositionalEncoding, Softmax, Tanh, TransformerBlock,
                   TransformerLM, fit, from_torch, register_converter, register_layer, to_torch)
from nnlib.bridge import _FROM_TORCH, _REFUSED, _TO_TORCH

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "chapters" / "using_nnlib.ipynb"
TOLERANCE = {np.float64: 1e-12, np.float32: 1e-5}
# dtype name -> the largest difference any comparison with PyTorch found (printed with -s)
LARGEST = {"float64": 0.0, "float32": 0.0}


def record(differences, dtype):
    """Keep the largest of ``differences`` for ``dtype``; return the worst (name, value)."""
    worst = max(differences, key=differences.get)
    name = np.dtype(dtype).name
    LARGEST[name] = max(LARGEST[name], differences[worst])
    return worst, differences[worst]


def assert_agrees(differences, dtype):
    """Every one of ``differences`` is within ``dtype``'s tolerance; the largest is recorded."""
    worst, value = record(differences, dtype)
    assert value <= TOLERANCE[dtype], f"{worst}: {value:.1e}"


@pytest.fixture(scope="module", autouse=True)
def print_largest_differences():
    yield
    print("\nlargest difference from PyTorch over every comparison: "
          + ", ".join(f"{k} {v:.1e}" for k, v in LARGEST.items()))


def every_layer(dtype, rng=0):
    """A network with every layer of nnlib, for images of shape (N, 3, 10, 10): a square Linear
    weight (16, 16), whose transposition no shape would catch, a layer without bias, batch
    normalization with and without affine parameters and running statistics."""
    rng = np.random.default_rng(rng)
    model = Sequential(
        Conv2d(3, 4, 3, padding=1, rng=rng, dtype=dtype),           # (N, 4, 10, 10)
        BatchNorm2d(4, dtype=dtype), ReLU(),
        MaxPool2d(2),                                                # (N, 4, 5, 5)
        Conv2d(4, 6, (2, 3), stride=(1, 2), padding=(1, 0), bias=False, rng=rng,
               dtype=dtype),                                         # (N, 6, 6, 2)
        BatchNorm2d(6, affine=False, dtype=dtype), Tanh(),
        AvgPool2d((3, 2), stride=(1, 1)),                            # (N, 6, 4, 1)
        Dropout(0.0), Flatten(),                                     # (N, 24)
        Sequential(Linear(24, 16, rng=rng, dtype=dtype),
                   BatchNorm1d(16, momentum=0.3, dtype=dtype), LeakyReLU(0.2)),
        Linear(16, 16, rng=rng, dtype=dtype),                        # square
        BatchNorm1d(16, track_running_stats=False, dtype=dtype), Sigmoid(),
        Linear(16, 5, bias=False, rng=rng, dtype=dtype), Softmax(dim=1))
    for name, p in model.named_parameters():     # not the initial values: ones and zeros
        p.data[...] = rng.uniform(0.5, 1.5, p.shape) if name.endswith(("1.weight", "1.bias")) \
            else p.data + rng.normal(0, 0.1, p.shape).astype(dtype)
    return model


def torch_layout(model, name, array):
    """``array``, an nnlib parameter named ``name``, in PyTorch's layout: Linear's weight transposed."""
    layer = model
    for part in name.split(".")[:-1]:
        layer = layer[int(part) if part.isdigit() else part] if isinstance(
            layer, (Sequential, ModuleList, ModuleDict)) else getattr(layer, part)
    return array.T if isinstance(layer, Linear) and name.endswith("weight") else array


def difference(a, b):
    """max |a - b|, relative to the largest |b| (at least 1)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.abs(a - b).max() / max(1.0, np.abs(b).max()))


def compare_with_torch(model, x, target, loss_fn, torch):
    """The largest relative difference between nnlib and PyTorch in the output, the loss, the input's
    gradient (none for integer tokens), every parameter's gradient, and the running statistics after
    the forward pass."""
    net, torch_loss = to_torch(model), to_torch(loss_fn)
    tokens = x.dtype.kind == "i"
    xt = torch.from_numpy(x) if tokens else torch.tensor(x, requires_grad=True)
    y = model(x)
    loss = loss_fn(y, target)
    dx = model.backward(loss_fn.backward(), input_grad=True)
    yt = net(xt)
    loss_t = torch_loss(yt, torch.from_numpy(target))
    loss_t.backward()
    assert yt.dtype == getattr(torch, y.dtype.name)
    torch_params = dict(net.named_parameters())
    torch_state = net.state_dict()
    differences = {"output": difference(y, yt.detach().numpy()),
                   "loss": difference(loss, loss_t.item())}
    if tokens:
        assert dx is None and xt.grad is None
    else:
        assert xt.grad.dtype == yt.dtype
        differences["input's gradient"] = difference(dx, xt.grad.numpy())
    for name, p in model.named_parameters():
        differences[f"{name} gradient"] = difference(
            torch_layout(model, name, p.grad), torch_params[name].grad.numpy())
    for name, array in model.state_dict().items():
        if "running" in name:
            differences[name] = difference(array, torch_state[name].numpy())
    return differences


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_every_layer_agrees_with_pytorch(dtype, mode):
    torch = pytest.importorskip("torch")
    model = getattr(every_layer(dtype), mode)()
    rng = np.random.default_rng(1)
    x = rng.normal(size=(8, 3, 10, 10)).astype(dtype)
    target = rng.integers(0, 5, size=8)
    differences = compare_with_torch(model, x, target, CrossEntropyLoss(), torch)
    assert_agrees(differences, dtype)
    assert len(differences) == 3 + len(model.parameters()) + 6     # 6 running statistics


def every_sequence_layer(dtype, rng=0):
    """A network of chapter 15's layers for tokens of shape (N, 4): an Embedding, LayerNorm with
    and without affine parameters or bias, GELU in both forms, inside a ModuleList-free
    Sequential; the affine parameters are moved away from their initial ones and zeros."""
    rng = np.random.default_rng(rng)
    model = Sequential(
        Embedding(11, 6, rng=rng, dtype=dtype), LayerNorm(6, dtype=dtype),    # (N, 4, 6)
        GELU(), LayerNorm((4, 6), elementwise_affine=False, dtype=dtype),
        Flatten(), Linear(24, 12, rng=rng, dtype=dtype),                      # (N, 12)
        GELU("tanh"), LayerNorm(12, eps=1e-3, bias=False, dtype=dtype),
        Linear(12, 5, rng=rng, dtype=dtype))
    for p in model.parameters():
        p.data += rng.normal(0, 0.3, p.shape).astype(dtype)
    return model


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_every_sequence_layer_agrees_with_pytorch(dtype, mode):
    torch = pytest.importorskip("torch")
    model = getattr(every_sequence_layer(dtype), mode)()
    rng = np.random.default_rng(5)
    tokens = rng.integers(0, 11, size=(8, 4))
    tokens[0, :2] = 3                                    # a token twice: its rows' gradients add
    differences = compare_with_torch(model, tokens, rng.integers(0, 5, size=8),
                                     CrossEntropyLoss(), torch)
    assert_agrees(differences, dtype)
    assert len(differences) == 2 + len(model.parameters())


# (name, keyword arguments of the call) of every way MultiheadAttention is called below
ATTENTION_CALLS = ["no mask", "key_padding_mask", "boolean attn_mask", "float attn_mask per head",
                   "both masks", "self-attention, causal", "weights per head", "no weights"]


def attention_call(case, rng, n, l, s, heads, dtype):
    """The masks and options of the call ``case`` (no query has every key masked: PyTorch gives
    NaN there, nnlib the bias of out_proj, as chapter 15 says)."""
    padding = np.zeros((n, s), dtype=bool)
    padding[0, -2:], padding[-1, -1] = True, True
    causal = np.triu(np.ones((l, s), dtype=bool), k=1)
    return {"no mask": {},
            "key_padding_mask": {"key_padding_mask": padding},
            "boolean attn_mask": {"attn_mask": causal},
            "float attn_mask per head": {
                "attn_mask": rng.normal(size=(n * heads, l, s)).astype(dtype)},
            "both masks": {"key_padding_mask": padding, "attn_mask": causal},
            "self-attention, causal": {"attn_mask": causal},
            "weights per head": {"average_attn_weights": False},
            "no weights": {"need_weights": False}}[case]


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("batch_first", [True, False], ids=["batch_first", "sequence_first"])
@pytest.mark.parametrize("case", ATTENTION_CALLS)
def test_multihead_attention_agrees_with_pytorch(dtype, mode, batch_first, case):
    """nnlib's parameters map one to one onto torch.nn.MultiheadAttention's: outputs, weights, the
    gradients of query, key and value and of every parameter agree, with and without masks."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    n, e, heads = 3, 8, 2
    l, s = (5, 5) if case.startswith("self") else (4, 6)
    layer = getattr(MultiheadAttention(e, heads, batch_first=batch_first, rng=rng, dtype=dtype),
                    mode)()
    for p in layer.parameters():                         # biases away from zero
        p.data += rng.normal(0, 0.2, p.shape).astype(dtype)
    module = to_torch(layer)
    assert isinstance(module, torch.nn.MultiheadAttention) and module.training == layer.training
    shape = (lambda t: (n, t, e)) if batch_first else (lambda t: (t, n, e))
    query = rng.normal(size=shape(l)).astype(dtype)
    key, value = (query, query) if case.startswith("self") else (
        rng.normal(size=shape(s)).astype(dtype), rng.normal(size=shape(s)).astype(dtype))
    options = attention_call(case, rng, n, l, s, heads, dtype)
    output, weights = layer(query, key, value, **options)
    grad = rng.normal(size=output.shape).astype(dtype)
    grads = layer.backward(grad)
    tensors = {"query": torch.tensor(query, requires_grad=True)}
    if case.startswith("self"):
        tensors["key"] = tensors["value"] = tensors["query"]
        grads = (sum(grads),)                            # one input: the three gradients add
    else:
        tensors.update({k: torch.tensor(a, requires_grad=True) for k, a in
                        (("key", key), ("value", value))})
    torch_options = {k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v
                     for k, v in options.items()}
    output_t, weights_t = module(tensors["query"], tensors["key"], tensors["value"],
                                 **torch_options)
    output_t.backward(torch.from_numpy(grad))
    differences = {"output": difference(output, output_t.detach().numpy())}
    if weights is None:
        assert weights_t is None and case == "no weights"
    else:
        differences["weights"] = difference(weights, weights_t.detach().numpy())
    unique = list(dict.fromkeys(tensors.values()))
    for name, g, t in zip(("query", "key", "value"), grads, unique):
        differences[f"{name}'s gradient"] = difference(g, t.grad.numpy())
    torch_params = dict(module.named_parameters())
    for name, p in layer.named_parameters():
        array = p.grad.T if name == "out_proj.weight" else p.grad
        differences[f"{name} gradient"] = difference(array, torch_params[name].grad.numpy())
    assert_agrees(differences, dtype)
    assert len(differences) == 1 + (weights is not None) + len(unique) + 4


def test_a_transformer_block_follows_the_fix_its_refusal_gives():
    """to_torch refuses TransformerBlock and says how to build it in PyTorch; done as it says, the
    PyTorch layer computes the block's outputs and gradients."""
    torch = pytest.importorskip("torch")
    block = TransformerBlock(8, 2, 16, rng=0)
    for p in block.parameters():
        p.data += np.random.default_rng(1).normal(0, 0.2, p.shape)
    with pytest.raises(TypeError, match="TransformerEncoderLayer"):
        to_torch(block)
    layer = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation="gelu",
                                             batch_first=True, norm_first=True,
                                             dtype=torch.float64)
    for name in ("norm1", "self_attn", "norm2", "linear1", "linear2"):
        setattr(layer, name, to_torch(getattr(block, name)))
    x = np.random.default_rng(2).normal(size=(3, 5, 8))
    xt = torch.tensor(x, requires_grad=True)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=torch.float64)
    yt = layer(xt, src_mask=mask, is_causal=True)
    y = block(x)
    grad = np.random.default_rng(3).normal(size=y.shape)
    yt.backward(torch.from_numpy(grad))
    differences = {"output": difference(y, yt.detach().numpy()),
                   "input's gradient": difference(block.backward(grad), xt.grad.numpy())}
    worst, value = record(differences, np.float64)
    assert value <= 1e-12, f"{worst}: {value:.1e}"


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("loss_fn, make_target", [
    (MSELoss(), lambda rng, n: rng.normal(size=(n, 3))),
    (L1Loss(), lambda rng, n: rng.normal(size=(n, 3))),
    (HuberLoss(delta=0.5), lambda rng, n: rng.normal(size=(n, 3))),
    (BCELoss(), lambda rng, n: rng.integers(0, 2, size=(n, 3)).astype(float)),
    (BCEWithLogitsLoss(), lambda rng, n: rng.uniform(size=(n, 3))),
    (CrossEntropyLoss(), lambda rng, n: rng.integers(0, 3, size=n)),
], ids=["MSELoss", "L1Loss", "HuberLoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss"])
def test_every_loss_agrees_with_pytorch(dtype, loss_fn, make_target):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    last = Sigmoid() if isinstance(loss_fn, BCELoss) else Tanh()
    model = Sequential(Linear(4, 3, rng=rng, dtype=dtype), last)
    target = make_target(rng, 6)
    target = target.astype(dtype) if target.dtype.kind == "f" else target
    differences = compare_with_torch(model, rng.normal(size=(6, 4)).astype(dtype), target,
                                     loss_fn, torch)
    worst, value = record(differences, dtype)
    assert value <= TOLERANCE[dtype], differences


def test_a_square_linear_weight_is_transposed():
    torch = pytest.importorskip("torch")
    layer = Linear(3, 3, rng=0)
    layer.weight.data[...] = np.arange(9.0).reshape(3, 3)   # W != W^T
    module = to_torch(layer)
    assert np.array_equal(module.weight.detach().numpy(), layer.weight.data.T)
    x = np.random.default_rng(0).normal(size=(4, 3))
    assert difference(module(torch.from_numpy(x)).detach().numpy(), layer(x)) < 1e-15
    assert np.array_equal(from_torch(module).weight.data, layer.weight.data)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_nnlib_to_torch_and_back_is_exact_and_keeps_dtype_and_modes(dtype):
    torch = pytest.importorskip("torch")
    model = every_layer(dtype)
    model(np.random.default_rng(3).normal(size=(8, 3, 10, 10)).astype(dtype))  # running stats
    model[1].eval()                                         # modes are kept layer by layer
    net = to_torch(model)
    assert all(t.dtype == getattr(torch, np.dtype(dtype).name) for t in net.parameters())
    assert [m.training for m in net.modules()] == [m.training for m in model.modules()]
    assert all(int(t) == 0 for k, t in net.state_dict().items() if "num_batches" in k)
    back = from_torch(net)
    assert repr(back) == repr(model)
    assert [m.training for m in back.modules()] == [m.training for m in model.modules()]
    assert list(back.state_dict()) == list(model.state_dict())
    for name, array in model.state_dict().items():
        assert back.state_dict()[name].dtype == array.dtype
        assert np.array_equal(back.state_dict()[name], array), name


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_containers_and_chapter_15s_layers_go_to_pytorch_and_back_exactly(dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    model = ModuleDict({
        "attention": MultiheadAttention(6, 3, rng=rng, dtype=dtype),
        "plain": MultiheadAttention(6, 2, bias=False, batch_first=False, rng=rng, dtype=dtype),
        "layers": ModuleList([every_sequence_layer(dtype), LayerNorm(6, dtype=dtype),
                              GELU("tanh"), HuberLoss(0.3), L1Loss()])})
    model["layers"][0][1].eval()
    model["plain"].out_proj.eval()                      # modes are kept layer by layer
    net = to_torch(model)
    assert isinstance(net, torch.nn.ModuleDict) and list(net) == list(model)
    assert isinstance(net["layers"], torch.nn.ModuleList) and net["plain"].batch_first is False
    assert [m.training for m in net.modules()] == [m.training for m in model.modules()]
    assert all(t.dtype == getattr(torch, np.dtype(dtype).name) for t in net.parameters())
    torch_state = net.state_dict()
    for name, array in model.state_dict().items():     # the same names; Linear's transposed
        assert np.array_equal(torch_state[name].numpy(), torch_layout(model, name, array))
    back = from_torch(net)
    assert repr(back) == repr(model)
    assert [m.training for m in back.modules()] == [m.training for m in model.modules()]
    assert list(back.state_dict()) == list(model.state_dict())
    for name, array in model.state_dict().items():
        assert back.state_dict()[name].dtype == array.dtype
        assert np.array_equal(back.state_dict()[name], array), name


def test_pytorchs_attention_goes_to_nnlib_and_back_exactly():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    for net in (torch.nn.MultiheadAttention(8, 4), torch.nn.MultiheadAttention(
            8, 2, bias=False, batch_first=True, dtype=torch.float64)):
        with torch.no_grad():
            for p in net.parameters():
                p.add_(torch.randn_like(p))
        layer = from_torch(net)
        assert layer.batch_first == net.batch_first and layer.num_heads == net.num_heads
        again = to_torch(layer)
        assert repr(again) == repr(net)
        for (name, a), (other, b) in zip(net.state_dict().items(), again.state_dict().items()):
            assert name == other and torch.equal(a, b), name
        shape = (2, 5, 8) if net.batch_first else (5, 2, 8)
        x = torch.randn(*shape, dtype=net.out_proj.weight.dtype)
        y, w = net(x, x, x)
        y_nnlib, w_nnlib = layer(*[x.numpy()] * 3)
        tolerance = TOLERANCE[np.float64 if x.dtype == torch.float64 else np.float32]
        assert difference(y_nnlib, y.detach().numpy()) <= tolerance
        assert difference(w_nnlib, w.detach().numpy()) <= tolerance


def test_torch_to_nnlib_and_back_is_exact():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2), torch.nn.ReLU(),
                              torch.nn.MaxPool2d(2, stride=1), torch.nn.Flatten(),
                              torch.nn.Linear(2 * 7 * 7, 4), torch.nn.Dropout(0.25),
                              torch.nn.Linear(4, 4), torch.nn.Softmax(dim=-1)).double()
    net(torch.randn(5, 1, 10, 10, dtype=torch.float64))    # running statistics; 1 batch tracked
    net.eval()
    again = to_torch(from_torch(net, rng=0))
    assert repr(again) == repr(net) and not any(m.training for m in again.modules())
    for (name, a), (other, b) in zip(net.state_dict().items(), again.state_dict().items()):
        assert name == other and a.dtype == b.dtype
        assert torch.equal(a, b) or name.endswith("num_batches_tracked"), name
    x = torch.randn(3, 1, 10, 10, dtype=torch.float64)
    assert torch.equal(net(x), again(x))


def test_a_pytorch_layer_at_two_places_is_refused_with_the_fix():
    """PyTorch lets one module sit at two places of a Sequential (autograd keeps both
    calls apart); an nnlib layer keeps one forward pass for its backward pass, so
    nnlib's Sequential refuses that, and from_torch says so and how to share weights."""
    torch = pytest.importorskip("torch")
    shared = torch.nn.Linear(3, 3)
    net = torch.nn.Sequential(shared, torch.nn.ReLU(), shared)
    with pytest.raises(ValueError, match="one place only.*share Parameters"):
        from_torch(net)
    with pytest.raises(ValueError, match="one place only"):
        Sequential(*[Linear(3, 3, rng=0)] * 2)


def test_dropout_converts_in_both_modes_with_its_generator():
    torch = pytest.importorskip("torch")
    model = Sequential(Linear(4, 4, rng=0), Dropout(0.5, rng=0))
    net = to_torch(model)
    assert net[1].p == 0.5 and net[1].training
    x = np.random.default_rng(0).normal(size=(3, 4))
    model.eval(), net.eval()
    assert difference(model(x), net(torch.from_numpy(x)).detach().numpy()) < 1e-15
    first, second = from_torch(net, rng=7), from_torch(net, rng=7)
    first.train(), second.train()
    assert np.array_equal(first(x), second(x))           # the same seed, the same masks


def test_a_network_trained_by_nnlib_trains_on_in_pytorch():
    """Three epochs in nnlib; then the same full-batch SGD steps in nnlib and in PyTorch keep the two
    networks equal to rounding, and the loss keeps falling."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5))
    y = (X[:, 0] + X[:, 1] ** 2 > 1).astype(np.int64) + (X[:, 2] > 0.5)
    model = Sequential(Linear(5, 16, rng=rng), BatchNorm1d(16), ReLU(), Linear(16, 3, rng=rng))
    loss_fn = CrossEntropyLoss()
    history = fit(model, loss_fn, SGD(model.parameters(), lr=0.1), X, y, epochs=3,
                  batch_size=20, rng=0)
    assert history["loss"][-1] < history["loss"][0]
    net = to_torch(model)
    optimizer, torch_optimizer = SGD(model.parameters(), lr=0.1), torch.optim.SGD(
        net.parameters(), lr=0.1)
    torch_loss, x, labels = torch.nn.CrossEntropyLoss(), torch.from_numpy(X), torch.from_numpy(y)
    losses = []
    for _ in range(20):
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        model.backward(loss_fn.backward())
        optimizer.step()
        torch_optimizer.zero_grad()
        torch_loss_value = torch_loss(net(x), labels)
        torch_loss_value.backward()
        torch_optimizer.step()
        assert abs(torch_loss_value.item() - loss) < 1e-12
        losses.append(torch_loss_value.item())
    assert losses[-1] < losses[0] < history["loss"][-1]
    for (name, p), (other, t) in zip(model.named_parameters(), net.named_parameters()):
        assert name == other
        assert difference(torch_layout(model, name, p.data), t.detach().numpy()) < 1e-12


def test_an_unsupported_nnlib_layer_is_named_by_its_path_and_class_before_torch_is_imported(
        monkeypatch):
    class PReLU(Module):
        def forward(self, x):
            return x

    class WiderLinear(Linear):                  # a subclass may compute something else
        pass

    monkeypatch.setitem(sys.modules, "torch", None)         # as if PyTorch were not installed
    cases = [(Sequential(Linear(2, 2), Sequential(ReLU(), PReLU())), 'the layer at "1.1"', "PReLU"),
             (Sequential(WiderLinear(2, 2)), 'the layer at "0"', "WiderLinear"),
             (PReLU(), "the model", "PReLU")]
    for model, where, name in cases:
        with pytest.raises(TypeError, match=rf"^to_torch: {where} must be a layer the bridge "
                           rf"converts \(AvgPool2d, .*, Tanh\), got {name}; register one with "):
            to_torch(model)
    with pytest.raises(ModuleNotFoundError, match="to_torch needs PyTorch, which is not installed"):
        to_torch(Linear(2, 2))
    with pytest.raises(ModuleNotFoundError, match="from_torch needs PyTorch"):
        from_torch(object())
    with pytest.raises(TypeError, match="to_torch: model must be a Module, got ndarray"):
        to_torch(np.ones(3))


def test_what_nnlib_cannot_represent_is_refused_naming_the_layer():
    torch = pytest.importorskip("torch")
    nn = torch.nn

    class MyLinear(nn.Linear):
        pass

    cases = [
        (nn.Sequential(nn.Linear(2, 2), nn.SiLU()), TypeError,
         r'the layer at "1" must be a layer the bridge converts \(.*\), got SiLU'),
        (nn.Sequential(MyLinear(2, 2)), TypeError, r'the layer at "0" must be .*, got MyLinear'),
        (nn.Sequential(nn.ReLU(), nn.MaxPool2d(2, padding=1)), ValueError,
         r'padding of the MaxPool2d at "1" must be 0, got 1; nnlib\'s MaxPool2d has no padding'),
        (nn.MaxPool2d(2, ceil_mode=True), ValueError, r"ceil_mode of the MaxPool2d \(the model"),
        (nn.AvgPool2d(2, divisor_override=3), ValueError, "divisor_override of the AvgPool2d"),
        (nn.Conv2d(2, 2, 3, dilation=2), ValueError, "dilation of the Conv2d .* must be 1, got"),
        (nn.Conv2d(2, 2, 3, groups=2), ValueError, "groups of the Conv2d .* must be 1, got 2"),
        (nn.Conv2d(2, 2, 3, padding_mode="reflect"), ValueError, "padding_mode of the Conv2d"),
        (nn.Sequential(nn.Conv2d(2, 2, 3, padding="same")), TypeError,
         r"from_torch: the Conv2d at \"0\": Conv2d: padding must be an int or a pair"),
        (nn.BatchNorm1d(3, momentum=None), TypeError, "nnlib has no cumulative average"),
        (nn.BatchNorm1d(3, bias=False), ValueError, "the arrays of the BatchNorm1d .* must be "
         "weight, bias, running_mean, running_var, got weight, running_mean, running_var"),
        (nn.Dropout(1.0), ValueError, r"from_torch: the Dropout \(the model itself\): Dropout"),
        (nn.Flatten(0), ValueError, "start_dim of the Flatten .* must be 1, got 0"),
        (nn.Softmax(), TypeError, "Softmax: dim must be an int, got None"),
        (nn.MSELoss(reduction="sum"), ValueError, "reduction of the MSELoss .* must be 'mean'"),
        (nn.CrossEntropyLoss(label_smoothing=0.1), ValueError, "label_smoothing of the"),
        (nn.CrossEntropyLoss(weight=torch.ones(3)), ValueError, "weight of the CrossEntropyLoss"),
        (nn.CrossEntropyLoss(ignore_index=0), ValueError, "ignore_index of the CrossEntropyLoss"),
        (nn.BCEWithLogitsLoss(pos_weight=torch.ones(3)), ValueError, "pos_weight of the"),
        (nn.Linear(2, 2).half(), ValueError, "the dtype of weight of the Linear .* must be float32 "
         r"or float64, got torch.float16; convert the module with .float\(\) or .double\(\)"),
        (nn.ModuleList([nn.Linear(2, 2), nn.Identity()]), TypeError,
         r'the layer at "1" must be a layer the bridge converts .*, got Identity'),
        (nn.ModuleDict({"a": nn.Sequential(nn.Softplus())}), TypeError,
         r'the layer at "a.0" must be .*, got Softplus'),
        (nn.TransformerEncoderLayer(8, 2), TypeError, "got TransformerEncoderLayer"),
        (nn.Embedding(5, 3, padding_idx=0), ValueError,
         "padding_idx of the Embedding .* must be None, got 0; nnlib's Embedding has no"),
        (nn.Embedding(5, 3, max_norm=1.0), ValueError, "max_norm of the Embedding"),
        (nn.Embedding(5, 3, sparse=True), ValueError, "sparse of the Embedding"),
        (nn.HuberLoss(reduction="sum"), ValueError, "reduction of the HuberLoss"),
        (nn.L1Loss(reduction="none"), ValueError, "reduction of the L1Loss"),
        (nn.Sequential(nn.MultiheadAttention(4, 2, dropout=0.1)), ValueError,
         'from_torch: the MultiheadAttention at "0": MultiheadAttention: dropout must be .*, '
         "got 0.1; attention dropout is not implemented"),
        (nn.MultiheadAttention(4, 2, add_bias_kv=True), ValueError, "add_bias_kv must be .*False"),
        (nn.MultiheadAttention(4, 2, add_zero_attn=True), ValueError, "add_zero_attn must be"),
        (nn.MultiheadAttention(4, 2, kdim=3), ValueError, "kdim must be .*, got 3"),
        (nn.MultiheadAttention(4, 2).half(), ValueError, "the dtype of out_proj.weight of the "
         r"MultiheadAttention \(the model itself\) must be float32 or float64"),
    ]
    for module, error, message in cases:
        with pytest.raises(error, match=message):
            from_torch(module)
    with pytest.raises(TypeError, match="from_torch: module must be a Module, got Linear"):
        from_torch(Linear(2, 2))


def test_register_converter_checks_its_arguments_and_extends_the_table():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="register_converter: nnlib_class must be a type, got str"):
        register_converter("Linear", "Linear", None, None)
    with pytest.raises(TypeError, match="nnlib_class must be a subclass of Module, got int"):
        register_converter(int, "Linear", None, None)

    class Identity(Module):                     # PyTorch's name; nnlib has no such layer
        def forward(self, x):
            return x

    try:
        register_layer(Identity)
        net = to_torch(Sequential(Identity(), Linear(2, 2)))
        assert isinstance(net[0], torch.nn.Identity)
        assert isinstance(from_torch(net)[0], Identity)
    finally:
        del _TO_TORCH[Identity], _FROM_TORCH["Identity"]


# The layers that torch.nn has no class for, each with the reason its refusal gives.
REFUSED = {
    SinusoidalPositionalEncoding: "torch.nn has no positional encoding",
    LearnedPositionalEncoding: "torch.nn has no layer that adds a table's first T rows",
    TransformerBlock: "only when it is called with the causal mask, which it does not hold",
    TransformerLM: "torch.nn has no decoder-only language model",
}


def test_every_layer_and_loss_of_nnlib_has_converters_or_is_refused_with_a_reason(monkeypatch):
    """A chapter that adds a layer adds its converters (register_layer or register_converter), or a
    refusal that says why PyTorch has no such layer and what to do instead."""
    modules = [getattr(nnlib, name) for name in nnlib.__all__
               if name not in ("NeuralNetClassifier", "NeuralNetRegressor")]
    layers = [c for c in modules if isinstance(c, type) and issubclass(c, Module) and c is not Module]
    missing = [c.__name__ for c in layers if c not in _TO_TORCH and c not in REFUSED]
    assert not missing, f"nnlib.bridge has no converters for {missing}"
    assert set(_REFUSED) == set(REFUSED) and not set(_TO_TORCH) & set(REFUSED)
    assert len(layers) == len(_TO_TORCH) + len(REFUSED) >= 30
    monkeypatch.setitem(sys.modules, "torch", None)         # refused before PyTorch is needed
    examples = {SinusoidalPositionalEncoding: SinusoidalPositionalEncoding(8),
                LearnedPositionalEncoding: LearnedPositionalEncoding(5, 8),
                TransformerBlock: TransformerBlock(8, 2), TransformerLM: TransformerLM(7, 8, 2, 1, 5)}
    for cls, reason in REFUSED.items():
        with pytest.raises(TypeError, match=rf'^to_torch: the layer at "1" must be a layer that '
                           rf"torch.nn has, got {cls.__name__}, which it has not: .*{reason}.*; "
                           r"in PyTorch, \w+"):
            to_torch(Sequential(Linear(8, 8), examples[cls]))


def test_a_refused_layer_converts_once_it_has_converters():
    torch = pytest.importorskip("torch")
    layer, saved = SinusoidalPositionalEncoding(4, max_len=6), dict(_REFUSED)

    class Positions(torch.nn.Module):                   # a module of one's own, in torch.nn
        def __init__(self, pe):
            super().__init__()
            self.register_buffer("pe", torch.from_numpy(pe))

        def forward(self, x):
            return x + self.pe[:x.shape[1]].to(x.dtype)

    try:
        torch.nn.Positions = Positions
        register_converter(SinusoidalPositionalEncoding, "Positions",
                           lambda layer, c: Positions(layer.pe),
                           lambda module, c: SinusoidalPositionalEncoding(*module.pe.shape[::-1]))
        assert SinusoidalPositionalEncoding not in _REFUSED
        x = np.random.default_rng(0).normal(size=(2, 5, 4))
        assert np.array_equal(to_torch(layer)(torch.from_numpy(x)).numpy(), layer(x))
        assert repr(from_torch(to_torch(layer))) == repr(layer)
    finally:
        del torch.nn.Positions, _TO_TORCH[SinusoidalPositionalEncoding], _FROM_TORCH["Positions"]
        _REFUSED.update(saved)


def test_import_nnlib_does_not_import_torch():
    code = "import sys, nnlib, nnlib.bridge; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, check=True)
    assert result.stdout.strip() == "False"


def markdown_blocks(section):
    """The ```python blocks of a section of the page "Using nnlib after the book"."""
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    body = re.search(rf"^## {section}\n(.*?)(?=^## )", text, re.M | re.S).group(1)
    return re.findall(r"^```python\n(.*?)^```", body, re.M | re.S)


def page_cell(marker):
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    sources = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    found = [s for s in sources if marker in s and not s.startswith("#|")]
    assert len(found) == 1, marker
    return found[0]


def test_the_pages_pytorch_code_runs_and_does_what_it_says(capsys):
    """The two blocks of "Moving on to PyTorch", run after the page's training script and its PReLU
    layer: the converted network computes nnlib's outputs, trains on in PyTorch, comes back."""
    torch = pytest.importorskip("torch")
    blocks = markdown_blocks("Moving on to PyTorch")
    assert len(blocks) == 2
    namespace = {}
    for marker in ("def make_model(seed)", "class PReLU(Module)", "prelu_model = Sequential("):
        exec(page_cell(marker), namespace)
    exec(blocks[0], namespace)
    assert namespace["difference"] < 1e-12
    losses, history = namespace["losses"], namespace["history"]
    assert losses[-1] < losses[0] < history["loss"][-1] * 1.05
    back, net, X_val = namespace["back"], namespace["net"], namespace["X_val"]
    net.eval()
    assert difference(namespace["predict"](back, X_val),
                      net(torch.from_numpy(X_val)).detach().numpy()) < 1e-12
    try:
        exec(blocks[1], namespace)
        prelu, net = namespace["prelu_model"], namespace["net"]
        assert isinstance(net[1], torch.nn.PReLU)
        assert difference(prelu(X_val), net(torch.from_numpy(X_val)).detach().numpy()) < 1e-12
        assert np.array_equal(from_torch(net)[1].weight.data, prelu[1].weight.data)
    finally:
        _TO_TORCH.pop(namespace["PReLU"], None), _FROM_TORCH.pop("PReLU", None)
    printed = capsys.readouterr().out
    assert "largest difference from nnlib's outputs" in printed and "'accuracy'" in printed
