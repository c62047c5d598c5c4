# Generated from chapters/02_derivatives/ by tools/export.py. Do not edit.
"""What the notebooks of the book need to write nnlib: ``add_to_class``.

Derived in chapter 2, "Derivatives and the chain rule" (chapters/02_derivatives)."""

from collections.abc import Callable

__all__ = ["add_to_class"]


def add_to_class(cls: type) -> Callable[[Callable | property], Callable | property]:
    """Decorator: attach the function below it to the class ``cls`` as a method of that
    name.

    Derived in chapter 2, "Derivatives and the chain rule". It lets a notebook build a
    class across cells, each method right under its derivation. ``tools/export.py``
    moves such a function into the body of its class, so nnlib's files hold ordinary
    classes. Stacked above ``@property``, it adds a property."""
    def add(function: Callable | property) -> Callable | property:
        named = function.fget if isinstance(function, property) else function
        setattr(cls, getattr(named, "__name__"), function)   # a getter is never None
        return function
    return add
