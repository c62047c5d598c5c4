# Generated from chapters/15_attention/ by tools/export.py. Do not edit.
"""The Gaussian error linear unit ``GELU``, and the error function ``erf`` it needs.

Derived in chapter 15, "Attention" (chapters/15_attention)."""

import math
import numpy as np
from nnlib import Module, checks

__all__ = ["erf", "GELU"]


_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
      3.20937758913846947e03, 1.85777706184603153e-1)
_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
      2.84423683343917062e03)
_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
      2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
      2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)
_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
      1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
      3.43936767414372164e03, 1.23033935480374942e03)
_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
      1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)
_Q = (2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1,
      6.05183413124413191e-2, 2.33520497626869185e-3)


def _rational(t, num, den):
    """Cody's ratio (num[-1] t^n + num[0] t^(n-1) + ... + num[-2]) /
    (t^n + den[0] t^(n-1) + ... + den[-1]), by Horner's rule: p <- (p + a) t."""
    p, q = num[-1] * t, t.copy()
    for a, b in zip(num[:-2], den[:-1]):    # in place: GELU calls this on every
        p += a                              # activation of a batch, and a new array
        p *= t                              # per step would cost more than the step
        q += b
        q *= t
    p += num[-2]
    q += den[-1]
    p /= q
    return p


def _exp_minus_square(y):
    """exp(-y^2) for y >= 0, as exp(-r^2) exp(-(y - r)(y + r)) with r = y rounded down
    to a sixteenth: r^2 is exact, so the rounding error of y^2 does not grow."""
    r = np.trunc(y * 16) / 16
    tail = (y - r) * (y + r)
    return np.exp(-r * r) * np.exp(-tail, out=tail)


def erf(x: np.ndarray) -> np.ndarray:
    """The error function, elementwise: erf(x) = 2 / sqrt(pi) * integral of exp(-t^2)
    from 0 to x.

    Derived in chapter 15, "Attention", with W. J. Cody's (1969) rational
    approximations; accurate to a few units in the last place in float64. Takes a
    float32 or float64 array of any shape and returns one of the same shape and dtype.
    """
    checks.array(x, "x", "erf", dtype="floating")
    x_flat = x.reshape(-1)                  # entries chosen by index, not by a mask
    y = np.abs(x_flat)
    out = np.empty_like(x_flat)
    small, large = y <= 0.46875, y > 4.0
    middle = ~(small | large)                               # and NaN, which stays NaN
    small, middle, large = (np.flatnonzero(m) for m in (small, middle, large))
    s = x_flat[small]
    out[small] = s * _rational(s * s, _A, _B)
    t = y[middle]
    erfc = _rational(t, _C, _D) * _exp_minus_square(t)
    out[middle] = np.copysign(1 - erfc, x_flat[middle])
    t = np.minimum(y[large], 30.0)                          # erfc(30) is 0 in float64
    z = 1 / (t * t)
    erfc = (1 / math.sqrt(math.pi) - z * _rational(z, _P, _Q)) / t
    erfc *= _exp_minus_square(t)
    out[large] = np.copysign(1 - erfc, x_flat[large])
    return out.reshape(x.shape)


_SQRT_HALF, _SQRT_2_OVER_PI = math.sqrt(0.5), math.sqrt(2 / math.pi)
_KAPPA = 0.044715


class GELU(Module):
    """The Gaussian error linear unit, ``x * Phi(x)`` with Phi the standard normal CDF.

    Derived in chapter 15, "Attention". As ``torch.nn.GELU``: ``approximate="none"``
    computes ``0.5 x (1 + erf(x / sqrt(2)))``, ``approximate="tanh"`` the approximation
    ``0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))``. ``forward`` takes x of any
    shape, float32 or float64, and returns y of the same shape and dtype; ``backward``
    takes dL/dy of that shape and dtype and returns dL/dx, dL/dy times
    ``Phi(x) + x phi(x)`` (or the derivative of the approximation), or None with
    ``input_grad=False``.

    Parameters
    ----------
    approximate : {"none", "tanh"}, default "none"
        Which form to compute.
    """

    def __init__(self, approximate: str = "none") -> None:
        self.approximate = checks.one_of(approximate, "approximate", self,
                                         ("none", "tanh"))

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x Phi(x), exactly or with the tanh approximation. x and Phi(x) (or the tanh)
        are kept for backward, which then needs no second erf."""
        checks.array(x, "x", self, dtype="floating")
        if self.approximate == "tanh":
            t = np.tanh(_SQRT_2_OVER_PI * (x + _KAPPA * x ** 3))
            self.save_for_backward(x, t)
            return 0.5 * x * (1 + t)
        cdf = 0.5 * (1 + erf(np.asarray(x * _SQRT_HALF)))    # of a 0-d x: not a scalar
        self.save_for_backward(x, cdf)
        return x * cdf

    def backward(self, grad_output: np.ndarray,
                 input_grad: bool = True) -> np.ndarray | None:
        """dL/dx = dL/dy GELU'(x): Phi(x) + x phi(x), or the tanh form's derivative."""
        x, saved = self.saved
        checks.gradient(grad_output, self, x.shape, x.dtype)
        if not input_grad:
            return None
        if self.approximate == "tanh":
            t = saved
            slope = _SQRT_2_OVER_PI * (1 + 3 * _KAPPA * x * x)
            return grad_output * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * slope)
        pdf = np.exp(-0.5 * x * x) * (1 / math.sqrt(2 * math.pi))
        return grad_output * (saved + x * pdf)
