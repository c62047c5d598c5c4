# Generated from chapters/07_optimizers/ by tools/export.py. Do not edit.
"""Gradient clipping by the norm of all the gradients together, as
``torch.nn.utils.clip_grad_norm_``.

Derived in chapter 7, "Optimizers" (chapters/07_optimizers)."""

import math
from collections.abc import Iterable
import numpy as np
from nnlib import checks
from nnlib.module import Parameter

__all__ = ["clip_grad_norm_"]


def clip_grad_norm_(parameters: Parameter | Iterable[Parameter], max_norm: float,
                    norm_type: float | str = 2.0,
                    error_if_nonfinite: bool = False) -> float:
    """Scale all the gradients by one factor so that their total norm is at most
    ``max_norm``; return the total norm they had.

    Derived in chapter 7, "Optimizers". As ``torch.nn.utils.clip_grad_norm_``: the total
    norm is the ``norm_type``-norm of all the gradients as one vector (the norm of the
    parameters' norms); every gradient is multiplied, in place, by
    ``min(1, max_norm / (total_norm + 1e-6))``, which keeps the direction of the whole
    gradient. Parameters whose ``.grad`` is None are ignored.

    Parameters
    ----------
    parameters : Parameter or iterable of Parameter
        E.g. ``model.parameters()``; their ``.grad`` arrays, of any shapes, are
        scaled in place.
    max_norm : float
        The largest total norm, >= 0.
    norm_type : float or "inf", default 2.0
        The order p of the norm, > 0; ``math.inf`` or ``"inf"`` for the largest
        absolute value.
    error_if_nonfinite : bool, default False
        Raise ``ValueError`` when the total norm is NaN or infinite instead of scaling
        the gradients by it (which makes them NaN or zero, as in PyTorch).

    Returns
    -------
    float
        The total norm of the gradients before clipping (0.0 if none has a gradient).

    Notes
    -----
    Differences from PyTorch: the total norm is returned as a Python float (PyTorch:
    a tensor) and accumulated in float64; a non-finite norm with
    ``error_if_nonfinite=True`` raises ``ValueError`` (PyTorch: ``RuntimeError``);
    ``norm_type`` must be > 0 (PyTorch also accepts 0 and negative orders, which are not
    norms).
    """
    owner = "clip_grad_norm_"
    parameters = [parameters] if isinstance(parameters, Parameter) else list(parameters)
    parameters = [checks.instance(p, f"parameters[{i}]", owner, Parameter)
                  for i, p in enumerate(parameters)]
    # an empty gradient adds nothing to any norm (and NumPy's max of nothing fails)
    grads = [p.grad for p in parameters if p.grad is not None and p.grad.size]
    max_norm = checks.real(max_norm, "max_norm", owner, "[0, inf]")
    p = checks.real(math.inf if norm_type == "inf" else norm_type, "norm_type", owner,
                    "(0, inf]")
    norms = np.array([np.linalg.norm(g.reshape(-1), p) for g in grads], np.float64)
    total = float(np.linalg.norm(norms, p)) if grads else 0.0
    if error_if_nonfinite:                      # a norm is >= 0: finite means < inf
        checks.real(total, "the total norm of the gradients", owner, "[0, inf)",
                    "a gradient holds NaN or inf; with error_if_nonfinite=False they "
                    "are scaled by it anyway, as in PyTorch")
    coefficient = max_norm / (total + 1e-6)
    if not coefficient >= 1.0:                  # below 1, or NaN (PyTorch scales by it)
        with np.errstate(invalid="ignore"):      # inf * 0 is NaN, as in PyTorch
            for g in grads:
                g *= coefficient
    return total
