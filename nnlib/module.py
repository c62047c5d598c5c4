# Generated from chapters/02_derivatives/ by tools/export.py. Do not edit.
"""The protocol every layer of nnlib follows: ``Module`` (forward, backward, parameters,
state) and ``Parameter`` (a learnable array and its gradient).

Derived in chapter 2, "Derivatives and the chain rule" (chapters/02_derivatives)."""

import warnings
from collections.abc import Iterator, Mapping
from typing import Any
import numpy as np
import numpy.typing as npt
from nnlib import checks

__all__ = ["Parameter", "Module"]


class Parameter:
    """A learnable array and the gradient of the loss with respect to it.

    Derived in chapter 2, "Derivatives and the chain rule".

    Parameters
    ----------
    data : array_like of floats
        The initial values, float32 or float64; a NumPy array is kept as it is (not
        copied), so it must be writeable: a read-only array (``np.broadcast_to``'s
        result, say) is refused with a ``ValueError``.

    Attributes
    ----------
    data : numpy.ndarray
        The current values. Optimizers update it in place.
    grad : numpy.ndarray or None
        None until a backward pass reaches the parameter, then dL/d(data), of ``data``'s
        shape and dtype. Backward passes accumulate into it; ``zero_grad`` sets it back
        to None.
    """

    def __init__(self, data: np.ndarray | list | tuple | float) -> None:
        data = np.asarray(data)
        self.data = checks.array(data, "data", "Parameter", dtype="floating")
        if not data.flags.writeable:       # optimizers update .data in place
            checks.fail(ValueError, "Parameter", "data", "a writeable array, which "
                        "an optimizer can update in place", "a read-only array",
                        "pass a copy, np.array(data)")
        self.grad: np.ndarray | None = None

    def accumulate(self, grad: np.ndarray) -> None:
        """Add ``grad``, a new array of ``data``'s shape and dtype, to ``.grad``; where
        ``.grad`` is None, ``grad`` itself becomes ``.grad`` (it is kept, not
        copied)."""
        data = self.data
        if type(grad) is not np.ndarray or grad.shape != data.shape \
                or grad.dtype != data.dtype:      # the usual case costs two comparisons
            checks.array(grad, "grad", self, shape=data.shape, dtype=data.dtype)
        if self.grad is None:
            self.grad = grad
        else:
            self.grad += grad

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    def __repr__(self) -> str:
        return f"Parameter(shape={self.data.shape}, dtype={self.data.dtype})"


class Module:
    """Base class of every layer, loss and container of nnlib.

    Derived in chapter 2, "Derivatives and the chain rule". ``layer(x)`` runs
    ``forward(x)``, which saves what the backward pass needs;
    ``layer.backward(grad_output)`` takes dL/d(output), accumulates the gradients of the
    layer's parameters into their ``.grad`` and returns dL/d(input) (None with
    ``input_grad=False``).

    Subclasses write ``forward``, ``backward`` and, if they have parameters, a
    constructor that stores them as attributes (``self.weight = Parameter(...)``).
    Modules stored as attributes, or in a list, tuple or dict attribute, are the
    module's children: ``parameters()``, ``train()``, ``eval()``, ``zero_grad()``,
    ``state_dict()`` and ``to()`` reach into them. Arrays that are state but not learned
    (running statistics) are registered with ``register_buffer``.

    A forward pass keeps references to the arrays it saves, not copies: an array given
    to ``forward`` (or returned by it) must not be changed in place before the backward
    pass that reads it; a forward or backward pass never writes into the arrays it is
    given. One module instance is used in one place of a model: ``parameters()`` and
    the other methods that walk the model raise a ``ValueError`` when they meet it twice
    (PyTorch allows it, since its autograd records each use; here the second call would
    overwrite what the first saved). To share weights, let two modules share
    Parameters. """

    training = True                       # switched by train() / eval()
    _saved: tuple | None = None           # what forward saved for backward
    _buffer_names: tuple[str, ...] = ()

    def __call__(self, *inputs: Any) -> Any:
        return self.forward(*inputs)

    def forward(self, *inputs: Any) -> Any:
        """Compute the output from the input(s), saving what ``backward`` needs."""
        raise NotImplementedError(f"{type(self).__name__} does not implement forward()")

    def backward(self, grad_output: np.ndarray,
                 input_grad: bool = True) -> np.ndarray | None:
        """Take dL/d(output), accumulate dL/d(parameter) into each parameter's ``.grad``
        and return dL/d(input), or None if ``input_grad`` is False."""
        raise NotImplementedError(f"{type(self).__name__} does not implement "
                                  "backward()")

    def save_for_backward(self, *values: Any) -> None:
        """Remember ``values`` (arrays, usually) from ``forward`` for ``backward``: the
        arrays themselves, not copies, so nothing may change them in place until then
        (see the class docstring)."""
        self._saved = values

    @property
    def saved(self) -> tuple:
        """The tuple given to ``save_for_backward``; a ``RuntimeError`` before any
        forward pass."""
        if self._saved is None:
            raise RuntimeError(f"{self!r}: backward() was called before forward(); "
                               "call the layer on an input first")
        return self._saved

    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        """Yield ``(name, module)`` for the modules stored in attributes, in the order
        they were set; a list or tuple attribute ``layers`` of modules gives
        ``layers.0``, ``layers.1``..., a dict attribute ``heads`` gives
        ``heads.<key>``."""
        for name, value in vars(self).items():
            if isinstance(value, Module):
                yield name, value
            elif isinstance(value, (list, tuple, dict)) and value:
                yield from _children_in(value, name, type(self).__name__)

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, "Module"]]:
        """Yield ``(name, module)`` for this module, named ``prefix``, and every module
        inside it, depth first, each named by its dotted path (``"0"``, ``"blocks.1"``).

        A ``ValueError`` if a module is met twice: a module saves what its forward pass
        needs for its backward pass, so it can be used in one place only (see the class
        docstring). PyTorch lists such a module once instead."""
        seen: dict[int, str] = {}

        def walk(module: Module, name: str) -> Iterator[tuple[str, Module]]:
            if id(module) in seen:
                again = f"the {type(module).__name__} at '{seen[id(module)]}' again"
                checks.fail(ValueError, type(self).__name__, f"the module at '{name}'",
                            "a module used in one place only", again, _ONE_PLACE)
            seen[id(module)] = name
            yield name, module
            for child, value in module.named_children():
                yield from walk(value, f"{name}.{child}" if name else child)

        return walk(self, prefix)

    def modules(self) -> Iterator["Module"]:
        """Yield this module and all modules inside it, depth first."""
        for _, module in self.named_modules():
            yield module

    def _named(self, prefix, parameters, buffers):
        """Yield ``(dotted name, Parameter)`` and/or ``(dotted name, (owner,
        attribute))`` of every buffer, module by module, depth first."""
        for path, module in self.named_modules():
            stem = f"{prefix}{path}." if path else prefix
            if parameters:
                for name, value in vars(module).items():
                    if isinstance(value, Parameter):
                        yield stem + name, value
            if buffers:
                for name in module._buffer_names:
                    yield stem + name, (module, name)

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """Yield ``(name, parameter)`` for this module's parameters, then its
        children's, each named by its path: ``weight``, ``0.bias``. A parameter shared
        by two modules is listed once."""
        seen = set()
        for name, value in self._named(prefix, parameters=True, buffers=False):
            if id(value) not in seen:
                seen.add(id(value))
                yield name, value

    def parameters(self) -> list[Parameter]:
        """The list of ``Parameter`` objects of this module and its children (each one
        once)."""
        return [p for _, p in self.named_parameters()]

    def register_buffer(self, name: str, array: np.ndarray) -> None:
        """Store ``array`` as ``self.<name>``: state that is saved and converted, not
        learned."""
        if name not in self._buffer_names:
            self._buffer_names = (*self._buffer_names, name)
        setattr(self, name, array)

    def train(self, mode: bool = True) -> "Module":
        """Put this module and its children in training mode (evaluation mode if
        ``mode`` is False); returns the module."""
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> "Module":
        """Evaluation mode: dropout off, batch normalization on its running
        statistics."""
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradient of every parameter: set ``.grad`` to None (PyTorch 2's
        default), or, with ``set_to_none=False``, fill the existing gradient arrays with
        zeros in place."""
        for p in self.parameters():
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.fill(0)

    def _state_arrays(self):
        """(name, array) of everything a state dict holds: parameters' data, then
        buffers."""
        for name, p in self.named_parameters():
            yield name, p.data
        for name, (owner, attribute) in self._named("", parameters=False, buffers=True):
            yield name, getattr(owner, attribute)

    def state_dict(self) -> dict[str, np.ndarray]:
        """A dict from names (``"0.weight"``) to copies of every parameter and buffer
        array."""
        return {name: array.copy() for name, array in self._state_arrays()}

    def load_state_dict(self, state: Mapping[str, np.ndarray]) -> None:
        """Copy the arrays of ``state``, a mapping from names to arrays, into this
        module's parameters and buffers, in place, converted to their dtypes.

        All or nothing: every value is read and converted before anything is copied.
        A ``ValueError`` names each key that is missing, unexpected, of the wrong shape,
        not real numbers (strings, complex numbers, objects) or beyond the range of the
        model's dtype, and nothing is changed then; a ``TypeError`` if ``state`` is not
        a mapping."""
        owner = f"{type(self).__name__}.load_state_dict"
        checks.instance(state, "state", owner, Mapping,
                        "pass a dict of arrays, such as what state_dict() returns")
        own = dict(self._state_arrays())
        wrong = [f"missing key '{k}'" for k in own if k not in state]
        wrong += [f"unexpected key '{k}'" for k in state if k not in own]
        converted = {}
        for key, array in own.items():
            if key in state:
                value = _state_value(state[key], array)
                if isinstance(value, str):
                    wrong.append(f"'{key}' {value}")
                converted[key] = value
        if wrong:
            raise ValueError(f"{owner}: " + "; ".join(wrong))
        for key, value in converted.items():            # cannot fail: checked above
            own[key][...] = value

    def to(self, dtype: npt.DTypeLike) -> "Module":
        """Convert every parameter (data and gradient) and buffer to ``dtype``, float32
        or float64; returns the module. Convert before creating an optimizer."""
        dtype = checks.floating_dtype(dtype, "dtype", f"{type(self).__name__}.to")
        for p in self.parameters():
            p.data = p.data.astype(dtype)
            p.grad = None if p.grad is None else p.grad.astype(dtype)
        for _, (owner, attribute) in self._named("", parameters=False, buffers=True):
            setattr(owner, attribute, getattr(owner, attribute).astype(dtype))
        return self

    def extra_repr(self) -> str:
        """The arguments shown between the parentheses of ``repr(layer)``; layers
        override it."""
        return ""

    def __repr__(self) -> str:
        children = list(self.named_children())
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"  ({name}): " + repr(child).replace("\n", "\n  ")
                 for name, child in children]
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"


def _children_in(collection, name, owner):
    """``(name.key, module)`` for each module of a list, tuple or dict whose first
    value is a module; nothing if the first value is not one. The ``owner`` of the
    messages is a class name: a module's repr walks its children. A ``TypeError`` if
    other values follow modules or a key is not a string, a ``ValueError`` for a key
    that holds a dot or is empty."""
    is_dict = isinstance(collection, dict)
    first = next(iter(collection.values())) if is_dict else collection[0]
    if not isinstance(first, Module):
        return
    for key, value in collection.items() if is_dict else enumerate(collection):
        what = f"{name}[{key!r}]"
        checks.instance(value, what, owner, Module, f"the first value of {name} is a "
                        "Module: keep modules in a list or dict of their own, so that "
                        "all of them are found")
        yield f"{name}.{_module_key(key, what, owner) if is_dict else key}", value


def _module_key(key: object, name: str, owner: str) -> str:
    """Return ``key`` if it can name a module: a non-empty string without a dot."""
    if not isinstance(key, str):
        checks.fail(TypeError, owner, f"the key of {name}", "a string, which becomes "
                    "part of the parameters' names", repr(key), f"use '{key}'")
    if not key or "." in key:
        checks.fail(ValueError, owner, "a key", "a non-empty string without '.', "
                    "which separates the parts of a name", repr(key))
    return key


_ONE_PLACE = ("a module keeps what its forward pass saved for its backward pass, and a "
              "second call overwrites it, so the gradients would be wrong; use two "
              "instances, and to share weights let them share Parameters "
              "(second.weight = first.weight)")


def _state_value(value, array):
    """``value`` converted to an array of ``array``'s shape and dtype, or what is wrong
    with it, as a string."""
    try:
        with warnings.catch_warnings():     # NumPy < 1.24 only warns of a ragged list
            warnings.simplefilter("error")
            value = np.asarray(value)
    except (TypeError, ValueError, Warning) as error:        # a ragged list, say
        return f"is not an array ({error})"
    if value.dtype.kind not in "biuf":
        what = {"U": "strings", "S": "bytes", "c": "complex numbers"}.get(
            value.dtype.kind, "values that are not numbers")
        return f"holds {what} (dtype {value.dtype}), the model expects real numbers"
    if value.shape != array.shape:
        return f"has shape {value.shape}, the model expects {array.shape}"
    with np.errstate(over="ignore"):                # counted on the next line
        converted = value.astype(array.dtype)
    if np.count_nonzero(np.isinf(converted)) != np.count_nonzero(np.isinf(value)):
        return f"holds values beyond the range of {array.dtype}"
    return converted
