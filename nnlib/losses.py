# Generated from chapters/05_losses/ by tools/export.py. Do not edit.
"""Loss functions with PyTorch's interface: ``loss = loss_fn(prediction, target)``
returns the mean loss as a Python float, and ``loss_fn.backward()``, which takes no
argument, returns dL/dprediction, an array of the prediction's shape and dtype.

Every loss checks what it is given through ``nnlib.checks``. A prediction or a target
that is not a NumPy array raises ``TypeError``; a prediction that is empty or not
float32 or float64, a target whose shape differs from the prediction's, values outside
the loss's domain, and any NaN or inf in the prediction or the target raise
``ValueError``, so that a NaN never reaches a backward pass.

Derived in chapter 5, "Loss functions" (chapters/05_losses)."""

import numpy as np
from nnlib import checks
from nnlib.module import Module

__all__ = ["MSELoss", "L1Loss", "HuberLoss", "BCELoss", "BCEWithLogitsLoss",
           "CrossEntropyLoss"]


_DIVERGED = ("a NaN or inf prediction usually means that training diverged: lower the "
             "learning rate, or look for NaN in the data")
_RESHAPE = ("if both hold the same values in another layout, reshape one of them, "
            "e.g. target.reshape({})")
# how to turn a target that does not hold real numbers into one, by its dtype's kind
_TO_REAL = {"c": "take its real part, target.real, if that is what it means"}
_TO_FLOAT = "convert it, e.g. target.astype(float)"


def _prediction(prediction, loss):
    """``prediction``, checked to be a non-empty, finite float32 or float64 array."""
    checks.array(prediction, "prediction", loss, dtype="floating")
    if prediction.size == 0:
        checks.fail(ValueError, loss, "prediction", "non-empty", prediction.shape)
    return checks.finite(prediction, "prediction", loss, _DIVERGED)


def _target(target, prediction, loss, copy=False):
    """``target``, checked to be a finite array of real numbers of the prediction's
    shape, converted to the prediction's dtype (integer or boolean labels become
    floats); a new array if ``copy`` is True, for a loss that keeps it."""
    checks.array(target, "target", loss)
    shape = prediction.shape
    if target.shape != shape:             # a reshape is the fix if the sizes agree
        fix = _RESHAPE.format(shape) if target.size == prediction.size else ""
        checks.fail(ValueError, loss, "target", f"of the prediction's shape {shape}",
                    target.shape, fix)
    kind = target.dtype.kind
    if kind not in "biuf":                # complex numbers, strings, objects, dates
        checks.fail(ValueError, loss, "target", "real numbers (bool, int or float)",
                    f"dtype {target.dtype}", _TO_REAL.get(kind, _TO_FLOAT))
    if target.dtype != prediction.dtype:  # a conversion, which is a copy
        with np.errstate(over="ignore"):  # beyond float32's range: inf, refused below
            target = target.astype(prediction.dtype)
    elif copy:
        target = target.copy()
    return checks.finite(target, "target", loss, "look for NaN or inf in the data")


class MSELoss(Module):
    """Mean squared error, ``L = mean((prediction - target)**2)`` over all entries.

    Derived in chapter 5, "Loss functions". ``loss_fn(prediction, target)`` takes a
    prediction of any non-empty shape, float32 or float64, and a target of exactly that
    shape (no broadcasting) and any real dtype, converted to the prediction's. It
    returns the mean over the prediction's n entries (n = N m for a prediction of shape
    (N, m)) as a Python float, as PyTorch's ``reduction="mean"`` does.
    ``loss_fn.backward()`` returns dL/dprediction = 2 (prediction - target) / n, of the
    prediction's shape and dtype.
    """

    def forward(self, prediction: np.ndarray, target: np.ndarray) -> float:
        """The mean squared error; arguments and result as in the class docstring."""
        prediction = _prediction(prediction, self)
        diff = prediction - _target(target, prediction, self)
        self.save_for_backward(diff)
        return float(np.vdot(diff, diff)) / diff.size

    # no argument, as PyTorch's loss.backward(): not Module.backward's signature
    def backward(self) -> np.ndarray:  # type: ignore[override]
        """dL/dprediction = 2 (prediction - target) / n; a ``RuntimeError`` before any
        forward pass."""
        diff, = self.saved
        return diff * (2 / diff.size)


class L1Loss(Module):
    """Mean absolute error, ``L = mean(|prediction - target|)`` over all entries.

    Derived in chapter 5, "Loss functions". As ``torch.nn.L1Loss()``, with
    ``reduction="mean"``, the only one nnlib offers. Arguments, shapes, dtypes and
    checks as for ``MSELoss``; the mean runs over the prediction's n entries.
    ``loss_fn.backward()`` returns dL/dprediction = sign(prediction - target) / n, of
    the prediction's shape and dtype, with sign(0) = 0 at the kink, where prediction
    and target are equal, as in PyTorch.
    """

    def forward(self, prediction: np.ndarray, target: np.ndarray) -> float:
        """The mean absolute error; arguments and result as in the class docstring."""
        prediction = _prediction(prediction, self)
        diff = prediction - _target(target, prediction, self)
        self.save_for_backward(diff)
        return float(np.abs(diff).sum()) / diff.size

    def backward(self) -> np.ndarray:  # type: ignore[override]
        """dL/dprediction = sign(prediction - target) / n, 0 where they are equal."""
        diff, = self.saved
        grad = np.sign(diff)
        grad /= diff.size
        return grad


class HuberLoss(Module):
    """Huber loss of r = prediction - target: ``r**2 / 2`` where ``|r| <= delta``,
    ``delta * (|r| - delta / 2)`` beyond, averaged over all entries.

    Derived in chapter 5, "Loss functions". As ``torch.nn.HuberLoss(delta=delta)``,
    with ``reduction="mean"``, the only one nnlib offers: half the squared error near
    0, a line of slope delta beyond, meeting it with the same value and slope.
    Arguments, shapes, dtypes and checks as for ``MSELoss``. ``loss_fn.backward()``
    returns dL/dprediction = clip(r, -delta, delta) / n, of the prediction's shape and
    dtype; it is continuous, so there is no kink to choose a value at.

    Parameters
    ----------
    delta : float, default 1.0
        Where the quadratic piece turns linear; positive.
    """

    def __init__(self, delta: float = 1.0) -> None:
        self.delta = checks.real(delta, "delta", self, "(0, inf)")

    def extra_repr(self) -> str:
        return f"delta={self.delta}"

    def forward(self, prediction: np.ndarray, target: np.ndarray) -> float:
        """The mean of q (a - q / 2), with a = |r| and q = min(a, delta)."""
        prediction = _prediction(prediction, self)
        diff = prediction - _target(target, prediction, self)
        self.save_for_backward(diff)
        a = np.abs(diff)
        q = np.minimum(a, self.delta)
        a -= q / 2                                # a - q / 2
        return float(np.vdot(q, a)) / diff.size

    def backward(self) -> np.ndarray:  # type: ignore[override]
        """dL/dprediction = clip(prediction - target, -delta, delta) / n."""
        diff, = self.saved
        grad = np.clip(diff, -self.delta, self.delta)
        grad /= diff.size
        return grad


_LABELS_IN_0_1 = "labels -1 and 1 map to 0 and 1 by (target + 1) / 2"


class BCELoss(Module):
    """Binary cross-entropy on probabilities,
    ``L = -mean(y log p + (1 - y) log(1 - p))``.

    Derived in chapter 5, "Loss functions". ``loss_fn(p, y)`` takes probabilities p in
    [0, 1] (the output of a sigmoid, say) of any non-empty shape, float32 or float64,
    and targets y in [0, 1] of exactly that shape (labels or soft targets; float, int or
    bool, converted to p's dtype). It returns the mean over the n entries as a Python
    float. As in PyTorch, each logarithm is clamped to be at least -100, so that p = 0
    or 1 gives a finite loss, and ``loss_fn.backward()`` returns PyTorch's
    ``(p - y) / max(p (1 - p), 1e-12) / n``, of p's shape and dtype: the exact
    derivative where ``p (1 - p) > 1e-12``, a capped value closer to 0 or 1 (about
    -1e12 / n for p = 0, y = 1), finite in float32 and float64. Prefer
    ``BCEWithLogitsLoss`` on logits: it is stable, and its gradient does not vanish
    through the sigmoid for confidently wrong predictions.
    """

    def forward(self, prediction: np.ndarray, target: np.ndarray) -> float:
        """The clamped binary cross-entropy; arguments and result as in the class
        docstring."""
        p = _prediction(prediction, self)
        checks.unit_interval(p, "prediction", self,
                             "for raw scores (logits) use BCEWithLogitsLoss instead")
        y = _target(target, p, self, copy=True)
        checks.unit_interval(y, "target", self, _LABELS_IN_0_1)
        # log 0 = -inf, clamped on the next lines
        with np.errstate(divide="ignore"):
            log_p, log_1mp = np.log(p), np.log1p(-p)
        np.maximum(log_p, -100, out=log_p)
        np.maximum(log_1mp, -100, out=log_1mp)
        self.save_for_backward(p.copy(), y)        # copies: the caller's may change
        return -float(np.vdot(y, log_p) + np.vdot(1 - y, log_1mp)) / p.size

    def backward(self) -> np.ndarray:  # type: ignore[override]
        """dL/dp = (p - y) / max(p (1 - p), 1e-12) / n, as in PyTorch."""
        p, y = self.saved
        grad = p - y
        grad /= np.maximum((1 - p) * p, _BCE_EPSILON)
        grad /= p.size
        return grad


_BCE_EPSILON = float(np.float32(1e-12))   # PyTorch's EPSILON: 1e-12 as a C float


class BCEWithLogitsLoss(Module):
    """Binary cross-entropy on logits: ``BCELoss`` of ``sigmoid(prediction)``, computed
    stably.

    Derived in chapter 5, "Loss functions". ``loss_fn(z, y)`` takes logits z, any finite
    numbers, of any non-empty shape, float32 or float64, and targets y in [0, 1] of
    exactly that shape (labels or soft targets; float, int or bool, converted to z's
    dtype). It returns the mean over the n entries of
    ``max(z, 0) - z y + log(1 + exp(-|z|))`` as a Python float: no exponential
    overflows and no logarithm sees 0. ``loss_fn.backward()`` returns
    (sigmoid(z) - y) / n, of z's shape and dtype. This is the numerically sane choice
    for binary classification: use it on the last layer's raw output instead of a
    sigmoid followed by ``BCELoss``.
    """

    def forward(self, prediction: np.ndarray, target: np.ndarray) -> float:
        """The binary cross-entropy of sigmoid(prediction), computed from the logits;
        arguments and result as in the class docstring."""
        z = _prediction(prediction, self)
        y = _target(target, z, self, copy=True)          # kept: a copy
        checks.unit_interval(y, "target", self, _LABELS_IN_0_1)
        e = np.exp(-np.abs(z))                            # in (0, 1]: cannot overflow
        terms = np.maximum(z, 0)
        terms -= z * y
        terms += np.log1p(e)
        self.save_for_backward(z < 0, e, y)               # the signs of z, not z
        return float(terms.sum() / terms.size)            # the mean

    def backward(self) -> np.ndarray:  # type: ignore[override]
        """dL/dz = (sigmoid(z) - y) / n, the sigmoid computed from e = exp(-|z|)."""
        negative, e, y = self.saved                    # negative: where z < 0
        sigma = 1 + e
        np.reciprocal(sigma, out=sigma)                # 1 / (1 + e): sigmoid(z), z >= 0
        np.multiply(sigma, e, out=sigma, where=negative)   # e / (1 + e), z < 0
        sigma -= y
        sigma /= sigma.size
        return sigma


def _mean_of(losses: np.ndarray) -> np.floating:
    """The mean of per-sample losses, finite where they are finite even if their
    sum overflows: they are then scaled by a power of 2 first, which is exact."""
    with np.errstate(over="ignore", under="ignore"):
        mean = np.mean(losses)
        if mean == np.inf and np.all(np.isfinite(losses)):   # the sum overflowed
            scale = 2.0 ** len(losses).bit_length()    # a power of 2 above N
            mean = np.mean(losses / scale) * scale
    return mean


_ONE_SAMPLE = "for one sample use prediction.reshape(1, -1)"


class CrossEntropyLoss(Module):
    """Softmax cross-entropy on logits with integer class labels,
    ``L = mean(-log softmax(z)[k, y_k])``.

    Derived in chapter 5, "Loss functions". ``loss_fn(z, y)`` takes logits z of shape
    (N, C), float32 or float64, one row per sample, and class labels y of shape (N,),
    integers in [0, C) (not one-hot rows). It returns the mean over the N samples as a
    Python float, computed with the log-sum-exp trick (each row shifted by its maximum,
    log(1 + r) computed by log1p): no exponential overflows, confident predictions keep
    their digits, and finite logits never warn (the corner cases are in chapter 5's
    folded block on the edge of the float range). ``loss_fn.backward()`` returns
    (softmax(z) - onehot(y)) / N, of shape (N, C) and z's dtype.
    """

    def forward(self, prediction: np.ndarray, target: np.ndarray) -> float:
        """The mean over the batch of -log softmax(z)[k, y_k]; arguments and result as
        in the class docstring."""
        z = _prediction(prediction, self)
        if z.ndim != 2:
            checks.fail(ValueError, self, "prediction", "of shape (N, C)", z.shape,
                        _ONE_SAMPLE if z.ndim == 1 else "")
        n, c = z.shape
        labels = checks.labels(target, "target", self, n, c)
        rows, top = np.arange(n), z.argmax(axis=1)
        with np.errstate(over="ignore", under="ignore"):   # -inf or 0: correct here
            shifted = z - z[rows, top][:, None]    # u = z - t, t = max_c z_c
            true_class = shifted[rows, labels]     # u_y, before u is overwritten
            exps = np.exp(shifted, out=shifted)    # e^u, every exponent <= 0
            exps[rows, top] = 0                    # leave out the largest term, e^0 = 1
            rest = exps.sum(axis=1)                # r, the sum of the others
            exps[rows, top] = 1
            losses = np.log1p(rest) - true_class   # l = log1p(r) - u_y, in z's dtype
        self.save_for_backward(exps, 1 + rest, labels.copy())   # the caller's: copied
        return float(_mean_of(losses))

    def backward(self) -> np.ndarray:  # type: ignore[override]
        """dL/dz = (softmax(z) - onehot(y)) / N."""
        exps, sums, labels = self.saved
        with np.errstate(under="ignore"):          # tiny quotients round to 0: intended
            grad = exps / sums[:, None]            # the softmax probabilities P
            grad[np.arange(len(labels)), labels] -= 1
            grad /= len(labels)
        return grad
