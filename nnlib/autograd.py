# Generated from chapters/14_autograd/ by tools/export.py. Do not edit.
"""Automatic differentiation: ``Tensor``, an array that records the operations applied
to it, and its ``backward()``, which replays them in reverse order, each operation
passing on its vector-Jacobian product.

Derived in chapter 14, "Automatic differentiation" (chapters/14_autograd)."""

import numbers
from types import EllipsisType
import numpy as np
import numpy.typing as npt
from nnlib import checks

__all__ = ["Tensor", "unbroadcast", "no_grad", "is_grad_enabled"]


_grad_enabled = True                 # False inside ``with no_grad():``
_Index = int | slice | list | tuple | np.ndarray | EllipsisType | None  # NumPy's


class Tensor:
    """An array that records the operations applied to it, so that ``backward()`` can
    compute gradients.

    Derived in chapter 14, "Automatic differentiation". Arithmetic (``+ - * / ** @``,
    with Python numbers, NumPy arrays and NumPy's broadcasting, in both operand orders),
    reductions, activations, reshaping and indexing return new tensors; each records its
    parents and the vector-Jacobian product of its operation when a parent requires a
    gradient. Results keep the dtype NumPy gives them (float32 with float32 stays
    float32).

    Parameters
    ----------
    data : array_like
        The values, of any shape. A float32 or float64 NumPy array is kept, not copied;
        anything else (numbers, lists, integer arrays) is converted to ``dtype``.
    dtype : numpy.dtype, optional
        float32 or float64 (the default for data that is not a float array).
    requires_grad : bool
        Whether ``backward()`` computes dL/d(this tensor): True for what one learns.

    Attributes
    ----------
    data : numpy.ndarray
        The values, float32 or float64.
    grad : numpy.ndarray or None
        None until a backward pass reaches this tensor, then dL/d(data), of ``data``'s
        shape and dtype. Later passes add to it (reset it with ``t.grad = None``). As in
        PyTorch, only leaves (tensors not computed by an operation) keep a gradient.
    requires_grad : bool
        True for a leaf created with ``requires_grad=True`` and for every result
        computed from such a tensor outside ``no_grad()``.
    """

    __array_ufunc__ = None       # ndarray + Tensor: NumPy lets Tensor.__radd__ answer

    # data's shape, dtype and number of axes, read as the tensor's own
    shape = property(lambda self: self.data.shape)
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)

    def __init__(self, data: npt.ArrayLike, dtype: npt.DTypeLike | None = None,
                 requires_grad: bool = False) -> None:
        checks.instance(requires_grad, "requires_grad", "Tensor", bool)
        array = data if isinstance(data, np.ndarray) else np.asarray(data)
        if dtype is not None:
            dtype = checks.floating_dtype(dtype, "dtype", "Tensor")
            array = array.astype(dtype, copy=False)
        elif array.dtype not in checks.FLOATING:
            if array.dtype.kind not in "biuf":      # booleans, integers, float16
                checks.fail(TypeError, "Tensor", "data", "real numbers",
                            f"dtype {array.dtype}")
            array = array.astype(np.float64)
        self.data, self.grad, self.requires_grad = array, None, requires_grad
        self._edges = ()         # (parent, vjp) pairs; () for a leaf, None once freed

    @property
    def is_leaf(self) -> bool:
        """True unless computed by a recorded operation; a leaf keeps ``.grad``."""
        return self._edges == ()

    def item(self) -> float:
        """The value of a one-element tensor as a Python float (a loss, say)."""
        return float(self.data.item())

    def detach(self) -> "Tensor":
        """A new leaf that shares ``data`` and requires no gradient."""
        return Tensor(self.data)

    def __repr__(self) -> str:
        text = np.array2string(self.data, separator=", ", prefix="Tensor(")
        dtype = ", dtype=float32" if self.data.dtype == np.float32 else ""
        grad = ", requires_grad=True" if self.requires_grad else ""
        return f"Tensor({text}{dtype}{grad})"

    def __radd__(self, other: "Tensor | np.ndarray | float") -> "Tensor":
        return _as_tensor(other, self, "+") + self

    def __rsub__(self, other: "Tensor | np.ndarray | float") -> "Tensor":
        return _as_tensor(other, self, "-") - self

    def __rmul__(self, other: "Tensor | np.ndarray | float") -> "Tensor":
        return _as_tensor(other, self, "*") * self

    def __rtruediv__(self, other: "Tensor | np.ndarray | float") -> "Tensor":
        return _as_tensor(other, self, "/") / self

    def __add__(self, other: "Tensor | np.ndarray | float") -> "Tensor":
        other = _as_tensor(other, self, "+")
        a, b = self.data, other.data
        return _record(a + b, (self, lambda g: g), (other, lambda g: g))

    def __sub__(self, other: "Tensor | np.ndarray | float") -> "Tensor":
        other = _as_tensor(other, self, "-")
        a, b = self.data, other.data
        return _record(a - b, (self, lambda g: g), (other, lambda g: -g))

    def __mul__(self, other: "Tensor | np.ndarray | float") -> "Tensor":
        other = _as_tensor(other, self, "*")
        a, b = self.data, other.data
        return _record(a * b, (self, lambda g: g * b), (other, lambda g: g * a))

    def __truediv__(self, other: "Tensor | np.ndarray | float") -> "Tensor":
        other = _as_tensor(other, self, "/")
        a, b = self.data, other.data
        return _record(a / b, (self, lambda g: g / b),
                       (other, lambda g: -g * a / (b * b)))

    def __neg__(self) -> "Tensor":
        return _record(-self.data, (self, lambda g: -g))

    def backward(self, gradient: "np.ndarray | Tensor | None" = None,
                 retain_graph: bool = False) -> None:
        """Compute dL/d(leaf) for every leaf this tensor was computed from with
        ``requires_grad=True``, adding it to the leaf's ``.grad``.

        ``gradient`` is dL/d(this tensor), an array (or Tensor) of its shape and dtype;
        it may be left out only for a one-element output (the loss), where it is 1. The
        graph is freed afterwards unless ``retain_graph`` is True.
        """
        owner = "Tensor.backward"
        checks.instance(retain_graph, "retain_graph", owner, bool)
        if not self.requires_grad:
            raise RuntimeError(_NO_GRAPH)
        if gradient is None:
            if self.data.size != 1:
                raise RuntimeError(_NOT_SCALAR.format(self.shape))
            gradient = np.ones_like(self.data)
        gradient = gradient.data if isinstance(gradient, Tensor) else gradient
        checks.array(gradient, "gradient", owner, shape=self.shape, dtype=self.dtype)
        grads = {id(self): gradient}
        for node in reversed(_topological_order(self)):
            g = grads.pop(id(node))
            if node.is_leaf:
                node.grad = g.astype(node.dtype) if node.grad is None else node.grad + g
                continue
            for parent, vjp in node._edges:
                if parent.requires_grad:
                    p = vjp(g)
                    if p.shape != parent.shape:
                        p = unbroadcast(p, parent.shape)
                    if p.dtype != parent.dtype:
                        p = p.astype(parent.dtype)
                    before = grads.get(id(parent))
                    grads[id(parent)] = p if before is None else before + p
            if not retain_graph:
                node._edges = None

    def __pow__(self, exponent: float) -> "Tensor":
        if isinstance(exponent, Tensor):
            checks.fail(TypeError, "Tensor **", "the exponent", "a real number",
                        "a Tensor", "for a tensor exponent write (b * a.log()).exp()")
        p = checks.real(exponent, "the exponent", "Tensor **")
        a = self.data
        return _record(a ** p, (self, lambda g: g * p * a ** (p - 1)))

    def exp(self) -> "Tensor":
        """Elementwise e ** x; the VJP is g * e ** x (the output)."""
        out = np.exp(self.data)
        return _record(out, (self, lambda g: g * out))

    def log(self) -> "Tensor":
        """Elementwise natural logarithm; the VJP is g / x."""
        a = self.data
        return _record(np.log(a), (self, lambda g: g / a))

    def relu(self) -> "Tensor":
        """Elementwise max(x, 0); the VJP passes g where x > 0 and 0 elsewhere."""
        a = self.data
        return _record(np.maximum(a, 0), (self, lambda g: g * (a > 0)))

    def tanh(self) -> "Tensor":
        """Elementwise tanh; the VJP is g * (1 - tanh(x) ** 2), from the output."""
        out = np.tanh(self.data)
        return _record(out, (self, lambda g: g * (1 - out * out)))

    def sigmoid(self) -> "Tensor":
        """Elementwise 1 / (1 + e ** -x), computed through e ** -abs(x), which cannot
        overflow; the VJP is g * s * (1 - s), from the output s."""
        e = np.exp(-np.abs(self.data))
        out = np.where(self.data >= 0, 1 / (1 + e), e / (1 + e))
        return _record(out, (self, lambda g: g * out * (1 - out)))

    def reshape(self, *shape: int | tuple[int, ...]) -> "Tensor":
        """The same entries in a new shape, given as ints or one tuple (-1 once:
        inferred); the VJP reshapes g back."""
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], tuple) else shape
        a = self.data
        return _record(a.reshape(shape), (self, lambda g: g.reshape(a.shape)))

    def transpose(self, *axes: int | tuple[int, ...]) -> "Tensor":
        """The axes permuted, as NumPy's ``transpose`` (no axes: reversed); the VJP
        applies the inverse permutation to g."""
        axes = axes[0] if len(axes) == 1 and isinstance(axes[0], tuple) else axes
        order = [int(i) for i in np.ravel(axes)] or list(reversed(range(self.ndim)))
        inverse = np.argsort(order)
        a = self.data
        return _record(a.transpose(order), (self, lambda g: g.transpose(inverse)))

    @property
    def T(self) -> "Tensor":
        """``transpose()``: the axes reversed (a matrix's transpose)."""
        return self.transpose()

    def __matmul__(self, other: "Tensor | np.ndarray | float") -> "Tensor":
        other = _as_tensor(other, self, "@")
        if self.ndim == 1 or other.ndim == 1:      # a row on the left, a column right
            left = self.reshape(1, -1) if self.ndim == 1 else self
            out = left @ (other.reshape(-1, 1) if other.ndim == 1 else other)
            rows = out.shape[-2:-1] if self.ndim > 1 else ()
            columns = out.shape[-1:] if other.ndim > 1 else ()
            return out.reshape(out.shape[:-2] + rows + columns)
        a, b = self.data, other.data
        return _record(a @ b, (self, lambda g: g @ b.swapaxes(-1, -2)),
                       (other, lambda g: a.swapaxes(-1, -2) @ g))

    def __rmatmul__(self, other: "Tensor | np.ndarray | float") -> "Tensor":
        return _as_tensor(other, self, "@") @ self

    def sum(self, axis: int | tuple[int, ...] | None = None,
            keepdims: bool = False) -> "Tensor":
        """The sum over ``axis`` (an int, a tuple of ints, or None for all), as NumPy's;
        the VJP broadcasts g back to the input's shape."""
        a, kept = self.data, keepdims or axis is None

        def vjp(g):
            return np.broadcast_to(g if kept else _restore(g, axis, a.ndim), a.shape)
        return _record(np.sum(a, axis=axis, keepdims=keepdims), (self, vjp))

    def mean(self, axis: int | tuple[int, ...] | None = None,
             keepdims: bool = False) -> "Tensor":
        """The mean over ``axis`` (as ``sum``): the sum divided by their count."""
        axes = range(self.ndim) if axis is None else np.atleast_1d(axis)
        count = int(np.prod([self.shape[i] for i in axes]))
        return self.sum(axis=axis, keepdims=keepdims) / count

    def max(self, axis: int | tuple[int, ...] | None = None,
            keepdims: bool = False) -> "Tensor":
        """The maximum over ``axis`` (as ``sum``); the VJP gives g to the maximal
        entries, split equally among ties (as PyTorch's ``amax``)."""
        a = self.data
        top = np.max(a, axis=axis, keepdims=True)

        def vjp(g):
            g = g if keepdims else _restore(g, axis, a.ndim)
            winners = a == top
            return winners * (g / np.sum(winners, axis=axis, keepdims=True))
        return _record(top if keepdims else np.max(a, axis=axis), (self, vjp))

    def __getitem__(self, index: _Index) -> "Tensor":
        a = self.data

        def vjp(g):
            grad = np.zeros_like(a, dtype=g.dtype)
            np.add.at(grad, index, g)            # adds where the index repeats an entry
            return grad
        return _record(a[index], (self, vjp))


def _as_tensor(value: object, like: Tensor, op: str) -> Tensor:
    """``value`` as a Tensor: a Tensor as it is, a number or an array as a constant
    (a number, an integer or a boolean array in ``like``'s dtype)."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, np.ndarray):
        kind = value.dtype if value.dtype in checks.FLOATING else like.data.dtype
        return Tensor(value.astype(kind, copy=False))
    if not isinstance(value, numbers.Real):
        checks.fail(TypeError, f"Tensor {op}", "the other operand",
                    "a Tensor, a NumPy array or a real number", type(value).__name__)
    return Tensor(np.asarray(value, dtype=like.data.dtype))


def _record(data, *edges):
    """The Tensor of an operation's result, with its ``(parent, vjp)`` edges if
    recording is on and a parent requires a gradient; a plain leaf otherwise."""
    out = Tensor.__new__(Tensor)
    out.data, out.grad = data, None
    out.requires_grad = _grad_enabled and any(p.requires_grad for p, _ in edges)
    out._edges = edges if out.requires_grad else ()
    return out


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the axes that broadcasting added or stretched, to ``shape``.

    Derived in chapter 14, "Automatic differentiation": it is the vector-Jacobian
    product of broadcasting an array of ``shape`` to ``grad.shape``, whose entries are
    copies; each entry's gradient is the sum of ``grad`` over its copies.

    Parameters
    ----------
    grad : numpy.ndarray
        dL/d(broadcast result), of the broadcast shape.
    shape : tuple of int
        The operand's shape; it must broadcast to ``grad.shape``.

    Returns
    -------
    numpy.ndarray
        dL/d(operand), of ``shape`` and ``grad``'s dtype.
    """
    shape = tuple(shape)
    tail = grad.shape[grad.ndim - len(shape):]        # the axes aligned with shape
    if len(shape) > grad.ndim or any(n not in (1, m) for n, m in zip(shape, tail)):
        checks.fail(ValueError, "unbroadcast", "shape",
                    f"a shape that broadcasts to grad's {grad.shape}", shape)
    leading = grad.ndim - len(shape)                  # axes broadcasting added
    stretched = tuple(leading + i for i, n in enumerate(shape)
                      if n == 1 and grad.shape[leading + i] != 1)
    summed = grad.sum(axis=tuple(range(leading)) + stretched, keepdims=True)
    return summed.reshape(shape)


_FREED = ("Tensor.backward: trying to backward through the graph a second time; the "
          "first backward() freed it. Call it with retain_graph=True to keep the "
          "graph, or run the forward pass again")
_NO_GRAPH = ("Tensor.backward: this tensor does not require grad and has no graph; "
             "create the leaves with requires_grad=True, outside no_grad()")
_NOT_SCALAR = ("Tensor.backward: grad can be implicitly created only for scalar "
               "outputs, and this output has shape {}; reduce it to a scalar (a loss), "
               "or pass dL/d(output) as backward(gradient)")


def _topological_order(root):
    """The tensors the gradient of ``root`` flows to, each after all its parents; a
    ``RuntimeError`` if the graph was freed by an earlier backward pass."""
    order, visited, stack = [], set(), [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
        elif id(node) not in visited:
            if node._edges is None:
                raise RuntimeError(_FREED)
            visited.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p, _ in node._edges
                         if p.requires_grad and id(p) not in visited)
    return order


class no_grad:
    """Context manager: operations inside ``with no_grad():`` record nothing.

    Derived in chapter 14, "Automatic differentiation". Their results are leaves that
    require no gradient, and no arrays are kept for a backward pass (evaluation, weight
    updates). The previous setting is restored on leaving the block, also through an
    exception; blocks nest.
    """

    def __enter__(self) -> "no_grad":
        global _grad_enabled
        self._previous, _grad_enabled = _grad_enabled, False
        return self

    def __exit__(self, *exception: object) -> None:
        global _grad_enabled
        _grad_enabled = self._previous          # returns None: exceptions propagate


def is_grad_enabled() -> bool:
    """Whether operations record their graph now: False inside ``no_grad()``.

    Derived in chapter 14, "Automatic differentiation"."""
    return _grad_enabled


def _restore(g, axis, ndim):
    """``g`` with the axes removed by a reduction put back, as size 1."""
    if axis is None:
        return g.reshape((1,) * ndim)
    axes = np.arange(ndim)[np.array(axis)].reshape(-1)      # non-negative, 1-D
    return np.expand_dims(g, axis=tuple(axes))
