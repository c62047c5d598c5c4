"""Write tests/data/autograd_reference.npz: PyTorch's gradients of the operations of
nnlib.Tensor (chapter 14) on fixed inputs, for the parity tests of tests/test_autograd.py.

PyTorch is not a dependency of the book or its tests, so its answers are recorded once, here,
and the tests compare nnlib with the recording on every run (and with PyTorch itself, live, where
it is installed). Regenerate, with torch installed, when a case is added or changed:

    pip install torch==2.13.0
    python tests/autograd_reference.py

A case is a function of an `ops` object and the input tensors, written once for both libraries:
the operators (+ - * / ** @, indexing) are the same, and the few methods whose names differ go
through `ops` (NnlibOps or TorchOps below). Each case stores, under "<case>/<name>", its inputs
x0, x1, ..., the upstream gradient R (dL/d(output)), PyTorch's output y and the gradients g0,
g1, ... of sum(y * R) with respect to every input, all float64.
"""

import numpy as np

import recorded

LABELS = np.array([2, 0, 1, 1, 0, 2, 2, 1])
MASK = np.array([[True, False, True, True], [False, False, True, False],
                 [True, True, False, True]])


def all_axes(x, axis):
    return tuple(range(x.ndim)) if axis is None else axis


class NnlibOps:
    """The operations of the cases on nnlib's Tensor (NumPy's names)."""
    sum = staticmethod(lambda x, axis=None, keepdims=False: x.sum(axis, keepdims))
    mean = staticmethod(lambda x, axis=None, keepdims=False: x.mean(axis, keepdims))
    max = staticmethod(lambda x, axis=None, keepdims=False: x.max(axis, keepdims))
    exp = staticmethod(lambda x: x.exp())
    log = staticmethod(lambda x: x.log())
    relu = staticmethod(lambda x: x.relu())
    tanh = staticmethod(lambda x: x.tanh())
    sigmoid = staticmethod(lambda x: x.sigmoid())
    reshape = staticmethod(lambda x, shape: x.reshape(shape))
    transpose = staticmethod(lambda x, axes=(): x.transpose(*axes))
    index = staticmethod(lambda x, key: x[key])


class TorchOps:
    """The same operations in PyTorch (max is ``amax``: ties share the gradient)."""

    def __init__(self):
        import torch
        self.torch = torch

    def sum(self, x, axis=None, keepdims=False):
        return self.torch.sum(x, dim=all_axes(x, axis), keepdim=keepdims)

    def mean(self, x, axis=None, keepdims=False):
        return self.torch.mean(x, dim=all_axes(x, axis), keepdim=keepdims)

    def max(self, x, axis=None, keepdims=False):
        return self.torch.amax(x, dim=all_axes(x, axis), keepdim=keepdims)

    def exp(self, x):
        return self.torch.exp(x)

    def log(self, x):
        return self.torch.log(x)

    def relu(self, x):
        return self.torch.relu(x)

    def tanh(self, x):
        return self.torch.tanh(x)

    def sigmoid(self, x):
        return self.torch.sigmoid(x)

    def reshape(self, x, shape):
        return x.reshape(shape)

    def transpose(self, x, axes=()):
        return x.permute(axes or tuple(reversed(range(x.ndim))))

    def index(self, x, key):
        key = key if isinstance(key, tuple) else (key,)
        return x[tuple(self.torch.from_numpy(k) if isinstance(k, np.ndarray) else k
                       for k in key)]


def cross_entropy(o, z, labels):
    """Mean softmax cross-entropy of (N, C) logits, as chapter 14 writes it."""
    m = o.max(z, 1, True).detach()
    log_norm = o.log(o.sum(o.exp(z - m), 1, True)) + m
    picked = o.reshape(o.index(z, (np.arange(len(labels)), labels)), (-1, 1))
    return o.mean(log_norm - picked)


def two_layer(o, x, W1, b1, W2, b2):
    return cross_entropy(o, o.relu(x @ W1 + b1) @ W2 + b2, LABELS)


# name: (inputs as (shape, kind), function of ops and the inputs). Kinds: "normal";
# "positive" in [0.5, 2]; "nonzero", at least 0.1 from 0; "ties", integers 0..2.
CASES = {
    "add": ([((3, 4), "normal"), ((3, 4), "normal")], lambda o, a, b: a + b),
    "add_row": ([((3, 4), "normal"), ((4,), "normal")], lambda o, a, b: a + b),
    "add_column_and_row": ([((3, 1), "normal"), ((1, 4), "normal")], lambda o, a, b: a + b),
    "radd_number": ([((3, 4), "normal")], lambda o, a: 2.5 + a),
    "sub_batch": ([((2, 3, 4), "normal"), ((3, 4), "normal")], lambda o, a, b: a - b),
    "rsub_number": ([((3, 4), "normal")], lambda o, a: 1.5 - a),
    "mul_column": ([((3, 4), "normal"), ((3, 1), "normal")], lambda o, a, b: a * b),
    "rmul_number": ([((3, 4), "normal")], lambda o, a: -2.0 * a),
    "mul_itself": ([((3, 4), "normal")], lambda o, a: a * a + a),
    "div": ([((3, 4), "normal"), ((3, 4), "positive")], lambda o, a, b: a / b),
    "div_by_scalar_tensor": ([((3, 4), "normal"), ((), "positive")], lambda o, a, b: a / b),
    "rdiv_number": ([((3, 4), "positive")], lambda o, a: 2.0 / a),
    "neg": ([((3, 4), "normal")], lambda o, a: -a),
    "pow_integer": ([((3, 4), "normal")], lambda o, a: a ** 3),
    "pow_fraction": ([((3, 4), "positive")], lambda o, a: a ** 0.5),
    "pow_negative": ([((3, 4), "positive")], lambda o, a: a ** -1.5),
    "matmul": ([((3, 4), "normal"), ((4, 5), "normal")], lambda o, a, b: a @ b),
    "matmul_batched": ([((2, 3, 4), "normal"), ((2, 4, 5), "normal")],
                       lambda o, a, b: a @ b),
    "matmul_shared": ([((2, 3, 4), "normal"), ((4, 5), "normal")], lambda o, a, b: a @ b),
    "matmul_broadcast_batch": ([((2, 1, 3, 4), "normal"), ((3, 4, 5), "normal")],
                               lambda o, a, b: a @ b),
    "matmul_vector_left": ([((4,), "normal"), ((4, 5), "normal")], lambda o, a, b: a @ b),
    "matmul_vector_right": ([((3, 4), "normal"), ((4,), "normal")], lambda o, a, b: a @ b),
    "matmul_vector_batch": ([((4,), "normal"), ((2, 4, 5), "normal")],
                            lambda o, a, b: a @ b),
    "matmul_vectors": ([((4,), "normal"), ((4,), "normal")], lambda o, a, b: a @ b),
    "sum_all": ([((2, 3, 4), "normal")], lambda o, a: o.sum(a)),
    "sum_axis": ([((2, 3, 4), "normal")], lambda o, a: o.sum(a, 1)),
    "sum_negative_axis": ([((2, 3, 4), "normal")], lambda o, a: o.sum(a, -1)),
    "sum_axes_keepdims": ([((2, 3, 4), "normal")], lambda o, a: o.sum(a, (0, 2), True)),
    "mean_all": ([((2, 3, 4), "normal")], lambda o, a: o.mean(a)),
    "mean_axis_keepdims": ([((2, 3, 4), "normal")], lambda o, a: o.mean(a, 1, True)),
    "mean_axes": ([((2, 3, 4), "normal")], lambda o, a: o.mean(a, (0, -1))),
    "max_all": ([((2, 3, 4), "normal")], lambda o, a: o.max(a)),
    "max_axis": ([((2, 3, 4), "normal")], lambda o, a: o.max(a, 1)),
    "max_axes_keepdims": ([((2, 3, 4), "normal")], lambda o, a: o.max(a, (0, 2), True)),
    "max_ties_axis": ([((4, 5), "ties")], lambda o, a: o.max(a, 1)),
    "max_ties_all": ([((4, 5), "ties")], lambda o, a: o.max(a)),
    "exp": ([((3, 4), "normal")], lambda o, a: o.exp(a)),
    "log": ([((3, 4), "positive")], lambda o, a: o.log(a)),
    "relu": ([((3, 4), "nonzero")], lambda o, a: o.relu(a)),
    "tanh": ([((3, 4), "normal")], lambda o, a: o.tanh(a * 2)),
    "sigmoid": ([((3, 4), "normal")], lambda o, a: o.sigmoid(a * 5)),
    "reshape": ([((2, 3, 4), "normal")], lambda o, a: o.reshape(a, (4, 6))),
    "reshape_inferred": ([((2, 3, 4), "normal")], lambda o, a: o.reshape(a, (6, -1))),
    "transpose_axes": ([((2, 3, 4), "normal")], lambda o, a: o.transpose(a, (2, 0, 1))),
    "transpose_reversed": ([((2, 3, 4), "normal")], lambda o, a: o.transpose(a)),
    "index_slices": ([((3, 4), "normal")], lambda o, a: o.index(a, (slice(1, None),
                                                                     slice(None, None, 2)))),
    "index_repeated": ([((3, 4), "normal")], lambda o, a: o.index(a, np.array([0, 2, 0, 0]))),
    "index_rows_and_columns": ([((3, 4), "normal")],
                               lambda o, a: o.index(a, (np.arange(3), np.array([3, 0, 3])))),
    "index_mixed": ([((3, 4), "normal")],
                    lambda o, a: o.index(a, (np.array([1, 1, 2]), slice(1, 3)))),
    "index_mask": ([((3, 4), "normal")], lambda o, a: o.index(a, MASK)),
    "two_layer_cross_entropy": ([((8, 5), "normal"), ((5, 6), "normal"), ((6,), "normal"),
                                 ((6, 3), "normal"), ((3,), "normal")], two_layer),
}


def cases():
    """The case names, in a fixed order (the test compares them with the recording's)."""
    return list(CASES)


def inputs(rng, specs):
    """Fixed float64 inputs of the shapes and kinds of a case."""
    arrays = []
    for shape, kind in specs:
        if kind == "normal":
            arrays.append(rng.normal(size=shape))
        elif kind == "positive":
            arrays.append(rng.uniform(0.5, 2.0, size=shape))
        elif kind == "nonzero":
            arrays.append(rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.1, 2, size=shape))
        else:
            arrays.append(rng.integers(0, 3, size=shape).astype(np.float64))
    return [np.asarray(a, dtype=np.float64) for a in arrays]


def torch_gradients(name, arrays, R=None, dtype=None, rng=None):
    """PyTorch's output, upstream gradient and input gradients for one case, live."""
    import torch
    dtype = dtype or torch.float64
    specs, function = CASES[name]
    leaves = [torch.tensor(a, dtype=dtype, requires_grad=True) for a in arrays]
    y = function(TorchOps(), *leaves)
    if R is None:
        R = np.asarray(rng.normal(size=tuple(y.shape)))
    y.backward(torch.tensor(R, dtype=dtype))
    return y.detach().numpy(), R, [leaf.grad.numpy() for leaf in leaves]


def record():
    import torch

    rng = np.random.default_rng(2014)
    data = {}
    for name, (specs, _) in CASES.items():
        arrays = inputs(rng, specs)
        y, R, grads = torch_gradients(name, arrays, rng=rng)
        data.update({f"{name}/x{i}": a for i, a in enumerate(arrays)})
        data.update({f"{name}/g{i}": g for i, g in enumerate(grads)})
        data.update({f"{name}/R": R, f"{name}/y": y})
    recorded.write("autograd_reference", data, cases(), torch.__version__)


if __name__ == "__main__":
    record()
