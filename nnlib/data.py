# Generated from chapters/08_training/ by tools/export.py. Do not edit.
"""Data for training: a random split into training and validation data, stratified by
class if asked; standardization with statistics of the training data; mini-batches in a
new random order every epoch.

Derived in chapter 8, "Training" (chapters/08_training)."""

import math
from collections.abc import Iterator
import numpy as np
from nnlib import checks

__all__ = ["train_val_split", "Standardizer", "DataLoader"]


def _not_none(value, name, owner, expected, fix):
    """``value`` unless it is None, the mistake of a call that leaves out the targets:
    a ``TypeError`` saying what was ``expected``, with the ``fix``."""
    if value is None:
        checks.fail(TypeError, owner, name, expected, "None", fix)
    return value


def _generator(rng):
    """``rng`` itself if it is a ``numpy.random.Generator``, else a new generator seeded
    with it (an int, or None for an unseeded one)."""
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def _stratified(labels, order, fraction, n_val):
    """The mask of the validation samples of a stratified split. Class c, with N_c
    samples, gives floor(fraction * N_c) of them, the first ones in ``order``; the
    ``n_val`` samples still missing go to the classes with the largest fractional parts
    (the largest-remainder rule), one each."""
    classes, counts = np.unique(labels, return_counts=True)
    quotas = fraction * counts
    seats = np.floor(quotas).astype(int)
    missing = n_val - seats.sum()
    seats[np.argsort(seats - quotas, kind="stable")[:missing]] += 1
    is_val, shuffled = np.zeros(len(labels), dtype=bool), labels[order]
    for c, k in zip(classes, seats):
        is_val[order[shuffled == c][:k]] = True      # the first k of class c
    return is_val


def train_val_split(X: np.ndarray, y: np.ndarray, val_fraction: float = 0.2,
                    rng: np.random.Generator | int | None = None,
                    stratify: bool = False
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split a data set at random into a training part and a validation part.

    Derived in chapter 8, "Training". ``val_fraction * N``, rounded half up, samples go
    to validation. With ``stratify=True`` every class keeps its proportion in both
    parts: class c, with N_c samples, gives ``floor(val_fraction * N_c)`` samples to
    validation, and the samples still missing from the total go to the classes with the
    largest fractional parts. Both parts come in a random order.

    Parameters
    ----------
    X : numpy.ndarray of shape (N, ...)
        The inputs.
    y : numpy.ndarray of shape (N, ...)
        The targets; with ``stratify=True``, class labels of shape (N,) or (N, 1).
    val_fraction : float, default 0.2
        The share of the samples that goes to validation, in (0, 1); both parts must be
        non-empty.
    rng : numpy.random.Generator, int or None
        The generator of the random order, or the seed of a new one (None: unseeded).
    stratify : bool, default False
        Keep the class proportions of ``y`` in both parts.

    Returns
    -------
    X_train, X_val, y_train, y_val : numpy.ndarray
        New arrays with rows of X and y, in the order scikit-learn's
        ``train_test_split`` returns them.
    """
    _not_none(y, "y", "train_val_split", "a NumPy array of targets", "to split X "
              "alone, split its row numbers: train_val_split(X, np.arange(len(X)))")
    checks.samples(X, y, "train_val_split")
    fraction = checks.real(val_fraction, "val_fraction", "train_val_split", "(0, 1)")
    n = len(X)
    n_val = math.floor(fraction * n + 0.5)
    if not 0 < n_val < n:
        checks.fail(ValueError, "train_val_split", "val_fraction", "a share that "
                    "leaves a sample in each part", f"{val_fraction!r}: {n_val} of {n}")
    order = _generator(rng).permutation(n)
    if stratify:
        labels = y.reshape(-1) if y.shape == (n, 1) else y
        checks.array(labels, "y", "train_val_split(stratify=True)", shape=(None,))
        is_val = _stratified(labels, order, fraction, n_val)
    else:
        is_val = np.zeros(n, dtype=bool)
        is_val[order[:n_val]] = True
    train, val = order[~is_val[order]], order[is_val[order]]
    return X[train], X[val], y[train], y[val]


_ONE_FEATURE = ("a 1-D array is ambiguous: X.reshape(-1, 1) makes it N samples of one "
                "feature, X.reshape(1, -1) one sample")


class Standardizer:
    """Rescale every feature to mean 0 and standard deviation 1 with statistics of the
    training data.

    Derived in chapter 8, "Training": ``transform(X) = (X - mean) / std``, with ``mean``
    and ``std`` computed per feature by ``fit`` on the TRAINING split only, then applied
    unchanged to validation, test and new data (statistics computed on all the data leak
    information about the held-out samples into training). A constant feature gets
    ``std = 1`` and ``mean`` equal to its value, so it becomes exactly 0. The statistics
    are computed in float64 and stored in the dtype of the fitted data; ``transform``
    and ``inverse_transform`` take arrays of shape (N, D, ...) and return new arrays of
    their input's shape and dtype (float32 or float64). A 1-D array is refused, as
    scikit-learn refuses it: ``X.reshape(-1, 1)`` makes it one feature.

    It follows scikit-learn's transformer protocol (``fit(X, y=None)``, ``transform``,
    ``fit_transform``, ``inverse_transform``, ``get_params``, ``set_params``), so that
    ``sklearn.base.clone`` copies it and it can be a step of a ``Pipeline``.

    Attributes
    ----------
    mean, std : numpy.ndarray of shape X.shape[1:], or None before ``fit``
        The per-feature statistics; ``std`` is the population standard deviation
        (ddof = 0), as in scikit-learn's ``StandardScaler``.
    """

    def __init__(self) -> None:
        self.mean: np.ndarray | None = None
        self.std: np.ndarray | None = None

    def fit(self, X: np.ndarray, y: object = None) -> "Standardizer":
        """Compute ``mean`` and ``std`` of every feature of X, an array of shape
        (N, D, ...) with N >= 1, float32 or float64, without NaN or inf; ``y`` is
        ignored, as by scikit-learn's transformers. Returns the Standardizer."""
        checks.array(X, "X", "Standardizer.fit", shape=(None, None, ...),
                     dtype="floating", fix=_ONE_FEATURE)
        checks.positive_int(len(X), "len(X)", "Standardizer.fit")
        checks.finite(X, "X", "Standardizer.fit", "remove or fill in missing values")
        mean = X.mean(axis=0, dtype=np.float64)
        std = X.std(axis=0, dtype=np.float64)
        constant = (X == X[0]).all(axis=0)         # features whose values are all equal
        mean[constant], std[constant] = X[0][constant], 1.0
        self.mean, self.std = mean.astype(X.dtype), std.astype(X.dtype)
        return self

    def _fitted(self, X, method):
        """``mean`` and ``std`` in the dtype of X, if ``fit`` has run and X holds
        samples of the shape it saw."""
        owner = f"Standardizer.{method}"
        if self.mean is None or self.std is None:
            raise RuntimeError(f"{owner}: call fit() first, on the training data")
        fix = _ONE_FEATURE if np.ndim(X) == 1 else ""
        checks.array(X, "X", owner, shape=(None, *self.mean.shape), dtype="floating",
                     fix=fix)
        return self.mean.astype(X.dtype), self.std.astype(X.dtype)

    def transform(self, X: np.ndarray) -> np.ndarray:
        """``(X - mean) / std``."""
        mean, std = self._fitted(X, "transform")
        return (X - mean) / std

    def fit_transform(self, X: np.ndarray, y: object = None) -> np.ndarray:
        """``fit(X)``, then ``transform(X)``."""
        return self.fit(X, y).transform(X)

    def inverse_transform(self, X: np.ndarray) -> np.ndarray:
        """``X * std + mean``, which undoes ``transform``."""
        mean, std = self._fitted(X, "inverse_transform")
        return X * std + mean

    def __repr__(self):
        return ("Standardizer()" if self.mean is None
                else f"Standardizer(features={self.mean.size})")

    def get_params(self, deep: bool = True) -> dict:
        """The constructor's arguments by name, which ``sklearn.base.clone`` reads to
        make an unfitted copy: none. ``deep`` belongs to scikit-learn's protocol."""
        return {}

    def set_params(self, **params: object) -> "Standardizer":
        """Set constructor arguments by name, as scikit-learn's grid searches do; a
        Standardizer has none, so every name is refused. Returns the Standardizer."""
        for name in params:
            checks.fail(ValueError, "Standardizer.set_params", "a parameter", "one of "
                        "the constructor's, and Standardizer() takes none", repr(name))
        return self

    def __sklearn_is_fitted__(self):
        """Whether ``fit`` has run, for scikit-learn's ``check_is_fitted``."""
        return self.mean is not None

    def __sklearn_tags__(self):
        """What scikit-learn >= 1.6 asks every estimator: a transformer that needs no
        target, keeps float32 and float64, and refuses NaN (the default input tags)."""
        from sklearn.utils import Tags, TargetTags, TransformerTags
        dtypes = TransformerTags(preserves_dtype=["float64", "float32"])
        return Tags(estimator_type=None, target_tags=TargetTags(required=False),
                    transformer_tags=dtypes)


class DataLoader:
    """Iterate over a data set in mini-batches, in a new random order every epoch if
    asked.

    Derived in chapter 8, "Training". Each ``for xb, yb in loader`` is one epoch: it
    yields ``(X_batch, y_batch)`` (or ``X_batch`` alone when ``y`` is None) of
    ``batch_size`` samples each, except the last batch, which holds the
    ``N - batch_size * (len(loader) - 1)`` remaining samples, or is left out if
    ``drop_last``. Every sample appears exactly once per epoch (except the dropped
    ones). With ``shuffle=True`` each epoch uses a fresh permutation from ``rng``: the
    epochs differ, and a seed fixes the whole sequence of them.

    Parameters
    ----------
    X : numpy.ndarray of shape (N, ...)
        The inputs, one sample per row (the first dimension).
    y : numpy.ndarray of shape (N, ...) or None
        The targets, one per sample.
    batch_size : int or None, default 32
        The number of samples per batch, >= 1; None puts all N samples in one batch.
    shuffle : bool, default False
        Draw a new order of the samples at the start of every epoch.
    rng : numpy.random.Generator, int or None
        The generator of the permutations, used as it is, or the seed of a new one
        (None: unseeded).
    drop_last : bool, default False
        Leave out the last batch if it has fewer than ``batch_size`` samples.

    Notes
    -----
    ``len(loader)`` is the number of batches per epoch. Without shuffling the batches
    are views of ``X`` and ``y`` (no copies); with shuffling they are new arrays
    gathered by fancy indexing.
    """

    def __init__(self, X: np.ndarray, y: np.ndarray | None = None,
                 batch_size: int | None = 32, shuffle: bool = False,
                 rng: np.random.Generator | int | None = None,
                 drop_last: bool = False) -> None:
        checks.array(X, "X", "DataLoader", shape=(None, ...))
        if y is not None:
            checks.samples(X, y, "DataLoader")
        self.X, self.y = X, y
        self.batch_size = (max(len(X), 1) if batch_size is None else
                           checks.positive_int(batch_size, "batch_size", "DataLoader"))
        self.shuffle, self.drop_last = bool(shuffle), bool(drop_last)
        self.rng = _generator(rng) if self.shuffle else None

    @property
    def n_samples(self) -> int:
        """The number of samples N."""
        return len(self.X)

    def __len__(self) -> int:
        full, rest = divmod(self.n_samples, self.batch_size)
        return full + int(rest > 0 and not self.drop_last)

    def __iter__(self) -> Iterator:
        n, size = self.n_samples, self.batch_size
        stop = n - n % size if self.drop_last else n
        order = self.rng.permutation(n) if self.rng is not None else None
        for start in range(0, stop, size):
            rows = (slice(start, start + size) if order is None
                    else order[start:start + size])
            yield self.X[rows] if self.y is None else (self.X[rows], self.y[rows])

    def __repr__(self):
        return (f"DataLoader(n_samples={self.n_samples}, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last})")
