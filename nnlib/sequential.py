# Generated from chapters/06_sequential.ipynb by tools/export.py. Do not edit.
"""``Sequential``: layers applied in a row, and backpropagation through them in
reverse.

Derived in chapter 6, "Composing layers" (chapters/06_sequential.ipynb)."""

from collections.abc import Iterator
import numpy as np
from nnlib import checks
from nnlib.module import Module

__all__ = ["Sequential"]


def _layer(layer, name, owner):
    """``layer`` if it is a ``Module``; a ``TypeError`` that tells a class from an
    instance otherwise."""
    fix = f"pass an instance, {layer.__name__}()" if isinstance(layer, type) else ""
    return checks.instance(layer, name, owner, Module, fix)


class Sequential(Module):
    """Layers applied one after the other; the backward pass runs through them in
    reverse.

    Derived in chapter 6, "Composing layers": the backward pass of a composition is the
    chain rule applied layer by layer, from the last layer to the first.

    Parameters
    ----------
    *layers : Module
        The layers (instances, not classes), in the order the input flows through them.

    Notes
    -----
    ``model(x)`` returns the last layer's output for an input ``x`` of the first
    layer's input shape, e.g. ``(N, in_features)``. ``model.backward(grad_output)``
    takes dL/d(output), of the output's shape and dtype, accumulates every parameter's
    gradient into its ``.grad`` and returns None; with ``input_grad=True`` it returns
    dL/dx, of ``x``'s shape. ``model[i]`` is the i-th layer, ``model[i:j]`` a
    ``Sequential`` of those layers (sharing them), ``len(model)`` the number of layers.
    Parameters are named ``"<index>.<name>"``: ``"0.weight"``.
    """

    def __init__(self, *layers: Module) -> None:
        self.layers = [_layer(layer, f"layer {i}", "Sequential")
                       for i, layer in enumerate(layers)]
        list(self.named_modules())      # refuses a layer used twice

    def named_children(self) -> Iterator[tuple[str, Module]]:
        for i, layer in enumerate(self.layers):
            yield str(i), layer

    def __repr__(self) -> str:
        lines = []
        for name, layer in self.named_children():
            text = f"  ({name}): " + repr(layer).replace("\n", "\n  ")
            count = sum(p.data.size for p in layer.parameters())
            if count and not isinstance(layer, Sequential):  # it counts its own
                text += f"  # {count:,} parameters"
            lines.append(text)
        total = sum(p.data.size for p in self.parameters())
        body = "\n".join(lines)
        return f"Sequential(\n{body}\n)  # {total:,} parameters in total"

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Run the layers in order. In training mode the input is copied first and the
        output last, so that the caller's arrays are never those the backward pass reads
        (the rule of the appendix "Module machinery")."""
        copy = self.training and isinstance(x, np.ndarray)
        x = x.copy() if copy else x
        for layer in self.layers:
            x = layer(x)
        return x.copy() if copy and isinstance(x, np.ndarray) else x

    def backward(self, grad_output: np.ndarray,
                 input_grad: bool = False) -> np.ndarray | None:
        """Backpropagate dL/d(output) through the layers in reverse order.

        Every parameter's gradient is accumulated into its ``.grad``. dL/dx is computed
        and returned only with ``input_grad=True``: by default the input is data, which
        is not learned, so the layers before the first one with parameters are skipped,
        that layer does not compute the gradient of its input, and None is returned."""
        layers = self.layers
        # the first layer to run: layer 0, or else the first layer that learns
        first = 0 if input_grad else self._first_that_learns()
        for i in reversed(range(first, len(layers))):
            asked = input_grad or i > first
            grad_output = layers[i].backward(grad_output, input_grad=asked)
        return grad_output if input_grad else None

    def _first_that_learns(self):
        """The index of the first layer with parameters, or len(layers) if none has any;
        found once for a given list of layers, then remembered."""
        key = tuple(map(id, self.layers))
        if getattr(self, "_first_key", None) != key:
            self._first_key = key
            self._first = next((i for i, layer in enumerate(self.layers)
                                if layer.parameters()), len(self.layers))
        return self._first

    def __getitem__(self, index: int | slice) -> Module:
        if isinstance(index, slice):
            return Sequential(*self.layers[index])
        return self.layers[index]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Module]:
        return iter(self.layers)

    def append(self, layer: Module) -> "Sequential":
        """Add ``layer`` at the end; returns the model. A layer the model holds already
        is refused, as by the constructor."""
        Sequential(*self.layers, _layer(layer, "layer", "Sequential.append"))  # checks
        self.layers.append(layer)
        return self
