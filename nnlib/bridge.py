# Generated from chapters/using_nnlib.ipynb by tools/export.py. Do not edit.
"""``to_torch`` and ``from_torch``: an nnlib model as a ``torch.nn`` module with the
same architecture and weights, and back. PyTorch is imported only when one of them is
called; nnlib itself needs only NumPy. Behind them is a table from each layer class to
its pair of converters, which ``register_converter`` and ``register_layer`` extend.

Derived in "Using nnlib after the book" (chapters/using_nnlib.ipynb)."""

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING
import numpy as np
from nnlib import checks
from nnlib.module import Module
from nnlib.activations import Sigmoid, Tanh, ReLU, LeakyReLU, Softmax
from nnlib.batchnorm import BatchNorm1d, BatchNorm2d
from nnlib.conv import Conv2d
from nnlib.dropout import Dropout
from nnlib.flatten import Flatten
from nnlib.linear import Linear
from nnlib.losses import MSELoss, BCELoss, BCEWithLogitsLoss, CrossEntropyLoss
from nnlib.pooling import MaxPool2d, AvgPool2d
from nnlib.sequential import Sequential
from nnlib.losses import L1Loss, HuberLoss
from nnlib.container import ModuleList, ModuleDict
from nnlib.embedding import Embedding
from nnlib.normalization import LayerNorm
from nnlib.gelu import GELU
from nnlib.attention import MultiheadAttention
from nnlib.embedding import SinusoidalPositionalEncoding, LearnedPositionalEncoding
from nnlib.transformer import TransformerBlock, TransformerLM

__all__ = ["register_converter", "to_torch", "from_torch", "register_layer"]


if TYPE_CHECKING:                    # for the hints only: nnlib imports no PyTorch
    import torch

_TO_TORCH = {}       # nnlib class -> converter(layer, conversion) -> torch.nn.Module
_FROM_TORCH = {}     # torch.nn class name -> converter(module, conversion) -> layer
# nnlib class -> (why torch.nn has no such layer, what to do instead)
_REFUSED: dict[type[Module], tuple[str, str]] = {}


def register_converter(nnlib_class: type[Module], torch_name: str, to_torch: Callable,
                       from_torch: Callable) -> None:
    """Teach ``to_torch`` and ``from_torch`` a layer: ``nnlib_class`` and the PyTorch
    class ``torch.nn.<torch_name>``.

    Derived in "Using nnlib after the book". Each converter builds the layer of the
    other library with the same arguments and copies of the same arrays; the bridge
    then gives it the training mode of the layer it converts, and converts a layer that
    sits at two places of a model once. A registration replaces an earlier one of the
    same class or name, and the bridge's refusal of a layer that ``torch.nn`` lacks.

    Parameters
    ----------
    nnlib_class : type
        A subclass of ``Module``; its subclasses are not converted with it.
    torch_name : str
        The name of the PyTorch class in ``torch.nn``, e.g. ``"Linear"``; only that
        class itself is converted, not a subclass or a class of the same name elsewhere.
    to_torch : callable
        ``to_torch(layer, conversion)`` returns the ``torch.nn`` module of a layer of
        class ``nnlib_class``.
    from_torch : callable
        ``from_torch(module, conversion)`` returns the nnlib layer of a module of class
        ``torch.nn.<torch_name>``, and refuses with ``conversion.require`` every setting
        of the module that the nnlib layer does not have.

    Notes
    -----
    ``conversion`` holds what the converters need besides the layer:
    ``conversion.torch``, the PyTorch package; ``conversion.child(layer, name)``, which
    converts the child ``name`` of a container; ``conversion.require(module, ok, name,
    expected, got, fix)``, which refuses a setting; ``conversion.build(module,
    nnlib_class, **arguments)``, which builds the nnlib layer and prefixes its refusal
    with the module's path; ``conversion.tensors(module, weight=array, ...)``, which
    copies arrays into a PyTorch module's tensors; ``conversion.array(module,
    "weight")``, a NumPy copy of a tensor (a dotted name such as ``"out_proj.weight"``
    reaches into a child); ``conversion.dtype(array)``, the PyTorch dtype of an array;
    and ``conversion.rng``, the generator that ``from_torch`` was given.
    """
    owner = "register_converter"
    checks.instance(nnlib_class, "nnlib_class", owner, type)
    if not issubclass(nnlib_class, Module):
        checks.fail(TypeError, owner, "nnlib_class", "a subclass of Module",
                    nnlib_class.__name__)
    checks.instance(torch_name, "torch_name", owner, str)
    _TO_TORCH[nnlib_class] = to_torch
    _FROM_TORCH[torch_name] = from_torch
    _REFUSED.pop(nnlib_class, None)


class _Conversion:
    """One call of ``to_torch`` or ``from_torch``: its converters' helpers (see
    ``register_converter``) and the path of the layer being converted."""

    def __init__(self, owner, torch=None, rng=None):
        self.owner, self.torch, self.rng = owner, torch, rng
        self.path, self._done = "", {}

    def where(self, layer):
        place = f'at "{self.path}"' if self.path else "(the model itself)"
        return f"the {type(layer).__name__} {place}"

    def converter(self, layer):
        """The converter of ``layer``'s class; a ``TypeError`` naming it if none."""
        table, key = _TO_TORCH, type(layer)
        if self.owner == "from_torch":
            table, key = _FROM_TORCH, type(layer).__name__
            if getattr(self.torch.nn, key, None) is not type(layer):
                key = None                       # not a class of torch.nn itself
        name = f'the layer at "{self.path}"' if self.path else "the model"
        if key in _REFUSED:
            why, fix = _REFUSED[key]
            checks.fail(TypeError, self.owner, name, "a layer that torch.nn has",
                        f"{key.__name__}, which it has not: {why}", fix)
        if key not in table:
            known = sorted(k if isinstance(k, str) else k.__name__ for k in table)
            checks.fail(TypeError, self.owner, name, "a layer the bridge converts ("
                        + ", ".join(known) + ")", type(layer).__name__,
                        "register one with nnlib.register_layer or "
                        "nnlib.register_converter")
        return table[key]

    def convert(self, layer):
        if id(layer) not in self._done:             # a layer at two places: once
            converted = self.converter(layer)(layer, self)
            converted.training = layer.training
            self._done[id(layer)] = converted
        return self._done[id(layer)]

    def child(self, layer, name):
        outer = self.path
        self.path = f"{outer}.{name}" if outer else str(name)
        converted = self.convert(layer)
        self.path = outer
        return converted

    def require(self, layer, ok, name, expected, got, fix=""):
        """Refuse, naming the layer, a setting that the other library does not have."""
        if not ok:
            checks.fail(ValueError, self.owner, f"{name} of {self.where(layer)}",
                        expected, got, fix)

    def build(self, module, nnlib_class, **arguments):
        """``nnlib_class(**arguments)``; its refusal prefixed with the module's path."""
        try:
            return nnlib_class(**arguments)
        except (TypeError, ValueError) as error:
            raise type(error)(f"from_torch: {self.where(module)}: {error}") from None

    def dtype(self, array):
        return getattr(self.torch, array.dtype.name)     # torch.float32 or .float64

    def tensors(self, module, **arrays):
        with self.torch.no_grad():
            for name, array in arrays.items():
                tensor = self.torch.from_numpy(np.ascontiguousarray(array))
                _tensor(module, name).copy_(tensor)       # of the same dtype and shape

    def array(self, module, name):
        tensor = _tensor(module, name).detach()
        floating = tensor.dtype in (self.torch.float32, self.torch.float64)
        self.require(module, floating, f"the dtype of {name}", "float32 or float64",
                     tensor.dtype, "convert the module with .float() or .double()")
        return tensor.cpu().numpy().copy()


def _tensor(module, name):
    """``module.<name>``, where a dotted name such as ``"out_proj.weight"`` is
    looked up child by child."""
    return functools.reduce(getattr, name.split("."), module)


def _import_torch(owner):
    try:
        import torch
    except ModuleNotFoundError as error:
        raise ModuleNotFoundError(f"{owner} needs PyTorch, which is not installed: "
                                  "pip install torch (nnlib itself needs only NumPy)"
                                  ) from error
    return torch


def _named_modules(module, path=""):
    """Yield (path, module) for ``module`` and every module inside it, depth first."""
    yield path, module
    for name, child in module.named_children():
        yield from _named_modules(child, f"{path}.{name}" if path else name)


def to_torch(model: Module) -> "torch.nn.Module":
    """The ``torch.nn`` module with ``model``'s architecture, weights and mode.

    Derived in "Using nnlib after the book". Each layer becomes the PyTorch layer of the
    same name and arguments, with copies of its parameters and buffers in their dtype
    (float32 stays float32), in the same training or evaluation mode; ``Sequential``
    becomes ``torch.nn.Sequential``, ``ModuleList`` and ``ModuleDict`` PyTorch's.
    ``Linear``'s weight, (in_features, out_features), is transposed to PyTorch's
    (out_features, in_features), also inside ``MultiheadAttention`` (``out_proj``),
    whose other parameters map one to one. Batch normalization gets
    PyTorch's ``num_batches_tracked`` as 0: nnlib does not count batches, and PyTorch
    uses the count only with ``momentum=None``, which nnlib does not have. Gradients
    and an optimizer's state are not converted.

    Parameters
    ----------
    model : Module
        An nnlib layer or model. Every module in it must be of a class that the bridge
        converts; the first one that is not is named, by its path in the model and its
        class, in a ``TypeError`` raised before PyTorch is imported. The layers that
        ``torch.nn`` has no class for (the positional encodings, ``TransformerBlock``,
        ``TransformerLM``) are refused so, and the message says why and what to write
        in PyTorch instead.

    Returns
    -------
    torch.nn.Module
        A new module; ``model`` is not changed.
    """
    checks.instance(model, "model", "to_torch", Module)
    conversion = _Conversion("to_torch")
    for path, layer in _named_modules(model):
        conversion.path = path
        conversion.converter(layer)                  # a TypeError if there is none
    conversion.path, conversion.torch = "", _import_torch("to_torch")
    return conversion.convert(model)


def from_torch(module: "torch.nn.Module",
               rng: np.random.Generator | int | None = None) -> Module:
    """The nnlib model with ``module``'s architecture, weights and mode.

    Derived in "Using nnlib after the book". The inverse of ``to_torch``: each layer of
    ``module`` becomes the nnlib layer of the same name, with copies of its tensors
    (float32 or float64, kept), ``Linear``'s weight transposed to (in_features,
    out_features). A layer of a class that the bridge does not convert is refused with
    a ``TypeError``, and a setting that the nnlib layer does not have (``padding`` of a
    pooling layer, ``dilation`` or ``groups`` of a convolution, ``momentum=None`` of
    batch normalization, a loss's ``reduction`` other than ``"mean"``, ...) with a
    ``TypeError`` or ``ValueError``; each message names the layer by its path and
    class. Nothing is changed or left out silently.

    Parameters
    ----------
    module : torch.nn.Module
    rng : numpy.random.Generator, int or None
        The generator of the masks of the ``Dropout`` layers, shared by all of them, or
        its seed (None: unseeded).

    Returns
    -------
    Module
        A new nnlib model; ``module`` is not changed.
    """
    torch = _import_torch("from_torch")
    checks.instance(module, "module", "from_torch", torch.nn.Module)
    return _Conversion("from_torch", torch, np.random.default_rng(rng)).convert(module)


def register_layer(nnlib_class: type[Module], arguments: tuple[str, ...] = (),
                   transposed: tuple[str, ...] = (),
                   only: dict[str, object] | None = None,
                   seeded: bool = False) -> None:
    """Register the converters of a layer that takes and stores its arguments, and names
    its arrays, as its PyTorch class of the same name does.

    Derived in "Using nnlib after the book". ``to_torch`` calls ``torch.nn.<name>`` with
    the layer's attributes named in ``arguments`` (and ``dtype=``, if the layer has
    arrays), then copies each array of the layer's ``state_dict()`` into the tensor of
    the same name; ``from_torch`` does the reverse. A ``bias`` argument is whether the
    layer has a bias (its attribute holds the bias or None). For a layer without
    children; a container needs converters written with ``register_converter``.

    Parameters
    ----------
    nnlib_class : type
        A subclass of ``Module`` with the name of its PyTorch class.
    arguments : tuple of str
        The arguments that both classes take and store as attributes of these names.
    transposed : tuple of str
        The arrays that nnlib stores transposed (``("weight",)`` for ``Linear``).
    only : dict of str to value, optional
        The settings of the PyTorch class that the nnlib class does not have, each with
        the one value that nnlib implements (``{"dilation": 1}``); ``from_torch``
        refuses any other. A pair ``(v, v)`` counts as ``v``.
    seeded : bool, default False
        ``from_torch`` passes its ``rng`` to the layer (``Dropout``).
    """
    only, name = dict(only or {}), nnlib_class.__name__

    def settings(layer):
        values = {argument: getattr(layer, argument) for argument in arguments}
        if "bias" in values:
            values["bias"] = values["bias"] is not None
        return values

    def to_torch(layer, c):
        state = {k: a.T if k in transposed else a
                 for k, a in layer.state_dict().items()}
        dtype = {"dtype": c.dtype(next(iter(state.values())))} if state else {}
        module = getattr(c.torch.nn, name)(**settings(layer), **dtype)
        c.tensors(module, **state)
        return module

    def from_torch(module, c):
        for setting, value in only.items():
            got = getattr(module, setting)
            ok = got is None if value is None else got in (value, (value, value))
            c.require(module, ok, setting, repr(value), repr(got),
                      f"nnlib's {name} has no {setting} option")
        arrays = {k: c.array(module, k) for k, t in module.state_dict().items()
                  if t.is_floating_point()}     # not num_batches_tracked, an integer
        extra = {"dtype": next(iter(arrays.values())).dtype} if arrays else {}
        extra.update({"rng": c.rng} if seeded else {})
        layer = c.build(module, nnlib_class, **settings(module), **extra)
        names = list(layer.state_dict())
        c.require(module, sorted(names) == sorted(arrays), "the arrays",
                  ", ".join(names) or "none", ", ".join(arrays) or "none",
                  f"nnlib's {name} has exactly these")
        layer.load_state_dict({k: arrays[k].T if k in transposed else arrays[k]
                               for k in names})
        return layer

    register_converter(nnlib_class, name, to_torch, from_torch)


register_layer(Linear, ("in_features", "out_features", "bias"), transposed=("weight",))
register_layer(Conv2d, ("in_channels", "out_channels", "kernel_size", "stride",
                        "padding", "bias"),
               only={"dilation": 1, "groups": 1, "padding_mode": "zeros"})
_NORMALIZATION = ("num_features", "eps", "momentum", "affine", "track_running_stats")
register_layer(BatchNorm1d, _NORMALIZATION)
register_layer(BatchNorm2d, _NORMALIZATION)
register_layer(MaxPool2d, ("kernel_size", "stride"), only={
    "padding": 0, "dilation": 1, "ceil_mode": False, "return_indices": False})
register_layer(AvgPool2d, ("kernel_size", "stride"), only={
    "padding": 0, "ceil_mode": False, "divisor_override": None})
register_layer(Dropout, ("p",), seeded=True)
register_layer(Flatten, only={"start_dim": 1, "end_dim": -1})
register_layer(Sigmoid)
register_layer(Tanh)
register_layer(ReLU)
register_layer(LeakyReLU, ("negative_slope",))
register_layer(Softmax, ("dim",))
register_layer(MSELoss, only={"reduction": "mean"})
register_layer(BCELoss, only={"reduction": "mean", "weight": None})
register_layer(BCEWithLogitsLoss, only={"reduction": "mean", "weight": None,
                                        "pos_weight": None})
register_layer(CrossEntropyLoss, only={"reduction": "mean", "weight": None,
                                       "ignore_index": -100, "label_smoothing": 0.0})


def _sequential_to_torch(model, c):
    layers = [c.child(layer, i) for i, layer in enumerate(model)]
    return c.torch.nn.Sequential(*layers)


def _sequential_from_torch(module, c):
    layers = [c.child(layer, name) for name, layer in module._modules.items()]
    return Sequential(*layers)


register_converter(Sequential, "Sequential", _sequential_to_torch,
                   _sequential_from_torch)


register_layer(L1Loss, only={"reduction": "mean"})
register_layer(HuberLoss, ("delta",), only={"reduction": "mean"})
register_layer(Embedding, ("num_embeddings", "embedding_dim"), only={
    "padding_idx": None, "max_norm": None, "scale_grad_by_freq": False,
    "sparse": False})
register_layer(LayerNorm, ("normalized_shape", "eps", "elementwise_affine", "bias"))
register_layer(GELU, ("approximate",))


def _list_to_torch(model, c):
    return c.torch.nn.ModuleList([c.child(layer, i) for i, layer in enumerate(model)])


def _list_from_torch(module, c):
    return ModuleList([c.child(layer, k) for k, layer in module._modules.items()])


def _dict_to_torch(model, c):
    return c.torch.nn.ModuleDict({k: c.child(layer, k) for k, layer in model.items()})


def _dict_from_torch(module, c):
    return ModuleDict({k: c.child(layer, k) for k, layer in module._modules.items()})


register_converter(ModuleList, "ModuleList", _list_to_torch, _list_from_torch)
register_converter(ModuleDict, "ModuleDict", _dict_to_torch, _dict_from_torch)


def _attention_to_torch(layer, c):
    state = layer.state_dict()              # in_proj_weight, ..., out_proj.bias
    state["out_proj.weight"] = state["out_proj.weight"].T      # (in, out) -> (out, in)
    module = c.torch.nn.MultiheadAttention(
        layer.embed_dim, layer.num_heads, bias=layer.in_proj_bias is not None,
        batch_first=layer.batch_first, dtype=c.dtype(state["in_proj_weight"]))
    c.tensors(module, **state)
    module.out_proj.training = layer.out_proj.training
    return module


def _attention_from_torch(module, c):
    dtype = c.array(module, "out_proj.weight").dtype
    layer = c.build(module, MultiheadAttention, embed_dim=module.embed_dim,
                    num_heads=module.num_heads, dropout=module.dropout,
                    bias=module.in_proj_bias is not None,
                    add_bias_kv=module.bias_k is not None,
                    add_zero_attn=module.add_zero_attn, kdim=module.kdim,
                    vdim=module.vdim, batch_first=module.batch_first, dtype=dtype)
    names = list(layer.state_dict())
    c.require(module, sorted(names) == sorted(module.state_dict()), "the arrays",
              ", ".join(names), ", ".join(module.state_dict()),
              "nnlib's MultiheadAttention has exactly these")
    state = {name: c.array(module, name) for name in names}
    state["out_proj.weight"] = state["out_proj.weight"].T
    layer.load_state_dict(state)
    layer.out_proj.training = module.out_proj.training
    return layer


register_converter(MultiheadAttention, "MultiheadAttention", _attention_to_torch,
                   _attention_from_torch)


_REFUSED.update({
    SinusoidalPositionalEncoding: (
        "torch.nn has no positional encoding (PyTorch's tutorials write their own)",
        "in PyTorch, add torch.from_numpy(layer.pe[:T]).to(x.dtype) to the input x "
        "(N, T, d_model)"),
    LearnedPositionalEncoding: (
        "torch.nn has no layer that adds a table's first T rows to its input",
        "in PyTorch, add emb(torch.arange(T)) to the input, where emb = "
        "torch.nn.Embedding(max_len, d_model) holds a copy of layer.weight"),
    TransformerBlock: (
        "torch.nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, "
        "dropout=0.0, activation='gelu', batch_first=True, norm_first=True) computes "
        "it only when it is called with the causal mask, which it does not hold",
        "in PyTorch, give such a layer to_torch() of the block's norm1, self_attn, "
        "norm2, linear1 and linear2, and call it with src_mask=torch.nn.Transformer."
        "generate_square_subsequent_mask(T) and is_causal=True (if block.causal)"),
    TransformerLM: (
        "torch.nn has no decoder-only language model (nn.Transformer is an "
        "encoder-decoder)",
        "in PyTorch, write its forward pass in a module of your own, from to_torch() "
        "of its embedding, norm and head, its positions and its blocks as their "
        "messages say"),
})
