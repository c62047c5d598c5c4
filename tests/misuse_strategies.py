"""Hypothesis strategies and helpers of tests/test_misuse_properties.py: arrays of
every awkward kind (NaN, +-inf, huge, empty, read-only, non-contiguous), the settings
every property runs under, and the check that a refusal names its owner and argument.

Imported only by that module, which skips itself where Hypothesis is not installed."""
import warnings

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

# Every property: the same examples on every run and machine (derandomize), no example
# database written into the work tree, no deadline (a slow first call, importing or
# warming a BLAS, is not a failure), and few enough examples that the whole module runs
# in well under a minute on one core.
PROPERTY = settings(derandomize=True, database=None, deadline=None, max_examples=40,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])
FEW = settings(PROPERTY, max_examples=15)          # properties whose examples are slow

FLOATS = (np.float32, np.float64)
HUGE = {np.float32: float(np.float32(1e18)), np.float64: 1e150}   # squares fit


def values(dtype, kind):
    """Entries of ``dtype``: "nice" multiples of 1/8 in [-8, 8] (exact in float32,
    so float32 and float64 computations see the same numbers), "finite" (up to
    ``HUGE``, subnormals included), or "any" (NaN and +-inf as well)."""
    if kind == "nice":
        return st.integers(-64, 64).map(lambda k: k / 8)
    width = 32 if dtype == np.float32 else 64
    bound = HUGE[dtype]
    finite = st.floats(-bound, bound, width=width)
    if kind == "finite":
        return finite
    special = st.sampled_from([np.nan, np.inf, -np.inf, bound, -bound, 0.0, -0.0])
    return st.one_of(finite, special)


def arrays(dtype, shape, kind="nice"):
    """An array of ``dtype`` and ``shape`` with entries of ``kind`` (see ``values``)."""
    return hnp.arrays(dtype, shape, elements=values(dtype, kind))


LAYOUTS = ("strided", "reversed", "fortran", "readonly", "readonly-strided")


def layout(x, how):
    """An array equal to ``x`` in another memory layout: a strided view into a larger
    buffer, a view with negative strides, Fortran order, or read-only (a copy, or a
    strided view)."""
    if how in ("strided", "readonly-strided"):
        big = np.zeros(x.shape[:-1] + (2 * x.shape[-1] + 1,) if x.ndim else (), x.dtype)
        view = big[..., 1::2] if x.ndim else big
        view[...] = x
        y = view
    elif how == "reversed" and x.ndim:
        y = np.flip(np.flip(x).copy())
    elif how == "fortran" and x.ndim:
        y = np.array(x, order="F")              # a copy even where x is both orders
    else:
        y = x.copy()
    if how.startswith("readonly"):
        y.flags.writeable = False
    assert np.array_equal(y, x, equal_nan=True) and y.dtype == x.dtype
    assert isinstance(y, np.ndarray) and y.shape == x.shape
    return y


def quiet(function, *args, **kwargs):
    """``function(*args, **kwargs)`` with NumPy's floating-point warnings silenced: for
    comparisons of two calls on the same values, where what matters is that both give
    the same result, not what NumPy says on the way."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return function(*args, **kwargs)


def outcome(function, *args, **kwargs):
    """``("ok", result)``, or ``("error", exception)`` for a TypeError or ValueError;
    any other exception propagates (and fails the property)."""
    try:
        return "ok", function(*args, **kwargs)
    except (TypeError, ValueError) as error:
        return "error", error


def assert_names(error, owner, argument):
    """The refusal ``error`` is a TypeError or ValueError whose message names the class
    or function ``owner`` and the ``argument``."""
    assert isinstance(error, (TypeError, ValueError)), repr(error)
    message = str(error)
    assert owner in message, f"{owner!r} not in {message!r}"
    assert argument in message, f"{argument!r} not in {message!r}"


def same(actual, expected):
    """Exactly the same array: shape, dtype and every entry (NaN where NaN)."""
    assert isinstance(actual, np.ndarray), type(actual)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    np.testing.assert_array_equal(actual, expected)


def same_but_rounding(actual, expected):
    """The same array up to the last bits of each finite entry: shape, dtype, NaN and
    inf where they are, the finite entries within a few units of the dtype's rounding
    relative to the largest one."""
    assert isinstance(actual, np.ndarray), type(actual)
    assert actual.shape == expected.shape and actual.dtype == expected.dtype
    finite = np.isfinite(expected)
    np.testing.assert_array_equal(actual[~finite], expected[~finite])
    eps = float(np.finfo(expected.dtype).eps)
    scale = float(np.max(np.abs(expected[finite]), initial=0.0))
    np.testing.assert_allclose(actual[finite], expected[finite], rtol=64 * eps,
                               atol=64 * eps * scale)


def close32(actual, expected):
    """``actual``, float32, is ``expected`` (computed in float64 from the same numbers)
    to float32's precision, relative to the size of ``expected``."""
    assert actual.dtype == np.float32, actual.dtype
    assert actual.shape == expected.shape
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    np.testing.assert_allclose(actual.astype(np.float64), expected, rtol=2e-4,
                               atol=2e-5 * scale)


def reals(low=-1e3, high=1e3):
    """Python numbers for a hyperparameter: reals inside and outside any interval,
    NaN, +-inf, zero, NumPy scalars, and values of the wrong type."""
    return st.one_of(
        st.floats(low, high), st.integers(-5, 20),
        st.sampled_from([0, 0.0, 1, 1.0, -1e-9, 1 - 1e-12, np.nan, np.inf, -np.inf]),
        st.floats(0, 1).map(np.float32), st.integers(0, 5).map(np.int64),
        st.sampled_from([True, False, None, "0.1", [0.1], 1j, np.array([0.5])]))


def in_interval(value, interval):
    """Whether ``value`` is a real number (not a bool) in ``interval``, written as
    "[0, inf)" is; NaN lies in none."""
    import numbers
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False
    low, high = (float(end) for end in interval[1:-1].split(","))
    x = float(value)
    return ((x > low) if interval[0] == "(" else (x >= low)) and \
        ((x < high) if interval[-1] == ")" else (x <= high))


def is_int_at_least(value, minimum):
    """Whether ``value`` is an integer (not a bool) >= ``minimum``."""
    import numbers
    return (not isinstance(value, bool) and isinstance(value, numbers.Integral)
            and value >= minimum)
