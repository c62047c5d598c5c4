# Generated from chapters/02_derivatives/ by tools/export.py. Do not edit.
"""Gradient checking: a module's backward pass against central differences in
float64.

Derived in chapter 2, "Derivatives and the chain rule" (chapters/02_derivatives)."""

from collections.abc import Callable
from typing import TYPE_CHECKING
import numpy as np
from nnlib import checks

__all__ = ["numerical_gradient", "relative_error", "gradient_errors", "gradcheck"]


if TYPE_CHECKING:                       # for the type hints only
    from nnlib.module import Module, Parameter


def numerical_gradient(f: Callable[[], float], x: np.ndarray,
                       h: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of the scalar function ``f()`` with respect to the
    array ``x``.

    Derived in chapter 2, "Derivatives and the chain rule": each entry of ``x`` is set
    to ``x_i + h`` and ``x_i - h`` in place, ``f`` is re-evaluated, and the entry is
    restored.

    Parameters
    ----------
    f : callable
        Takes no arguments and returns a float; it must read ``x`` (which is perturbed
        in place).
    x : numpy.ndarray
        A float64 array, of any shape.
    h : float
        The step; 1e-6 balances truncation and round-off error in float64.

    Returns
    -------
    numpy.ndarray
        dL/dx, same shape as ``x``.
    """
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + h
        plus = f()
        x[index] = old - h
        minus = f()
        x[index] = old
        grad[index] = (plus - minus) / (2 * h)
    return grad


def relative_error(analytic: np.ndarray, numerical: np.ndarray) -> float:
    """max |a - n| / max(1e-8, max(|a| + |n|)): the error relative to the gradient's
    size.

    Derived in chapter 2, "Derivatives and the chain rule". Both arguments are arrays of
    the same shape; the result is a float (0 for identical arrays). """
    analytic = np.asarray(analytic, dtype=np.float64)
    numerical = np.asarray(numerical, dtype=np.float64)
    checks.array(numerical, "numerical", "relative_error", shape=analytic.shape,
                 fix="analytic has that shape; compare two gradients of one array")
    if analytic.size == 0:
        return 0.0
    scale = max(1e-8, float(np.max(np.abs(analytic) + np.abs(numerical))))
    return float(np.max(np.abs(analytic - numerical))) / scale


def gradient_errors(module: "Module", x: np.ndarray, target: np.ndarray | None = None,
                    h: float = 1e-6, seed: int = 0) -> dict[str, float]:
    """Relative errors of a module's analytic gradients against central differences.

    Derived in chapter 2, "Derivatives and the chain rule".

    For a layer (``target`` is None), the scalar checked is ``sum(module(x) * R)`` with
    a fixed random ``R`` of the output's shape, and ``module.backward(R)`` must return
    its gradient. For a loss (``target`` given), the scalar is ``module(x, target)`` and
    ``module.backward()`` must return its gradient with respect to ``x``. The module
    must be deterministic (dropout: check it in eval mode or with a fixed mask).

    Parameters
    ----------
    module : Module
        A layer or a loss whose parameters are all float64 (``module.to(np.float64)``).
    x : numpy.ndarray
        A float64 input (for a loss: the prediction). It is not modified.
    target : numpy.ndarray, optional
        The loss's target; its presence makes ``module`` a loss.
    h : float
        Finite-difference step.
    seed : int
        Seed of the random ``R``.

    Returns
    -------
    dict of str to float
        ``"input"`` and the name of each parameter (``"weight"``, ``"bias"``...) mapped
        to its relative error.
    """
    x = np.array(x)                         # a copy: it is perturbed in place
    params = dict(module.named_parameters())
    _require_float64(x, params)             # the check needs float64 digits
    is_loss = target is not None
    if is_loss:
        def scalar():
            return float(module(x, target))
    else:
        R = np.random.default_rng(seed).normal(size=np.shape(module(x)))

        def scalar():
            return float(np.sum(module(x) * R))

    for p in params.values():
        p.grad = None
    if is_loss:
        module(x, target)
        grad_input = module.backward()  # type: ignore[call-arg]  # a loss takes no dy
    else:
        module(x)
        grad_input = module.backward(R, input_grad=True)
    analytic = {"input": np.asarray(grad_input)}
    analytic.update({name: np.zeros_like(p.data) if p.grad is None else p.grad.copy()
                     for name, p in params.items()})   # None: no gradient reached it

    numerical = {"input": numerical_gradient(scalar, x, h)}
    numerical.update({name: numerical_gradient(scalar, p.data, h)
                      for name, p in params.items()})
    return {name: relative_error(analytic[name], numerical[name]) for name in analytic}


def _require_float64(x: np.ndarray, params: dict[str, "Parameter"]) -> None:
    """A ``ValueError`` unless the input and every parameter are float64."""
    for name, array in [("input", x)] + [(n, p.data) for n, p in params.items()]:
        if array.dtype != np.float64:
            checks.fail(ValueError, "gradient_errors", name,
                        "float64, whose digits the check needs", array.dtype.name,
                        "call module.to(np.float64) and pass a float64 input")


def gradcheck(module: "Module", x: np.ndarray, target: np.ndarray | None = None,
              h: float = 1e-6, seed: int = 0) -> float:
    """The largest relative error of ``gradient_errors``: one number for a whole layer
    or loss.

    Derived in chapter 2, "Derivatives and the chain rule". A correct backward pass
    gives about 1e-10 or less (in float64 with h = 1e-6); the book and the tests require
    less than 1e-7. Arguments as for ``gradient_errors``; returns a float. """
    return max(gradient_errors(module, x, target, h=h, seed=seed).values())
