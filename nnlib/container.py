# Generated from chapters/06_sequential.ipynb by tools/export.py. Do not edit.
"""``ModuleList`` and ``ModuleDict``: modules held in a list or a dict, with PyTorch's
names and behaviour.

Derived in chapter 6, "Composing layers" (chapters/06_sequential.ipynb)."""

from collections.abc import (ItemsView, Iterable, Iterator, KeysView, Mapping,
                             ValuesView)
from nnlib import checks
from nnlib.module import Module, _module_key
from nnlib.sequential import _layer

__all__ = ["ModuleList", "ModuleDict"]


# what ModuleDict takes: a mapping, or (key, module) pairs
_Modules = Mapping[str, Module] | Iterable[tuple[str, Module]]


def _replace(container, modules):
    """Give ``container`` the list or dict ``modules`` if no module appears twice in it;
    otherwise raise the error and keep the old one."""
    old, container._modules = container._modules, modules
    try:
        list(container.named_modules())
    except ValueError:
        container._modules = old
        raise


class ModuleList(Module):
    """Modules in a list, found by ``parameters()``, ``state_dict()``, ``train()``,
    ``eval()``, ``zero_grad()`` and ``to()``, as ``torch.nn.ModuleList``.

    Derived in chapter 6, "Composing layers". ``blocks[i]`` is a module, ``blocks[i:j]``
    a ``ModuleList`` of those modules (sharing them); ``len``, iteration, ``append``,
    ``extend``, ``insert``, ``pop``, item assignment and deletion work as for a list.
    The children are named ``"0"``, ``"1"``..., so a ModuleList in the attribute
    ``blocks`` names its parameters ``"blocks.0.weight"``. It has no forward pass: the
    module that holds it calls its modules. A value that is not a module is refused
    with a ``TypeError``, a module the list holds already (itself or inside another of
    its modules) with a ``ValueError``, and the list is left unchanged.

    Parameters
    ----------
    modules : iterable of Module, optional
        The initial modules, in order.
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        self._modules: list[Module] = []
        self.extend(() if modules is None else modules)

    def named_children(self) -> Iterator[tuple[str, Module]]:
        for i, module in enumerate(self._modules):
            yield str(i), module

    def __getitem__(self, index: int | slice) -> Module:
        if isinstance(index, slice):
            return ModuleList(self._modules[index])
        return self._modules[index]

    def __setitem__(self, index: int, module: Module) -> None:
        modules = list(self._modules)
        modules[index] = _layer(module, f"module {index}", "ModuleList")
        _replace(self, modules)

    def __delitem__(self, index: int | slice) -> None:
        del self._modules[index]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules)

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before ``index``."""
        modules = list(self._modules)
        modules.insert(index, _layer(module, "module", "ModuleList.insert"))
        _replace(self, modules)

    def append(self, module: Module) -> "ModuleList":
        """Add ``module`` at the end; returns the list."""
        _replace(self, [*self._modules, _layer(module, "module", "ModuleList.append")])
        return self

    def extend(self, modules: Iterable[Module]) -> "ModuleList":
        """Add the modules of the iterable ``modules`` at the end; returns the list."""
        checks.instance(modules, "modules", "ModuleList.extend", Iterable)
        start = len(self._modules)
        new = [_layer(m, f"module {start + i}", "ModuleList")
               for i, m in enumerate(modules)]
        _replace(self, self._modules + new)
        return self

    def pop(self, index: int = -1) -> Module:
        """Remove the module at ``index`` (the last by default) and return it."""
        return self._modules.pop(index)


class ModuleDict(Module):
    """Modules in a dict, found by ``parameters()``, ``state_dict()``, ``train()``,
    ``eval()``, ``zero_grad()`` and ``to()``, as ``torch.nn.ModuleDict``.

    Derived in chapter 6, "Composing layers". ``heads[key]``, ``key in heads``, ``len``,
    iteration over the keys, ``keys()``, ``values()``, ``items()``, ``update``, ``pop``,
    ``clear``, item assignment and deletion work as for a dict, in insertion order. The
    children are named by their keys, so a ModuleDict in the attribute ``heads`` names
    its parameters ``"heads.<key>.weight"``. Keys must be non-empty strings without a
    dot (``TypeError``, ``ValueError``); values and repeated modules are checked as by
    ``ModuleList``, and a refused update leaves the dict unchanged. It has no forward
    pass.

    Parameters
    ----------
    modules : mapping or iterable of (str, Module) pairs, optional
        The initial modules.
    """

    def __init__(self, modules: _Modules | None = None) -> None:
        self._modules: dict[str, Module] = {}
        if modules is not None:
            self.update(modules)

    def named_children(self) -> Iterator[tuple[str, Module]]:
        yield from self._modules.items()

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def update(self, modules: _Modules) -> None:
        """Add or replace the modules of ``modules``, a mapping or (key, module)
        pairs."""
        owner = "ModuleDict.update"
        checks.instance(modules, "modules", owner, Iterable)
        pairs = modules.items() if isinstance(modules, Mapping) else modules
        new = dict(self._modules)
        for key, module in pairs:
            name = f"module {key!r}"
            new[_module_key(key, name, owner)] = _layer(module, name, owner)
        _replace(self, new)

    def __setitem__(self, key: str, module: Module) -> None:
        self.update([(key, module)])

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def keys(self) -> KeysView[str]:
        """The keys, in insertion order."""
        return self._modules.keys()

    def values(self) -> ValuesView[Module]:
        """The modules, in insertion order."""
        return self._modules.values()

    def items(self) -> ItemsView[str, Module]:
        """The (key, module) pairs, in insertion order."""
        return self._modules.items()

    def pop(self, key: str) -> Module:
        """Remove the module of ``key`` and return it."""
        return self._modules.pop(key)

    def clear(self) -> None:
        """Remove every module."""
        self._modules.clear()
