# Generated from chapters/05_losses.ipynb by tools/export.py. Do not edit.
"""Loss functions with PyTorch's interface: ``loss = loss_fn(prediction, target)`` returns the mean
loss as a Python float and ``loss_fn.backward()`` returns dL/dprediction.

Every loss refuses a prediction or target that is not a NumPy array (``TypeError``) and, with a
``ValueError`` that names it, a prediction or target of the wrong dtype or shape, values outside its
domain, and any NaN or inf in the prediction or the target, so that a NaN never reaches a backward
pass.

Derived in chapter 5, "Loss functions" (chapters/05_losses.ipynb)."""

import numpy as np
from nnlib.module import Module

__all__ = ["MSELoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss"]


def _check_array(where, array, name):
    """Raise ``TypeError`` unless ``array`` is a NumPy array; ``name`` is "prediction" or "target"."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"{where}: expected the {name} to be a NumPy array, got {type(array).__name__}; "
                        f"convert it with np.asarray")
    return array


def _check_finite(where, array, name):
    """Raise ``ValueError`` if ``array`` contains NaN or inf; ``name`` is "prediction" or "target"."""
    if not np.isfinite(array).all():
        raise ValueError(f"{where}: the {name} contains NaN or inf; losses refuse non-finite values so "
                         "that no NaN reaches a backward pass (a NaN or inf prediction usually means that "
                         "training diverged: lower the learning rate, or look for NaN in the data)")


def _prediction(where, prediction):
    """The prediction, checked to be a non-empty, finite floating-point NumPy array."""
    _check_array(where, prediction, "prediction")
    if not np.issubdtype(prediction.dtype, np.floating):
        raise ValueError(f"{where}: expected a floating-point prediction, got dtype {prediction.dtype}; "
                         "convert it with .astype(np.float64)")
    if prediction.size == 0:
        raise ValueError(f"{where}: expected a non-empty prediction, got shape {prediction.shape}")
    _check_finite(where, prediction, "prediction")
    return prediction


def _target_like(where, prediction, target):
    """The target, checked to be an array of the prediction's shape, converted to its dtype, finite."""
    _check_array(where, target, "target")
    if target.shape != prediction.shape:
        hint = (f"; if they hold the same values in another layout, reshape one of them, e.g. "
                f"target.reshape({prediction.shape})" if target.size == prediction.size else "")
        raise ValueError(f"{where}: expected a target of the prediction's shape {prediction.shape}, "
                         f"got {target.shape}{hint}")
    with np.errstate(over="ignore"):        # a float64 beyond float32's range becomes inf: refused below
        target = target.astype(prediction.dtype, copy=False)
    _check_finite(where, target, "target")
    return target


def _check_unit_interval(where, array, what, hint):
    """Raise ``ValueError`` unless every entry of ``array`` lies in [0, 1]."""
    low, high = float(array.min()), float(array.max())
    if low < 0 or high > 1:
        raise ValueError(f"{where}: expected {what} in [0, 1], got values from {low:g} to {high:g}; {hint}")


class MSELoss(Module):
    """Mean squared error, ``L = mean((prediction - target)**2)`` over all entries.

    Derived in chapter 5, "Loss functions". ``loss = loss_fn(prediction, target)``, then
    ``loss_fn.backward()`` returns dL/dprediction = 2 (prediction - target) / (N m), where N m is
    the number of entries (N samples times m outputs for a prediction of shape (N, m)), as with
    PyTorch's ``reduction="mean"``. A prediction or target containing NaN or inf is refused
    (ValueError).
    """

    def forward(self, prediction, target):
        """The mean squared error.

        Parameters
        ----------
        prediction : numpy.ndarray of any non-empty shape, floating dtype (float32 or float64)
            The network's output.
        target : numpy.ndarray of the prediction's shape exactly (no broadcasting)
            Any real dtype; converted to the prediction's dtype.

        Returns
        -------
        float
            The loss, the mean over all entries.

        Raises
        ------
        TypeError
            If the prediction or the target is not a NumPy array.
        ValueError
            If the prediction is not floating point, the shapes differ, or the prediction or the
            target contains NaN or inf.
        """
        prediction = _prediction(self, prediction)
        target = _target_like(self, prediction, target)
        diff = prediction - target
        self.save_for_backward(diff)
        return float(np.vdot(diff, diff)) / diff.size

    def backward(self):
        """dL/dprediction = 2 (prediction - target) / (N m): the prediction's shape and dtype.

        Raises ``RuntimeError`` if called before the forward pass."""
        diff, = self.saved
        return diff * (2 / diff.size)


_BCE_EPSILON = float(np.float32(1e-12))   # PyTorch's EPSILON, a C float: 1e-12 rounded to float32


class BCELoss(Module):
    """Binary cross-entropy on probabilities, ``L = -mean(y log p + (1 - y) log(1 - p))``.

    Derived in chapter 5, "Loss functions". As in PyTorch, each logarithm is clamped to be at
    least -100, so that p = 0 or 1 gives a finite loss. The backward pass is PyTorch's:
    ``(p - y) / max(p (1 - p), 1e-12) / n``, where n is the number of entries. Where
    ``p (1 - p) > 1e-12`` this is the exact derivative of the loss; closer to 0 or 1 it is the
    capped value ``(p - y) / 1e-12 / n`` (about -1e12 / n for p = 0, y = 1), finite in float32 and
    float64. Prefer ``BCEWithLogitsLoss`` on logits: it is stable and its gradient does not vanish
    through the sigmoid for confidently wrong predictions.
    """

    def forward(self, prediction, target):
        """The binary cross-entropy, each logarithm clamped at -100.

        Parameters
        ----------
        prediction : numpy.ndarray of any non-empty shape, floating dtype (float32 or float64)
            Probabilities p in [0, 1], e.g. the output of a sigmoid.
        target : numpy.ndarray of the prediction's shape exactly (no broadcasting)
            Labels or soft targets y in [0, 1]: float, int or bool, converted to the prediction's dtype.

        Returns
        -------
        float
            The loss, the mean over all entries.

        Raises
        ------
        TypeError
            If the prediction or the target is not a NumPy array.
        ValueError
            If the prediction is not floating point, the shapes differ, p or y lies outside [0, 1],
            or either contains NaN or inf.
        """
        p = _prediction(self, prediction)
        _check_unit_interval(self, p, "probabilities", "for raw scores (logits) use BCEWithLogitsLoss instead")
        y = _target_like(self, p, target)
        _check_unit_interval(self, y, "targets", "labels -1 and 1 map to 0 and 1 by (target + 1) / 2")
        with np.errstate(divide="ignore"):             # log(0) = -inf is clamped on the next lines
            log_p, log_1mp = np.log(p), np.log1p(-p)
        np.maximum(log_p, -100, out=log_p)
        np.maximum(log_1mp, -100, out=log_1mp)
        self.save_for_backward(p, y)
        return -float(np.vdot(y, log_p) + np.vdot(1 - y, log_1mp)) / p.size

    def backward(self):
        """dL/dp = (p - y) / max(p (1 - p), 1e-12) / n, as in PyTorch: the prediction's shape and dtype.

        Raises ``RuntimeError`` if called before the forward pass."""
        p, y = self.saved
        grad = p - y
        grad /= np.maximum((1 - p) * p, _BCE_EPSILON)
        grad /= p.size
        return grad


class BCEWithLogitsLoss(Module):
    """Binary cross-entropy on logits: ``BCELoss`` applied to ``sigmoid(prediction)``, computed stably.

    Derived in chapter 5, "Loss functions". Per entry the loss is
    ``max(z, 0) - z y + log(1 + exp(-|z|))``, which never overflows and never takes the log of 0;
    ``backward()`` returns (sigmoid(z) - y) / n, where n is the number of entries. This is the
    numerically sane choice for binary classification: use it on the last layer's raw output
    instead of a sigmoid followed by ``BCELoss``. A prediction or target containing NaN or inf is
    refused (ValueError).
    """

    def forward(self, prediction, target):
        """The binary cross-entropy of sigmoid(prediction), computed from the logits.

        Parameters
        ----------
        prediction : numpy.ndarray of any non-empty shape, floating dtype (float32 or float64)
            Logits z, any finite real numbers.
        target : numpy.ndarray of the prediction's shape exactly (no broadcasting)
            Labels or soft targets y in [0, 1]: float, int or bool, converted to the prediction's dtype.

        Returns
        -------
        float
            The loss, the mean over all entries.

        Raises
        ------
        TypeError
            If the prediction or the target is not a NumPy array.
        ValueError
            If z is not floating point, the shapes differ, y lies outside [0, 1], or z or y contains
            NaN or inf.
        """
        z = _prediction(self, prediction)
        y = _target_like(self, z, target)
        _check_unit_interval(self, y, "targets", "labels -1 and 1 map to 0 and 1 by (target + 1) / 2")
        e = np.exp(-np.abs(z))                            # in (0, 1]: cannot overflow
        terms = np.maximum(z, 0)
        terms -= z * y
        terms += np.log1p(e)
        sigma = 1 + e
        np.reciprocal(sigma, out=sigma)                   # 1 / (1 + e): sigmoid(z) where z >= 0
        np.multiply(sigma, e, out=sigma, where=z < 0)     # e / (1 + e): sigmoid(z) where z < 0
        self.save_for_backward(sigma, y)
        return float(terms.mean())

    def backward(self):
        """dL/dz = (sigmoid(z) - y) / n: the prediction's shape and dtype.

        Raises ``RuntimeError`` if called before the forward pass."""
        sigma, y = self.saved
        return (sigma - y) / sigma.size


class CrossEntropyLoss(Module):
    """Softmax cross-entropy on logits with integer class labels, ``mean(-log softmax(z)[k, y_k])``.

    Derived in chapter 5, "Loss functions". The softmax and its logarithm are computed with the
    log-sum-exp trick (each row shifted by its maximum, log(1 + r) computed by log1p), so no logit
    overflows and confident predictions keep their digits. The forward pass saves the softmax
    probabilities, and ``backward()`` returns (softmax(z) - onehot(y)) / N. Logits containing NaN
    or inf are refused (ValueError).
    """

    def forward(self, prediction, target):
        """The mean over the batch of -log softmax(z)[k, y_k].

        Parameters
        ----------
        prediction : numpy.ndarray of shape (N, C), floating dtype (float32 or float64)
            Logits z, one row per sample (N >= 1, C >= 1).
        target : numpy.ndarray of shape (N,), integer dtype
            Class labels y in [0, C) (not one-hot rows).

        Returns
        -------
        float
            The loss, the mean over the N samples.

        Raises
        ------
        TypeError
            If the logits or the labels are not a NumPy array.
        ValueError
            If the logits are not floating point, not 2-D or contain NaN or inf, or the labels are
            not integers of shape (N,) in [0, C).
        """
        z = _prediction(self, prediction)
        if z.ndim != 2:
            hint = "; for a single sample use logits.reshape(1, -1)" if z.ndim == 1 else ""
            raise ValueError(f"{self!r}: expected logits of shape (N, C), got {z.shape}{hint}")
        n, c = z.shape
        labels = _check_array(self, target, "target")
        if labels.shape != (n,):
            hint = ("; for one-hot targets pass target.argmax(axis=1)" if labels.shape == z.shape else
                    "; reshape the labels with labels.reshape(-1)" if labels.size == n else "")
            raise ValueError(f"{self!r}: expected labels of shape (N,) = ({n},) for logits of shape "
                             f"{z.shape}, got {labels.shape}{hint}")
        if not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(f"{self!r}: expected integer class labels, got dtype {labels.dtype}; "
                             "convert them with labels.astype(np.int64)")
        low, high = labels.min(), labels.max()
        if low < 0 or high >= c:
            hint = "; labels counted from 1 must be shifted with labels - 1" if low >= 1 and high == c else ""
            raise ValueError(f"{self!r}: expected labels in [0, C) = [0, {c}), got values from {low} "
                             f"to {high}{hint}")
        rows, top = np.arange(n), z.argmax(axis=1)
        shifted = z - z[rows, top][:, None]               # u = z - max: every exponent <= 0
        true_class = shifted[rows, labels]                # u_y, before u is overwritten
        exps = np.exp(shifted, out=shifted)
        exps[rows, top] = 0                               # the largest term, e^0 = 1, is left out...
        rest = exps.sum(axis=1)                           # ...of r, the sum of the others
        exps[rows, top] = 1
        exps /= (1 + rest)[:, None]                       # the softmax probabilities
        self.save_for_backward(exps, labels)
        return float(np.mean(np.log1p(rest) - true_class))

    def backward(self):
        """dL/dz = (softmax(z) - onehot(y)) / N: shape (N, C), the prediction's dtype.

        Raises ``RuntimeError`` if called before the forward pass."""
        probabilities, labels = self.saved
        grad = probabilities.copy()                       # the saved softmax stays intact
        grad[np.arange(len(labels)), labels] -= 1
        grad /= len(labels)
        return grad
