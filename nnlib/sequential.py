# Generated from chapters/06_sequential.ipynb by tools/export.py. Do not edit.
"""``Sequential``: layers applied in a row, and backpropagation through them in reverse.

Derived in chapter 6, "Composing layers" (chapters/06_sequential.ipynb)."""

import numpy as np
from nnlib.module import Module

__all__ = ["Sequential"]


class Sequential(Module):
    """Layers applied one after the other; backward runs through them in reverse.

    Derived in chapter 6, "Composing layers": the backward pass of a composition is the chain rule
    applied layer by layer, from the last layer to the first.

    Parameters
    ----------
    *layers : Module
        The layers, in the order the input flows through them.

    ``model(x)`` returns the last layer's output for an input ``x`` of the first layer's input shape
    (e.g. ``(N, in_features)``); ``model.backward(grad_output)`` takes dL/d(output), of the output's
    shape, and returns dL/dx, of ``x``'s shape, leaving every parameter's gradient in its ``.grad``.
    ``model[i]`` is the i-th layer, ``model[i:j]`` a ``Sequential`` of those layers (sharing them),
    ``len(model)`` the number of layers. Parameters are named ``"<index>.<name>"``: ``"0.weight"``.
    """

    def __init__(self, *layers):
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(f"Sequential: layer {i} is a {type(layer).__name__}, not a Module "
                                "(did you pass the class instead of an instance, e.g. ReLU instead of ReLU()?)")
        self.layers = list(layers)

    def named_children(self):
        for i, layer in enumerate(self.layers):
            yield str(i), layer

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def backward(self, grad_output, input_grad=False):
        """Backpropagate dL/d(output) through the layers in reverse.

        Returns dL/dx only when asked (``input_grad=True``): a model's input is usually the data,
        which is not learned, so by default the layers before the first one with parameters are
        skipped, that layer is asked not to compute the gradient of its input, and None is
        returned. Every parameter's gradient is accumulated either way.
        """
        stop = 0 if input_grad else next(
            (i for i, layer in enumerate(self.layers) if layer.parameters()), len(self.layers))
        for i in reversed(range(stop, len(self.layers))):
            grad_output = self.layers[i].backward(grad_output, input_grad=input_grad or i > stop)
        return grad_output if input_grad else None

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(*self.layers[index])
        return self.layers[index]

    def __len__(self):
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)

    def append(self, layer):
        """Add ``layer`` at the end; returns the model."""
        if not isinstance(layer, Module):
            raise TypeError(f"Sequential.append: {type(layer).__name__} is not a Module")
        self.layers.append(layer)
        return self

    def __repr__(self):
        lines = []
        for name, layer in self.named_children():
            count = sum(p.data.size for p in layer.parameters())
            text = f"  ({name}): " + repr(layer).replace("\n", "\n  ")
            if count and not isinstance(layer, Sequential):   # a nested Sequential prints its own total
                text += f"  # {count:,} parameters"
            lines.append(text)
        total = sum(p.data.size for p in self.parameters())
        return "Sequential(\n" + "\n".join(lines) + f"\n)  # {total:,} parameters in total"
