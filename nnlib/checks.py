# Generated from chapters/appendix_checks.ipynb by tools/export.py. Do not edit.
"""Every check nnlib makes of what it is given, in one place.

Each function takes the value first, then its name and its owner (the layer, or the name
of the function, that checks), then keywords, and returns the value (converted, where
that is its job: ``positive_int`` returns an ``int``). A value of the wrong Python type
raises ``TypeError``; a value of the right type with the wrong shape, dtype or range
raises ``ValueError``. Every message reads ``<owner>: <name> must be <what was
expected>, got <what came>; <fix>``.

Derived in "How nnlib checks its inputs" (chapters/appendix_checks.ipynb)."""

import numbers
from collections.abc import Callable, Collection
from types import EllipsisType
from typing import Any, NoReturn, TypeVar
import numpy as np
import numpy.typing as npt

__all__ = ["owner_name", "fail", "format_shape", "shape_matches", "FLOATING", "array",
           "dtype_mismatch", "typed", "positive_int", "count", "int_pair", "real",
           "one_of", "instance", "function", "floating_dtype", "samples", "finite",
           "unit_interval", "labels", "labels_fix", "gradient"]


_T = TypeVar("_T")
_Pattern = tuple[int | None | EllipsisType, ...]   # a shape pattern: (None, 4)


def owner_name(owner: object) -> str:
    """How a message names its owner: a string as it is, a layer by its ``repr`` (built
    only when a check fails), or by its class's name while its ``__init__`` is still
    running."""
    if isinstance(owner, str):
        return owner
    try:
        return repr(owner)
    except AttributeError:              # a layer whose attributes are not all set yet
        return type(owner).__name__


def fail(error: type[Exception], owner: object, name: str, expected: str, got: object,
         fix: str = "") -> NoReturn:
    """Raise ``error`` (``TypeError`` or ``ValueError``) with nnlib's one message
    form."""
    fix = f"; {fix}" if fix else ""
    raise error(f"{owner_name(owner)}: {name} must be {expected}, got {got}{fix}")


def format_shape(pattern: _Pattern, names: str | None = None) -> str:
    """Write a shape pattern the book's way: ``(None, 4)`` is ``(N, 4)``, ``...`` is
    ``*``. A free dimension is named by ``names`` (one letter a dimension, e.g.
    ``"NTD"`` for sequences) or else by its place: N (the batch) first; then C, H, W in
    a batch of images ``(N, C, H, W)``, C, L in ``(N, C, L)``, and D otherwise."""
    if names is None:
        by_rank = {3: "NCL", 4: "NCHW"}
        names = "ND" if ... in pattern else by_rank.get(len(pattern), "ND")
    dims = ["*" if d is ... else str(d) if d is not None
            else names[i] if i < len(names) else "?" for i, d in enumerate(pattern)]
    return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"


def shape_matches(shape: tuple[int, ...], pattern: _Pattern) -> bool:
    """Whether a shape fits a pattern of ints, ``None`` (any size) and at most one
    ``...``."""
    if ... in pattern:                # keep what comes before the ... and after it
        cut = pattern.index(...)
        if len(shape) < len(pattern) - 1:
            return False
        shape = shape[:cut] + shape[len(shape) - (len(pattern) - cut - 1):]
        pattern = pattern[:cut] + pattern[cut + 1:]
    if len(shape) != len(pattern):
        return False
    for p, s in zip(pattern, shape):  # a loop, not all(...): layers ask at every call
        if p is not None and p != s:
            return False
    return True


FLOATING = (np.dtype(np.float32), np.dtype(np.float64))


def array(x: object, name: str, owner: object, shape: _Pattern | None = None,
          dtype: npt.DTypeLike | None = None, fix: str = "",
          names: str | None = None) -> np.ndarray:
    """Return ``x`` if it is a NumPy array that fits the ``shape`` pattern and has the
    ``dtype``.

    Derived in "How nnlib checks its inputs". ``dtype`` is the exact dtype the
    array must have, or ``"floating"`` for float32 or float64, the two dtypes nnlib
    computes in. ``fix``, if given, ends the message of a wrong shape; ``names``
    names the free dimensions in it (see ``format_shape``)."""
    if not isinstance(x, np.ndarray):
        fail(TypeError, owner, name, "a NumPy array", type(x).__name__,
             f"convert it with np.asarray({name})")
    if shape is not None and not shape_matches(x.shape, shape):
        fail(ValueError, owner, name, f"of shape {format_shape(shape, names)}", x.shape,
             fix)
    if dtype is not None and (x.dtype not in FLOATING if isinstance(dtype, str)
                              else x.dtype != dtype):
        fail(ValueError, owner, name, *dtype_mismatch(x.dtype, name, dtype))
    return x


def dtype_mismatch(got: np.dtype, name: str,
                   dtype: npt.DTypeLike) -> tuple[str, str, str]:
    """What a message says of an array ``name`` of dtype ``got`` that should have had
    ``dtype``: (what was expected, what came, the fix)."""
    if isinstance(dtype, str):
        return ("float32 or float64", got.name,
                f"convert it with {name}.astype(np.float32) or .astype(np.float64)")
    want = np.dtype(dtype).name
    fix = f"convert it with {name}.astype(np.{want})"
    if got in FLOATING:                 # a layer computes in float32 or float64 only
        fix += f", or the layer with .to(np.{got.name})"
    return want, got.name, fix


def typed(value: _T, name: str, owner: object, kind: type | tuple[type, ...],
          expected: str, valid: Callable[[_T], object] | None = None,
          fix: str = "") -> _T:
    """Return ``value`` if it is a ``kind`` (a class or a tuple of classes; a bool
    counts as no number) and ``valid(value)`` is true: the type-then-value pattern of
    the checks below. A ``TypeError`` if it is not a ``kind``, a ``ValueError`` if it
    is not valid; both messages say ``expected`` and show ``repr(value)``.

    Derived in "How nnlib checks its inputs"."""
    right_type = isinstance(value, kind) and not isinstance(value, bool)
    if right_type and (valid is None or valid(value)):
        return value
    fail(ValueError if right_type else TypeError, owner, name, expected, repr(value),
         fix)


def positive_int(value: int, name: str, owner: object, fix: str = "") -> int:
    """Return ``value`` as an ``int`` if it is an integer >= 1 (a bool is not an integer
    here); ``fix``, if given, ends the message of either error.

    Derived in "How nnlib checks its inputs"."""
    return int(typed(value, name, owner, numbers.Integral, "a positive integer",
                     lambda v: v >= 1, fix))


def count(value: int, name: str, owner: object, fix: str = "") -> int:
    """Return ``value`` as an ``int`` if it is an integer >= 0: ``positive_int`` that
    also takes 0 (a number of epochs, a padding)."""
    return int(typed(value, name, owner, numbers.Integral, "an integer >= 0",
                     lambda v: v >= 0, fix))


def int_pair(value: int | tuple[int, int], name: str, owner: object,
             minimum: int = 1) -> tuple[int, int]:
    """Return ``(a, b)`` from an int or a pair of ints, each >= ``minimum``: a kernel
    size, a stride or a padding, the same in both directions when one int is given."""
    pair = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    ints = len(pair) == 2 and all(isinstance(v, numbers.Integral)
                                  and not isinstance(v, bool) for v in pair)
    if not (ints and min(pair) >= minimum):         # the type, then the value
        fail(ValueError if ints else TypeError, owner, name,
             f"an int or a pair of ints >= {minimum}", repr(value))
    return int(pair[0]), int(pair[1])


def real(value: Any, name: str, owner: object, interval: str = "(-inf, inf)",
         fix: str = "") -> float:
    """Return ``value`` as a ``float`` if it is a real number in ``interval``, written
    as in mathematics: ``"[0, inf)"``, ``"[0, 1)"``, ``"(0, 1]"``. NaN lies in no
    interval. ``fix``, if given, ends the message of either error."""
    low, high = (float(end) for end in interval[1:-1].split(","))

    def inside(value: float) -> bool:
        x = float(value)
        above = x > low if interval[0] == "(" else x >= low
        return above and (x < high if interval[-1] == ")" else x <= high)
    return float(typed(value, name, owner, numbers.Real, f"a real number in {interval}",
                       inside, fix))


def one_of(value: _T, name: str, owner: object, choices: Collection[_T],
           fix: str = "") -> _T:
    """Return ``value`` if it is one of ``choices``."""
    if value not in choices:
        fail(ValueError, owner, name, "one of " + ", ".join(map(repr, choices)),
             repr(value), fix)
    return value


def instance(value: _T, name: str, owner: object, kind: type,
             fix: str = "") -> _T:
    """Return ``value`` if it is an instance of the class ``kind``."""
    if not isinstance(value, kind):
        what = "NumPy array" if kind is np.ndarray else kind.__name__
        article = "an" if what[0] in "AEIOU" else "a"
        fail(TypeError, owner, name, f"{article} {what}", type(value).__name__, fix)
    return value


def function(value: _T, name: str, owner: object, fix: str = "") -> _T:
    """Return ``value`` if it can be called: a function, or an object with a
    ``__call__`` method."""
    if not callable(value):
        fail(TypeError, owner, name, "a function", type(value).__name__, fix)
    return value


def floating_dtype(dtype: npt.DTypeLike, name: str, owner: object) -> np.dtype:
    """Return ``np.dtype(dtype)`` if it is float32 or float64, the dtypes nnlib computes
    in."""
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        fail(TypeError, owner, name, "a NumPy dtype", repr(dtype))
    if dtype not in FLOATING:
        fail(ValueError, owner, name, "float32 or float64", dtype.name,
             "an integer dtype would truncate every weight")
    return dtype


def samples(X: np.ndarray, y: np.ndarray, owner: object,
            names: tuple[str, str] = ("X", "y")) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(X, y)`` if both are arrays of the same number of samples (the first
    dimension), at least one."""
    array(X, names[0], owner, shape=(None, ...))
    array(y, names[1], owner, shape=(None, ...))
    if len(X) != len(y):
        fail(ValueError, owner, f"{names[0]} and {names[1]}",
             "of the same length (one target per sample)",
             f"{len(X)} and {len(y)} samples")
    if len(X) == 0:
        fail(ValueError, owner, names[0], "at least one sample", "none")
    return X, y


def finite(x: np.ndarray, name: str, owner: object, fix: str = "") -> np.ndarray:
    """Return the array ``x`` if it holds no NaN and no infinity."""
    if not np.isfinite(x).all():
        fail(ValueError, owner, name, "finite", "NaN or inf", fix)
    return x


def unit_interval(x: np.ndarray, name: str, owner: object, fix: str = "") -> np.ndarray:
    """Return the non-empty array ``x`` if every entry lies in [0, 1]: probabilities.
    NaN passes (it compares false with both ends): check ``finite`` first."""
    low, high = float(x.min()), float(x.max())
    if low < 0 or high > 1:
        fail(ValueError, owner, name, "in [0, 1]", f"values from {low:g} to {high:g}",
             fix)
    return x


def labels(y: np.ndarray, name: str, owner: object, n_samples: int,
           n_classes: int) -> np.ndarray:
    """Return ``y`` if it holds ``n_samples`` class labels, integers in [0, C)."""
    array(y, name, owner)
    if y.shape != (n_samples,):
        fail(ValueError, owner, name, f"class labels of shape ({n_samples},)", y.shape,
             labels_fix(y, name, n_samples, n_classes))
    if not np.issubdtype(y.dtype, np.integer):
        fail(ValueError, owner, name, "integer class labels", f"dtype {y.dtype.name}",
             f"convert them with {name}.astype(np.int64)")
    low, high = int(y.min()), int(y.max())
    if low < 0 or high >= n_classes:
        fail(ValueError, owner, name, f"in [0, {n_classes})",
             f"values from {low} to {high}", labels_fix(y, name, n_samples, n_classes))
    return y


def labels_fix(y: np.ndarray, name: str, n_samples: int, n_classes: int) -> str:
    """The likely mistake behind labels that ``labels`` refuses, and its fix."""
    if y.shape == (n_samples, n_classes):
        return f"for one-hot rows pass {name}.argmax(axis=1)"
    if y.ndim != 1 and y.size == n_samples:
        return f"reshape them with {name}.reshape(-1)"
    if y.ndim == 1 and y.min() >= 1 and y.max() == n_classes:
        return f"labels counted from 1 are {name} - 1"
    return ""


def gradient(grad_output: np.ndarray, owner: object, shape: tuple[int, ...],
             dtype: np.dtype) -> np.ndarray:
    """Return ``grad_output``, dL/d(output), if it has the ``shape`` and ``dtype`` of
    the output of the last forward pass."""
    fix = ("did a Sequential above return None? Call its backward with input_grad=True"
           if grad_output is None else "")
    instance(grad_output, "grad_output", owner, np.ndarray, fix)
    if grad_output.shape != shape or grad_output.dtype != dtype:
        fail(ValueError, owner, "grad_output", f"of the last output's shape {shape}, "
             f"dtype {np.dtype(dtype).name}", f"{grad_output.shape} and "
             f"{grad_output.dtype.name}")
    return grad_output
