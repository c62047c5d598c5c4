"""How fast is nnlib? Its time on six workloads against PyTorch, scikit-learn and bare NumPy.

    python3 tools/dev.py bench                         the table (about two minutes)
    python3 tools/dev.py bench --json results/x.json   and the same numbers as JSON, for the appendix
    python3 tools/dev.py bench --profile               where nnlib's MLP and CNN epochs spend their time

Workloads (float32 unless said otherwise):
  mlp_epoch      one epoch of plain SGD (lr 0.01) of an MLP 784-256-128-10 with ReLU and cross-entropy,
                 batches of 128 in order over 20,000 synthetic samples: forward, loss, backward, update;
  mlp_inference  the same MLP's outputs for the 20,000 samples, in batches of 1,000;
  tiny_epoch     one epoch of plain SGD (lr 0.1) of an MLP 2-16-16-1 with ReLU and binary cross-entropy
                 on logits, batches of 32 over 4,000 samples: arrays so small that the time is the
                 per-step overhead of the framework, not arithmetic;
  conv2d         Conv2d(16, 32, 3, padding=1) forward + backward on a batch of (64, 16, 28, 28);
  maxpool2d      MaxPool2d(2) forward + backward on (64, 32, 28, 28);
  digits_cnn     one epoch of chapter 13's network on scikit-learn's 1,797 digits, in float64 as in
                 the chapter: Adam, batches of 32;
  tape_epoch     mlp_epoch's epoch written with chapter 14's nnlib.Tensor (a recorded tape and
                 loss.backward()), against the same epoch with nnlib's layers, in the same run.
  transformer    one pre-norm TransformerBlock of chapter 16 (d_model 128, 4 heads, MLP width 512,
                 causal), forward + backward on a batch of (16, 64, 128), against PyTorch's
                 TransformerEncoderLayer(norm_first=True, activation="gelu", dropout=0) with the same
                 parameters and mask.
Sides, each measured in this process, alternately, as the median of several repeats after a warm-up:
  nnlib; PyTorch on the CPU when it is installed (`pip install torch==2.13.0`); scikit-learn's
  MLPClassifier for the MLP epoch (same architecture, one epoch of plain SGD); and a bare-NumPy
  reference that does the same arithmetic by hand, with no framework around it.
Before timing, every side's results are compared (outputs, gradients, or the weights after the epoch),
so that the same work is timed. The GEMM rate of this machine (a large float32 matrix product) is
measured too: it is the ceiling of any dense workload here, and each workload's share of it is printed.

This is a measurement, not a test: the numbers depend on the machine and on what else runs on it.
Run it on an idle machine, and run it twice.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conv_pool import plain_im2col_conv  # noqa: E402  (benchmarks/conv_pool.py)

from nnlib import (SGD, Adam, BatchNorm2d, BCEWithLogitsLoss, Conv2d, CrossEntropyLoss,  # noqa: E402
                   Dropout, Flatten, Linear, MaxPool2d, ReLU, Sequential, Tensor,
                   TransformerBlock, predict)

try:
    import torch
except ImportError:          # PyTorch is optional: nnlib and the book do not need it
    torch = None

SIDES = ("nnlib", "torch", "sklearn", "numpy")


# -- measuring ---------------------------------------------------------------------------------------

def measure(steps: dict, repeats: int, warmup: int) -> dict:
    """Median wall-clock seconds of each step; the steps run alternately so that all see the same load."""
    for _ in range(warmup):
        for step in steps.values():
            step()
    times = {name: [] for name in steps}
    for _ in range(repeats):
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def relative_difference(a, b) -> float:
    """max |a - b| / max |b|, over arrays or lists of arrays."""
    if isinstance(a, (list, tuple)):
        return max(relative_difference(u, v) for u, v in zip(a, b))
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(1e-30, float(np.max(np.abs(b)))))


# The MLP sides are compared after their first CHECKED_STEPS SGD steps, not after a whole epoch: in
# float32 the sides round differently (another summation order in a product), and over a whole epoch
# a ReLU unit whose input lies within rounding of 0 may switch on one side and not on the other, which
# then grows into differences of 1e-3 although every side computes the same thing. Ten steps show that
# they do: there the weights agree to float32 rounding.
CHECKED_STEPS, STEP_TOLERANCE = 10, 1e-5


def agree(workload: str, side: str, difference: float, tolerance: float) -> float:
    if not difference <= tolerance:
        raise SystemExit(f"{workload}: {side} does not compute what nnlib computes (relative difference "
                         f"{difference:.1e} > {tolerance:g}); the timing would compare different work")
    return difference


def to_numpy(t):
    return t.detach().numpy()


# -- the MLP -----------------------------------------------------------------------------------------

MLP_SIZES = (784, 256, 128, 10)


def mlp_data(samples: int, rng):
    X = rng.normal(size=(samples, MLP_SIZES[0])).astype(np.float32)
    y = rng.integers(0, MLP_SIZES[-1], size=samples)
    return X, y


def nnlib_mlp(seed=0):
    weights = np.random.default_rng(seed)
    layers = []
    for fan_in, fan_out in zip(MLP_SIZES[:-1], MLP_SIZES[1:]):
        layers += [Linear(fan_in, fan_out, rng=weights, dtype=np.float32), ReLU()]
    return Sequential(*layers[:-1])


def mlp_state(model):
    """[W1, b1, W2, b2, W3, b3] as (in, out) and (out,) arrays, copied."""
    return [p.data.copy() for p in model.parameters()]


def nnlib_epoch(model, loss_fn, optimizer, X, y, batch):
    """The training loop as a PyTorch user writes it (a model's backward skips dL/dx by default)."""
    for start in range(0, len(X), batch):
        xb, yb = X[start:start + batch], y[start:start + batch]
        optimizer.zero_grad()
        loss_fn(model(xb), yb)
        model.backward(loss_fn.backward())
        optimizer.step()


def nnlib_epoch_with_input_grad(model, loss_fn, optimizer, X, y, batch):
    """The same loop, asking the model for the unused dL/dx of the data too."""
    for start in range(0, len(X), batch):
        xb, yb = X[start:start + batch], y[start:start + batch]
        optimizer.zero_grad()
        loss_fn(model(xb), yb)
        model.backward(loss_fn.backward(), input_grad=True)
        optimizer.step()


def numpy_layers(params, xb):
    """The MLP's forward pass by hand: the two hidden activations and the logits of a batch."""
    W1, b1, W2, b2, W3, b3 = params
    h1 = xb @ W1
    h1 += b1
    np.maximum(h1, 0, out=h1)
    h2 = h1 @ W2
    h2 += b2
    np.maximum(h2, 0, out=h2)
    z = h2 @ W3
    z += b3
    return h1, h2, z


def numpy_epoch(params, X, y, batch, lr):
    """The MLP epoch by hand: three layers, ReLU, softmax cross-entropy, SGD, with no framework."""
    W1, b1, W2, b2, W3, b3 = params
    for start in range(0, len(X), batch):
        xb, yb = X[start:start + batch], y[start:start + batch]
        n = len(xb)
        h1, h2, z = numpy_layers(params, xb)
        z -= z.max(axis=1, keepdims=True)
        rows = np.arange(n)
        log_norm = np.log(np.exp(z).sum(axis=1))
        _loss = float(np.mean(log_norm - z[rows, yb]))     # computed, as every side computes it
        g = np.exp(z)
        g /= g.sum(axis=1, keepdims=True)
        g[rows, yb] -= 1
        g /= np.float32(n)
        dW3, db3 = h2.T @ g, g.sum(axis=0)
        g = g @ W3.T
        g *= h2 > 0
        dW2, db2 = h1.T @ g, g.sum(axis=0)
        g = g @ W2.T
        g *= h1 > 0
        dW1, db1 = xb.T @ g, g.sum(axis=0)
        for p, d in zip(params, (dW1, db1, dW2, db2, dW3, db3)):
            d *= np.float32(lr)
            p -= d


def numpy_forward(params, X, batch):
    return np.concatenate([numpy_layers(params, X[start:start + batch])[2]
                           for start in range(0, len(X), batch)])


def torch_mlp(params):
    layers = []
    for i in range(3):
        W, b = params[2 * i], params[2 * i + 1]
        linear = torch.nn.Linear(*W.shape)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W.T.copy()))      # PyTorch stores (out, in)
            linear.bias.copy_(torch.from_numpy(b))
        layers += [linear, torch.nn.ReLU()]
    return torch.nn.Sequential(*layers[:-1])


def torch_epoch(model, optimizer, Xt, yt, batch):
    for start in range(0, len(Xt), batch):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(Xt[start:start + batch]), yt[start:start + batch])
        loss.backward()
        optimizer.step()


def torch_state(model):
    state = []
    for layer in model[::2]:
        state += [to_numpy(layer.weight).T, to_numpy(layer.bias)]
    return state


def sklearn_mlp(lr, batch):
    from sklearn.neural_network import MLPClassifier
    return MLPClassifier(hidden_layer_sizes=MLP_SIZES[1:-1], activation="relu", solver="sgd",
                         learning_rate_init=lr, momentum=0.0, nesterovs_momentum=False, alpha=0.0,
                         batch_size=batch, max_iter=1, shuffle=False, early_stopping=False, tol=0.0,
                         n_iter_no_change=10 ** 9, random_state=0)


def sklearn_epoch(classifier, X, y):
    from sklearn.exceptions import ConvergenceWarning
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)   # one epoch: it warns that it stopped
        classifier.fit(X, y)


def mlp_setup(args):
    """What every workload of the MLP epoch starts from: its learning rate and batch size, the
    data, nnlib's model, its loss, its starting weights and an SGD optimizer of them."""
    lr, batch = 0.01, 128
    X, y = mlp_data(args.samples, np.random.default_rng(0))
    model = nnlib_mlp()
    return (lr, batch, X, y, model, CrossEntropyLoss(), mlp_state(model),
            SGD(model.parameters(), lr=lr))


def torch_mlp_checked(start_state, X, y, checked, batch, lr):
    """PyTorch's MLP from the same weights and its SGD, after the steps on the first ``checked``
    samples that the agreement check compares; with the data as tensors, for the timings."""
    tmodel = torch_mlp(start_state)
    toptimizer = torch.optim.SGD(tmodel.parameters(), lr=lr)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    torch_epoch(tmodel, toptimizer, Xt[:checked], yt[:checked], batch)
    return tmodel, toptimizer, Xt, yt


def mlp_workloads(args, use_torch: bool):
    lr, batch, X, y, model, loss_fn, start_state, optimizer = mlp_setup(args)
    numpy_params = [a.copy() for a in start_state]

    def reset():   # every side starts its epoch from the same weights
        for p, a in zip(model.parameters(), start_state):
            p.data[...] = a
        for p, a in zip(numpy_params, start_state):
            p[...] = a

    # the same work: the weights after the first steps of the epoch agree
    reset()
    Xc, yc = X[:CHECKED_STEPS * batch], y[:CHECKED_STEPS * batch]
    nnlib_epoch(model, loss_fn, optimizer, Xc, yc, batch)
    numpy_epoch(numpy_params, Xc, yc, batch, lr)
    diffs = {"numpy": agree("mlp_epoch", "numpy", relative_difference(numpy_params, mlp_state(model)),
                            STEP_TOLERANCE)}
    steps = {"nnlib": lambda: nnlib_epoch(model, loss_fn, optimizer, X, y, batch),
             "numpy": lambda: numpy_epoch(numpy_params, X, y, batch, lr)}
    if use_torch:
        tmodel, toptimizer, Xt, yt = torch_mlp_checked(start_state, X, y, len(Xc), batch, lr)
        diffs["torch"] = agree("mlp_epoch", "torch", relative_difference(torch_state(tmodel), mlp_state(model)),
                               STEP_TOLERANCE)
        steps["torch"] = lambda: torch_epoch(tmodel, toptimizer, Xt, yt, batch)
    classifier, classifier64, X64 = sklearn_mlp(lr, batch), sklearn_mlp(lr, batch), X.astype(np.float64)
    steps["sklearn"] = lambda: sklearn_epoch(classifier, X, y)
    # what a user who hands scikit-learn float64 data gets: it then computes in float64
    steps["sklearn, float64 data"] = lambda: sklearn_epoch(classifier64, X64, y)
    # the first layer also computing dL/dx of the data, which nothing uses
    steps["nnlib, with dL/dx"] = lambda: nnlib_epoch_with_input_grad(model, loss_fn, optimizer, X, y,
                                                                     batch)
    times = measure(steps, args.repeats, args.warmup)
    extra = {name: times.pop(name) for name in ("sklearn, float64 data", "nnlib, with dL/dx")}
    notes = {"sklearn": f"MLPClassifier computes in {classifier.coefs_[0].dtype} on float32 data; its epoch "
                        "includes its input checks and weight initialization; on the same data in float64 it "
                        f"takes {1e3 * extra['sklearn, float64 data']:.1f} ms (nnlib/sklearn "
                        f"{times['nnlib'] / extra['sklearn, float64 data']:.2f})",
             "nnlib": f"computing the unused dL/dx of the data too, the epoch takes "
                      f"{1e3 * extra['nnlib, with dL/dx']:.1f} ms"}
    # forward X W, backward X^T G and G W^T for every layer, except the first layer's G W^T: the
    # epoch (nnlib's, PyTorch's, the NumPy loop's) does not compute the gradient of the data
    flops = (6 * len(X) * sum(a * b for a, b in zip(MLP_SIZES[:-1], MLP_SIZES[1:]))
             - 2 * len(X) * MLP_SIZES[0] * MLP_SIZES[1])
    yield row("mlp_epoch", f"MLP 784-256-128-10, one SGD epoch, {len(X):,} samples, batch 128", times, diffs,
              flops, notes, extra)

    # inference: outputs for every sample, in batches of 1,000
    reset()
    inference = 1000
    expected = numpy_forward(numpy_params, X, inference)
    diffs = {"numpy": agree("mlp_inference", "numpy", relative_difference(expected, predict(model, X, inference)),
                            1e-5)}
    steps = {"nnlib": lambda: predict(model, X, inference),
             "numpy": lambda: numpy_forward(numpy_params, X, inference)}
    if use_torch:
        tmodel = torch_mlp(start_state).eval()

        def torch_predict():
            with torch.inference_mode():
                return torch.cat([tmodel(Xt[s:s + inference]) for s in range(0, len(Xt), inference)])
        diffs["torch"] = agree("mlp_inference", "torch", relative_difference(to_numpy(torch_predict()), expected),
                               1e-5)
        steps["torch"] = torch_predict
    times = measure(steps, args.repeats * 3, args.warmup)
    flops = 2 * len(X) * sum(a * b for a, b in zip(MLP_SIZES[:-1], MLP_SIZES[1:]))
    yield row("mlp_inference", f"the same MLP's outputs for {len(X):,} samples, batches of 1,000", times, diffs,
              flops, {})


# -- a tiny MLP: the per-step overhead ---------------------------------------------------------------

TINY_SIZES = (2, 16, 16, 1)


def numpy_tiny_epoch(params, X, y, batch, lr):
    """The tiny MLP's epoch by hand: three layers, ReLU, binary cross-entropy on logits, SGD."""
    W1, b1, W2, b2, W3, b3 = params
    lr = np.float32(lr)
    for start in range(0, len(X), batch):
        xb, yb = X[start:start + batch], y[start:start + batch]
        h1 = xb @ W1
        h1 += b1
        np.maximum(h1, 0, out=h1)
        h2 = h1 @ W2
        h2 += b2
        np.maximum(h2, 0, out=h2)
        z = h2 @ W3
        z += b3
        e = np.exp(-np.abs(z))
        _loss = float(np.mean(np.maximum(z, 0) - z * yb + np.log1p(e)))   # as every side computes it
        g = np.where(z >= 0, 1 / (1 + e), e / (1 + e))                     # sigmoid(z)
        g -= yb
        g /= np.float32(yb.size)
        dW3, db3 = h2.T @ g, g.sum(axis=0)
        g = g @ W3.T
        g *= h2 > 0
        dW2, db2 = h1.T @ g, g.sum(axis=0)
        g = g @ W2.T
        g *= h1 > 0
        dW1, db1 = xb.T @ g, g.sum(axis=0)
        for p, d in zip(params, (dW1, db1, dW2, db2, dW3, db3)):
            d *= lr
            p -= d


def tiny_workloads(args, use_torch: bool):
    lr, batch = 0.1, 32
    rng = np.random.default_rng(0)
    X = rng.normal(size=(args.tiny_samples, 2)).astype(np.float32)
    y = (X[:, :1] * X[:, 1:] > 0).astype(np.float32)              # (N, 1): the XOR of the signs
    weights = np.random.default_rng(1)
    layers = []
    for fan_in, fan_out in zip(TINY_SIZES[:-1], TINY_SIZES[1:]):
        layers += [Linear(fan_in, fan_out, rng=weights, dtype=np.float32), ReLU()]
    model, loss_fn = Sequential(*layers[:-1]), BCEWithLogitsLoss()
    optimizer = SGD(model.parameters(), lr=lr)
    start_state = mlp_state(model)
    numpy_params = [a.copy() for a in start_state]
    nnlib_epoch(model, loss_fn, optimizer, X, y, batch)
    numpy_tiny_epoch(numpy_params, X, y, batch, lr)
    diffs = {"numpy": agree("tiny_epoch", "numpy", relative_difference(numpy_params, mlp_state(model)),
                            1e-4)}
    steps = {"nnlib": lambda: nnlib_epoch(model, loss_fn, optimizer, X, y, batch),
             "numpy": lambda: numpy_tiny_epoch(numpy_params, X, y, batch, lr)}
    if use_torch:
        tmodel = torch_mlp(start_state)
        toptimizer = torch.optim.SGD(tmodel.parameters(), lr=lr)
        Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

        def torch_tiny_epoch():
            for start in range(0, len(Xt), batch):
                toptimizer.zero_grad()
                loss = torch.nn.functional.binary_cross_entropy_with_logits(
                    tmodel(Xt[start:start + batch]), yt[start:start + batch])
                loss.backward()
                toptimizer.step()
        torch_tiny_epoch()
        numpy_check = [a.copy() for a in start_state]
        numpy_tiny_epoch(numpy_check, X, y, batch, lr)
        diffs["torch"] = agree("tiny_epoch", "torch", relative_difference(torch_state(tmodel), numpy_check),
                               1e-4)
        steps["torch"] = torch_tiny_epoch
    times = measure(steps, args.repeats * 3, args.warmup)
    steps_per_epoch = -(-len(X) // batch)
    notes = {"nnlib": f"{1e6 * times['nnlib'] / steps_per_epoch:.0f} us per step; by hand "
                      f"{1e6 * times['numpy'] / steps_per_epoch:.0f} us"}
    yield row("tiny_epoch", f"MLP 2-16-16-1, one SGD epoch, {len(X):,} samples, batch 32", times, diffs,
              None, notes)


# -- convolution and pooling ----------------------------------------------------------------------------

def conv_workloads(args, use_torch: bool):
    rng = np.random.default_rng(0)
    N = args.conv_batch
    x = rng.normal(size=(N, 16, 28, 28)).astype(np.float32)
    grad = rng.normal(size=(N, 32, 28, 28)).astype(np.float32)
    conv = Conv2d(16, 32, 3, padding=1, rng=rng, dtype=np.float32)

    def nnlib_conv():
        out = conv(x)
        return [out, conv.backward(grad)]

    def numpy_conv():
        out, dx, _ = plain_im2col_conv(x, conv.weight.data, conv.bias.data, grad)
        return [out, dx]

    reference = nnlib_conv()
    diffs = {"numpy": agree("conv2d", "numpy", relative_difference(numpy_conv(), reference), 1e-4)}
    steps = {"nnlib": nnlib_conv, "numpy": numpy_conv}
    if use_torch:
        xt = torch.tensor(x, requires_grad=True)
        wt = torch.tensor(conv.weight.data, requires_grad=True)
        bt = torch.tensor(conv.bias.data, requires_grad=True)
        gt = torch.from_numpy(grad)

        def torch_conv():
            xt.grad = wt.grad = bt.grad = None
            out = torch.nn.functional.conv2d(xt, wt, bt, padding=1)
            out.backward(gt)
            return [to_numpy(out), to_numpy(xt.grad)]
        diffs["torch"] = agree("conv2d", "torch", relative_difference(torch_conv(), reference), 1e-4)
        steps["torch"] = torch_conv
    times = measure(steps, args.repeats * 4, args.warmup)
    flops = 3 * 2 * N * 28 * 28 * 32 * 16 * 9        # forward, weight gradient, input gradient
    yield row("conv2d", f"Conv2d(16, 32, 3, padding=1), forward + backward, input ({N}, 16, 28, 28)", times,
              diffs, flops, {"numpy": "the plain im2col of chapter 12"})

    p = rng.normal(size=(N, 32, 28, 28)).astype(np.float32)
    pgrad = rng.normal(size=(N, 32, 14, 14)).astype(np.float32)
    pool = MaxPool2d(2)

    def nnlib_pool():
        out = pool(p)
        return [out, pool.backward(pgrad)]

    def numpy_pool():
        # non-overlapping 2x2 windows by a reshape; the gradient goes to the first maximum of a window
        windows = p.reshape(N, 32, 14, 2, 14, 2).transpose(0, 1, 2, 4, 3, 5).reshape(N, 32, 14, 14, 4)
        first = windows.argmax(axis=-1)
        out = np.take_along_axis(windows, first[..., None], axis=-1)[..., 0]
        dwin = np.zeros_like(windows)
        np.put_along_axis(dwin, first[..., None], pgrad[..., None], axis=-1)
        dx = dwin.reshape(N, 32, 14, 14, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(p.shape)
        return [out, dx]

    reference = nnlib_pool()
    diffs = {"numpy": agree("maxpool2d", "numpy", relative_difference(numpy_pool(), reference), 0.0)}
    steps = {"nnlib": nnlib_pool, "numpy": numpy_pool}
    if use_torch:
        pt = torch.tensor(p, requires_grad=True)
        gpt = torch.from_numpy(pgrad)

        def torch_pool():
            pt.grad = None
            out = torch.nn.functional.max_pool2d(pt, 2)
            out.backward(gpt)
            return [to_numpy(out), to_numpy(pt.grad)]
        diffs["torch"] = agree("maxpool2d", "torch", relative_difference(torch_pool(), reference), 0.0)
        steps["torch"] = torch_pool
    times = measure(steps, args.repeats * 4, args.warmup)
    yield row("maxpool2d", f"MaxPool2d(2), forward + backward, input ({N}, 32, 28, 28)", times, diffs,
              None, {"numpy": "a reshape into 2x2 windows, argmax and a scatter"})


# -- the digits CNN of chapter 13 -------------------------------------------------------------------------

def digits():
    from sklearn.datasets import load_digits
    data = load_digits()
    X = data.images.reshape(-1, 1, 8, 8) / 16.0
    return (X - X.mean()) / X.std(), data.target


def nnlib_cnn(seed=0):
    """Chapter 13's network: two conv-BN-ReLU-pool blocks, dropout, a linear layer."""
    weights = np.random.default_rng(seed)

    def block(c_in, c_out):
        return [Conv2d(c_in, c_out, 3, padding=1, bias=False, rng=weights), BatchNorm2d(c_out), ReLU(),
                MaxPool2d(2)]
    return Sequential(*block(1, 16), *block(16, 32), Flatten(), Dropout(0.5, rng=weights),
                      Linear(128, 10, rng=weights))


def torch_cnn(model):
    """PyTorch's version of the same network, with the same initial weights."""
    F = torch.float64
    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, 16, 3, padding=1, bias=False, dtype=F), torch.nn.BatchNorm2d(16, dtype=F),
        torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 3, padding=1, bias=False, dtype=F), torch.nn.BatchNorm2d(32, dtype=F),
        torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Dropout(0.5),
        torch.nn.Linear(128, 10, dtype=F))
    with torch.no_grad():
        net[0].weight.copy_(torch.from_numpy(model[0].weight.data))
        net[4].weight.copy_(torch.from_numpy(model[4].weight.data))
        net[10].weight.copy_(torch.from_numpy(model[10].weight.data.T.copy()))
        net[10].bias.copy_(torch.from_numpy(model[10].bias.data))
    return net


def cnn_workloads(args, use_torch: bool):
    X, y = digits()
    X, y = X[:args.digits], y[:args.digits]
    batch = 32
    model, loss_fn = nnlib_cnn(), CrossEntropyLoss()
    optimizer = Adam(model.parameters(), lr=3e-3)
    steps = {"nnlib": lambda: nnlib_epoch(model.train(), loss_fn, optimizer, X, y, batch)}
    diffs = {}
    if use_torch:
        tnet = torch_cnn(model)
        expected = predict(model, X)
        diffs["torch"] = agree("digits_cnn", "torch", relative_difference(
            to_numpy(tnet.eval()(torch.from_numpy(X))), expected), 1e-10)
        toptimizer = torch.optim.Adam(tnet.parameters(), lr=3e-3)
        Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
        steps["torch"] = lambda: torch_epoch(tnet.train(), toptimizer, Xt, yt, batch)
    times = measure(steps, args.repeats, args.warmup)
    yield row("digits_cnn", f"chapter 13's CNN, one Adam epoch over {len(X):,} digits, batch 32, float64",
              times, diffs, None, {})


# -- the MLP on chapter 14's tape ----------------------------------------------------------------------

def tape_epoch(params, X, y, batch, lr):
    """The MLP epoch written with nnlib.Tensor operations: each batch's forward pass records a tape,
    and loss.backward() replays it; the cross-entropy is a log-sum-exp of Tensor operations (as
    chapter 14 writes it); plain SGD on the leaves' gradients."""
    W1, b1, W2, b2, W3, b3 = params
    for start in range(0, len(X), batch):
        xb, yb = Tensor(X[start:start + batch]), y[start:start + batch]
        z = ((xb @ W1 + b1).relu() @ W2 + b2).relu() @ W3 + b3
        m = z.max(axis=1, keepdims=True).detach()                  # a constant shift
        log_norm = (z - m).exp().sum(axis=1, keepdims=True).log() + m
        picked = z[np.arange(len(yb)), yb].reshape(-1, 1)
        (log_norm - picked).mean().backward()
        for p in params:
            p.data -= lr * p.grad                                  # a Python float: stays float32
            p.grad = None


def tape_workloads(args, use_torch: bool):
    """mlp_epoch's epoch (same data, weights, batches and SGD) on the tape, against nnlib's layers."""
    lr, batch, X, y, model, loss_fn, start_state, optimizer = mlp_setup(args)
    params = [Tensor(a.copy(), requires_grad=True) for a in start_state]
    numpy_params = [a.copy() for a in start_state]

    # the same work: after the first steps from the same weights, the weights agree
    Xc, yc = X[:CHECKED_STEPS * batch], y[:CHECKED_STEPS * batch]
    nnlib_epoch(model, loss_fn, optimizer, Xc, yc, batch)
    tape_epoch(params, Xc, yc, batch, lr)
    numpy_epoch(numpy_params, Xc, yc, batch, lr)
    tape_state = [p.data for p in params]
    layers = agree("tape_epoch", "nnlib's layers", relative_difference(tape_state, mlp_state(model)),
                   STEP_TOLERANCE)
    diffs = {"numpy": agree("tape_epoch", "numpy", relative_difference(numpy_params, tape_state),
                            STEP_TOLERANCE)}
    steps = {"nnlib": lambda: tape_epoch(params, X, y, batch, lr),
             "layers": lambda: nnlib_epoch(model, loss_fn, optimizer, X, y, batch),
             "numpy": lambda: numpy_epoch(numpy_params, X, y, batch, lr)}
    if use_torch:
        tmodel, toptimizer, Xt, yt = torch_mlp_checked(start_state, X, y, len(Xc), batch, lr)
        diffs["torch"] = agree("tape_epoch", "torch", relative_difference(torch_state(tmodel), tape_state),
                               STEP_TOLERANCE)
        steps["torch"] = lambda: torch_epoch(tmodel, toptimizer, Xt, yt, batch)
    times = measure(steps, args.repeats, args.warmup)
    extra = {"nnlib layers (Sequential)": times.pop("layers")}
    notes = {"nnlib": f"the epoch written with nnlib.Tensor (a tape); nnlib's layers (Sequential, as in "
                      f"mlp_epoch) take {1e3 * extra['nnlib layers (Sequential)']:.1f} ms in the same "
                      f"run: tape/layers {times['nnlib'] / extra['nnlib layers (Sequential)']:.2f} (their "
                      f"weights after the first {CHECKED_STEPS} steps differ by {layers:.0e}, relative)"}
    flops = (6 * len(X) * sum(a * b for a, b in zip(MLP_SIZES[:-1], MLP_SIZES[1:]))
             - 2 * len(X) * MLP_SIZES[0] * MLP_SIZES[1])
    yield row("tape_epoch", "the MLP epoch of mlp_epoch written with nnlib.Tensor (chapter 14's tape)",
              times, diffs, flops, notes, extra)


# -- a transformer block of chapter 16 -------------------------------------------------------------------

def transformer_workloads(args, use_torch: bool):
    n, t, d, heads = args.block_shape
    ff = 4 * d
    rng = np.random.default_rng(0)
    block = TransformerBlock(d, heads, dim_feedforward=ff, rng=rng, dtype=np.float32)
    x = rng.normal(size=(n, t, d)).astype(np.float32)
    grad = rng.normal(size=(n, t, d)).astype(np.float32)

    def nnlib_block():
        block.zero_grad()
        out = block(x)
        return [out, block.backward(grad)]

    reference = nnlib_block()
    diffs, steps = {}, {"nnlib": nnlib_block}
    if use_torch:
        layer = torch.nn.TransformerEncoderLayer(d, heads, dim_feedforward=ff, dropout=0.0,
                                                 activation="gelu", batch_first=True,
                                                 norm_first=True)
        transposed = {"linear1.weight", "linear2.weight", "self_attn.out_proj.weight"}
        state = {k: torch.from_numpy(np.ascontiguousarray(v.T if k in transposed else v))
                 for k, v in block.state_dict().items()}
        layer.load_state_dict(state)
        mask = torch.nn.Transformer.generate_square_subsequent_mask(t)
        xt = torch.tensor(x, requires_grad=True)
        gt = torch.from_numpy(grad)

        def torch_block():
            layer.zero_grad()
            xt.grad = None
            out = layer(xt, src_mask=mask, is_causal=True)
            out.backward(gt)
            return [to_numpy(out), to_numpy(xt.grad)]
        diffs["torch"] = agree("transformer", "torch",
                               relative_difference(torch_block(), reference), 1e-4)
        steps["torch"] = torch_block
    times = measure(steps, args.repeats * 4, args.warmup)
    forward = 2 * n * t * (4 * d * d + 2 * d * ff) + 2 * 2 * n * t * t * d   # products only
    yield row("transformer", f"TransformerBlock({d}, {heads}, dim_feedforward={ff}), causal, "
              f"forward + backward, input ({n}, {t}, {d})", times, diffs, 3 * forward,
              {"torch": "TransformerEncoderLayer(norm_first=True, activation='gelu', dropout=0), "
                        "the same parameters and causal mask"} if use_torch else {})


# -- the machine ------------------------------------------------------------------------------------------

def gemm_rate(size: int, repeats: int) -> float:
    """GFLOP/s of a float32 (size x size) @ (size x size) product: the machine's dense ceiling."""
    rng = np.random.default_rng(0)
    a, b = (rng.normal(size=(size, size)).astype(np.float32) for _ in range(2))
    seconds = measure({"gemm": lambda: a @ b}, repeats, 2)["gemm"]
    return 2 * size ** 3 / seconds / 1e9


def machine() -> dict:
    blas = [info for info in threadpool_info() if info["user_api"] == "blas"]
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import sklearn
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "numpy": np.__version__,
            "blas": f"{blas[0]['internal_api']} {blas[0]['version']}, kernel {blas[0].get('architecture')}"
            if blas else "unknown", "blas_threads": blas[0]["num_threads"] if blas else 1,
            "torch": torch.__version__ if torch is not None else None,
            "torch_threads": torch.get_num_threads() if torch is not None else None,
            "sklearn": sklearn.__version__}


def row(name, description, times, diffs, flops, notes, extra=None) -> dict:
    """One workload's results; ``extra`` holds the seconds of variants outside the table's columns."""
    ratios = {side: times["nnlib"] / times[side] for side in SIDES[1:] if side in times}
    return {"name": name, "description": description, "seconds": times, "ratios": ratios,
            "max_relative_difference": diffs, "flops": flops, "notes": notes, "extra_seconds": extra or {}}


def print_table(rows, gflops) -> None:
    print(f"\n{'workload':<14} {'nnlib ms':>9} {'torch ms':>9} {'sklearn ms':>10} {'numpy ms':>9}   "
          f"{'nnlib/torch':>11} {'nnlib/sklearn':>13} {'nnlib/numpy':>11}   {'share of GEMM rate':>18}")
    for r in rows:
        t, q = r["seconds"], r["ratios"]
        ms = [f"{1e3 * t[s]:{w}.1f}" if s in t else f"{'-':>{w}}" for s, w in zip(SIDES, (9, 9, 10, 9))]
        ratio = [f"{q[s]:{w}.2f}" if s in q else f"{'-':>{w}}" for s, w in zip(SIDES[1:], (11, 13, 11))]
        share = f"{r['flops'] / t['nnlib'] / 1e9 / gflops:18.0%}" if r["flops"] else f"{'-':>18}"
        print(f"{r['name']:<14} {' '.join(ms)}   {' '.join(ratio)}   {share}")
    print()
    for r in rows:
        print(f"{r['name']:<14} {r['description']}")
        for side, note in r["notes"].items():
            print(f"{'':<14}   {side}: {note}")


def profile(args) -> None:
    """cProfile over one nnlib MLP epoch and one CNN epoch: the functions that take the time."""
    X, y = mlp_data(args.samples, np.random.default_rng(0))
    mlp, loss_fn = nnlib_mlp(), CrossEntropyLoss()
    sgd = SGD(mlp.parameters(), lr=0.01)
    Xd, yd = digits()
    cnn = nnlib_cnn()
    adam = Adam(cnn.parameters(), lr=3e-3)
    for name, epoch in [("MLP epoch", lambda: nnlib_epoch(mlp, loss_fn, sgd, X, y, 128)),
                        ("digits CNN epoch", lambda: nnlib_epoch(cnn, loss_fn, adam, Xd, yd, 32))]:
        epoch()
        profiler = cProfile.Profile()
        profiler.runcall(epoch)
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
        print(f"=== {name}: the 12 functions with the most time of their own")
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:4000])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats of the epochs (more for the "
                        "shorter workloads; default 5)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs first (default 1)")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for NumPy's BLAS and PyTorch (default: BLAS's own setting)")
    parser.add_argument("--only", default="mlp,tiny,conv,cnn,tape,transformer",
                        help="comma-separated: mlp, tiny, conv, cnn, tape, transformer")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out even if installed")
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes and one repeat: checks that everything runs, measures nothing")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    parser.add_argument("--profile", action="store_true", help="profile nnlib's epochs instead of timing")
    args = parser.parse_args(argv)
    groups = {"mlp": mlp_workloads, "tiny": tiny_workloads, "conv": conv_workloads, "cnn": cnn_workloads,
              "tape": tape_workloads, "transformer": transformer_workloads}
    args.only = [group.strip() for group in args.only.split(",")]
    unknown = [group for group in args.only if group not in groups]
    if unknown:
        parser.error(f"--only: unknown group(s) {', '.join(unknown)}; choose from {', '.join(groups)}")
    args.samples, args.tiny_samples, args.conv_batch, args.digits = 20_000, 4000, 64, 1797
    args.block_shape = (16, 64, 128, 4)           # batch, length, d_model, heads
    if args.quick:
        args.samples, args.tiny_samples, args.conv_batch, args.digits = 512, 256, 2, 96
        args.block_shape = (2, 8, 16, 2)
        args.repeats, args.warmup = 1, 0
        print("--quick: tiny sizes, one repeat; this checks that every side runs and agrees, the times "
              "mean nothing")
    if args.threads is not None:
        threadpool_limits(limits=args.threads, user_api="blas")
    use_torch = torch is not None and not args.no_torch
    info = machine()
    if use_torch:
        torch.set_num_threads(info["blas_threads"])
        info["torch_threads"] = torch.get_num_threads()
    else:
        info["torch"] = info["torch_threads"] = None
        print("PyTorch is " + ("left out (--no-torch)" if torch is not None else
                               "not installed (`pip install torch==2.13.0` adds it)")
              + ": no PyTorch column.")
    print(f"{info['cpu']}, {info['cores']} cores; Python {info['python']}, NumPy {info['numpy']} with "
          f"{info['blas']}, {info['blas_threads']} BLAS thread(s)"
          + (f"; PyTorch {info['torch']}, {info['torch_threads']} thread(s)" if use_torch else "")
          + f"; scikit-learn {info['sklearn']}")
    if args.profile:
        profile(args)
        return
    size = 256 if args.quick else 2048
    gflops = gemm_rate(size, args.repeats)
    print(f"float32 GEMM rate ({size} x {size} product): {gflops:.0f} GFLOP/s")
    print(f"median of {args.repeats} repeats (3x or 4x that for the shorter workloads) after {args.warmup} "
          "warm-up run(s); every side's results were checked against nnlib's first")
    rows = []
    for group in args.only:
        rows += list(groups[group](args, use_torch))
    print_table(rows, gflops)
    if args.json:
        settings = {"repeats": args.repeats, "warmup": args.warmup, "quick": args.quick,
                    "date": time.strftime("%Y-%m-%d")}
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"machine": info, "settings": settings, "gemm_gflops": gflops,
                                         "workloads": rows}, indent=1) + "\n")
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
