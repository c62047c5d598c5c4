# Generated from chapters/02_derivatives.ipynb by tools/export.py. Do not edit.
"""The protocol every layer of nnlib follows: ``Module`` (forward, backward, parameters,
state) and ``Parameter`` (a learnable array and its gradient).

Derived in chapter 2, "Derivatives and the chain rule"
(chapters/02_derivatives.ipynb)."""

import numpy as np
from nnlib import checks

__all__ = ["Parameter", "Module"]


class Parameter:
    """A learnable array and the gradient of the loss with respect to it.

    Derived in chapter 2, "Derivatives and the chain rule".

    Parameters
    ----------
    data : array_like of floats
        The initial values, float32 or float64; a NumPy array is kept as it is (not
        copied).

    Attributes
    ----------
    data : numpy.ndarray
        The current values. Optimizers update it in place.
    grad : numpy.ndarray or None
        None until a backward pass reaches the parameter, then dL/d(data), of ``data``'s
        shape and dtype. Backward passes accumulate into it; ``zero_grad`` sets it back
        to None.
    """

    def __init__(self, data):
        data = np.asarray(data)
        self.data = checks.array(data, "data", "Parameter", dtype="floating")
        self.grad = None

    def accumulate(self, grad):
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
    def shape(self):
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    def __repr__(self):
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
    Modules stored as attributes, or in a list or tuple attribute, are the module's
    children: ``parameters()``, ``train()``, ``eval()``, ``zero_grad()``,
    ``state_dict()`` and ``to()`` reach into them. Arrays that are state but not learned
    (running statistics) are registered with ``register_buffer``. """

    training = True                       # switched by train() / eval()
    _saved = None                         # what forward saved for backward
    _buffer_names = ()

    def __call__(self, *inputs):
        return self.forward(*inputs)

    def forward(self, *inputs):
        """Compute the output from the input(s), saving what ``backward`` needs."""
        raise NotImplementedError(f"{type(self).__name__} does not implement forward()")

    def backward(self, grad_output, input_grad=True):
        """Take dL/d(output), accumulate dL/d(parameter) into each parameter's ``.grad``
        and return dL/d(input), or None if ``input_grad`` is False."""
        raise NotImplementedError(f"{type(self).__name__} does not implement "
                                  "backward()")

    def save_for_backward(self, *values):
        """Remember ``values`` (arrays, usually) from ``forward`` for ``backward``."""
        self._saved = values

    @property
    def saved(self):
        """The tuple given to ``save_for_backward``; a ``RuntimeError`` before any
        forward pass."""
        if self._saved is None:
            raise RuntimeError(f"{self!r}: backward() was called before forward(); "
                               "call the layer on an input first")
        return self._saved

    def named_children(self):
        """Yield ``(name, module)`` for the modules stored in attributes, in the order
        they were set; a list or tuple attribute ``layers`` of modules gives
        ``layers.0``, ``layers.1``..."""
        for name, value in vars(self).items():
            if isinstance(value, Module):
                yield name, value
            elif isinstance(value, (list, tuple)) and value \
                    and all(isinstance(v, Module) for v in value):
                for i, child in enumerate(value):
                    yield f"{name}.{i}", child

    def modules(self):
        """Yield this module and all modules inside it, depth first."""
        yield self
        for _, child in self.named_children():
            yield from child.modules()

    def _named(self, prefix, parameters, buffers):
        """Yield ``(dotted name, Parameter)`` and/or ``(dotted name, (owner,
        attribute))`` of every buffer, this module's first, then its children's."""
        if parameters:
            for name, value in vars(self).items():
                if isinstance(value, Parameter):
                    yield prefix + name, value
        if buffers:
            for name in self._buffer_names:
                yield prefix + name, (self, name)
        for name, child in self.named_children():
            yield from child._named(f"{prefix}{name}.", parameters, buffers)

    def named_parameters(self, prefix=""):
        """Yield ``(name, parameter)`` for this module's parameters, then its
        children's, each named by its path: ``weight``, ``0.bias``. A parameter shared
        by two modules is listed once."""
        seen = set()
        for name, value in self._named(prefix, parameters=True, buffers=False):
            if id(value) not in seen:
                seen.add(id(value))
                yield name, value

    def parameters(self):
        """The list of ``Parameter`` objects of this module and its children (each one
        once)."""
        return [p for _, p in self.named_parameters()]

    def register_buffer(self, name, array):
        """Store ``array`` as ``self.<name>``: state that is saved and converted, not
        learned."""
        if name not in self._buffer_names:
            self._buffer_names = (*self._buffer_names, name)
        setattr(self, name, array)

    def train(self, mode=True):
        """Put this module and its children in training mode (evaluation mode if
        ``mode`` is False); returns the module."""
        for module in self.modules():
            module.training = mode
        return self

    def eval(self):
        """Evaluation mode: dropout off, batch normalization on its running
        statistics."""
        return self.train(False)

    def zero_grad(self, set_to_none=True):
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

    def state_dict(self):
        """A dict from names (``"0.weight"``) to copies of every parameter and buffer
        array."""
        return {name: array.copy() for name, array in self._state_arrays()}

    def load_state_dict(self, state):
        """Copy the arrays of ``state`` into this module's parameters and buffers, in
        place.

        Raises ``ValueError`` naming the key if a key is missing, unexpected, or has the
        wrong shape; nothing is changed in that case."""
        own = dict(self._state_arrays())
        wrong = [f"missing key '{k}'" for k in own if k not in state]
        wrong += [f"unexpected key '{k}'" for k in state if k not in own]
        wrong += [f"'{k}' has shape {np.shape(state[k])}, the model expects {a.shape}"
                  for k, a in own.items()
                  if k in state and np.shape(state[k]) != a.shape]
        if wrong:
            raise ValueError(f"{type(self).__name__}.load_state_dict: "
                             + "; ".join(wrong))
        for key, array in own.items():
            array[...] = state[key]

    def to(self, dtype):
        """Convert every parameter (data and gradient) and buffer to ``dtype``, float32
        or float64; returns the module. Convert before creating an optimizer."""
        dtype = checks.floating_dtype(dtype, "dtype", f"{type(self).__name__}.to")
        for p in self.parameters():
            p.data = p.data.astype(dtype)
            p.grad = None if p.grad is None else p.grad.astype(dtype)
        for _, (owner, attribute) in self._named("", parameters=False, buffers=True):
            setattr(owner, attribute, getattr(owner, attribute).astype(dtype))
        return self

    def extra_repr(self):
        """The arguments shown between the parentheses of ``repr(layer)``; layers
        override it."""
        return ""

    def __repr__(self):
        children = list(self.named_children())
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"  ({name}): " + repr(child).replace("\n", "\n  ")
                 for name, child in children]
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"
