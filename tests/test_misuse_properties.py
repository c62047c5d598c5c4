"""Property-based misuse tests of nnlib's public layers, losses, optimizers, schedulers
and training helpers, with Hypothesis.

Each property draws shapes, dtypes, values (NaN, +-inf, huge, subnormal, empty),
memory layouts (non-contiguous, negative strides, Fortran order, read-only) and argument
values (in and out of their documented ranges, of the wrong type), and states that every
call either

- raises ``TypeError`` or ``ValueError`` whose message names the class (or function) and
  the argument at fault, or
- returns what a reference returns: a closed form computed here in float64, or the same
  call on a contiguous, writeable float64 copy (a non-contiguous or read-only input
  gives exactly what its contiguous copy gives; a float32 input gives a float32 output
  close to the float64 one).

The examples are the same on every run (``derandomize=True``, see
``misuse_strategies.PROPERTY``). A defect a property finds in nnlib is fixed in the
chapter that owns the code, with a direct regression test beside that module's tests; no
case is left out here.
"""
import copy
import math

import numpy as np
import pytest

pytest.importorskip("hypothesis")

from hypothesis import assume, given                          # noqa: E402
from hypothesis import strategies as st                       # noqa: E402

import nnlib                                                  # noqa: E402
from misuse_strategies import (FEW, FLOATS, LAYOUTS, PROPERTY, arrays,  # noqa: E402
                               assert_names, close32, in_interval, is_int_at_least,
                               layout, outcome, quiet, reals, same, same_but_rounding)

# ---------------------------------------------------------------------------- layers


def _seq(dtype):
    return nnlib.Sequential(nnlib.Linear(3, 4, rng=0, dtype=dtype), nnlib.ReLU(),
                            nnlib.Linear(4, 2, rng=1, dtype=dtype))


def _mha(dtype):
    return nnlib.MultiheadAttention(4, 2, rng=0, dtype=dtype)


# name -> (make(dtype), the shape of a valid input from (N, draw), how to call it).
# Shapes keep every layer's minimum: BatchNorm needs 2 values per channel, pooling a
# window, positional encodings at most max_len steps.
def _any_shape(n, draw):
    return (n, *draw(st.lists(st.integers(1, 3), max_size=2)))


LAYERS = {
    "Sigmoid": (lambda dt: nnlib.Sigmoid(), _any_shape),
    "Tanh": (lambda dt: nnlib.Tanh(), _any_shape),
    "ReLU": (lambda dt: nnlib.ReLU(), _any_shape),
    "LeakyReLU": (lambda dt: nnlib.LeakyReLU(0.1), _any_shape),
    "Softmax": (lambda dt: nnlib.Softmax(-1), _any_shape),
    "GELU": (lambda dt: nnlib.GELU(), _any_shape),
    "GELU-tanh": (lambda dt: nnlib.GELU("tanh"), _any_shape),
    "Dropout": (lambda dt: nnlib.Dropout(0.5, rng=0), _any_shape),
    "Flatten": (lambda dt: nnlib.Flatten(), lambda n, d: (n, d(st.integers(1, 3)), 2)),
    "Linear": (lambda dt: nnlib.Linear(3, 2, rng=0, dtype=dt), lambda n, d: (n, 3)),
    "Sequential": (_seq, lambda n, d: (n, 3)),
    "BatchNorm1d": (lambda dt: nnlib.BatchNorm1d(3, dtype=dt),
                    lambda n, d: (max(n, 2), 3)),
    "BatchNorm2d": (lambda dt: nnlib.BatchNorm2d(2, dtype=dt),
                    lambda n, d: (n, 2, d(st.integers(2, 3)), 2)),
    "Conv2d": (lambda dt: nnlib.Conv2d(2, 3, 2, padding=1, rng=0, dtype=dt),
               lambda n, d: (n, 2, d(st.integers(1, 4)), d(st.integers(1, 3)))),
    "Conv2d-stride": (lambda dt: nnlib.Conv2d(1, 2, (2, 3), stride=2, rng=0, dtype=dt),
                      lambda n, d: (n, 1, d(st.integers(2, 5)), d(st.integers(3, 5)))),
    "MaxPool2d": (lambda dt: nnlib.MaxPool2d(2),
                  lambda n, d: (n, d(st.integers(1, 2)), d(st.integers(2, 4)), 3)),
    "AvgPool2d": (lambda dt: nnlib.AvgPool2d(2, stride=1),
                  lambda n, d: (n, d(st.integers(1, 2)), d(st.integers(2, 4)), 3)),
    "LayerNorm": (lambda dt: nnlib.LayerNorm(4, dtype=dt),
                  lambda n, d: (n, d(st.integers(1, 3)), 4)),
    "SinusoidalPositionalEncoding": (lambda dt: nnlib.SinusoidalPositionalEncoding(
        4, max_len=6), lambda n, d: (n, d(st.integers(1, 6)), 4)),
    "LearnedPositionalEncoding": (lambda dt: nnlib.LearnedPositionalEncoding(
        6, 4, rng=0, dtype=dt), lambda n, d: (n, d(st.integers(1, 6)), 4)),
    "MultiheadAttention": (_mha, lambda n, d: (n, d(st.integers(1, 3)), 4)),
    "TransformerBlock": (lambda dt: nnlib.TransformerBlock(4, 2, rng=0, dtype=dt),
                         lambda n, d: (n, d(st.integers(1, 3)), 4)),
}
# Layers whose parameters fix the dtype they take (the others take either float dtype).
TYPED = {"Linear", "Sequential", "BatchNorm1d", "BatchNorm2d", "Conv2d",
         "Conv2d-stride", "LayerNorm", "LearnedPositionalEncoding",
         "MultiheadAttention", "TransformerBlock"}
# The class a message must name, where the table's key is not it.
CLASS = {"GELU-tanh": "GELU", "Conv2d-stride": "Conv2d", "Sequential": "Linear"}


def _forward(name, layer, x):
    if name == "MultiheadAttention":
        return layer(x, x, x)[0]
    return layer(x)


def _backward(name, layer, g):
    result = layer.backward(g, input_grad=True)
    if name == "MultiheadAttention":          # dL/dquery, dL/dkey, dL/dvalue
        return result
    return (result,)


def _run(name, dtype, x, grad=None):
    """A new layer of ``dtype``'s forward pass on ``x`` and, given ``grad`` (a function
    of the output), its backward pass: (output, input gradients, parameter
    gradients)."""
    layer = LAYERS[name][0](dtype)
    y = quiet(_forward, name, layer, x)
    if grad is None:
        return y, (), []
    grads = quiet(_backward, name, layer, grad(y))
    return y, grads, [p.grad for p in layer.parameters()]


@pytest.mark.parametrize("name", LAYERS)
@PROPERTY
@given(data=st.data())
def test_layer_layout(name, data):
    """A non-contiguous, reversed, Fortran-ordered or read-only input (and gradient)
    gives exactly what its contiguous copy gives, for any values, NaN and inf too."""
    dtype = data.draw(st.sampled_from(FLOATS), "dtype")
    shape = LAYERS[name][1](data.draw(st.integers(1, 4), "N"), data.draw)
    x = data.draw(arrays(dtype, shape, "any"), "x")
    how = data.draw(st.sampled_from(LAYOUTS), "layout")
    g_how = data.draw(st.sampled_from(LAYOUTS), "grad layout")
    grads = {}

    def grad(y, arranged=False):
        if "g" not in grads:
            grads["g"] = data.draw(arrays(dtype, y.shape, "nice"), "grad_output")
        return layout(grads["g"], g_how) if arranged else grads["g"]

    expected = _run(name, dtype, x, grad)
    actual = _run(name, dtype, layout(x, how), lambda y: grad(y, arranged=True))
    check = same_but_rounding if name in MATMUL else same
    check(actual[0], expected[0])
    for a, e in zip(actual[1] + tuple(actual[2]), expected[1] + tuple(expected[2])):
        check(a, e)


# Layers whose matrix products take a strided operand as it is: NumPy's matmul hands a
# strided (or transposed) operand to BLAS without a copy, or takes its own loop, and
# either may sum in another order than for the contiguous copy, so the last bits of a
# result may differ (NumPy's doing, not nnlib's; the other layers copy into arrays of
# their own first, or compute elementwise, and must match exactly).
MATMUL = {"Linear", "Sequential", "MultiheadAttention", "TransformerBlock"}


# Not Dropout: its mask is drawn in x's dtype, so float32 draws another mask.
@pytest.mark.parametrize("name", [n for n in LAYERS if n != "Dropout"])
@PROPERTY
@given(data=st.data())
def test_layer_float32(name, data):
    """float32 in, float32 out (and float32 gradients), close to the float64 result of
    the same numbers and the same weights."""
    shape = LAYERS[name][1](data.draw(st.integers(1, 4), "N"), data.draw)
    x = data.draw(arrays(np.float64, shape, "nice"), "x")
    layer64 = LAYERS[name][0](np.float64)
    layer32 = copy.deepcopy(layer64)
    if name in TYPED:
        layer32.to(np.float32)
    y64 = _forward(name, layer64, x)
    y32 = _forward(name, layer32, x.astype(np.float32))
    close32(y32, y64)
    g = data.draw(arrays(np.float64, y64.shape, "nice"), "grad_output")
    for a, e in zip(_backward(name, layer32, g.astype(np.float32)),
                    _backward(name, layer64, g)):
        close32(a, e)
    for p32, p64 in zip(layer32.parameters(), layer64.parameters()):
        close32(p32.grad, p64.grad)


def _wrong_inputs(name, shape):
    """Inputs a layer may refuse, each with what it must then name."""
    x = np.linspace(-1, 1, math.prod(shape)).reshape(shape)
    wrong = {"list": x.tolist(), "int64": np.arange(x.size).reshape(shape) % 3,
             "bool": x > 0, "float16": x.astype(np.float16),
             "complex": x.astype(np.complex128), "0-d": np.array(0.5),
             "empty batch": np.zeros((0, *shape[1:])),
             "extra axis": x[None], "float32 in float64 layer": x.astype(np.float32)}
    if len(shape) > 1:
        wrong["one axis less"] = x.reshape(shape[0], -1)[:, 0]
        wrong["last axis longer"] = np.concatenate([x, x[..., :1]], axis=-1)
    return x, wrong


@pytest.mark.parametrize("name", LAYERS)
@FEW
@given(data=st.data())
def test_layer_wrong_input(name, data):
    """An input of the wrong type, dtype or shape raises TypeError or ValueError naming
    the layer and the input; if the layer takes it, the output is the one of the float
    array with the same numbers (an empty batch: an empty output)."""
    shape = LAYERS[name][1](data.draw(st.integers(1, 3), "N"), data.draw)
    x, wrong = _wrong_inputs(name, shape)
    kind = data.draw(st.sampled_from(sorted(wrong)), "kind")
    bad = wrong[kind]
    layer = LAYERS[name][0](np.float64)
    argument = "query" if name == "MultiheadAttention" else "x"
    status, result = outcome(_forward, name, layer, bad)
    if status == "error":
        assert_names(result, CLASS.get(name, name), argument)
        return
    if kind == "float32 in float64 layer" or kind == "float16":
        assert name not in TYPED, f"{name} took {kind}"
    if kind == "empty batch":
        assert result.shape[0] == 0 and result.dtype == np.float64
        return
    if name == "Flatten":                   # a reshape: any dtype is data to it
        reference = np.asarray(bad).reshape(len(bad), -1)
        assert result.dtype == reference.dtype
    else:
        reference = _forward(name, LAYERS[name][0](np.float64),
                             np.asarray(bad, dtype=np.float64))
    np.testing.assert_allclose(np.asarray(result, np.float64), reference, rtol=1e-3)


# Constructor arguments: (make(value), owner, argument, what the documentation allows).
def _interval(interval):
    return lambda value: in_interval(value, interval)


def _positive_int(value):
    return is_int_at_least(value, 1)


def _count(value):
    return is_int_at_least(value, 0)


def _p():
    return [nnlib.Parameter(np.ones(2))]


def _opt(lr=0.1):
    return nnlib.SGD(_p(), lr=lr, momentum=0.9)


CONSTRUCTORS = {
    "LeakyReLU.negative_slope": (lambda v: nnlib.LeakyReLU(v), "(-inf, inf)"),
    "Softmax.dim": (lambda v: nnlib.Softmax(v), "int"),
    "HuberLoss.delta": (lambda v: nnlib.HuberLoss(v), "(0, inf)"),
    "Dropout.p": (lambda v: nnlib.Dropout(v), "[0, 1)"),
    "Linear.in_features": (lambda v: nnlib.Linear(v, 2), "int>=1"),
    "Linear.out_features": (lambda v: nnlib.Linear(2, v), "int>=1"),
    "BatchNorm1d.num_features": (lambda v: nnlib.BatchNorm1d(v), "int>=1"),
    "BatchNorm1d.eps": (lambda v: nnlib.BatchNorm1d(2, eps=v), "(0, inf)"),
    "BatchNorm2d.momentum": (lambda v: nnlib.BatchNorm2d(2, momentum=v), "[0, 1]"),
    "Conv2d.out_channels": (lambda v: nnlib.Conv2d(1, v, 2), "int>=1"),
    "Conv2d.kernel_size": (lambda v: nnlib.Conv2d(1, 1, v), "int>=1"),
    "Conv2d.stride": (lambda v: nnlib.Conv2d(1, 1, 2, stride=v), "int>=1"),
    "Conv2d.padding": (lambda v: nnlib.Conv2d(1, 1, 2, padding=v), "int>=0"),
    "MaxPool2d.kernel_size": (lambda v: nnlib.MaxPool2d(v), "int>=1"),
    "AvgPool2d.stride": (lambda v: nnlib.AvgPool2d(2, stride=v), "int>=1 or None"),
    "LayerNorm.eps": (lambda v: nnlib.LayerNorm(3, eps=v), "(0, inf)"),
    "LayerNorm.normalized_shape": (lambda v: nnlib.LayerNorm(v), "int>=1"),
    "Embedding.num_embeddings": (lambda v: nnlib.Embedding(v, 2), "int>=1"),
    "SinusoidalPositionalEncoding.max_len": (
        lambda v: nnlib.SinusoidalPositionalEncoding(2, max_len=v), "int>=1"),
    "MultiheadAttention.num_heads": (lambda v: nnlib.MultiheadAttention(4, v),
                                     "divides 4"),
    "TransformerBlock.dim_feedforward": (
        lambda v: nnlib.TransformerBlock(4, 2, dim_feedforward=v), "int>=1 or None"),
    "SGD.lr": (lambda v: nnlib.SGD(_p(), lr=v), "[0, inf)"),
    "SGD.momentum": (lambda v: nnlib.SGD(_p(), 0.1, momentum=v), "[0, inf)"),
    "SGD.dampening": (lambda v: nnlib.SGD(_p(), 0.1, dampening=v), "[0, 1]"),
    "SGD.weight_decay": (lambda v: nnlib.SGD(_p(), 0.1, weight_decay=v), "[0, inf)"),
    "Adagrad.lr_decay": (lambda v: nnlib.Adagrad(_p(), lr_decay=v), "[0, inf)"),
    "Adagrad.initial_accumulator_value": (
        lambda v: nnlib.Adagrad(_p(), initial_accumulator_value=v), "[0, inf)"),
    "Adagrad.eps": (lambda v: nnlib.Adagrad(_p(), eps=v), "[0, inf)"),
    "RMSprop.alpha": (lambda v: nnlib.RMSprop(_p(), alpha=v), "[0, 1]"),
    "RMSprop.momentum": (lambda v: nnlib.RMSprop(_p(), momentum=v), "[0, inf)"),
    "Adam.betas": (lambda v: nnlib.Adam(_p(), betas=(v, 0.999)), "[0, 1)"),
    "Adam.eps": (lambda v: nnlib.Adam(_p(), eps=v), "[0, inf)"),
    "AdamW.weight_decay": (lambda v: nnlib.AdamW(_p(), weight_decay=v), "[0, inf)"),
    "StepLR.step_size": (lambda v: nnlib.StepLR(_opt(), v), "int>=1"),
    "StepLR.gamma": (lambda v: nnlib.StepLR(_opt(), 2, gamma=v), "[0, inf)"),
    "ExponentialLR.gamma": (lambda v: nnlib.ExponentialLR(_opt(), v), "[0, inf)"),
    "CosineAnnealingLR.T_max": (lambda v: nnlib.CosineAnnealingLR(_opt(), v), "int>=1"),
    "CosineAnnealingLR.eta_min": (lambda v: nnlib.CosineAnnealingLR(_opt(), 5, v),
                                  "[0, inf)"),
    "LinearLR.start_factor": (lambda v: nnlib.LinearLR(_opt(), start_factor=v),
                              "(0, 1]"),
    "LinearLR.end_factor": (lambda v: nnlib.LinearLR(_opt(), end_factor=v), "[0, 1]"),
    "LinearLR.total_iters": (lambda v: nnlib.LinearLR(_opt(), total_iters=v), "int>=1"),
    "OneCycleLR.max_lr": (lambda v: nnlib.OneCycleLR(_opt(), v, total_steps=10),
                          "[0, inf)"),
    "OneCycleLR.total_steps": (lambda v: nnlib.OneCycleLR(_opt(), 1.0, total_steps=v,
                                                          pct_start=0.5),
                               "int>=1, not 2"),
    "OneCycleLR.div_factor": (lambda v: nnlib.OneCycleLR(_opt(), 1.0, total_steps=10,
                                                         div_factor=v), "(0, inf)"),
    "OneCycleLR.base_momentum": (lambda v: nnlib.OneCycleLR(
        _opt(), 1.0, total_steps=10, base_momentum=v), "[0, 1)"),
    "ReduceLROnPlateau.factor": (lambda v: nnlib.ReduceLROnPlateau(_opt(), factor=v),
                                 "[0, 1)"),
    "ReduceLROnPlateau.patience": (lambda v: nnlib.ReduceLROnPlateau(_opt(),
                                                                     patience=v),
                                   "int>=0"),
    "ReduceLROnPlateau.threshold": (lambda v: nnlib.ReduceLROnPlateau(
        _opt(), threshold=v), "[0, inf)"),
    "DataLoader.batch_size": (lambda v: nnlib.DataLoader(np.zeros((3, 1)),
                                                         batch_size=v),
                              "int>=1 or None"),
    "EarlyStopping.patience": (lambda v: nnlib.EarlyStopping(patience=v), "int>=1"),
    "EarlyStopping.min_delta": (lambda v: nnlib.EarlyStopping(min_delta=v),
                                "[0, inf)"),
}
_ALLOWS = {"int": lambda v: is_int_at_least(v, -10**9), "int>=1": _positive_int,
           "int>=0": _count,
           # total_steps=2 with pct_start=0.5 leaves a phase without steps
           "int>=1, not 2": lambda v: _positive_int(v) and v != 2,
           "int>=1 or None": lambda v: v is None or _positive_int(v),
           "divides 4": lambda v: _positive_int(v) and 4 % v == 0}


@pytest.mark.parametrize("key", CONSTRUCTORS)
@PROPERTY
@given(value=reals())
def test_constructor_argument(key, value):
    """An argument inside its documented range is taken; any other value (out of range,
    NaN, inf, a bool, a string, a list, None, a complex number) raises TypeError or
    ValueError naming the class and the argument."""
    make, domain = CONSTRUCTORS[key]
    owner, argument = key.split(".")
    allowed = (_ALLOWS[domain](value) if domain in _ALLOWS
               else in_interval(value, domain))
    if owner == "Conv2d" and argument != "out_channels" and isinstance(value, (
            tuple, list)):
        allowed = False
    status, result = outcome(make, value)
    if allowed:
        assert status == "ok", f"{key}={value!r} refused: {result}"
    else:
        assert status == "error", f"{key}={value!r} taken"
        assert_names(result, owner, argument)


# ---------------------------------------------------------------------------- losses


def _reference_loss(name, p, t):
    """The closed form of each loss and its gradient in float64."""
    n = p.size
    with np.errstate(all="ignore"):
        if name == "MSELoss":
            r = p - t
            return np.mean(r * r), 2 * r / n
        if name == "L1Loss":
            r = p - t
            return np.mean(np.abs(r)), np.sign(r) / n
        if name == "HuberLoss":
            r, d = p - t, 0.75
            a = np.abs(r)
            return (np.mean(np.where(a <= d, r * r / 2, d * (a - d / 2))),
                    np.clip(r, -d, d) / n)
        if name == "BCELoss":
            terms = (t * np.maximum(np.log(p), -100)
                     + (1 - t) * np.maximum(np.log1p(-p), -100))
            eps = float(np.float32(1e-12))                # PyTorch's, a C float
            return -np.mean(terms), (p - t) / np.maximum(p * (1 - p), eps) / n
        if name == "BCEWithLogitsLoss":
            terms = np.maximum(p, 0) - p * t + np.log1p(np.exp(-np.abs(p)))
            return np.mean(terms), (1 / (1 + np.exp(-p)) - t) / n
    z = p - p.max(axis=1, keepdims=True)                   # CrossEntropyLoss
    lse = np.log(np.exp(z).sum(axis=1))
    rows = np.arange(len(t))
    grad = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    grad[rows, t] -= 1
    return np.mean(lse - z[rows, t]), grad / len(t)


LOSSES = {"MSELoss": lambda: nnlib.MSELoss(), "L1Loss": lambda: nnlib.L1Loss(),
          "HuberLoss": lambda: nnlib.HuberLoss(0.75),
          "BCELoss": lambda: nnlib.BCELoss(),
          "BCEWithLogitsLoss": lambda: nnlib.BCEWithLogitsLoss(),
          "CrossEntropyLoss": lambda: nnlib.CrossEntropyLoss()}


@st.composite
def _loss_case(draw, name):
    """(prediction, target) for the loss ``name``: any dtype, shape and values, most of
    them in the loss's domain."""
    dtype = draw(st.sampled_from(FLOATS))
    kind = draw(st.sampled_from(["nice", "finite", "any"])) if dtype == np.float64 \
        else draw(st.sampled_from(["nice", "any"]))
    if name == "CrossEntropyLoss":
        n, c = draw(st.integers(1, 4)), draw(st.integers(1, 4))
        p = draw(arrays(dtype, (n, c), kind))
        t = draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n))
        return p, np.array(t, dtype=draw(st.sampled_from([np.int64, np.int32,
                                                          np.uint8])))
    shape = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    if name == "BCELoss" and kind == "nice":
        p = draw(arrays(dtype, shape, "nice")).__abs__() / 8
    else:
        p = draw(arrays(dtype, shape, kind))
    if name.startswith("BCE"):
        t = draw(st.one_of(arrays(np.float64, shape, "nice").map(lambda a: abs(a) / 8),
                           arrays(np.float64, shape, "nice").map(lambda a: a > 0),
                           arrays(np.float64, shape, kind)))
    else:
        t = draw(st.one_of(arrays(np.float64, shape, kind),
                           arrays(dtype, shape, kind),
                           arrays(np.float64, shape, "nice").map(
                               lambda a: a.astype(np.int64))))
    return p, t


@pytest.mark.parametrize("name", LOSSES)
@PROPERTY
@given(data=st.data())
def test_loss_values(name, data):
    """A NaN or inf in the prediction (or the target), or a value outside the loss's
    domain, raises ValueError naming the loss and the argument; any other pair gives
    the closed form's loss and gradient (float32: to float32's precision)."""
    p, t = data.draw(_loss_case(name), "prediction, target")
    loss_fn = LOSSES[name]()
    status, result = outcome(quiet, loss_fn, p, t)
    t_as_p = t if name == "CrossEntropyLoss" else quiet(t.astype, p.dtype)
    bad_p = not np.isfinite(p).all() or (name == "BCELoss" and (
        p.min() < 0 or p.max() > 1))
    bad_t = name != "CrossEntropyLoss" and (not np.isfinite(t_as_p).all() or (
        name.startswith("BCE") and (t_as_p.min() < 0 or t_as_p.max() > 1)))
    if bad_p or bad_t:
        assert status == "error", f"{name} took prediction {p!r}, target {t!r}"
        assert_names(result, name, "prediction" if bad_p else "target")
        return
    assert status == "ok", result
    assert isinstance(result, float)
    p64 = p.astype(np.float64)
    t64 = t if name == "CrossEntropyLoss" else t_as_p.astype(np.float64)
    loss, grad = _reference_loss(name, p64, t64)
    assume(np.isfinite(loss) and np.isfinite(grad).all())   # beyond the dtype: inf
    g = quiet(loss_fn.backward)
    assert g.dtype == p.dtype and g.shape == p.shape
    if p.dtype == np.float32:
        scale = float(np.mean(np.abs(p64))) + float(np.mean(np.abs(t64))) + 1
        assert result == pytest.approx(loss, rel=1e-4, abs=1e-5 * scale * scale)
        close32(g, grad)
    else:
        assert result == pytest.approx(loss, rel=1e-9, abs=1e-300)
        np.testing.assert_allclose(g, grad, rtol=1e-9, atol=1e-300)


@pytest.mark.parametrize("name", LOSSES)
@PROPERTY
@given(data=st.data())
def test_loss_layout(name, data):
    """A non-contiguous or read-only prediction or target gives exactly the loss and
    the gradient of their contiguous copies (or the same refusal)."""
    p, t = data.draw(_loss_case(name), "prediction, target")
    how_p = data.draw(st.sampled_from(LAYOUTS), "prediction layout")
    how_t = data.draw(st.sampled_from(LAYOUTS), "target layout")
    expected_fn, actual_fn = LOSSES[name](), LOSSES[name]()
    expected = outcome(quiet, expected_fn, p, t)
    actual = outcome(quiet, actual_fn, layout(p, how_p), layout(t, how_t))
    assert actual[0] == expected[0]
    if expected[0] == "error":
        assert str(actual[1]) == str(expected[1])
        return
    assert actual[1] == expected[1] or (math.isnan(actual[1])
                                        and math.isnan(expected[1]))
    same(quiet(actual_fn.backward), quiet(expected_fn.backward))


@pytest.mark.parametrize("name", LOSSES)
@FEW
@given(data=st.data())
def test_loss_wrong_target(name, data):
    """A target of another shape, type or dtype raises TypeError or ValueError naming
    the loss and the target; if the loss takes it, it gives the loss of the float
    target with the same numbers."""
    n, c = data.draw(st.integers(1, 3), "N"), data.draw(st.integers(2, 3), "C")
    p = np.linspace(0.1, 0.9, n * c).reshape(n, c)
    good = np.arange(n) % c if name == "CrossEntropyLoss" else (p > 0.5) * 1.0
    wrong = {"list": good.tolist(), "transposed": good.T, "flat": good.reshape(-1),
             "one more row": np.concatenate([good, good[:1]]),
             "complex": good.astype(np.complex128), "strings": good.astype(str),
             "object": good.astype(object), "bool": good.astype(bool),
             "float32": good.astype(np.float32), "int8": good.astype(np.int8),
             "onehot": np.eye(c)[np.arange(n) % c], "None": None}
    kind = data.draw(st.sampled_from(sorted(wrong)), "kind")
    status, result = outcome(LOSSES[name](), p, wrong[kind])
    if status == "error":
        assert_names(result, name, "target")
        return
    assert kind not in ("list", "None", "complex", "strings", "one more row")
    reference = LOSSES[name]()(p, np.asarray(wrong[kind]).astype(good.dtype))
    assert result == pytest.approx(reference, rel=1e-12)


# ------------------------------------------------------------------------ optimizers

OPTIMIZERS = {
    "SGD": (nnlib.SGD, {"lr": ("[0, inf)", 0.1), "momentum": ("[0, inf)", 0.0),
                        "dampening": ("[0, 1]", 0.0), "weight_decay": ("[0, inf)", 0.0),
                        "nesterov": ("bool", False)}),
    "Adagrad": (nnlib.Adagrad, {"lr": ("[0, inf)", 0.01), "lr_decay": ("[0, inf)", 0.0),
                                "weight_decay": ("[0, inf)", 0.0),
                                "initial_accumulator_value": ("[0, inf)", 0.0),
                                "eps": ("[0, inf)", 1e-10)}),
    "RMSprop": (nnlib.RMSprop, {"lr": ("[0, inf)", 0.01), "alpha": ("[0, 1]", 0.99),
                                "eps": ("[0, inf)", 1e-8),
                                "weight_decay": ("[0, inf)", 0.0),
                                "momentum": ("[0, inf)", 0.0),
                                "centered": ("bool", False)}),
    "Adam": (nnlib.Adam, {"lr": ("[0, inf)", 1e-3), "beta1": ("[0, 1)", 0.9),
                          "beta2": ("[0, 1)", 0.999), "eps": ("[0, inf)", 1e-8),
                          "weight_decay": ("[0, inf)", 0.0)}),
    "AdamW": (nnlib.AdamW, {"lr": ("[0, inf)", 1e-3), "beta1": ("[0, 1)", 0.9),
                            "beta2": ("[0, 1)", 0.999), "eps": ("[0, inf)", 1e-8),
                            "weight_decay": ("[0, inf)", 0.01)}),
}


def _reference_steps(name, h, p, grads):
    """PyTorch's documented update rules, in float64, for the gradients ``grads`` of
    successive steps: the parameter after each step."""
    with np.errstate(all="ignore"):                 # eps = 0: 0 / 0 has no value
        return _steps(name, h, p, grads)


def _steps(name, h, p, grads):
    p, state, out = p.astype(np.float64), {}, []
    for t, g in enumerate(grads, start=1):
        g = g.astype(np.float64)
        if name == "AdamW":
            p = p * (1 - h["lr"] * h["weight_decay"])
        elif h["weight_decay"]:
            g = g + h["weight_decay"] * p
        if name == "SGD":
            if h["momentum"]:
                b = g if t == 1 else (h["momentum"] * state["b"]
                                      + (1 - h["dampening"]) * g)
                state["b"] = b
                g = g + h["momentum"] * b if h["nesterov"] else b
            p = p - h["lr"] * g
        elif name == "Adagrad":
            clr = h["lr"] / (1 + (t - 1) * h["lr_decay"])
            state["sum"] = state.get("sum", h["initial_accumulator_value"]) + g * g
            p = p - clr * g / (np.sqrt(state["sum"]) + h["eps"])
        elif name == "RMSprop":
            a = h["alpha"]
            state["v"] = a * state.get("v", 0) + (1 - a) * g * g
            v = state["v"]
            if h["centered"]:
                state["g"] = a * state.get("g", 0) + (1 - a) * g
                v = v - state["g"] ** 2
            step = g / (np.sqrt(v) + h["eps"])
            if h["momentum"]:
                state["b"] = h["momentum"] * state.get("b", 0) + step
                step = state["b"]
            p = p - h["lr"] * step
        else:
            b1, b2 = h["beta1"], h["beta2"]
            state["m"] = b1 * state.get("m", 0) + (1 - b1) * g
            state["v"] = b2 * state.get("v", 0) + (1 - b2) * g * g
            mhat, vhat = state["m"] / (1 - b1 ** t), state["v"] / (1 - b2 ** t)
            p = p - h["lr"] * mhat / (np.sqrt(vhat) + h["eps"])
        out.append(p)
    return out


def _hyperparameter(domain, default):
    if domain == "bool":
        return st.booleans()
    low, high = domain[1:-1].split(", ")
    hi = 1.0 if high == "1" else 10.0
    return st.one_of(st.just(default), st.just(float(low)),
                     st.floats(float(low), hi, exclude_max=domain.endswith(")")))


@pytest.mark.parametrize("name", OPTIMIZERS)
@PROPERTY
@given(data=st.data())
def test_optimizer_steps(name, data):
    """Three steps with hyperparameters drawn in their documented ranges, on a
    parameter and gradients of any dtype, shape and layout, follow PyTorch's update
    rule (computed here in float64): exactly as documented, to float32's precision
    for a float32 parameter. A refused combination names the optimizer and the
    argument."""
    cls, spec = OPTIMIZERS[name]
    h = {k: data.draw(_hyperparameter(*v), k) for k, v in spec.items()}
    dtype = data.draw(st.sampled_from(FLOATS), "dtype")
    shape = tuple(data.draw(st.lists(st.integers(1, 3), max_size=2), "shape"))
    p0 = data.draw(arrays(dtype, shape, "nice"), "p")
    grads = [data.draw(arrays(dtype, shape, "nice"), f"grad {i}") for i in range(3)]
    how = data.draw(st.sampled_from(LAYOUTS), "grad layout")
    kwargs = dict(h)
    if "beta1" in kwargs:
        kwargs["betas"] = (kwargs.pop("beta1"), kwargs.pop("beta2"))
    param = nnlib.Parameter(p0.copy())
    status, optimizer = outcome(cls, [param], **kwargs)
    if status == "error":
        assert name == "SGD" and h["nesterov"] and (h["momentum"] == 0
                                                    or h["dampening"] != 0), optimizer
        assert_names(optimizer, name, "nesterov")
        return
    expected = _reference_steps(name, h, p0, grads)
    for g, e in zip(grads, expected):
        param.grad = layout(g, how)
        quiet(optimizer.step)
        assert param.data.dtype == dtype and param.data.shape == shape
        if not np.isfinite(e).all():               # 0 / (0 + eps=0): no closed value
            return
        if dtype == np.float32:
            scale = max(1.0, float(np.max(np.abs(e), initial=0)))
            np.testing.assert_allclose(param.data, e, rtol=1e-3, atol=1e-4 * scale)
        else:
            np.testing.assert_allclose(param.data, e, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", OPTIMIZERS)
@FEW
@given(params=st.sampled_from(["one Parameter", "generator", "empty", "twice",
                               "array", "read-only", "None", "int"]))
def test_optimizer_params(name, params):
    """What is not a list of distinct, writeable Parameters raises TypeError or
    ValueError naming the optimizer and ``params``."""
    p = nnlib.Parameter(np.zeros(2))
    value = {"one Parameter": p, "generator": (q for q in [p]), "empty": [],
             "twice": [p, p], "array": [np.zeros(2)], "None": None, "int": 3,
             "read-only": [p]}[params]
    if params == "read-only":
        p.data = np.zeros(2)
        p.data.flags.writeable = False
    status, result = outcome(OPTIMIZERS[name][0], value, lr=0.1)
    if params == "generator":
        assert status == "ok", result
        return
    assert status == "error", f"{name} took {params}"
    assert_names(result, name, "params")


# ------------------------------------------------------------------------ schedulers


def _closed_form(name, h, base, e):
    """The learning rate after e steps, from PyTorch's documentation of each
    schedule."""
    if name == "StepLR":
        return base * h["gamma"] ** (e // h["step_size"])
    if name == "ExponentialLR":
        return base * h["gamma"] ** e
    if name == "CosineAnnealingLR":
        return h["eta_min"] + (base - h["eta_min"]) * (
            1 + math.cos(math.pi * e / h["T_max"])) / 2
    if name == "LinearLR":
        s, f, n = h["start_factor"], h["end_factor"], h["total_iters"]
        return base * (s + (f - s) * min(e, n) / n)
    # OneCycleLR, two phases
    total, pct, top = h["total_steps"], h["pct_start"], h["max_lr"]
    low = top / h["div_factor"]
    end = low / h["final_div_factor"]
    cos = h["anneal_strategy"] == "cos"

    def anneal(a, b, frac):
        return b + (a - b) / 2 * (math.cos(math.pi * frac) + 1) if cos else \
            (b - a) * frac + a
    up = pct * total - 1
    if e <= up:
        return anneal(low, top, e / up)
    return max(anneal(top, end, (e - up) / (total - 1 - up)), 0.0)


SCHEDULERS = {
    "StepLR": lambda: {"step_size": st.integers(1, 4), "gamma": st.floats(0, 2)},
    "ExponentialLR": lambda: {"gamma": st.floats(0, 1.5)},
    "CosineAnnealingLR": lambda: {"T_max": st.integers(1, 6),
                                  "eta_min": st.floats(0, 0.5)},
    "LinearLR": lambda: {"start_factor": st.floats(1e-3, 1),
                         "end_factor": st.floats(0, 1),
                         "total_iters": st.integers(1, 6)},
    "OneCycleLR": lambda: {"max_lr": st.floats(0, 2), "total_steps": st.integers(4, 12),
                           "pct_start": st.floats(0.3, 0.7),
                           "div_factor": st.floats(1, 50),
                           "final_div_factor": st.floats(1, 1e4),
                           "anneal_strategy": st.sampled_from(["cos", "linear"])},
}


@pytest.mark.parametrize("name", SCHEDULERS)
@PROPERTY
@given(data=st.data())
def test_scheduler_closed_form(name, data):
    """With hyperparameters drawn in their documented ranges, the learning rate after
    every step (PyTorch's chainable form) is the documented closed form, and so is
    ``lr_at``."""
    h = {k: data.draw(v, k) for k, v in SCHEDULERS[name]().items()}
    base = data.draw(st.floats(0, 10), "lr")
    optimizer = nnlib.SGD(_p(), lr=base, momentum=0.9)
    scheduler = getattr(nnlib, name)(optimizer, **h)
    base = scheduler.base_lr if name != "OneCycleLR" else base
    steps = h.get("total_steps", 12)
    for e in range(steps):
        expected = _closed_form(name, h, base, e)
        assert optimizer.lr == pytest.approx(expected, rel=1e-9, abs=1e-12), e
        assert scheduler.lr_at(e) == pytest.approx(expected, rel=1e-9, abs=1e-12), e
        assert scheduler.get_last_lr() == [optimizer.lr]
        scheduler.step()


@PROPERTY
@given(data=st.data())
def test_reduce_lr_on_plateau(data):
    """ReduceLROnPlateau follows PyTorch's documented rule on any sequence of finite
    values; a NaN or inf value, or one that is not a real number, raises naming the
    class and ``metrics``."""
    h = {"mode": data.draw(st.sampled_from(["min", "max"]), "mode"),
         "factor": data.draw(st.floats(0, 0.9), "factor"),
         "patience": data.draw(st.integers(0, 3), "patience"),
         "threshold": data.draw(st.floats(0, 0.1), "threshold"),
         "threshold_mode": data.draw(st.sampled_from(["rel", "abs"]), "threshold_mode"),
         "cooldown": data.draw(st.integers(0, 2), "cooldown"),
         "min_lr": data.draw(st.floats(0, 0.01), "min_lr")}
    metrics = data.draw(st.lists(st.one_of(st.floats(-10, 10), st.sampled_from(
        [np.nan, np.inf, "1.0", None, np.float32(1.5)])), max_size=12), "metrics")
    optimizer = nnlib.SGD(_p(), lr=0.1)
    scheduler = nnlib.ReduceLROnPlateau(optimizer, eps=1e-8, **h)
    lr, best, bad, cool = 0.1, math.inf if h["mode"] == "min" else -math.inf, 0, 0
    for value in metrics:
        status, result = outcome(scheduler.step, value)
        if not in_interval(value, "(-inf, inf)"):
            assert status == "error"
            assert_names(result, "ReduceLROnPlateau", "metrics")
            continue
        assert status == "ok", result
        value = float(value)
        rel, th = h["threshold_mode"] == "rel", h["threshold"]
        if h["mode"] == "min":
            better = value < (best * (1 - th) if rel else best - th)
        else:
            better = value > (best * (1 + th) if rel else best + th)
        best, bad = (value, 0) if better else (best, bad + 1)
        if cool > 0:
            cool, bad = cool - 1, 0
        if bad > h["patience"]:
            new = max(lr * h["factor"], h["min_lr"])
            if lr - new > 1e-8:
                lr = new
            cool, bad = h["cooldown"], 0
        assert optimizer.lr == pytest.approx(lr, rel=1e-12)


# ------------------------------------------------------------------ training helpers


@PROPERTY
@given(data=st.data())
def test_clip_grad_norm(data):
    """clip_grad_norm_ returns the norm_type-norm of all the gradients (PyTorch's
    definition) and scales them by min(1, max_norm / (norm + 1e-6)); gradients of any
    dtype, layout and values, NaN and inf too."""
    dtype = data.draw(st.sampled_from(FLOATS), "dtype")
    kind = data.draw(st.sampled_from(["nice", "finite", "any"]), "kind")
    shapes = data.draw(st.lists(st.lists(st.integers(0, 3), max_size=2), min_size=1,
                                max_size=3), "shapes")
    grads = [data.draw(arrays(dtype, tuple(s), kind), "grad") for s in shapes]
    originals = [g.copy() for g in grads]
    max_norm = data.draw(st.one_of(st.floats(0, 100), st.just(math.inf)), "max_norm")
    norm_type = data.draw(st.sampled_from([1.0, 2.0, 3, 0.5, math.inf, "inf"]),
                          "norm_type")
    params = []
    for g in grads:
        p = nnlib.Parameter(np.zeros(g.shape, dtype))
        how = data.draw(st.sampled_from(["strided", "reversed", "fortran"]), "layout")
        p.grad = layout(g, how)
        params.append(p)
    order = math.inf if norm_type == "inf" else float(norm_type)
    flat = np.concatenate([g.reshape(-1) for g in grads]).astype(np.float64)
    with np.errstate(all="ignore"):
        if order == math.inf:
            total = float(np.max(np.abs(flat), initial=0.0))
        else:
            total = float(np.sum(np.abs(flat) ** order) ** (1 / order))
    assume(math.isnan(total) or total < 1e300)           # p-th powers overflow
    result = quiet(nnlib.clip_grad_norm_, params, max_norm, norm_type)
    if math.isnan(total):
        assert math.isnan(result)
        return
    assert result == pytest.approx(total, rel=1e-6 if dtype == np.float32 else 1e-12)
    coefficient = min(1.0, max_norm / (total + 1e-6))
    for p, g in zip(params, originals):
        with np.errstate(all="ignore"):
            expected = g.astype(np.float64) * coefficient if coefficient < 1 else g
        np.testing.assert_allclose(p.grad, expected, rtol=1e-6 if dtype == np.float32
                                   else 1e-12)


@PROPERTY
@given(data=st.data())
def test_accuracy(data):
    """accuracy is the share of samples whose predicted class (the argmax of a row,
    or the threshold test of one output) is the label; labels outside [0, C) or of
    another shape raise naming accuracy and y_true."""
    n = data.draw(st.integers(1, 6), "N")
    c = data.draw(st.sampled_from([1, 2, 3, 4]), "C")
    dtype = data.draw(st.sampled_from(FLOATS), "dtype")
    y_pred = data.draw(arrays(dtype, (n, c) if c > 1 else data.draw(
        st.sampled_from([(n,), (n, 1)])), "finite"), "y_pred")
    top = c if c > 1 else 2
    y_true = np.array(data.draw(st.lists(st.integers(-1, top), min_size=n, max_size=n),
                                "y_true"))
    threshold = data.draw(st.floats(-1, 1), "threshold")
    how = data.draw(st.sampled_from(LAYOUTS), "layout")
    status, result = outcome(nnlib.accuracy, layout(y_true, how), layout(y_pred, how),
                             threshold=threshold)
    if y_true.min() < 0 or y_true.max() >= top:
        assert status == "error", "accuracy took labels outside [0, C)"
        assert_names(result, "accuracy", "y_true")
        return
    predicted = y_pred.argmax(axis=1) if c > 1 else (y_pred.reshape(-1) > threshold)
    assert status == "ok", result
    assert result == np.mean(predicted == y_true)


@PROPERTY
@given(data=st.data())
def test_standardizer(data):
    """Standardizer.transform is (X - mean) / std with the training data's mean and
    standard deviation (1 for a constant feature), inverse_transform undoes it; NaN or
    inf in the training data raises naming Standardizer.fit and X."""
    dtype = data.draw(st.sampled_from(FLOATS), "dtype")
    kind = data.draw(st.sampled_from(["nice", "finite", "any"]), "kind")
    shape = (data.draw(st.integers(1, 5)), *data.draw(
        st.lists(st.integers(1, 3), min_size=1, max_size=2)))
    X = data.draw(arrays(dtype, shape, kind), "X")
    how = data.draw(st.sampled_from(LAYOUTS), "layout")
    scaler = nnlib.Standardizer()
    status, result = outcome(quiet, scaler.fit, layout(X, how))
    if not np.isfinite(X).all():
        assert status == "error"
        assert_names(result, "Standardizer.fit", "X")
        return
    X64 = X.astype(np.float64)
    with np.errstate(all="ignore"):
        mean, std = X64.mean(axis=0), X64.std(axis=0)
    assume(np.isfinite(std).all() and np.isfinite(mean).all())
    constant = (X64 == X64[0]).all(axis=0)
    mean[constant], std[constant] = X64[0][constant], 1
    assert status == "ok", result
    Z = quiet(scaler.transform, layout(X, how))
    assert Z.dtype == dtype
    expected = (X64 - mean.astype(dtype)) / std.astype(dtype)
    if dtype == np.float32 or kind == "finite":
        return      # X64 - mean rounds in the dtype; the kind "nice" checks the values
    np.testing.assert_allclose(Z, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(scaler.inverse_transform(Z), X64, rtol=1e-12,
                               atol=1e-12)


@PROPERTY
@given(data=st.data())
def test_dataloader_and_split(data):
    """DataLoader's batches, in order and unshuffled, are the rows of X and y in order;
    shuffled, a permutation; train_val_split partitions the rows into round-half-up
    val_fraction * N validation rows and the rest."""
    n = data.draw(st.integers(0, 9), "N")
    X = np.arange(n * 2, dtype=np.float64).reshape(n, 2)
    y = np.arange(n)
    X = layout(X, data.draw(st.sampled_from(LAYOUTS)))
    batch_size = data.draw(st.integers(1, 5), "batch_size")
    shuffle = data.draw(st.booleans(), "shuffle")
    drop_last = data.draw(st.booleans(), "drop_last")
    status, loader = outcome(nnlib.DataLoader, X, y, batch_size=batch_size,
                             shuffle=shuffle, rng=0, drop_last=drop_last)
    if n == 0:                        # X and y: at least one sample (X alone: any)
        assert status == "error"
        assert_names(loader, "DataLoader", "X")
        return
    batches = list(loader)
    assert len(batches) == len(loader)
    kept = n - n % batch_size if drop_last else n
    rows = np.concatenate([b[1] for b in batches]) if batches else np.zeros(0, int)
    assert len(rows) == kept
    if not shuffle:
        assert np.array_equal(rows, np.arange(kept))
    assert len(set(rows.tolist())) == kept
    for xb, yb in batches:
        same(xb, np.ascontiguousarray(X)[yb])
    fraction = data.draw(st.floats(0.01, 0.99), "val_fraction")
    status, result = outcome(nnlib.train_val_split, X, y, fraction, rng=0)
    n_val = math.floor(fraction * n + 0.5)
    if not 0 < n_val < n:
        assert status == "error"
        assert_names(result, "train_val_split", "X" if n == 0 else "val_fraction")
        return
    assert status == "ok", result
    X_train, X_val, y_train, y_val = result
    assert len(y_val) == n_val and sorted([*y_train, *y_val]) == list(range(n))
    same(X_val, np.ascontiguousarray(X)[y_val])


def _model():
    return nnlib.Sequential(nnlib.Linear(3, 4, rng=0), nnlib.ReLU(),
                            nnlib.Linear(4, 2, rng=1))


@FEW
@given(data=st.data())
def test_predict_evaluate_fit(data):
    """predict, evaluate and fit give on a non-contiguous or read-only X exactly what
    they give on its contiguous copy; NaN or inf in X or y makes fit raise naming fit
    and the array."""
    n = data.draw(st.integers(1, 6), "N")
    kind = data.draw(st.sampled_from(["nice", "any"]), "kind")
    X = data.draw(arrays(np.float64, (n, 3), kind), "X")
    y = data.draw(arrays(np.float64, (n, 2), "nice"), "y")
    how = data.draw(st.sampled_from(LAYOUTS), "layout")
    batch_size = data.draw(st.one_of(st.none(), st.integers(1, 4)), "batch_size")
    same_but_rounding(quiet(nnlib.predict, _model(), layout(X, how),
                            batch_size=batch_size),
                      quiet(nnlib.predict, _model(), X, batch_size=batch_size))
    a = outcome(quiet, nnlib.evaluate, _model(), nnlib.MSELoss(), layout(X, how),
                layout(y, how), batch_size=batch_size)
    b = outcome(quiet, nnlib.evaluate, _model(), nnlib.MSELoss(), X, y,
                batch_size=batch_size)
    assert a[0] == b[0]
    if a[0] == "ok":
        assert a[1].keys() == b[1].keys()
        for key in a[1]:
            assert a[1][key] == pytest.approx(b[1][key], rel=1e-12, nan_ok=True)

    def train(X_, y_):
        model = _model()
        opt = nnlib.SGD(model.parameters(), lr=0.01)
        return outcome(nnlib.fit, model, nnlib.MSELoss(), opt, X_, y_, epochs=2,
                       batch_size=batch_size or 32, rng=0), model
    (status, history), model = train(layout(X, how), layout(y, how))
    if not np.isfinite(X).all():
        assert status == "error"
        assert_names(history, "fit", "X")
        return
    assert status == "ok", history
    (_, reference), ref_model = train(X, y)
    assert history.keys() == reference.keys()   # the layout reaches Linear's matmul
    for key in history:
        assert history[key] == pytest.approx(reference[key], rel=1e-9), key
    for p, q in zip(model.parameters(), ref_model.parameters()):
        same_but_rounding(p.data, q.data)


@FEW
@given(data=st.data())
def test_fit_arguments(data):
    """Every argument fit checks, given a wrong value, raises TypeError or ValueError
    naming fit and that argument."""
    X, y = np.zeros((4, 3)), np.zeros((4, 2))
    model = _model()
    opt = nnlib.SGD(model.parameters(), lr=0.01)
    wrong = {"epochs": data.draw(st.sampled_from([0, -1, 1.5, "2", None, True])),
             "X": data.draw(st.sampled_from(["list", "short", "none"])),
             "y": data.draw(st.sampled_from(["nan", "short", "none"])),
             "batch_size": data.draw(st.sampled_from([0, -2, 2.5, "8"])),
             "validation_data": data.draw(st.sampled_from(["X only", "triple", "nan"])),
             "verbose": data.draw(st.sampled_from([3, -1, "yes"])),
             "callbacks": data.draw(st.sampled_from(["one", "not a callback"]))}
    argument = data.draw(st.sampled_from(sorted(wrong)), "argument")
    kwargs = dict(model=model, loss_fn=nnlib.MSELoss(), optimizer=opt, X=X, y=y,
                  epochs=1)
    value = wrong[argument]
    if argument == "X":
        value = {"list": X.tolist(), "short": X[:3], "none": None}[value]
    elif argument == "y":
        value = {"nan": np.full((4, 2), np.nan), "short": y[:2], "none": None}[value]
    elif argument == "validation_data":
        value = {"X only": X, "triple": (X, y, y),
                 "nan": (X, np.full((4, 2), np.nan))}[value]
    elif argument == "callbacks":
        value = {"one": nnlib.EarlyStopping(), "not a callback": [print]}[value]
    kwargs[argument] = value
    status, result = outcome(nnlib.fit, **kwargs)
    assert status == "error", f"fit took {argument}={value!r}"
    assert_names(result, "fit", {"validation_data": "val"}.get(argument, argument))


# ------------------------------------------------------------------------- functions


@PROPERTY
@given(data=st.data())
def test_erf(data):
    """erf matches math.erf to the dtype's precision, in any layout, NaN and inf
    included (erf(+-inf) = +-1)."""
    dtype = data.draw(st.sampled_from(FLOATS), "dtype")
    shape = tuple(data.draw(st.lists(st.integers(0, 3), max_size=3), "shape"))
    x = data.draw(arrays(dtype, shape, data.draw(st.sampled_from(["finite", "any"]))),
                  "x")
    y = nnlib.erf(layout(x, data.draw(st.sampled_from(LAYOUTS))))
    expected = np.vectorize(math.erf, otypes=[np.float64])(x.astype(np.float64)) \
        if x.size else np.zeros(shape)
    assert y.dtype == dtype and y.shape == shape
    np.testing.assert_allclose(y, expected, rtol=1e-6 if dtype == np.float32 else 1e-13,
                               atol=1e-7 if dtype == np.float32 else 1e-15)


@PROPERTY
@given(size=st.integers(1, 12), kernel=st.integers(1, 6), stride=st.integers(1, 4),
       padding=st.integers(0, 3))
def test_conv_output_size(size, kernel, stride, padding):
    """conv_output_size is floor((size + 2 padding - kernel) / stride) + 1 for the
    integers it documents (0 or less when the kernel does not fit), and Conv2d refuses
    exactly the inputs where it is below 1, naming Conv2d and x."""
    expected = (size + 2 * padding - kernel) // stride + 1
    assert nnlib.conv_output_size(size, kernel, stride, padding) == expected
    layer = nnlib.Conv2d(1, 1, (kernel, 1), stride=(stride, 1), padding=(padding, 0),
                         rng=0)
    status, result = outcome(layer, np.zeros((1, 1, size, 1)))
    if expected < 1:
        assert status == "error"
        assert_names(result, "Conv2d", "x")
    else:
        assert status == "ok" and result.shape == (1, 1, expected, 1)


@PROPERTY
@given(data=st.data())
def test_scaled_dot_product_attention(data):
    """scaled_dot_product_attention is softmax(q k^T scale + mask) v, in any layout;
    float32 gives float32 close to float64."""
    dtype = data.draw(st.sampled_from(FLOATS), "dtype")
    lead = tuple(data.draw(st.lists(st.integers(1, 2), max_size=2), "lead"))
    L, S, E, Ev = (data.draw(st.integers(1, 3)) for _ in range(4))
    q = data.draw(arrays(dtype, lead + (L, E)), "query")
    k = data.draw(arrays(dtype, lead + (S, E)), "key")
    v = data.draw(arrays(dtype, lead + (S, Ev)), "value")
    causal = data.draw(st.booleans(), "is_causal")
    how = data.draw(st.sampled_from(LAYOUTS), "layout")
    out, weights = nnlib.scaled_dot_product_attention(
        layout(q, how), layout(k, how), layout(v, how), is_causal=causal)
    q64, k64, v64 = (a.astype(np.float64) for a in (q, k, v))
    scores = q64 @ np.swapaxes(k64, -1, -2) / math.sqrt(E)
    if causal:
        scores = np.where(np.tril(np.ones((L, S), bool)), scores, -np.inf)
    with np.errstate(invalid="ignore"):
        w = np.exp(scores - scores.max(axis=-1, keepdims=True))
        w = np.nan_to_num(w / w.sum(axis=-1, keepdims=True))
    expected = w @ v64
    if dtype == np.float32:
        close32(out, expected)
    else:
        np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


@FEW
@given(arguments=st.sampled_from([
    ((-1, 3), "size"), ((5.0, 3), "size"), ((5, 0), "kernel_size"), ((5, True), "kernel_size"),
    ((5, 3, 0), "stride"), ((5, 3, 1.5), "stride"), ((5, 3, 1, -1), "padding"),
    ((5, 3, 1, None), "padding")]))
def test_conv_output_size_refuses_what_is_not_a_size(arguments):
    """Kernels and strides are integers >= 1, sizes and paddings integers >= 0:
    anything else raises naming conv_output_size and the argument."""
    values, argument = arguments
    status, result = outcome(nnlib.conv_output_size, *values)
    assert status == "error", result
    assert_names(result, "conv_output_size", argument)
