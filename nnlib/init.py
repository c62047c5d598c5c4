# Generated from chapters/04_linear/ by tools/export.py. Do not edit.
"""Initializers of weights: Xavier/Glorot and He/Kaiming, uniform and normal.

Derived in chapter 4, "The fully connected layer" (chapters/04_linear)."""

import math
import numpy as np
import numpy.typing as npt
from nnlib import checks

__all__ = ["xavier_uniform", "xavier_normal", "he_uniform", "he_normal"]


def _draw(name, fan_in, fan_out, rng, dtype, uniform, variance):
    """A (fan_in, fan_out) array with mean 0 and the variance ``variance(fan_in,
    fan_out)``, from U[-a, a] if ``uniform``, else from a normal distribution; drawn in
    float64, then rounded to ``dtype``. What the four initializers share; ``name`` is
    the one that calls, for the messages of the checks."""
    fan_in = checks.positive_int(fan_in, "fan_in", name)
    fan_out = checks.positive_int(fan_out, "fan_out", name)
    dtype = checks.floating_dtype(dtype, "dtype", name)
    var = variance(fan_in, fan_out)
    rng = np.random.default_rng(rng)  # a Generator is used as it is; an int seeds one
    if uniform:
        bound = math.sqrt(3.0 * var)     # U[-a, a] has variance a^2 / 3
        weights = rng.uniform(-bound, bound, size=(fan_in, fan_out))
    else:
        weights = rng.normal(0.0, math.sqrt(var), size=(fan_in, fan_out))
    return weights.astype(dtype, copy=False)


def xavier_uniform(fan_in: int, fan_out: int,
                   rng: np.random.Generator | int | None = None,
                   dtype: npt.DTypeLike = np.float64) -> np.ndarray:
    """Xavier (Glorot) uniform initialization: U[-a, a] with
    a = sqrt(6 / (fan_in + fan_out)).

    Derived in chapter 4, "The fully connected layer": the variance
    2 / (fan_in + fan_out) is the compromise between keeping the variance of the
    activations (forward) and of the gradients (backward) constant through a layer
    whose activation has slope 1 at 0 (the identity, or tanh near 0); U[-a, a] has
    variance a^2 / 3. Through a deep stack of tanh layers the signal still shrinks
    (chapter 4 measures it). With he_uniform, or these weights times 5/3, the forward
    signal settles after a few layers, while the gradient still grows by a few percent
    per layer.

    Parameters
    ----------
    fan_in, fan_out : int
        The number of inputs and of outputs of the layer.
    rng : numpy.random.Generator, int or None
        The generator to draw from, or the seed of a new one; None draws from an
        unseeded generator.
    dtype : floating dtype
        The dtype of the result, float32 or float64 (the numbers are drawn in float64,
        then rounded).

    Returns
    -------
    numpy.ndarray
        Shape (fan_in, fan_out), the given dtype.
    """
    return _draw("xavier_uniform", fan_in, fan_out, rng, dtype, uniform=True,
                 variance=lambda fan_in, fan_out: 2 / (fan_in + fan_out))


def xavier_normal(fan_in: int, fan_out: int,
                  rng: np.random.Generator | int | None = None,
                  dtype: npt.DTypeLike = np.float64) -> np.ndarray:
    """Xavier (Glorot) normal initialization: N(0, 2 / (fan_in + fan_out)).

    Derived in chapter 4, "The fully connected layer". Arguments and result as for
    ``xavier_uniform``.
    """
    return _draw("xavier_normal", fan_in, fan_out, rng, dtype, uniform=False,
                 variance=lambda fan_in, fan_out: 2 / (fan_in + fan_out))


def he_uniform(fan_in: int, fan_out: int,
               rng: np.random.Generator | int | None = None,
               dtype: npt.DTypeLike = np.float64) -> np.ndarray:
    """He (Kaiming) uniform initialization: U[-a, a] with a = sqrt(6 / fan_in).

    Derived in chapter 4, "The fully connected layer": the variance 2 / fan_in keeps
    the variance of the pre-activations constant through layers followed by ReLU,
    because E[relu(z)^2] = Var(z) / 2 for z symmetric around zero. The default of
    ``Linear``. Arguments and result as for ``xavier_uniform``.
    """
    return _draw("he_uniform", fan_in, fan_out, rng, dtype, uniform=True,
                 variance=lambda fan_in, fan_out: 2 / fan_in)


def he_normal(fan_in: int, fan_out: int,
              rng: np.random.Generator | int | None = None,
              dtype: npt.DTypeLike = np.float64) -> np.ndarray:
    """He (Kaiming) normal initialization: N(0, 2 / fan_in), the variance of
    ``he_uniform`` from a normal distribution (PyTorch's ``kaiming_normal_`` with its
    default arguments).

    Derived in chapter 4, "The fully connected layer". Arguments and result as for
    ``xavier_uniform``.
    """
    return _draw("he_normal", fan_in, fan_out, rng, dtype, uniform=False,
                 variance=lambda fan_in, fan_out: 2 / fan_in)
